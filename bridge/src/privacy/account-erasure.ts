// The Matrix side of an erased account: every piece of media the user uploaded is deleted from
// Synapse's media repository, and the account is deactivated with Synapse's own erasure (it leaves
// every room; anyone joining later is served its events redacted). Both need Synapse's admin API:
// without an admin token the step is recorded as skipped, and a later erasure request of the same
// user tries again. Both are safe to repeat.
import type { SynapseAdmin } from '../matrix/synapse-admin.ts';
import type { Logger } from '../observability/logger.ts';
import type { AccountState, ErasureRow, ErasureStore } from '../store/erasure-store.ts';

export interface AccountOutcome {
  state: AccountState;
  mediaDeleted: number;
}

export class AccountErasure {
  private readonly store: ErasureStore;
  private readonly admin: SynapseAdmin | undefined;
  private readonly logger: Logger;

  constructor(deps: { store: ErasureStore; admin: SynapseAdmin | undefined; logger: Logger }) {
    this.store = deps.store;
    this.admin = deps.admin;
    this.logger = deps.logger;
  }

  get available(): boolean {
    return this.admin !== undefined;
  }

  /** Runs the step and records its outcome; a failure is thrown (the erasure stays pending, for the worker). */
  async run(erasure: Pick<ErasureRow, 'user_id' | 'matrix_user_id'>): Promise<AccountOutcome> {
    if (!this.admin) {
      await this.store.settleAccount(erasure.user_id, 'skipped', 0);
      this.logger.warn({ userId: erasure.user_id }, 'erasure: no Synapse admin token, media and Matrix account left in Synapse');
      return { state: 'skipped', mediaDeleted: 0 };
    }
    const mediaDeleted = await this.admin.deleteUserMedia(erasure.matrix_user_id);
    await this.admin.deactivate(erasure.matrix_user_id);
    await this.store.settleAccount(erasure.user_id, 'done', mediaDeleted);
    return { state: 'done', mediaDeleted };
  }
}
