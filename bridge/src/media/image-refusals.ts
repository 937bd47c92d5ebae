// Every way an upload can be refused: a protocol error code and a machine-readable reason at
// the start of the message, e.g. `trailing_data: 65 bytes follow the end of the jpeg image`.
import { AppError } from '../protocol/errors.ts';

/** Machine-readable reasons at the start of every refusal's message. */
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
  const code = reason === 'file_too_large' || reason === 'too_many_pixels' || reason === 'too_many_frames'
    ? 'too_large'
    : 'invalid';
  return new AppError(code, `${reason}: ${detail}`);
}
