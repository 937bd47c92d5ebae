// The protocol's error codes, mapped once to HTTP statuses. Every failure a client sees is one of these.

export const ERROR_CODES = [
  'invalid',
  'unauthorized',
  'forbidden',
  'not_found',
  'blocked',
  'filtered',
  'rate_limited',
  'too_large',
  'closed',
  'unavailable',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Seconds to wait before retrying, with `rate_limited` and `unavailable`. */
  retryAfter?: number;
  /** A machine-readable reason, e.g. the filter category with `filtered`. */
  reason?: string;
}

export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  blocked: 403,
  filtered: 422,
  rate_limited: 429,
  too_large: 413,
  closed: 409,
  unavailable: 503,
  internal: 500,
};

/** An error whose code and message may be shown to the client as they are. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryAfter: number | undefined;
  readonly reason: string | undefined;

  constructor(code: ErrorCode, message: string, retryAfter?: number, reason?: string) {
    super(message);
    this.code = code;
    this.retryAfter = retryAfter;
    this.reason = reason;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.retryAfter !== undefined) body.retryAfter = this.retryAfter;
    if (this.reason !== undefined) body.reason = this.reason;
    return body;
  }
}
