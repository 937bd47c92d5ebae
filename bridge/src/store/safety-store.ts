// Blocks, reports and the audit trail.
import type { Database } from './database.ts';
import { runPrepared, type PreparedStatement } from './prepared.ts';

const BLOCKERS_AMONG: PreparedStatement = {
  name: 'blocks_blockers_among',
  text: 'SELECT blocker_id FROM blocks WHERE blocked_id = $1 AND blocker_id = ANY($2::text[])',
};

export interface ReportRow {
  id: string;
  reporter_id: string;
  booking_id: string;
  event_id: string;
  reason: string;
  context: unknown;
  moderation_event_id: string | null;
  created_at: Date;
}

export type AuditAction =
  | 'filter.block'
  | 'filter.mask'
  | 'filter.flag'
  | 'report.create'
  | 'user.block'
  | 'user.unblock'
  | 'message.redact'
  | 'user.export'
  | 'user.erase';

export interface AuditEntry {
  actor: string;
  action: AuditAction;
  bookingId?: string;
  target?: string;
  details?: Record<string, unknown>;
}

/** An audit_log row (also written inside other stores' transactions: see outbox-store.ts). */
export function auditRow(entry: AuditEntry) {
  return {
    actor: entry.actor,
    action: entry.action,
    booking_id: entry.bookingId ?? null,
    target: entry.target ?? null,
    details: JSON.stringify(entry.details ?? {}),
  };
}

export class SafetyStore {
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
  }

  /** True when the block is new. */
  async block(blockerId: string, blockedId: string): Promise<boolean> {
    const rows = await this.db('blocks')
      .insert({ blocker_id: blockerId, blocked_id: blockedId })
      .onConflict(['blocker_id', 'blocked_id'])
      .ignore()
      .returning('blocker_id');
    return rows.length > 0;
  }

  /** True when there was a block to remove. */
  async unblock(blockerId: string, blockedId: string): Promise<boolean> {
    return (await this.db('blocks').where({ blocker_id: blockerId, blocked_id: blockedId }).delete()) > 0;
  }

  async blockedBy(blockerId: string): Promise<string[]> {
    const rows = await this.db('blocks').where({ blocker_id: blockerId }).orderBy('created_at').select('blocked_id');
    return rows.map((r: { blocked_id: string }) => r.blocked_id);
  }

  /** Which of `userIds` have blocked `senderId`. */
  async blockersAmong(senderId: string, userIds: string[]): Promise<Set<string>> {
    if (userIds.length === 0) return new Set();
    // For every message, sent and delivered: prepared, without knex (prepared.ts).
    const rows = await runPrepared<{ blocker_id: string }>(this.db, BLOCKERS_AMONG, [senderId, userIds]);
    return new Set(rows.map((r) => r.blocker_id));
  }

  async insertReport(report: Omit<ReportRow, 'id' | 'created_at' | 'moderation_event_id'>): Promise<ReportRow> {
    const [row] = await this.db<ReportRow>('reports')
      .insert({ ...report, context: JSON.stringify(report.context) as never })
      .returning('*');
    return row!;
  }

  async setReportModerationEvent(reportId: string, eventId: string): Promise<void> {
    await this.db('reports').where({ id: reportId }).update({ moderation_event_id: eventId });
  }

  async audit(entry: AuditEntry): Promise<void> {
    await this.db('audit_log').insert(auditRow(entry));
  }

  async getSetting(key: string): Promise<string | undefined> {
    return (await this.db('bridge_settings').where({ key }).first('value'))?.value;
  }

  /** Stores the value unless one is there already; returns the stored one. */
  async claimSetting(key: string, value: string): Promise<string> {
    await this.db('bridge_settings').insert({ key, value }).onConflict('key').ignore();
    return (await this.getSetting(key))!;
  }
}
