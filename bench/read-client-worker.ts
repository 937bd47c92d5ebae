// The read benchmarks' clients, in a worker thread: the Matrix client that fills and reads the
// Synapse room and the app's socket that reads the facade. Parsing a 1,000-message answer (and
// collecting its garbage) then happens on this thread's heap, as it would on a phone, not on the
// bridge's; Synapse and the facade are read by the same kind of client in the same place.
// Requests come from read-clients.ts; every answer carries the request's id.
import { parentPort, workerData } from 'node:worker_threads';
import { facadeProbes, type FacadeProbeOptions, type FacadeProbes } from './read-model.ts';
import { echoProbes, type EchoProbes } from './socketio-echo.ts';
import { timeCalls, type ReadProbe } from './reads.ts';
import { startSynapseReads, type SynapseReadsOptions } from './synapse-reads.ts';

export type ClientRequest =
  | { id: number; type: 'fill-synapse' }
  | { id: number; type: 'connect-facade'; options: FacadeProbeOptions; echoUrl: string }
  | { id: number; type: 'run'; probe: string; count: number; capMs: number }
  | { id: number; type: 'close' };

export type ClientReply = { id: number; ok: true; value?: unknown } | { id: number; ok: false; error: string };

const port = parentPort!;
const synapseOptions = workerData as SynapseReadsOptions;
const probes = new Map<string, ReadProbe>();
let facade: FacadeProbes | undefined;
let echo: EchoProbes | undefined;

async function handle(request: ClientRequest): Promise<unknown> {
  switch (request.type) {
    case 'fill-synapse': {
      const synapse = await startSynapseReads(synapseOptions);
      for (const probe of [synapse.history, synapse.catchup, synapse.catchupMessages]) probes.set(probe.name, probe);
      return { fillSeconds: synapse.fillSeconds, probes: [synapse.history.name, synapse.catchup.name, synapse.catchupMessages.name] };
    }
    case 'connect-facade': {
      facade = await facadeProbes(request.options);
      echo = await echoProbes(request.echoUrl, request.options.timeoutMs, await facade.syncAnswer());
      const connected = [facade.history, facade.catchup, echo.ack, echo.page];
      for (const probe of connected) probes.set(probe.name, probe);
      return { probes: connected.map((probe) => probe.name) };
    }
    case 'run': {
      const probe = probes.get(request.probe);
      if (!probe) throw new Error(`no probe ${request.probe}`);
      return timeCalls(probe, request.count, request.capMs);
    }
    case 'close':
      facade?.close();
      echo?.close();
      port.close();
      return undefined;
  }
}

port.on('message', (request: ClientRequest) => {
  handle(request).then(
    (value) => port.postMessage({ id: request.id, ok: true, value } satisfies ClientReply),
    (error: unknown) =>
      port.postMessage({ id: request.id, ok: false, error: (error as Error).stack ?? String(error) } satisfies ClientReply),
  );
});
