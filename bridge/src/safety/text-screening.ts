// Every text an app user sends (messages and image captions) passes the filter before it
// reaches Synapse: `block` refuses it (`filtered`, with the category as reason), `mask`
// replaces the matched parts, `flag` lets it through and raises a report once it is stored.
// Each decision is audited (categories only: the text itself is never stored here).
import { AppError } from '../protocol/errors.ts';
import type { SafetyStore } from '../store/safety-store.ts';
import type { TextFilter } from './text-filter.ts';

export interface Screened {
  text: string;
  /** Reasons to report the message once stored (empty: nothing to report). */
  flags: string[];
}

export class TextScreening {
  private readonly filters: { current(): TextFilter };
  private readonly safety: SafetyStore;

  constructor(filters: { current(): TextFilter }, safety: SafetyStore) {
    this.filters = filters;
    this.safety = safety;
  }

  async screen(userId: string, bookingId: string, text: string): Promise<Screened> {
    const verdict = this.filters.current().check(text);
    if (verdict.action === 'allow') return { text, flags: [] };
    const categories = verdict.matches.map((m) => m.category);
    await this.safety.audit({ actor: userId, action: `filter.${verdict.action}`, bookingId, details: { categories } });
    if (verdict.action === 'block') {
      const reason = verdict.matches.find((m) => m.action === 'block')?.reason ?? 'filtered';
      throw new AppError('filtered', `this message was not sent: ${reason}`, undefined, reason);
    }
    return { text: verdict.text, flags: verdict.matches.filter((m) => m.action === 'flag').map((m) => m.reason) };
  }
}
