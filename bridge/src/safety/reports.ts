// Reports: an app user reports a message (or the filter flags one); the report is stored with
// the message as it now is, every version of its text (an edit cannot hide what was written) and
// a few messages around it, and posted into the moderation room, where staff can open the
// booking's room from it.
import type { BookingAccess } from '../bookings/access.ts';
import type { MessageStates } from '../messages/message-states.ts';
import type { Logger } from '../observability/logger.ts';
import { AppError } from '../protocol/errors.ts';
import type { Message } from '../protocol/types.ts';
import type { BookingRow } from '../store/bookings-store.ts';
import type { ConversationStore } from '../store/conversation-store.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { SafetyStore } from '../store/safety-store.ts';
import type { ModerationRoom } from './moderation-room.ts';

const CONTEXT_AROUND = 3;

export interface ReportsDeps {
  access: BookingAccess;
  messages: MessagesStore;
  conversation: Pick<ConversationStore, 'editsOf'>;
  safety: SafetyStore;
  moderation: ModerationRoom;
  states: MessageStates;
  logger: Logger;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function line(message: Message): string {
  const what = message.text ?? (message.kind === 'image' ? '[photo]' : `[${message.kind}]`);
  return `${message.createdAt} ${message.sender.name} (${message.sender.role}): ${what}`;
}

export class Reports {
  private readonly deps: ReportsDeps;

  constructor(deps: ReportsDeps) {
    this.deps = deps;
  }

  async report(reporterId: string, messageId: string, reason: string): Promise<{ reportId: string }> {
    const row = await this.deps.messages.getByEventId(messageId);
    if (!row) throw new AppError('not_found', 'no such message');
    const booking = await this.deps.access.requireMember(reporterId, row.booking_id);
    return this.file(reporterId, booking, await this.deps.states.renderOne(row, reporterId), reason);
  }

  /** A report raised by the filter (`flag`) for a message it let through; never throws. */
  async flag(booking: BookingRow, message: Message, reasons: string[]): Promise<void> {
    try {
      await this.file('system:filter', booking, message, `filter: ${reasons.join(', ')}`);
    } catch (err) {
      this.deps.logger.error({ err, messageId: message.id }, 'filter flag not reported');
    }
  }

  private async file(reporterId: string, booking: BookingRow, message: Message, reason: string): Promise<{ reportId: string }> {
    const { messages, conversation, safety, moderation, states, logger } = this.deps;
    const context = await states.render(await messages.around(booking.booking_id, message.cursor, CONTEXT_AROUND), reporterId);
    const edits = message.editedAt ? await conversation.editsOf(message.id) : [];
    // The text as first sent (the row's), then each edit: the last is what the message says now.
    const original = edits.length > 0 ? (await messages.getByEventId(message.id))?.content.text : undefined;
    const versions =
      original === undefined
        ? []
        : [{ text: original, at: message.createdAt }, ...edits.map(({ text, at }) => ({ text, at: new Date(at).toISOString() }))];
    const report = await safety.insertReport({
      reporter_id: reporterId,
      booking_id: booking.booking_id,
      event_id: message.id,
      reason,
      context: { message, ...(versions.length > 0 && { versions }), around: context },
    });
    await safety.audit({
      actor: reporterId,
      action: 'report.create',
      bookingId: booking.booking_id,
      target: message.id,
      details: { reportId: report.id, reason },
    });
    try {
      await moderation.openToStaff(booking.room_id);
      const eventId = await moderation.post(...this.describe(report.id, reporterId, booking, { message, versions, context }, reason));
      await safety.setReportModerationEvent(report.id, eventId);
    } catch (err) {
      // The report is stored and audited; staff also find it in the database.
      logger.error({ err, reportId: report.id }, 'report not posted to the moderation room');
    }
    return { reportId: String(report.id) };
  }

  private describe(
    id: string,
    reporterId: string,
    booking: BookingRow,
    { message, versions, context }: { message: Message; versions: { text: string; at: string }[]; context: Message[] },
    reason: string,
  ): [string, string] {
    const link = `https://matrix.to/#/${encodeURIComponent(booking.room_id)}/${encodeURIComponent(message.id)}`;
    const heading = `Report #${id} in booking ${booking.booking_id} by ${reporterId}: ${reason}`;
    const edited = versions.map((version, i) => `${i === 0 ? 'Sent' : 'Edited'} ${version.at}: ${version.text}`);
    const text = [
      heading,
      `Reported: ${line(message)}`,
      ...edited,
      'Context:',
      ...context.map(line),
      `Open the booking's room: ${link}`,
    ].join('\n');
    const html =
      `<p><strong>${escapeHtml(heading)}</strong></p>` +
      `<blockquote>${escapeHtml(line(message))}</blockquote>` +
      (edited.length > 0 ? `<ul>${edited.map((v) => `<li>${escapeHtml(v)}</li>`).join('')}</ul>` : '') +
      `<p>Context:</p><ul>${context.map((m) => `<li>${escapeHtml(line(m))}</li>`).join('')}</ul>` +
      `<p><a href="${escapeHtml(link)}">Open the booking's room</a> (you have been invited; you can reply and redact there)</p>`;
    return [text, html];
  }
}
