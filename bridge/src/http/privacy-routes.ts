// The booking system's privacy routes (service token): a user's export, streamed as it is read,
// and their erasure (privacy/). The user id is checked with the protocol's own schema.
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Router } from 'express';
import type { Logger } from '../observability/logger.ts';
import type { Privacy } from '../privacy/privacy-feature.ts';
import { userIdSchema } from '../protocol/schemas.ts';
import { requireServiceToken } from './service-auth.ts';
import { parse } from './validate.ts';

/** A reader that stopped reading for this long is dropped (its reads hold a database connection). */
const EXPORT_IDLE_MS = 60_000;

export function privacyRoutes(serviceToken: string, privacy: Pick<Privacy, 'exports' | 'erasure'>, logger: Logger): Router {
  const router = Router();
  const serviceOnly = requireServiceToken(serviceToken);

  router.get('/users/:userId/export', serviceOnly, async (request, response) => {
    const userId = parse(userIdSchema, request.params.userId, 'userId');
    const chunks = privacy.exports.document(userId);
    // The first chunk before the headers: a database that cannot be reached is still an error answer.
    const first = await chunks.next();
    response.status(200);
    response.setHeader('content-type', 'application/json; charset=utf-8');
    response.setHeader('content-disposition', 'attachment; filename="export.json"');
    response.setHeader('cache-control', 'no-store');
    response.setTimeout(EXPORT_IDLE_MS, () => response.destroy(new Error('export reader idle')));
    const rest = async function* () {
      if (!first.done) yield first.value;
      yield* chunks;
    };
    try {
      await pipeline(Readable.from(rest()), response);
    } catch (err) {
      // The reader went away (or a read failed after the headers): the generator has been closed, its reads stopped.
      if (!response.writableFinished) logger.warn({ err, requestId: request.id }, 'export cut short');
      response.destroy();
    }
  });

  router.delete('/users/:userId', serviceOnly, async (request, response) => {
    const userId = parse(userIdSchema, request.params.userId, 'userId');
    response.json(await privacy.erasure.erase(userId));
  });

  return router;
}
