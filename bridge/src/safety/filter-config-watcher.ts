// Keeps the text filter in step with its configuration file (filter-config.ts): reloads it when the
// file changes and keeps the filter in force when the new file is invalid.
import { stat, statSync, type Stats } from 'node:fs';
import { parseFilterConfig, readSource } from './filter-config.ts';
import { TextFilter } from './text-filter.ts';

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
