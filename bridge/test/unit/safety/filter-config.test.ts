import { mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FilterConfigError, loadFilterConfig, parseFilterConfig } from '../../../src/safety/filter-config.ts';
import { FilterConfigWatcher, type FilterLogger } from '../../../src/safety/filter-config-watcher.ts';

const SHIPPED = new URL('../../../../config/filters.yaml', import.meta.url).pathname;

describe('the filter configuration file', () => {
  it('ships with profanity blocked and contact details masked', () => {
    const config = loadFilterConfig(SHIPPED);
    expect(config.mask).toBe('•••');
    expect(config.categories.profanity).toMatchObject({ action: 'block', enabled: true });
    for (const contact of ['phone', 'email', 'link', 'social_handle']) {
      expect(config.categories[contact]).toMatchObject({ action: 'mask', enabled: true });
    }
  });

  it('fills in defaults', () => {
    const config = parseFilterConfig('categories:\n  phone:\n    action: flag\n');
    expect(config).toEqual({ mask: '•••', categories: { phone: { action: 'flag', enabled: true, words: [], allow: [] } } });
  });

  it.each([
    ['categories:\n  phone:\n    action: hide\n', 'categories.phone.action'],
    ['categories:\n  phone:\n    action: mask\n    colour: red\n', 'categories.phone'],
    ['categories:\n  payments:\n    action: flag\n', 'categories.payments.words'],
    ['categories:\n  email:\n    action: mask\n    regions: [GB]\n', 'categories.email.regions'],
    ['categories:\n  phone:\n    action: mask\n    regions: [XX]\n', 'categories.phone.regions'],
    ['categories:\n  profanity:\n    action: block\n    words: ["[unclosed"]\n', 'categories.profanity.words'],
    ['categories:\n  Bad-Name:\n    action: block\n    words: [x1]\n', 'categories'],
    ['mask: ""\ncategories: {}\n', 'mask'],
    ['categories: [', 'not valid YAML'],
  ])('refuses an invalid file, naming the setting (%#)', (yaml, named) => {
    expect(() => parseFilterConfig(yaml, 'filters.yaml')).toThrow(FilterConfigError);
    expect(() => parseFilterConfig(yaml, 'filters.yaml')).toThrow(named);
  });
});

describe('the configuration watcher', () => {
  let dir: string;
  let path: string;
  let logged: Array<{ level: 'info' | 'error'; obj: object; msg: string }>;
  let watcher: FilterConfigWatcher | undefined;
  const logger: FilterLogger = {
    info: (obj, msg) => logged.push({ level: 'info', obj, msg }),
    error: (obj, msg) => logged.push({ level: 'error', obj, msg }),
  };
  const profanity = (action: string) => `categories:\n  profanity:\n    action: ${action}\n`;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'filters-'));
    path = join(dir, 'filters.yaml');
    logged = [];
  });

  afterEach(() => {
    watcher?.close();
    watcher = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  it('refuses to start on an invalid file', () => {
    writeFileSync(path, profanity('shout'));
    expect(() => new FilterConfigWatcher(path, logger)).toThrow('categories.profanity.action');
  });

  it('puts a changed file in force without a restart', async () => {
    writeFileSync(path, profanity('block'));
    watcher = new FilterConfigWatcher(path, logger, { intervalMs: 25 });
    expect(watcher.current().check('shit').action).toBe('block');

    writeFileSync(path, profanity('flag') + '# changed\n');
    await until(() => watcher!.current().check('shit').action === 'flag');
    expect(logged).toContainEqual(expect.objectContaining({ level: 'info', msg: 'filter configuration reloaded' }));
  });

  it('follows editors that replace the file', async () => {
    writeFileSync(path, profanity('block'));
    watcher = new FilterConfigWatcher(path, logger, { intervalMs: 25 });
    writeFileSync(join(dir, 'filters.yaml.tmp'), profanity('mask') + '# saved by an editor\n');
    renameSync(join(dir, 'filters.yaml.tmp'), path);
    await until(() => watcher!.current().check('shit').action === 'mask');
  });

  it('keeps the previous filter when the new file is invalid, and says why', async () => {
    writeFileSync(path, profanity('block'));
    watcher = new FilterConfigWatcher(path, logger, { intervalMs: 25 });
    const before = watcher.current();

    writeFileSync(path, profanity('shout') + '# a typo\n');
    await until(() => logged.some((entry) => entry.level === 'error'));
    expect(watcher.current()).toBe(before);
    expect(watcher.current().check('shit').action).toBe('block');
    const error = logged.find((entry) => entry.level === 'error')!;
    expect(error.obj).toMatchObject({ path, err: expect.stringContaining('categories.profanity.action') });

    writeFileSync(path, profanity('flag') + '# fixed\n');
    await until(() => watcher!.current().check('shit').action === 'flag');
  });

  it('keeps the previous filter while the file is missing', async () => {
    writeFileSync(path, profanity('block'));
    watcher = new FilterConfigWatcher(path, logger, { intervalMs: 25 });
    unlinkSync(path);
    await until(() => logged.some((entry) => entry.level === 'error'));
    expect(watcher.current().check('shit').action).toBe('block');

    writeFileSync(path, profanity('mask') + '# back again\n');
    await until(() => watcher!.current().check('shit').action === 'mask');
  });

  it('tells whoever asked about each new filter, and stops watching when closed', async () => {
    writeFileSync(path, profanity('block'));
    const seen: string[] = [];
    watcher = new FilterConfigWatcher(path, logger, {
      intervalMs: 25,
      onReload: (filter) => seen.push(filter.categories.profanity!),
    });
    writeFileSync(path, profanity('flag') + '# one\n');
    await until(() => seen.length === 1);
    expect(seen).toEqual(['flag']);

    watcher.close();
    // The barrier: a probe polling as often sees two later edits, one poll apart at least; an
    // open watcher would have polled in that time too.
    const probed: string[] = [];
    const probe = new FilterConfigWatcher(path, logger, {
      intervalMs: 25,
      onReload: (filter) => probed.push(filter.categories.profanity!),
    });
    try {
      writeFileSync(path, profanity('mask') + '# two, unseen\n');
      await until(() => probed.length === 1);
      writeFileSync(path, profanity('block') + '# three, unseen\n');
      await until(() => probed.length === 2);
    } finally {
      probe.close();
    }
    expect(probed).toEqual(['mask', 'block']);
    expect(seen).toEqual(['flag']);
    expect(watcher.current().check('shit').action).toBe('flag');
  });
});
