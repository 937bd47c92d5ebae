// The main thread's handle on the read benchmarks' client worker (read-client-worker.ts).
import { Worker } from 'node:worker_threads';
import type { ClientReply, ClientRequest } from './read-client-worker.ts';
import type { FacadeProbeOptions } from './read-model.ts';
import type { ReadRun } from './reads.ts';
import type { SynapseReadsOptions } from './synapse-reads.ts';

type Request = ClientRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class ReadClients {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private nextId = 0;

  constructor(synapse: SynapseReadsOptions) {
    this.worker = new Worker(new URL('./read-client-worker.ts', import.meta.url), { workerData: synapse });
    this.worker.on('message', (reply: ClientReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.ok) waiter?.resolve(reply.value);
      else waiter?.reject(new Error(reply.error));
    });
    const failAll = (error: Error) => {
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    };
    this.worker.on('error', failAll);
    this.worker.on('exit', (code) => failAll(new Error(`read clients exited (${code})`)));
  }

  private request<T>(request: Request): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ ...request, id });
    });
  }

  /** Fills a Synapse room; returns the names of its probes. */
  fillSynapse(): Promise<{ fillSeconds: number; probes: string[] }> {
    return this.request({ type: 'fill-synapse' });
  }

  /** Connects to the facade and to the bare Socket.io echo; returns the names of their probes (facade history, facade sync, bare ack, bare page). */
  connectFacade(options: FacadeProbeOptions, echoUrl: string): Promise<{ probes: string[] }> {
    return this.request({ type: 'connect-facade', options, echoUrl });
  }

  run(probe: string, count: number, capMs: number): Promise<ReadRun> {
    return this.request({ type: 'run', probe, count, capMs });
  }

  async close(): Promise<void> {
    await this.request({ type: 'close' }).catch(() => undefined);
    await this.worker.terminate();
  }
}
