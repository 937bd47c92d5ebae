// Stopping the bridge's parts. Each stop is attempted, in the order given, even when an earlier one
// failed: one part that refuses to stop (a Redis that will not quit, a listener that errors) must not
// leave the ones after it running, holding connections, timers and the database pool.

/** A part's name (it names the part in the error) and how to stop it. */
export type StopStep = readonly [name: string, stop: () => unknown];

/** Runs every step; rejects afterwards with an AggregateError holding each failure, named. */
export async function stopAll(steps: readonly StopStep[]): Promise<void> {
  const failures: Error[] = [];
  for (const [name, stop] of steps) {
    try {
      await stop();
    } catch (error) {
      failures.push(new Error(`${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
    }
  }
  if (failures.length > 0) {
    throw new AggregateError(
      failures,
      `${failures.length} part(s) failed to stop: ${failures.map((failure) => failure.message).join('; ')}`,
    );
  }
}
