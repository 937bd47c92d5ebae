// The privacy feature built in one place (issue #15): a user's export, their erasure, and the
// worker that carries erasures into Synapse. createApp starts and stops it as one part.
import type { Homeserver } from '../matrix/homeserver.ts';
import type { UserDelivery } from '../messages/user-delivery.ts';
import type { SynapseAdmin } from '../matrix/synapse-admin.ts';
import type { Logger } from '../observability/logger.ts';
import type { Database } from '../store/database.ts';
import { ErasureStore } from '../store/erasure-store.ts';
import { ExportStore } from '../store/export-store.ts';
import { AccountErasure } from './account-erasure.ts';
import { ErasureWorker } from './erasure-worker.ts';
import { UserErasure } from './user-erasure.ts';
import { UserExport } from './user-export.ts';

export interface PrivacyFeatureDeps {
  db: Database;
  homeserver: Homeserver;
  synapseAdmin: SynapseAdmin | undefined;
  /** Closes an erased user's sockets. */
  delivery: Pick<UserDelivery, 'disconnect'>;
  logger: Logger;
}

export function createPrivacy(deps: PrivacyFeatureDeps) {
  const { db, homeserver, logger } = deps;
  const store = new ErasureStore(db);
  const account = new AccountErasure({ store, admin: deps.synapseAdmin, logger });
  const worker = new ErasureWorker({ store, homeserver, account, logger });
  const erasure = new UserErasure({ store, ids: homeserver.ids, account, delivery: deps.delivery, logger });
  return {
    exports: new UserExport({ store: new ExportStore(db) }),
    erasure: {
      /** Erases the user, then wakes the worker for the redactions just queued. */
      async erase(userId: string) {
        const summary = await erasure.erase(userId);
        worker.poke();
        return summary;
      },
      /** Which of these users were erased (a booking may not name them again). */
      erasedAmong: (userIds: string[]) => store.erasedAmong(userIds),
    },
    start: () => worker.start(),
    stop: () => worker.stop(),
  };
}

export type Privacy = ReturnType<typeof createPrivacy>;
