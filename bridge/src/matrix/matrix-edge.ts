// The appservice edge built in one place: the listener Synapse pushes transactions to (refused
// until the bridge is ready), the watch on the homeserver's health, and what the bridge does when
// the homeserver comes back (ping the appservice, repair rooms, reconcile). Takes the feature parts
// it hands events to.
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import type { Config } from '../config/config.ts';
import type { EphemeralEvents } from '../messages/ephemeral.ts';
import type { InboundEvents } from '../messages/inbound-events.ts';
import type { Reconciliation } from '../messages/reconciliation.ts';
import type { FaultPoints } from '../observability/fault-points.ts';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { createListener, listenOn, type TlsFiles } from '../shared/listeners.ts';
import type { Homeserver } from './homeserver.ts';
import { HomeserverHealth } from './homeserver-health.ts';
import { transactionRoutes } from './transactions.ts';

/** Pings Synapse fails are tried again, this far apart, up to this many in all. */
const PING_RETRY_MS = 1000;
const PING_ATTEMPTS = 5;
/**
 * Once Synapse's transactions flow again after this process failed or missed some, it replays
 * its backlog; its recoverer can then declare itself done while a new transaction is being
 * queued, which waits for the next failure. A pass this long after the first stored transaction
 * brings back what such a transaction holds (what apps wait on is repaired sooner: stalled rooms).
 */
const FLOWING_AGAIN_PASS_DELAY_MS = 10_000;

export interface MatrixEdgeDeps {
  config: Pick<Config, 'appservice'>;
  tls: TlsFiles | undefined;
  synapseUrl: string;
  /** The appservice registration: Synapse's transactions carry its hs_token. */
  registration: { hs_token: string };
  homeserver: Homeserver;
  inbound: InboundEvents;
  ephemeral: EphemeralEvents;
  reconciliation: Reconciliation;
  repairRooms: () => unknown;
  faults: FaultPoints;
  metrics: Metrics;
  logger: Logger;
}

export function createMatrixEdge(deps: MatrixEdgeDeps) {
  const { config, homeserver, inbound, ephemeral, reconciliation, logger } = deps;
  let ready = false;
  const app = express();
  app.disable('x-powered-by');
  app.use(
    transactionRoutes({
      hsToken: deps.registration.hs_token,
      sink: {
        store: (events, txnId) => inbound.store(events, txnId),
        deliver: (stored) => inbound.deliver(stored),
        ephemeral: (events) => ephemeral.handle(events),
      },
      isReady: () => ready,
      onFlowingAgain: () => void passAfterRecovery(),
      faults: deps.faults,
      logger,
      metrics: deps.metrics,
    }),
  );
  app.use(((error, _request, response, _next) => {
    response.status(error.status === 413 ? 413 : 400).json({ errcode: 'M_BAD_JSON', error: 'unreadable request' });
  }) as express.ErrorRequestHandler);
  // Synapse's side speaks TLS when its registration URL says https (TLS on every hop in production).
  const server = createListener(config.appservice.url.startsWith('https:') ? deps.tls : undefined, app);

  // Synapse backs off after failed pushes (up to minutes); a ping makes it retry queued
  // transactions now. Synapse itself may fail the ping (its connection to this listener cut or
  // refused a moment, a timeout of its own), and until one succeeds the backoff holds every
  // transaction back: so it is tried again, a second apart, a few times.
  const pingAppservice = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await homeserver.pingAppservice();
      } catch (err) {
        if (attempt === PING_ATTEMPTS || !ready) return logger.warn({ err, attempt }, 'appservice ping failed');
        await sleep(PING_RETRY_MS, undefined, { ref: false });
      }
    }
  };
  const passAfterRecovery = async () => {
    await sleep(FLOWING_AGAIN_PASS_DELAY_MS, undefined, { ref: false });
    if (ready) await reconciliation.request('transactions flowing again');
  };
  const homeserverRecovered = () => {
    logger.info('homeserver recovered');
    void pingAppservice();
    void deps.repairRooms();
    return reconciliation.request('homeserver recovered');
  };
  const health = new HomeserverHealth({ url: deps.synapseUrl, onRecovered: () => void homeserverRecovered(), logger });
  return {
    server,
    health,
    homeserverRecovered,
    listen: () => listenOn(server, config.appservice.port, config.appservice.host),
    start() {
      ready = true;
      void pingAppservice();
      health.start();
      // In the background: start-up never waits for Synapse's history.
      void reconciliation.request('start-up');
    },
    stop() {
      ready = false;
      health.stop();
    },
  };
}
