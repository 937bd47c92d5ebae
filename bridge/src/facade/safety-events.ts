// message:report, user:block, user:unblock and blocks:list.
import type { Blocks } from '../safety/blocks.ts';
import type { Reports } from '../safety/reports.ts';
import { emptyPayloadSchema, messageReportSchema, userTargetSchema } from '../protocol/schemas.ts';
import { onEvent, type HandlerContext } from './acknowledge.ts';

export interface SafetyServices {
  reports: Reports;
  blocks: Blocks;
}

export function registerSafetyEvents(context: HandlerContext, { reports, blocks }: SafetyServices): void {
  const userId = context.socket.data.userId;
  onEvent(context, 'message:report', messageReportSchema, (request) => reports.report(userId, request.messageId, request.reason));
  onEvent(context, 'user:block', userTargetSchema, async (request) => {
    await blocks.block(userId, request.userId);
    return {};
  });
  onEvent(context, 'user:unblock', userTargetSchema, async (request) => {
    await blocks.unblock(userId, request.userId);
    return {};
  });
  onEvent(context, 'blocks:list', emptyPayloadSchema, async () => ({ userIds: await blocks.list(userId) }));
}
