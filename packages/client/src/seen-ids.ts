// The ids of the messages already handed to the app, so that a message that comes both live and
// by sync (or twice by sync) is emitted once. Bounded: the oldest ids are forgotten first.

export class SeenIds {
  private readonly ids = new Set<string>();
  private readonly limit: number;

  constructor(limit: number) {
    this.limit = limit;
  }

  /** True the first time an id is offered, false after. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    // A Set iterates in insertion order: its first id is the oldest.
    if (this.ids.size > this.limit) this.ids.delete(this.ids.values().next().value!);
    return true;
  }
}
