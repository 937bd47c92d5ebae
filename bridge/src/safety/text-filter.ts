// The text filter: one check per message (and image caption) before it reaches Synapse. Each
// category finds its matches on the normalised forms of the text (normalise.ts); the verdict is
// the strongest action among them (block over flag over mask), and the text to deliver has every
// masked span of the original replaced.
import { domainOf, findContacts, PLATFORM_WORDS, type ContactHints, type ContactKind } from './contact-patterns.ts';
import type { CategoryConfig, FilterConfig } from './filter-config.ts';
import { normalise } from './normalise.ts';
import { DEFAULT_PHONE_REGIONS, PhoneFinder } from './phone-numbers.ts';
import { englishProfanity, parseWords, WordMatcher, type WordList } from './word-matcher.ts';

export type FilterAction = 'block' | 'mask' | 'flag';

export interface FilterMatch {
  category: string;
  action: FilterAction;
  /** The reason code given to the sender when the message is blocked: the category's name. */
  reason: string;
}

export interface FilterVerdict {
  /** block wins over flag, flag over mask. */
  action: 'allow' | FilterAction;
  /** The text to deliver: masked spans replaced, else unchanged. */
  text: string;
  /** One per category that matched. */
  matches: FilterMatch[];
}

export const BUILT_IN_CATEGORIES: readonly string[] = ['profanity', 'phone', 'email', 'link', 'social_handle'];
const CONTACT_KINDS: readonly ContactKind[] = ['email', 'link', 'social_handle'];
const SEVERITY: Record<FilterAction, number> = { mask: 1, flag: 2, block: 3 };
/** A word list of the platforms' names, looked for with the other words: a hint, not a match. */
const PLATFORMS = ' platforms';
/** Phone numbers on an allow list are compared on their last digits (national or international form). */
const PHONE_SUFFIX = 9;

interface Category {
  name: string;
  action: FilterAction;
  /** Word-list matches cover the whole word of the original ("motherf•••" would show what it was). */
  wholeWords: boolean;
}

interface Hit {
  category: Category;
  from: number;
  to: number;
}

export class TextFilter {
  readonly #mask: string;
  readonly #categories = new Map<string, Category>();
  readonly #words: WordMatcher | undefined;
  readonly #phones: PhoneFinder | undefined;
  readonly #phoneAllow: string[];
  readonly #contacts: Array<{ kind: ContactKind; category: Category; allow: string[] }> = [];

  constructor(config: FilterConfig) {
    this.#mask = config.mask;
    const enabled = Object.entries(config.categories).filter(([, c]) => c.enabled);
    const lists: WordList[] = [];
    for (const [name, settings] of enabled) {
      this.#categories.set(name, { name, action: settings.action, wholeWords: true });
      const list = wordList(name, settings);
      if (list) lists.push(list);
    }
    if (config.categories.social_handle?.enabled) {
      lists.push({ category: PLATFORMS, patterns: parseWords(PLATFORM_WORDS), allow: [] });
    }
    this.#words = lists.length ? new WordMatcher(lists) : undefined;
    const phone = config.categories.phone;
    this.#phones = phone?.enabled ? new PhoneFinder(phone.regions ?? DEFAULT_PHONE_REGIONS) : undefined;
    this.#phoneAllow = (phone?.allow ?? []).map((n) => n.replace(/\D/g, '').slice(-PHONE_SUFFIX)).filter(Boolean);
    for (const kind of CONTACT_KINDS) {
      const settings = config.categories[kind];
      if (!settings?.enabled) continue;
      const category = { name: kind, action: settings.action, wholeWords: false };
      this.#contacts.push({ kind, category, allow: settings.allow.map((a) => a.toLowerCase().replace(/^@/, '')) });
    }
  }

  /** The enabled categories and their actions. */
  get categories(): Record<string, FilterAction> {
    return Object.fromEntries([...this.#categories.values()].map((c) => [c.name, c.action]));
  }

  check(text: string): FilterVerdict {
    const message = normalise(text);
    const hits: Hit[] = [];
    const hints: ContactHints = { platformNamed: false };
    this.#words?.find(message, (name, from, to) => {
      if (name === PLATFORMS) {
        hints.platformNamed = true;
        return;
      }
      const category = this.#categories.get(name)!;
      hits.push(category.wholeWords ? { category, ...wholeWord(text, from, to) } : { category, from, to });
    });
    const phone = this.#categories.get('phone');
    this.#phones?.find(message, (from, to, digits) => {
      if (!this.#phoneAllow.some((allowed) => digits.endsWith(allowed))) hits.push({ category: phone!, from, to });
    });
    for (const { kind, category, allow } of this.#contacts) {
      const joined = message.joined;
      findContacts(joined.text, kind, hints, (start, end, matched) => {
        if (isAllowed(kind, matched, allow)) return;
        const [from, to] = joined.span(start, end);
        hits.push({ category, from, to });
      });
    }
    if (hits.length === 0) return { action: 'allow', text, matches: [] };
    return verdict(text, hits, this.#mask);
  }
}

function wordList(name: string, settings: CategoryConfig): WordList | undefined {
  const own = parseWords(settings.words);
  if (name === 'profanity') {
    const english = englishProfanity();
    return { category: name, patterns: [...english.patterns, ...own], allow: [...english.allow, ...settings.allow] };
  }
  return own.length ? { category: name, patterns: own, allow: settings.allow } : undefined;
}

function isAllowed(kind: ContactKind, matched: string, allow: readonly string[]): boolean {
  if (allow.length === 0) return false;
  if (kind === 'social_handle') return allow.some((phrase) => matched.includes(phrase));
  const domain = domainOf(matched);
  return allow.some((entry) => {
    const allowed = entry.includes('@') ? entry.slice(entry.indexOf('@') + 1) : entry;
    return domain === allowed || domain.endsWith(`.${allowed}`);
  });
}

const WORD_CHAR = /[\p{L}\p{N}\p{M}]/u;

/** The span grown to the whole word(s) of the original text it touches. */
function wholeWord(text: string, from: number, to: number): { from: number; to: number } {
  while (from > 0 && WORD_CHAR.test(text[from - 1]!)) from--;
  while (to < text.length && WORD_CHAR.test(text[to]!)) to++;
  return { from, to };
}

function verdict(text: string, hits: Hit[], mask: string): FilterVerdict {
  const matches = new Map<string, FilterMatch>();
  let action: FilterAction = 'mask';
  for (const { category } of hits) {
    if (!matches.has(category.name)) {
      matches.set(category.name, { category: category.name, action: category.action, reason: category.name });
    }
    if (SEVERITY[category.action] > SEVERITY[action]) action = category.action;
  }
  return { action, text: masked(text, hits, mask), matches: [...matches.values()] };
}

/** The original text with the spans of masking categories replaced, overlapping spans merged. */
function masked(text: string, hits: Hit[], mask: string): string {
  const spans = hits
    .filter((hit) => hit.category.action === 'mask')
    .map(({ from, to }) => [from, to] as const)
    .sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (let i = 0; i < spans.length; ) {
    const from = spans[i]![0];
    let to = spans[i]![1];
    for (i++; i < spans.length && spans[i]![0] <= to; i++) to = Math.max(to, spans[i]![1]);
    out += text.slice(at, from) + mask;
    at = to;
  }
  return out + text.slice(at);
}
