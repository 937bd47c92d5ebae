// The filter configuration file (YAML, config/filters.yaml by default): categories, each with an
// action, that operators edit without a deploy. Validated with zod; a watcher reloads it when the
// file changes and keeps the filter in force when the new file is invalid.
import { readFileSync, stat, statSync, type Stats } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { isPhoneRegion } from './phone-numbers.ts';
import { BUILT_IN_CATEGORIES, TextFilter } from './text-filter.ts';
import { parseWords } from './word-matcher.ts';

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
  regions: z.array(z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 country code such as GB')).min(1).optional(),
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

function readSource(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new FilterConfigError(`${path}: cannot read: ${(error as Error).message}`);
  }
}

/** pino-compatible. */
export interface FilterLogger {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface FilterWatchOptions {
  /** How often the file's stats are polled. */
  intervalMs?: number;
  /** Called with each new filter put in force by a reload. */
  onReload?: (filter: TextFilter) => void;
}

/** What identifies a version of the file: an editor that replaces it changes the inode. */
const stampOf = (stats: Stats) => `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
const MISSING = 'missing';

/**
 * The filter in force, rebuilt whenever the configuration file changes. The file's stats are
 * polled (every second by default), which follows editors that write a new file and rename it
 * over the old one, where fs.watch loses track. A file that is missing, unreadable or invalid at
 * start-up is an error (thrown); later, it is logged and the previous filter stays in force until
 * the file is fixed.
 */
export class FilterConfigWatcher {
  readonly path: string;
  readonly #logger: FilterLogger;
  readonly #onReload: ((filter: TextFilter) => void) | undefined;
  readonly #timer: NodeJS.Timeout;
  #filter: TextFilter;
  #source: string;
  #stamp: string;
  #polling = false;
  #closed = false;

  constructor(path: string, logger: FilterLogger, options: FilterWatchOptions = {}) {
    this.path = path;
    this.#logger = logger;
    this.#onReload = options.onReload;
    // Stats first: a change made while reading shows up at the next poll.
    this.#stamp = stampNow(path);
    this.#source = readSource(path);
    this.#filter = new TextFilter(parseFilterConfig(this.#source, path));
    this.#timer = setInterval(() => this.#poll(), options.intervalMs ?? 1000);
    this.#timer.unref();
  }

  current(): TextFilter {
    return this.#filter;
  }

  /** Reads the file now; true when a new filter was put in force. */
  reload(): boolean {
    let filter: TextFilter;
    let source: string;
    try {
      source = readSource(this.path);
      if (source === this.#source) return false;
      filter = new TextFilter(parseFilterConfig(source, this.path));
    } catch (error) {
      const err = (error as Error).message;
      this.#logger.error({ path: this.path, err }, 'filter configuration not reloaded; the previous one stays in force');
      return false;
    }
    this.#source = source;
    this.#filter = filter;
    this.#logger.info({ path: this.path, categories: filter.categories }, 'filter configuration reloaded');
    this.#onReload?.(filter);
    return true;
  }

  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
  }

  #poll(): void {
    if (this.#polling) return;
    this.#polling = true;
    stat(this.path, (error, stats) => {
      this.#polling = false;
      const stamp = error ? MISSING : stampOf(stats);
      if (this.#closed || stamp === this.#stamp) return;
      this.#stamp = stamp;
      this.reload();
    });
  }
}

function stampNow(path: string): string {
  try {
    return stampOf(statSync(path));
  } catch {
    return MISSING;
  }
}
