// Parses a request part with its protocol schema; a mismatch is `invalid`, naming the field.
import type { z } from 'zod';
import { AppError } from '../protocol/errors.ts';

export function parse<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const path = [where, ...(issue?.path ?? [])].join('.');
  throw new AppError('invalid', `${path}: ${issue?.message ?? 'invalid'}`);
}
