// Phone numbers in the "digits" form of a message (digits written as words, "O79II" and the like
// already turned into digits): runs of digit groups split by spaces, dots, dashes, slashes or
// brackets, with dates, times and prices taken out, checked against the possible lengths of
// libphonenumber-js's metadata for the number's calling code (international: "+44…", "0044…")
// or for the configured regions (national: "07911…", "(555)…"). Its own parser costs 40–80 µs
// a call; the lengths are read once from the same metadata, so a candidate costs a lookup.
import { getCountries, getCountryCallingCode, Metadata, type CountryCode } from 'libphonenumber-js';
import { mayHoldNumber, type Normalised } from './normalise.ts';

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
const CURRENCY_AFTER = /^\s*(?:[£$€¥₹]|(?:eur|euros?|gbp|usd|aud|cad|pounds?|dollars?|quid|bucks|k)\b)/;
/** Words in front of a number that make it a reference, not a phone number. */
const REFERENCE_BEFORE =
  /\b(?:ref|reference|booking|order|invoice|confirmation|conf|receipt|transaction|txn|ticket|id|code|account|acct|iban|sort|card|postcode|zip|tracking|voucher)\s*(?:no|nr|number|num)?\s*[.:#-]*\s*$/;

interface LengthsByCode {
  lengths: ReadonlyMap<string, ReadonlySet<number>>;
}

let international: LengthsByCode | undefined;

/** Possible national-number lengths for every calling code, from libphonenumber-js's metadata. */
function internationalLengths(): LengthsByCode {
  if (!international) {
    const lengths = new Map<string, Set<number>>();
    for (const country of getCountries()) {
      const code = getCountryCallingCode(country);
      const set = lengths.get(code) ?? new Set<number>();
      for (const length of possibleLengths(country)) set.add(length);
      lengths.set(code, set);
    }
    international = { lengths };
  }
  return international;
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

export class PhoneFinder {
  readonly #regions: Region[];

  constructor(regions: readonly string[]) {
    this.#regions = regions.filter(isPhoneRegion).map((country) => ({
      callingCode: getCountryCallingCode(country),
      lengths: new Set(possibleLengths(country)),
    }));
    internationalLengths();
  }

  /** Reports every phone number's original text span and its digits. */
  find(message: Normalised, report: PhoneMatchHandler): void {
    if (!mayHoldNumber(message.folded.text)) return;
    const view = message.digits;
    const { text, length } = view;
    let i = 0;
    while (i < length) {
      const c = text.charCodeAt(i);
      const plus = c === 0x2b && i + 1 < length && isDigit(text.charCodeAt(i + 1));
      if (!isDigit(c) && !plus) {
        i++;
        continue;
      }
      const groups = readGroups(text, plus ? i + 1 : i);
      const end = groups.at(-1)!.end;
      for (const run of phoneRuns(text, groups)) {
        const first = run[0]!;
        const last = run.at(-1)!;
        let start = first === groups[0] && plus ? i : first.start;
        if (text.charCodeAt(start - 1) === 0x28) start--; // "(555) 123-4567"
        const digits = (first === groups[0] && plus ? '+' : '') + run.map((g) => g.digits).join('');
        if (!this.#plausible(digits) || isReference(text, first === groups[0] && plus ? i : first.start)) continue;
        const [from, to] = view.span(start, last.end);
        report(from, to, digits.replace('+', ''));
      }
      i = end;
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
      (r) =>
        r.lengths.has(digits.length) ||
        (digits.startsWith(r.callingCode) && r.lengths.has(digits.length - r.callingCode.length)),
    );
  }
}

/** "+44 7911…", "+44 (0) 7911…": a known calling code followed by a possible length. */
function fitsCallingCode(digits: string): boolean {
  const { lengths } = internationalLengths();
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
 * The groups split into chunks at spaces; dates ("12/03/2026", "12.03.2026"), times ("9.45")
 * and prices ("£120", "85.50 EUR") taken out; what is left, as runs of consecutive chunks.
 */
function phoneRuns(text: string, groups: Group[]): Group[][] {
  const chunks: Group[][] = [];
  for (const group of groups) {
    if (chunks.length === 0 || group.spaced) chunks.push([group]);
    else chunks.at(-1)!.push(group);
  }
  const runs: Group[][] = [];
  let run: Group[] = [];
  for (const chunk of chunks) {
    if (isDate(chunk) || isTime(chunk) || isPrice(text, chunk)) {
      if (run.length) runs.push(run);
      run = [];
    } else {
      run.push(...chunk);
    }
  }
  if (run.length) runs.push(run);
  return runs.filter((r) => r.reduce((n, g) => n + g.digits.length, 0) >= MIN_DIGITS);
}

function isDate(chunk: Group[]): boolean {
  if (chunk.length !== 3) return false;
  const [a, b, c] = chunk.map((g) => g.digits.length) as [number, number, number];
  const sep = chunk[1]!.gap;
  if (sep !== chunk[2]!.gap || !['.', '/', '-'].includes(sep)) return false;
  return (a <= 2 && b <= 2 && (c === 2 || c === 4)) || (a === 4 && b <= 2 && c <= 2);
}

function isTime(chunk: Group[]): boolean {
  if (chunk.length !== 2 || chunk[1]!.gap !== '.') return false;
  const [h, m] = chunk.map((g) => g.digits) as [string, string];
  return h.length <= 2 && Number(h) <= 24 && m.length === 2 && Number(m) < 60;
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
  if ((before === 0x2d || before === 0x2f) && (isLetter(text.charCodeAt(start - 2)) || isDigit(text.charCodeAt(start - 2)))) {
    return true;
  }
  const context = text.slice(Math.max(0, start - 30), start);
  return /#\s*$/.test(context) || REFERENCE_BEFORE.test(context);
}
