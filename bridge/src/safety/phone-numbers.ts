// Phone numbers: runs of digit groups split by spaces, dots, dashes, slashes or brackets, with
// references, dates, times and prices taken out, checked against the possible lengths of
// libphonenumber-js's metadata for the number's calling code (international: "+44…", "0044…")
// or for the configured regions (national: "07911…", "(555)…"). Its own parser costs 40–80 µs
// a call; the lengths are read once from the same metadata, so a candidate costs a lookup.
// Numbers spelled out ("zero seven…") or with letters posing as digits ("O79II") are read in the
// digits form (number-words.ts), built only for a message that has them.
import { getCountries, getCountryCallingCode, Metadata, type CountryCode } from 'libphonenumber-js';
import type { Normalised } from './normalise.ts';

export const DEFAULT_PHONE_REGIONS = ['GB', 'IE', 'US', 'CA', 'AU', 'FR', 'ES', 'IT', 'DE', 'NL'] as const;

const MIN_DIGITS = 7;
const MAX_DIGITS = 15;
/** National numbers without a trunk prefix ("0…") are long: shorter digit runs are too often something else. */
const MIN_DIGITS_WITHOUT_PREFIX = 9;
const MAX_GAP = 3;

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isLetter = (c: number) => c >= 0x61 && c <= 0x7a;
const SEPARATORS = new Set(Array.from(' .-()/\\_*~|[]', (ch) => ch.charCodeAt(0)));
const CURRENCY_SYMBOLS = new Set(Array.from('£$€¥₹₽₩₺', (ch) => ch.charCodeAt(0)));
/** After the amount: "45 €", "120 EUR", "85 pounds" ("£" and "$" go before: "123456 £45" is not a price). */
const CURRENCY_AFTER = /^\s*(?:€|(?:eur|euros?|gbp|usd|aud|cad|pounds?|dollars?|quid|bucks|k)\b)/;
/** Words in front of a number that make it a reference, not a phone number. */
const REFERENCE_WORDS = [
  'ref',
  'reference',
  'booking',
  'order',
  'invoice',
  'confirmation',
  'conf',
  'receipt',
  'transaction',
  'txn',
  'ticket',
  'id',
  'code',
  'account',
  'acct',
  'iban',
  'sort',
  'card',
  'postcode',
  'zip',
  'tracking',
  'voucher',
];
const REFERENCE_BEFORE = new RegExp(`\\b(?:${REFERENCE_WORDS.join('|')})\\s*(?:no|nr|number|num)?\\s*[.:#-]*\\s*$`);

let byCallingCode: Map<string, Set<number>> | undefined;

/** Possible national-number lengths for every calling code, from libphonenumber-js's metadata. */
function callingCodeLengths(): Map<string, Set<number>> {
  if (!byCallingCode) {
    byCallingCode = new Map();
    for (const country of getCountries()) {
      const code = getCountryCallingCode(country);
      const set = byCallingCode.get(code) ?? new Set<number>();
      for (const length of possibleLengths(country)) set.add(length);
      byCallingCode.set(code, set);
    }
  }
  return byCallingCode;
}

function possibleLengths(country: CountryCode): number[] {
  const metadata = new Metadata();
  metadata.selectNumberingPlan(country);
  return metadata.numberingPlan?.possibleLengths() ?? [];
}

interface Region {
  callingCode: string;
  lengths: ReadonlySet<number>;
}

export function isPhoneRegion(code: string): code is CountryCode {
  return (getCountries() as string[]).includes(code);
}

export type PhoneMatchHandler = (from: number, to: number, digits: string) => void;

