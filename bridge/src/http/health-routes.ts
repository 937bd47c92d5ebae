// Liveness and readiness. Metrics have a listener of their own (metrics-app.ts).
import { Router } from 'express';

/** Readiness answers at once even when a dependency hangs: a load balancer is waiting. */
const CHECK_TIMEOUT_MS = 2_000;

export interface ReadinessChecks {
  /** Without these the process cannot serve: one failing makes /readyz 503. */
  required: Record<string, () => Promise<unknown>>;
  /** The process serves without these (with a fallback): one failing makes /readyz `degraded`, still 200. */
  optional?: Record<string, () => Promise<unknown>>;
}

async function run(check: () => Promise<unknown>): Promise<'ok' | 'failing'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check(), timeout]);
    return 'ok';
  } catch {
    return 'failing';
  } finally {
    clearTimeout(timer);
  }
}

async function runAll(checks: Record<string, () => Promise<unknown>>): Promise<[string, 'ok' | 'failing'][]> {
  return Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await run(check)] as [string, 'ok' | 'failing']));
}

export function healthRoutes(checks: ReadinessChecks): Router {
  const router = Router();
  router.get('/healthz', (_request, response) => {
    response.json({ status: 'ok' });
  });
  router.get('/readyz', async (_request, response) => {
    const [required, optional] = await Promise.all([runAll(checks.required), runAll(checks.optional ?? {})]);
    const ready = required.every(([, state]) => state === 'ok');
    const status = !ready ? 'not_ready' : optional.every(([, state]) => state === 'ok') ? 'ready' : 'degraded';
    response.status(ready ? 200 : 503).json({ status, checks: Object.fromEntries([...required, ...optional]) });
  });
  return router;
}
