// Every way an upload can be refused: a protocol error code, a machine-readable reason in the
// error's `reason` (e.g. `trailing_data`) and a message for people (`65 bytes follow the end of
// the jpeg image`).
import { AppError } from '../protocol/errors.ts';

/** The machine-readable reason of every refusal (ErrorBody.reason). */
export type RefusalReason =
  | 'empty'
  | 'file_too_large'
  | 'unsupported_type'
  | 'truncated'
  | 'corrupt'
  | 'trailing_data'
  | 'embedded_markup'
  | 'too_many_pixels'
  | 'too_many_frames';

export function refuse(reason: RefusalReason, detail: string): AppError {
  const code = reason === 'file_too_large' || reason === 'too_many_pixels' || reason === 'too_many_frames' ? 'too_large' : 'invalid';
  return new AppError(code, detail, undefined, reason);
}
