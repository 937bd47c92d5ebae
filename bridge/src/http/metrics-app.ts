// The metrics listener (METRICS_HOST:METRICS_PORT): Prometheus scrapes /metrics here. It is a
// listener of its own so that the public one, which apps and the internet reach, never serves
// the counters (they tell an outsider traffic, error rates and which routes exist).
import express from 'express';
import type { Registry } from 'prom-client';

export function createMetricsApp(registry: Registry) {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_request, response) => {
    response.type(registry.contentType).send(await registry.metrics());
  });
  app.use((_request, response) => {
    response.status(404).end();
  });
  return app;
}
