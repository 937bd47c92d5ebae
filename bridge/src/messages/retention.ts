// Read-model upkeep: monthly partitions created ahead, and whole partitions dropped once all
// their messages are older than the retention period (Synapse purges with the same policy), with
// the edits and reactions of that time.
import type { Logger } from '../observability/logger.ts';
import type { Database } from '../store/database.ts';
import { deleteConversationBefore } from '../store/conversation-store.ts';
import { dropPartitionsBefore, ensureMonthlyPartitions } from '../store/partitions.ts';

const DAY_MS = 86_400_000;
const EVERY_MS = 6 * 3_600_000;

export class ReadModelRetention {
  private readonly db: Database;
  private readonly retentionDays: number;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;

  constructor(db: Database, retentionDays: number, logger: Logger) {
    this.db = db;
    this.retentionDays = retentionDays;
    this.logger = logger;
  }

  async run(now = new Date()): Promise<{ created: string[]; dropped: string[] }> {
    const created = await ensureMonthlyPartitions(this.db, now);
    const cutoff = new Date(now.getTime() - this.retentionDays * DAY_MS);
    const dropped = await dropPartitionsBefore(this.db, cutoff);
    const changes = await deleteConversationBefore(this.db, cutoff);
    if (created.length || dropped.length || changes) this.logger.info({ created, dropped, changes }, 'read model partitions maintained');
    return { created, dropped };
  }

  start(): void {
    this.timer = setInterval(() => {
      this.run().catch((err: unknown) => this.logger.error({ err }, 'read model maintenance failed'));
    }, EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
