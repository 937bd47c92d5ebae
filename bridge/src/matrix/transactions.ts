// Inbound side of the appservice: the routes Synapse calls. We handle transactions ourselves
// instead of matrix-appservice's default, which answers 200 before the events are stored and
// de-duplicates only in memory (a known pitfall in the design notes, ../shared/DESIGN.md, kept
// outside this repository). Here Synapse gets its 200 only
// after the read model has committed; replays are harmless because storing is idempotent.
import express, { Router } from 'express';
import { z } from 'zod';
import type { RoomEvent } from '../messages/matrix-event.ts';
import type { StoredChanges } from '../messages/stored-changes.ts';
import type { FaultPoints } from '../observability/fault-points.ts';
import type { Logger } from '../observability/logger.ts';
import { bearerMatches } from '../shared/bearer-token.ts';
import type { Metrics } from '../observability/metrics.ts';
import { roomEventSchema } from './room-event-schema.ts';

const transactionSchema = z.object({
  events: z.array(z.unknown()).default([]),
  // Synapse sends the same list under the stable and the unstable (MSC2409) key.
  ephemeral: z.array(z.unknown()).optional(),
  'de.sorunome.msc2409.ephemeral': z.array(z.unknown()).optional(),
});

export interface TransactionSink {
  /** Sets aside events the read model refuses; throws only when it cannot be reached (answered 500). */
  store(events: RoomEvent[], txnId: string): Promise<StoredChanges>;
  deliver(stored: StoredChanges): void;
  ephemeral(events: unknown[]): Promise<void>;
}

export interface TransactionRoutesOptions {
  hsToken: string;
  sink: TransactionSink;
  isReady: () => boolean;
  /** A transaction was stored after one this process failed or refused, or as its first. */
  onFlowingAgain: () => void;
  faults: FaultPoints;
  logger: Logger;
  metrics: Metrics;
}

const matrixError = (errcode: string, error: string) => ({ errcode, error });

export function transactionRoutes(options: TransactionRoutesOptions): Router {
  const { hsToken, sink, isReady, onFlowingAgain, faults, logger, metrics } = options;
  const router = Router();
  let flowing = false;
  // Up to 100 events with their content: far above the library's 5 MB, which would make Synapse retry for ever.
  router.use(express.json({ limit: '50mb' }));

  router.use((request, response, next) => {
    const queryToken = typeof request.query.access_token === 'string' ? `Bearer ${request.query.access_token}` : undefined;
    if (bearerMatches(request.header('authorization') ?? queryToken, hsToken)) return next();
    response.status(403).json(matrixError('M_FORBIDDEN', 'bad hs_token'));
  });

  router.put('/_matrix/app/v1/transactions/:txnId', async (request, response) => {
    if (!isReady()) {
      flowing = false;
      response.status(503).json(matrixError('M_UNKNOWN', 'starting'));
      return;
    }
    const body = transactionSchema.safeParse(request.body);
    if (!body.success) {
      response.status(400).json(matrixError('M_BAD_JSON', 'not a transaction'));
      return;
    }
    const events: RoomEvent[] = [];
    for (const raw of body.data.events) {
      const event = roomEventSchema.safeParse(raw);
      if (event.success) events.push(event.data);
      else metrics.transactionEvents.inc({ result: 'malformed' });
    }
    const timer = metrics.transactionDuration.startTimer();
    let stored: StoredChanges;
    try {
      stored = await sink.store(events, request.params.txnId);
    } catch (err) {
      // Synapse retries the whole transaction later; nothing was acknowledged.
      metrics.transactions.inc({ outcome: 'failed' });
      flowing = false;
      logger.error({ err, txnId: request.params.txnId }, 'transaction not stored');
      response.status(500).json(matrixError('M_UNKNOWN', 'not stored, retry'));
      return;
    } finally {
      timer();
    }
    metrics.transactions.inc({ outcome: 'stored' });
    if (!flowing) {
      flowing = true;
      onFlowingAgain();
    }
    // A crash test stops a process here (FAULT_PAUSE_AT), on a transaction that stored a message.
    const storedMessages = stored.messages.length > 0;
    if (storedMessages) await faults.reached('after-commit');
    response.json({});
    if (storedMessages) await faults.reached('after-answer');
    sink.deliver(stored);
    const ephemeral = body.data.ephemeral ?? body.data['de.sorunome.msc2409.ephemeral'] ?? [];
    if (ephemeral.length > 0) await sink.ephemeral(ephemeral);
  });

  // Synapse's ping (MSC2659): answering it ends its retry backoff after a restart.
  router.post('/_matrix/app/v1/ping', (_request, response) => {
    response.json({});
  });

  // App users are registered when their booking's chat is created; nobody else exists here.
  router.get(['/_matrix/app/v1/users/:userId', '/_matrix/app/v1/rooms/:alias'], (_request, response) => {
    response.status(404).json(matrixError('M_NOT_FOUND', 'not provisioned by this bridge'));
  });

  router.use((_request, response) => {
    response.status(404).json(matrixError('M_UNRECOGNIZED', 'unknown endpoint'));
  });
  return router;
}
