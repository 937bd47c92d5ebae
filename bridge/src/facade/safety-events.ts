// message:report, user:block, user:unblock and blocks:list.
import type { Blocks } from '../safety/blocks.ts';
import type { Reports } from '../safety/reports.ts';
import { onEvent, type HandlerContext } from './acknowledge.ts';

export interface SafetyServices {
  reports: Reports;
  blocks: Blocks;
}

export function registerSafetyEvents(context: HandlerContext, { reports, blocks }: SafetyServices): void {
  const userId = context.socket.data.userId;
  onEvent(context, 'message:report', (request) => reports.report(userId, request.messageId, request.reason));
  onEvent(context, 'user:block', async (request) => {
    await blocks.block(userId, request.userId);
    return {};
  });
  onEvent(context, 'user:unblock', async (request) => {
    await blocks.unblock(userId, request.userId);
    return {};
  });
  onEvent(context, 'blocks:list', async () => ({ userIds: await blocks.list(userId) }));
}
