// What one wake-up from idle costs on this machine, to read the bridge's wake-ups per message
// against: a bare Node process sleeps on a timer, wakes `rate` times a second, does nothing, and
// reports its own CPU per wake-up. Every wake-up the bridge counts (bridge_wake_ups_per_msg) costs
// at least that before any work: on the development VM 100–170 µs at 25 a second, 43 µs woken
// every millisecond (docs/operations.md, "Wake-ups").
import { execFile } from 'node:child_process';

const SLEEPER = `
  const wakes = Number(process.argv[1]), every = Number(process.argv[2]);
  let woke = 0;
  const start = process.cpuUsage();
  const timer = setInterval(() => {
    if (++woke < wakes) return;
    clearInterval(timer);
    const used = process.cpuUsage(start);
    process.stdout.write(String((used.user + used.system) / wakes));
  }, every);`;

/** Microseconds of CPU per wake-up of an otherwise idle Node process woken `rate` times a second for `seconds`. */
export function wakeUpCostUs(rate = 25, seconds = 10): Promise<number> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ['-e', SLEEPER, String(rate * seconds), String(1000 / rate)], (error, stdout) =>
      error ? reject(error) : resolve(Math.round(Number(stdout))),
    ),
  );
}
