// Reports: an app user reports a message (or the filter flags one); the report is stored with
// the message and a few around it, and posted into the moderation room, where staff can open
// the booking's room from it.
import type { BookingAccess } from '../bookings/access.ts';
import type { MessageView } from '../messages/message-view.ts';
import type { Logger } from '../observability/logger.ts';
import { AppError } from '../protocol/errors.ts';
import type { Message } from '../protocol/types.ts';
import type { BookingRow } from '../store/bookings-store.ts';
import type { MessagesStore } from '../store/messages-store.ts';
import type { SafetyStore } from '../store/safety-store.ts';
import type { ModerationRoom } from './moderation-room.ts';

const CONTEXT_AROUND = 3;

export interface ReportsDeps {
  access: BookingAccess;
  messages: MessagesStore;
  safety: SafetyStore;
  moderation: ModerationRoom;
  view: MessageView;
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
    return this.file(reporterId, booking, this.deps.view.toMessage(row, reporterId), reason);
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
    const { messages, safety, moderation, view, logger } = this.deps;
    const context = (await messages.around(booking.booking_id, message.cursor, CONTEXT_AROUND)).map((row) =>
      view.toMessage(row, reporterId),
    );
    const report = await safety.insertReport({
      reporter_id: reporterId,
      booking_id: booking.booking_id,
      event_id: message.id,
      reason,
      context: { message, around: context },
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
      const eventId = await moderation.post(...this.describe(report.id, reporterId, booking, message, context, reason));
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
    message: Message,
    context: Message[],
    reason: string,
  ): [string, string] {
    const link = `https://matrix.to/#/${encodeURIComponent(booking.room_id)}/${encodeURIComponent(message.id)}`;
    const heading = `Report #${id} in booking ${booking.booking_id} by ${reporterId}: ${reason}`;
    const text = [heading, `Reported: ${line(message)}`, 'Context:', ...context.map(line), `Open the booking's room: ${link}`].join('\n');
    const html =
      `<p><strong>${escapeHtml(heading)}</strong></p>` +
      `<blockquote>${escapeHtml(line(message))}</blockquote>` +
      `<p>Context:</p><ul>${context.map((m) => `<li>${escapeHtml(line(m))}</li>`).join('')}</ul>` +
      `<p><a href="${escapeHtml(link)}">Open the booking's room</a> (you have been invited; you can reply and redact there)</p>`;
    return [text, html];
  }
}
