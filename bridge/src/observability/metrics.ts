// Every Prometheus metric of the bridge, in one place. Each app gets its own registry, so
// several bridges can run in one test process.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const EVENT_LOOP_SAMPLE_MS = 1000;

export function createMetrics() {
  const registry = new Registry();
  // The event-loop delay histogram samples on a timer of its own: prom-client's default, every
  // 10 ms, woke an idle bridge 100 times a second, and on a VM each wake-up from idle costs
  // ~150 µs of CPU (docs/operations.md, "Wake-ups"). Once a second still catches every stall (a
  // stall delays the next sample by its length); nodejs_eventloop_lag_seconds is measured at scrape.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
  const registers = [registry];
  return {
    registry,
    socketConnections: new Gauge({
      name: 'bookingchat_socket_connections',
      help: 'Open Socket.io connections on this process',
      registers,
    }),
    socketEvents: new Counter({
      name: 'bookingchat_socket_events_total',
      help: 'Client events handled, by event and outcome code',
      labelNames: ['event', 'outcome'] as const,
      registers,
    }),
    httpRequests: new Counter({
      name: 'bookingchat_http_requests_total',
      help: 'HTTP requests, by route and status',
      labelNames: ['route', 'status'] as const,
      registers,
    }),
    sendDuration: new Histogram({
      name: 'bookingchat_message_send_seconds',
      help: 'message:send from receipt to acknowledgement',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    transactions: new Counter({
      name: 'bookingchat_appservice_transactions_total',
      help: 'Appservice transactions from Synapse, by outcome',
      labelNames: ['outcome'] as const,
      registers,
    }),
    transactionEvents: new Counter({
      name: 'bookingchat_appservice_events_total',
      help: 'Room events received in appservice transactions, by what became of them',
      labelNames: ['result'] as const,
      registers,
    }),
    malformedPagedEvents: new Counter({
      name: 'bookingchat_homeserver_malformed_events_total',
      help: "Events in Synapse's /messages pages (history, reconciliation) that were not well-formed room events, left out",
      registers,
    }),
    transactionDuration: new Histogram({
      name: 'bookingchat_appservice_transaction_seconds',
      help: 'Time to store a transaction before answering Synapse',
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    pushes: new Counter({
      name: 'bookingchat_pushes_total',
      help: 'Push notification attempts, by service and outcome',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    }),
    dependencyUp: new Gauge({
      name: 'bookingchat_dependency_up',
      help: 'Whether a service the bridge depends on answers (1) or not (0), by dependency',
      labelNames: ['dependency'] as const,
      registers,
    }),
    deadLetters: new Counter({
      name: 'bookingchat_dead_letters_total',
      help: 'Room events the read model could not store even alone, set aside in dead_letters (docs/operations.md)',
      registers,
    }),
    messagesDelivered: new Counter({
      name: 'bookingchat_messages_delivered_total',
      help: 'Messages stored in the read model and emitted to apps, by kind',
      labelNames: ['kind'] as const,
      registers,
    }),
    outboxDrained: new Counter({
      name: 'bookingchat_outbox_drained_total',
      help: 'Outbox entries a drainer finished for a process that did not, by kind (message, deletion) and outcome (done, gone, dropped)',
      labelNames: ['kind', 'outcome'] as const,
      registers,
    }),
    reconciledEvents: new Counter({
      name: 'bookingchat_reconciled_events_total',
      help: 'Events the homeserver had and the read model lacked, recovered by reconciliation, by kind (message, deletion)',
      labelNames: ['kind'] as const,
      registers,
    }),
    reconciliationPasses: new Counter({
      name: 'bookingchat_reconciliation_passes_total',
      help: 'Reconciliation passes, by outcome (completed, skipped: another process held the lock, failed)',
      labelNames: ['outcome'] as const,
      registers,
    }),
    stalledRooms: new Counter({
      name: 'bookingchat_stalled_rooms_total',
      help: 'Rooms compared with the homeserver because a send waited for its event, by outcome (in_step, repaired: events were missing, failed)',
      labelNames: ['outcome'] as const,
      registers,
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
