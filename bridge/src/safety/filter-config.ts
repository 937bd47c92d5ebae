// The filter configuration file (YAML, config/filters.yaml by default): categories, each with an
// action, that operators edit without a deploy, validated with zod. filter-config-watcher.ts
// reloads it when the file changes.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isPhoneRegion } from './phone-numbers.ts';
import { parseWords } from './word-matcher.ts';

/** The categories text-filter.ts knows without words of the operator's. */
export const BUILT_IN_CATEGORIES: readonly string[] = ['profanity', 'phone', 'email', 'link', 'social_handle'];

const phrase = z.string().trim().min(2).max(200);

const categorySchema = z.strictObject({
  /** block: the send fails; mask: the matched part is replaced; flag: delivered and reported. */
  action: z.enum(['block', 'mask', 'flag']),
  enabled: z.boolean().default(true),
  /** Extra words or phrases for this category, any language (obscenity pattern syntax). */
  words: z.array(phrase).default([]),
  /** Exceptions: phrases (word lists, handles), domains (links, e-mails) or numbers (phone). */
  allow: z.array(phrase).default([]),
  /** phone only: countries whose national formats are recognised (ISO 3166 codes). */
  regions: z
    .array(z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 country code such as GB'))
    .min(1)
    .optional(),
});

export const filterConfigSchema = z
  .strictObject({
    /** What replaces a masked span. */
    mask: z.string().min(1).max(32).default('•••'),
    categories: z.record(z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower-case letters, digits and _'), categorySchema),
  })
  .superRefine((config, ctx) => {
    for (const [name, category] of Object.entries(config.categories)) {
      const path = ['categories', name];
      if (!BUILT_IN_CATEGORIES.includes(name) && category.words.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'words'],
          message: `a category of your own needs words (built in: ${BUILT_IN_CATEGORIES.join(', ')})`,
        });
      }
      if (category.regions && name !== 'phone') {
        ctx.addIssue({ code: 'custom', path: [...path, 'regions'], message: 'regions apply to the phone category only' });
      }
      for (const region of category.regions ?? []) {
        if (!isPhoneRegion(region)) {
          ctx.addIssue({ code: 'custom', path: [...path, 'regions'], message: `unknown region ${region}` });
        }
      }
      try {
        parseWords(category.words);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: [...path, 'words'], message: (error as Error).message });
      }
    }
  });

export type FilterConfig = z.infer<typeof filterConfigSchema>;
export type CategoryConfig = FilterConfig['categories'][string];

export class FilterConfigError extends Error {
  override readonly name = 'FilterConfigError';
}

/** Parses and validates the YAML text of a filter configuration; throws FilterConfigError naming the setting. */
export function parseFilterConfig(source: string, origin = 'filter configuration'): FilterConfig {
  let raw: unknown;
  try {
    raw = parseYaml(source);
  } catch (error) {
    throw new FilterConfigError(`${origin}: not valid YAML: ${(error as Error).message}`);
  }
  const result = filterConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(top level)'}: ${issue.message}`);
    throw new FilterConfigError(`${origin}: ${problems.join('; ')}`);
  }
  return result.data;
}

export function loadFilterConfig(path: string): FilterConfig {
  return parseFilterConfig(readSource(path), path);
}

export function readSource(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new FilterConfigError(`${path}: cannot read: ${(error as Error).message}`);
  }
}
