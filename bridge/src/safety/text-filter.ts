// The text filter: one check per message (and image caption) before it reaches Synapse. Each
// category finds its matches on the normalised forms of the text (normalise.ts); the verdict is
// the strongest action among them (block over flag over mask), and the text to deliver has every
// masked span of the original replaced.
import { domainOf, findContacts, type ContactKind } from './contact-patterns.ts';
import type { CategoryConfig, FilterConfig } from './filter-config.ts';
import { withoutIdentifiers } from './identifiers.ts';
import { normalise, type Normalised } from './normalise.ts';
import { DEFAULT_PHONE_REGIONS, NUMBER_WORDS, PhoneFinder } from './phone-numbers.ts';
import { findHandles, PLATFORM_WORDS } from './social-handles.ts';
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

const SEVERITY: Record<FilterAction, number> = { mask: 1, flag: 2, block: 3 };
// Word lists looked for with the others, as hints for the contact finders rather than matches.
const PLATFORMS = ' platforms';
const NUMBERS = ' numbers';
/** Phone numbers on an allow list are compared on their last digits (national or international form). */
const PHONE_SUFFIX = 9;

interface Category {
  name: string;
  action: FilterAction;
  /** Exceptions, lower case (contact categories; word lists keep theirs in the word matcher). */
  allow: string[];
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
  readonly #allowedNumbers: string[];

  constructor(config: FilterConfig) {
    this.#mask = config.mask;
    const lists: WordList[] = [];
    for (const [name, settings] of Object.entries(config.categories)) {
      if (!settings.enabled) continue;
      this.#categories.set(name, { name, action: settings.action, allow: settings.allow.map((a) => a.toLowerCase()) });
      lists.push(...wordLists(name, settings));
    }
    if (this.#categories.has('social_handle')) {
      lists.push({ category: PLATFORMS, patterns: parseWords(PLATFORM_WORDS), allow: [] });
    }
    if (this.#categories.has('phone')) lists.push({ category: NUMBERS, patterns: parseWords(NUMBER_WORDS), allow: [] });
    this.#words = lists.length ? new WordMatcher(lists) : undefined;
    const phone = config.categories.phone;
    this.#phones = phone?.enabled ? new PhoneFinder(phone.regions ?? DEFAULT_PHONE_REGIONS) : undefined;
    this.#allowedNumbers = (phone?.allow ?? []).map((n) => n.replace(/\D/g, '').slice(-PHONE_SUFFIX)).filter(Boolean);
  }

  /** The enabled categories and their actions. */
  get categories(): Record<string, FilterAction> {
    return Object.fromEntries([...this.#categories.values()].map((c) => [c.name, c.action]));
  }

  check(text: string): FilterVerdict {
    const message = normalise(withoutIdentifiers(text));
    const hits: Hit[] = [];
    const platforms: number[] = [];
    const numberWords: Array<[number, number]> = [];
    this.#words?.find(message, (name, from, to, start, end) => {
      if (name === PLATFORMS) platforms.push(start);
      else if (name === NUMBERS) numberWords.push([start, end]);
      // A word-list match covers the whole word: "motherf•••" would show what it was.
      else hits.push({ category: this.#categories.get(name)!, ...wholeWord(text, from, to) });
    });
    this.#findPhones(message, numberWords, hits);
    for (const kind of ['email', 'link'] as const) this.#findContacts(message, kind, hits);
    this.#findHandles(message, platforms, hits);
    if (hits.length === 0) return { action: 'allow', text, matches: [] };
    return verdict(text, hits, this.#mask);
  }

  #findPhones(message: Normalised, numberWords: Array<[number, number]>, hits: Hit[]): void {
    const category = this.#categories.get('phone');
    if (!category || !this.#phones) return;
    this.#phones.find(message, numberWords, (from, to, digits) => {
      if (!this.#allowedNumbers.some((number) => digits.endsWith(number))) hits.push({ category, from, to });
    });
  }

  #findContacts(message: Normalised, kind: ContactKind, hits: Hit[]): void {
    const category = this.#categories.get(kind);
    if (!category) return;
    const { joined } = message;
    findContacts(joined.text, kind, (start, end, matched) => {
      if (allowedDomain(matched, category.allow)) return;
      const [from, to] = joined.span(start, end);
      hits.push({ category, from, to });
    });
  }

  #findHandles(message: Normalised, platforms: number[], hits: Hit[]): void {
    const category = this.#categories.get('social_handle');
    if (!category) return;
    const { letters } = message;
    if (platforms.length === 0 && !letters.text.includes('@')) return;
    const original = (start: number, end: number) => message.original.slice(...letters.span(start, end));
    findHandles(letters.text, platforms, original, (start, end) => {
      const matched = original(start, end).toLowerCase();
      if (category.allow.some((phrase) => matched.includes(phrase))) return;
      const [from, to] = letters.span(start, end);
      hits.push({ category, from, to });
    });
  }
}

/** A category's word lists: obscenity's English dataset for profanity, and the operators' words. */
function wordLists(name: string, settings: CategoryConfig): WordList[] {
  const lists: WordList[] = [];
  if (name === 'profanity') {
    const english = englishProfanity();
    lists.push({ ...english, category: name, allow: [...english.allow, ...settings.allow] });
  }
  const own = parseWords(settings.words);
  if (own.length) lists.push({ category: name, patterns: own, allow: settings.allow });
  return lists;
}

/** Links and addresses whose domain is allowed, or a subdomain of one ("support@our.app"). */
function allowedDomain(matched: string, allow: readonly string[]): boolean {
  if (allow.length === 0) return false;
  const domain = domainOf(matched);
  return allow.some((entry) => {
    const allowed = entry.slice(entry.indexOf('@') + 1);
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

function verdict(text: string, found: Hit[], mask: string): FilterVerdict {
  // The domain of an address is not a link of its own.
  const emails = found.filter((h) => h.category.name === 'email');
  const hits = found.filter((h) => h.category.name !== 'link' || !emails.some((e) => e.from <= h.from && h.to <= e.to));
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

/** Spans this close, with nothing but spaces and punctuation between, become one mask: "•••: •••" reads badly. */
const MASK_GAP = /^[\s\p{P}]{0,3}$/u;

/** The original text with the spans of masking categories replaced, overlapping spans merged. */
function masked(text: string, hits: Hit[], mask: string): string {
  const spans = hits
    .filter((hit) => hit.category.action === 'mask')
    .map(({ from, to }) => [from, to] as const)
    .sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (let i = 0; i < spans.length;) {
    const from = spans[i]![0];
    let to = spans[i]![1];
    for (i++; i < spans.length && (spans[i]![0] <= to || MASK_GAP.test(text.slice(to, spans[i]![0]))); i++) {
      to = Math.max(to, spans[i]![1]);
    }
    out += text.slice(at, from) + mask;
    at = to;
  }
  return out + text.slice(at);
}
