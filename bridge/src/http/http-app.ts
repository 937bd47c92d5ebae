// The Express edge: JSON parsing, request ids, the routes, and one error mapping.
import express, { type Router } from 'express';
import type { Logger } from '../observability/logger.ts';
import type { Metrics } from '../observability/metrics.ts';
import { errorHandler, notFound } from './errors.ts';
import { requestId } from './request-id.ts';

export function createHttpApp(logger: Logger, metrics: Metrics, routes: { api: Router[]; health: Router; demo?: Router }) {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback, uniquelocal');
  app.use(requestId);
  app.use((request, response, next) => {
    response.on('finish', () => {
      const route = request.route?.path ? `${request.baseUrl}${request.route.path}` : 'unmatched';
      metrics.httpRequests.inc({ route, status: String(response.statusCode) });
    });
    next();
  });
  app.use(routes.health);
  app.use('/api/v1', express.json({ limit: '64kb', strict: true }), ...routes.api);
  if (routes.demo) app.use('/demo', routes.demo);
  app.use(notFound);
  app.use(errorHandler(logger));
  return app;
}
