// The one error type the client rejects with: the protocol's codes, plus three of its own.
import type { ErrorBody, ErrorCode } from '../../../bridge/src/protocol/errors.ts';

/**
 * The server's codes (docs/protocol.md), and the client's: `offline` (not connected: nothing was
 * sent), `timeout` (sent, but no answer in time), `closed` (the client was closed first). The
 * server's `closed` (the chat is read-only) shares the name: `fromServer` tells them apart.
 */
export type ChatErrorCode = ErrorCode | 'offline' | 'timeout' | 'closed';

export class ChatError extends Error {
  readonly code: ChatErrorCode;
  /** Seconds to wait, with `rate_limited` and `unavailable`. */
  readonly retryAfter: number | undefined;
  /** Machine-readable detail, e.g. the filter category with `filtered`. */
  readonly reason: string | undefined;
  /** The server answered with it (else the client made it up: `offline`, `timeout`, its own `closed`). */
  readonly fromServer: boolean;

  constructor(code: ChatErrorCode, message: string, retryAfter?: number, reason?: string, fromServer = false) {
    super(message);
    this.name = 'ChatError';
    this.code = code;
    this.retryAfter = retryAfter;
    this.reason = reason;
    this.fromServer = fromServer;
  }

  static from(body: ErrorBody): ChatError {
    return new ChatError(body.code, body.message, body.retryAfter, body.reason, true);
  }
}

/** A send that failed with one of these will fail the same way however often it is retried. */
const FINAL_FOR_SENDS: readonly ChatErrorCode[] = ['invalid', 'filtered', 'blocked', 'forbidden', 'too_large', 'not_found'];

export function isFinalForSends(error: ChatError): boolean {
  // The chat is read-only: the client's own `closed` (close() was called) keeps the send queued instead.
  return FINAL_FOR_SENDS.includes(error.code) || (error.code === 'closed' && error.fromServer);
}