/** Number words for the word matcher: three in a row make a message worth reading for numbers. */
export const NUMBER_WORDS = [
  ...['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'nought'].map((w) => `|${w}`),
  ...['oh', 'double', 'triple'].map((w) => `|${w}|`),
];
const NUMBER_GAP = /^[\s.,\-/()_*~|]*(?:\d+[\s.,\-/()_*~|]*)?$/;
const SPELLED_RUN = 3;

/**
 * Whether number words found at `spans` (in `text`, in order) stand in a row of at least three,
 * with nothing but separators or digits between them: "seven nine one", "07911 one two".
 */
function spelledOut(text: string, spans: ReadonlyArray<readonly [number, number]>): boolean {
  let run = 1;
  for (let i = 1; i < spans.length; i++) {
    const gap = text.slice(spans[i - 1]![1], spans[i]![0]);
    run = gap.length <= 12 && NUMBER_GAP.test(gap) ? run + 1 : 1;
    if (run >= SPELLED_RUN) return true;
  }
  return false;
}

/** Seven digits or more, at most MAX_GAP separators apart: where a phone number may be. */
const CANDIDATE = /\+?\d(?:[ .\-()/\\_*~|[\]]{0,3}\d){6,}/g;
/** A digit next to a letter that may pose as one; the scan starts on a digit, which is quick. */
const DIGIT_BY_LOOKALIKE = /\d(?:(?<=[oil]\d)|[oil])/g;
const isDigitOrLookalike = (c: number) => (c >= 0x30 && c <= 0x39) || c === 0x6f || c === 0x69 || c === 0x6c;

/** A word of digits and letters posing as digits, two digits at least ("O79II", "o7911"): the digits form reads it. */
function hasLookalikeNumber(text: string): boolean {
  DIGIT_BY_LOOKALIKE.lastIndex = 0;
  for (let m = DIGIT_BY_LOOKALIKE.exec(text); m; m = DIGIT_BY_LOOKALIKE.exec(text)) {
    let start = m.index;
    let end = m.index;
    while (start > 0 && isDigitOrLookalike(text.charCodeAt(start - 1))) start--;
    while (end < text.length && isDigitOrLookalike(text.charCodeAt(end))) end++;
    const alone = !/[a-z0-9]/.test(text[start - 1] ?? '') && !/[a-z0-9]/.test(text[end] ?? '');
    if (alone && text.slice(start, end).replace(/\D/g, '').length >= 2) return true;
  }
  return false;
}

export class PhoneFinder {
  readonly #regions: Region[];

  constructor(regions: readonly string[]) {
    this.#regions = regions.filter(isPhoneRegion).map((country) => ({
      callingCode: getCountryCallingCode(country),
      lengths: new Set(possibleLengths(country)),
    }));
    callingCodeLengths();
  }

  /**
   * Reports every phone number's original text span and its digits. `numberWords`: where the
   * word matcher saw NUMBER_WORDS in the letters form. Unless some stand in a row or letters
   * pose as digits, the folded form is read as it is: the digits form is not worth building.
   */
  find(message: Normalised, numberWords: ReadonlyArray<readonly [number, number]>, report: PhoneMatchHandler): void {
    const spelled = numberWords.length >= SPELLED_RUN && spelledOut(message.letters.text, numberWords);
    const view = spelled || hasLookalikeNumber(message.folded.text) ? message.digits : message.folded;
    const { text } = view;
    CANDIDATE.lastIndex = 0;
    for (let m = CANDIDATE.exec(text); m; m = CANDIDATE.exec(text)) {
      const i = m.index;
      const plus = text.charCodeAt(i) === 0x2b;
      const groups = readGroups(text, plus ? i + 1 : i);
      // The longest stretch of whole chunks that makes a phone number: "back in 10 0044 7911…"
      for (const chunks of phoneRuns(text, groups, isReference(text, i))) {
        const digits = chunks.map((chunk) => chunk.map((g) => g.digits).join(''));
        for (let a = 0; a < chunks.length;) {
          let next = a + 1;
          let count = digits.slice(a).reduce((n, d) => n + d.length, 0);
          for (let b = chunks.length; b > a && count >= MIN_DIGITS; count -= digits[--b]!.length) {
            if (count > MAX_DIGITS + 2) continue;
            const international = a === 0 && chunks[0]![0] === groups[0] && plus;
            const candidate = (international ? '+' : '') + digits.slice(a, b).join('');
            if (!this.#plausible(candidate)) continue;
            let start = international ? i : chunks[a]![0]!.start;
            if (text.charCodeAt(start - 1) === 0x28) start--; // "(555) 123-4567"
            const [from, to] = view.span(start, chunks[b - 1]!.at(-1)!.end);
            report(from, to, candidate.replace('+', ''));
            next = b;
            break;
          }
          a = next;
        }
      }
      CANDIDATE.lastIndex = groups.at(-1)!.end;
    }
  }

  #plausible(candidate: string): boolean {
    const plus = candidate.startsWith('+');
    const digits = plus ? candidate.slice(1) : candidate;
    if (digits.length < MIN_DIGITS || digits.length > MAX_DIGITS + 2) return false;
    if (plus) return fitsCallingCode(digits);
    if (digits.startsWith('00')) return fitsCallingCode(digits.slice(2));
    if (digits.startsWith('0')) return this.#regions.some((r) => r.lengths.has(digits.length - 1));
    if (digits.length < MIN_DIGITS_WITHOUT_PREFIX) return false;
    return this.#regions.some(
      (r) => r.lengths.has(digits.length) || (digits.startsWith(r.callingCode) && r.lengths.has(digits.length - r.callingCode.length)),
    );
  }
}

