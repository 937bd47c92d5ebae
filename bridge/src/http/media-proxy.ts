// Streams one media download from the homeserver to a client. Synapse must start answering
// and keep sending within the timeout; a client that goes away aborts the upstream request (its
// connection is closed, not left holding an unread body); a failure after the headers were
// sent ends the client's response broken (connection closed), never the process.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Response } from 'express';
import { AppError } from '../protocol/errors.ts';

/** Opens the upstream download; the signal aborts it at any point, body included. */
export type OpenUpstream = (signal: AbortSignal) => Promise<globalThis.Response>;

const TIMED_OUT = 'the homeserver did not send the media in time';

/**
 * `describe` sets the client's headers from the upstream's successful answer. Resolves when the client has the whole body or has gone away; rejects with an AppError
 * otherwise (before the headers: the error is the answer; after: the connection is cut).
 */
export async function proxyMedia(
  response: Response,
  timeoutMs: number,
  open: OpenUpstream,
  describe: (upstream: globalThis.Response) => void,
): Promise<void> {
  const upstream = new AbortController();
  const gone = new Error('the client went away');
  // One timer for the whole exchange, pushed back by every chunk: it bounds the wait for the
  // headers and any silence in the body, but not a large download that keeps moving.
  const idle = setTimeout(() => upstream.abort(new AppError('unavailable', TIMED_OUT, 1)), timeoutMs);
  const clientGone = () => upstream.abort(gone);
  response.once('close', clientGone);
  // Throws why the exchange failed, as the client may see it; nothing when nobody is listening.
  const fail = (error: unknown): void => {
    const reason: unknown = upstream.signal.reason;
    if (reason === gone) return;
    if (reason instanceof AppError) throw reason;
    throw Object.assign(new AppError('unavailable', 'the homeserver could not send the media; retry later', 1), { cause: error });
  };
  try {
    let answer: globalThis.Response;
    try {
      answer = await open(upstream.signal);
    } catch (error) {
      return fail(error);
    }
    idle.refresh();
    if (!answer.ok || !answer.body) {
      await answer.body?.cancel().catch(() => undefined);
      if (answer.status === 404) throw new AppError('not_found', 'media not available');
      return fail(new Error(`the homeserver answered ${answer.status}`));
    }
    describe(answer);
    const keepAlive = async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        idle.refresh();
        yield chunk;
      }
    };
    try {
      await pipeline(Readable.fromWeb(answer.body as never), keepAlive, response);
    } catch (error) {
      fail(error);
    }
  } finally {
    clearTimeout(idle);
    response.off('close', clientGone);
  }
}
