// Read-model rows by cursor, the most recently used kept. A row never changes once written (a
// message is inserted once and only ever deleted), so a cached row is never stale: the queries
// still decide which cursors a page holds, and the cache only saves fetching and parsing their
// content again, which is most of the cost of a catch-up (Synapse keeps events in memory for the
// same reason).
import type { MessageRow } from './rows.ts';

export class MessageRowCache {
  private readonly capacity: number;
  /** A Map iterates in insertion order: re-inserting on use keeps the oldest use first. */
  private readonly rows = new Map<string, MessageRow>();

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get(seq: string): MessageRow | undefined {
    const row = this.rows.get(seq);
    if (row) {
      this.rows.delete(seq);
      this.rows.set(seq, row);
    }
    return row;
  }

  put(row: MessageRow): void {
    if (this.capacity === 0) return;
    this.rows.delete(row.seq);
    this.rows.set(row.seq, row);
    if (this.rows.size > this.capacity) this.rows.delete(this.rows.keys().next().value!);
  }

  delete(seq: string): void {
    this.rows.delete(seq);
  }

  get size(): number {
    return this.rows.size;
  }
}