/** "+44 7911…", "+44 (0) 7911…": a known calling code followed by a possible length. */
function fitsCallingCode(digits: string): boolean {
  const lengths = callingCodeLengths();
  for (let size = 1; size <= 3; size++) {
    const possible = lengths.get(digits.slice(0, size));
    if (!possible) continue;
    const rest = digits.slice(size);
    if (possible.has(rest.length) || (rest.startsWith('0') && possible.has(rest.length - 1))) return true;
  }
  return false;
}

interface Group {
  start: number;
  end: number;
  digits: string;
  /** The separator before this group ('' for the first), and whether it holds a space. */
  gap: string;
  spaced: boolean;
}

/** Digit groups from `start`, each after a gap of at most MAX_GAP separators. */
function readGroups(text: string, start: number): Group[] {
  const groups: Group[] = [];
  let i = start;
  let gap = '';
  for (;;) {
    let end = i;
    while (end < text.length && isDigit(text.charCodeAt(end))) end++;
    groups.push({ start: i, end, digits: text.slice(i, end), gap, spaced: gap.includes(' ') });
    let next = end;
    while (next < text.length && next - end <= MAX_GAP && SEPARATORS.has(text.charCodeAt(next))) next++;
    if (next === end || next - end > MAX_GAP || next >= text.length || !isDigit(text.charCodeAt(next))) return groups;
    gap = text.slice(end, next);
    i = next;
  }
}

/**
 * The groups split into chunks at spaces; a reference ("BK-2026…", `referenceFirst`), dates
 * ("12/03/2026", "14/07"), times ("9.45"), ranges ("10-12") and prices ("£120", "85.50 EUR")
 * taken out; what is left, as runs of consecutive chunks.
 */
function phoneRuns(text: string, groups: Group[], referenceFirst: boolean): Group[][][] {
  const chunks: Group[][] = [];
  for (const group of groups) {
    if (chunks.length === 0 || group.spaced) chunks.push([group]);
    else chunks.at(-1)!.push(group);
  }
  const runs: Group[][][] = [];
  let run: Group[][] = [];
  for (const chunk of chunks) {
    if ((referenceFirst && chunk === chunks[0]) || isDate(chunk) || isShortPair(chunk) || isPrice(text, chunk)) {
      if (run.length) runs.push(run);
      run = [];
    } else {
      run.push(chunk);
    }
  }
  if (run.length) runs.push(run);
  return runs;
}

function isDate(chunk: Group[]): boolean {
  if (chunk.length !== 3) return false;
  const [a, b, c] = chunk.map((g) => g.digits.length) as [number, number, number];
  const sep = chunk[1]!.gap;
  if (sep !== chunk[2]!.gap || !['.', '/', '-'].includes(sep)) return false;
  return (a <= 2 && b <= 2 && (c === 2 || c === 4)) || (a === 4 && b <= 2 && c <= 2);
}

/** "14/07", "9.45", "10-12": a day and month, a time, a range; never part of a phone number. */
function isShortPair(chunk: Group[]): boolean {
  return chunk.length === 2 && chunk[0]!.digits.length <= 2 && chunk[1]!.digits.length <= 2;
}

function isPrice(text: string, chunk: Group[]): boolean {
  let before = chunk[0]!.start - 1;
  while (before >= 0 && text.charCodeAt(before) === 0x20) before--;
  if (before >= 0 && CURRENCY_SYMBOLS.has(text.charCodeAt(before))) return true;
  return CURRENCY_AFTER.test(text.slice(chunk.at(-1)!.end, chunk.at(-1)!.end + 10));
}

/** "BK-20260412", "ref 4839 2017", "#48392017", "order no. 12345678": references, not phones. */
function isReference(text: string, start: number): boolean {
  const before = text.charCodeAt(start - 1);
  if (isLetter(before)) return true;
  const beforeThat = text.charCodeAt(start - 2);
  if ((before === 0x2d || before === 0x2f) && (isLetter(beforeThat) || isDigit(beforeThat))) return true;
  const context = text.slice(Math.max(0, start - 30), start);
  return /#\s*$/.test(context) || REFERENCE_BEFORE.test(context);
}
