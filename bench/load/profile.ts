// Optional profiles of a load step, to find where the CPU per message goes (issue #13).
// BENCH_LOAD_PROFILE=<dir>: a V8 CPU profile of this process (the bridge runs in it) per step,
// <dir>/<topology>-<sockets>-<rate>.cpuprofile (open it in Chrome's DevTools, or summarise it
// with `node bench/load/profile-summary.ts <file>`). With BENCH_LOAD_PY_SPY=<path to py-spy>
// too, py-spy samples each Synapse process during the step into <dir>/<...>-synapse-<pid>.txt
// (collapsed stacks, idle time left out). Profiling costs CPU itself: compare CPU per message
// only between runs without it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';

const DIR = process.env.BENCH_LOAD_PROFILE;
const PY_SPY = process.env.BENCH_LOAD_PY_SPY;

export interface StepProfile {
  stop(): Promise<void>;
}

const nothing: StepProfile = { stop: async () => undefined };

export async function profileStep(name: string, synapsePids: number[], durationMs: number): Promise<StepProfile> {
  if (!DIR) return nothing;
  mkdirSync(DIR, { recursive: true });
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('Profiler.start');
  const spies: ChildProcess[] = PY_SPY
    ? synapsePids.map((pid) =>
        spawn(
          PY_SPY,
          [
            'record',
            '--pid',
            String(pid),
            '--duration',
            String(Math.ceil(durationMs / 1000)),
            '--rate',
            '200',
            '--format',
            'raw',
            '--output',
            join(DIR, `${name}-synapse-${pid}.txt`),
          ],
          { stdio: 'ignore' },
        ),
      )
    : [];
  return {
    async stop() {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(join(DIR, `${name}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
      await Promise.all(spies.map((spy) => new Promise((resolve) => (spy.exitCode === null ? spy.once('exit', resolve) : resolve(null)))));
    },
  };
}
