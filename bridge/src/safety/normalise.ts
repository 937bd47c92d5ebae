// The normaliser: turns a message into the forms the filters match on, undoing the usual ways of
// hiding a word or a number, and remembers for every character where it came from in the
// original, so a mask replaces the right span of what the user wrote.
//
//   folded   compatibility forms (NFKC/NFKD: fullwidth, mathematical, enclosed letters, ligatures),
//            case, diacritics, zero-width/invisible/bidi characters, look-alike letters of other
//            scripts (Cyrillic, Greek, small capitals), other scripts' digits
//   joined   folded, with characters spelled out one by one joined ("j a n e @ g m a i l")
//   letters  joined, with leetspeak decoded inside words ("sh1t", "wh@tsapp", "f*ck") and letters
//            split by punctuation joined ("f.u.c.k", "s-h-i-t")               → word lists
//   digits   folded, with digits written as words ("zero seven…", "double one") and letters used
//            as digits inside numbers ("O79II")                                → phone numbers
//
// Repeated letters ("fuuuck") are left to the word matcher, which skips repeats as it walks.
// Each form is built only when asked for, and a step that changes nothing returns its input: an
// ordinary message costs one lower-casing and a few scans.
import { foldCodePoint } from './confusables.ts';

/** Stands for a character that may be an "i" or an "l" ("1", "!", "|" inside a word). */
export const AMBIGUOUS_IL = 0x01;
/** Stands for one hidden letter ("f*ck"). */
export const WILDCARD = 0x2a; // '*'

/**
 * A normalised form of a text. Character `i` of `text` came from the original text's span
 * `[from(i), to(i))`; without maps, from the same position.
 */
export class View {
  readonly text: string;
  readonly #from: readonly number[] | undefined;
  readonly #to: readonly number[] | undefined;

  constructor(text: string, from?: readonly number[], to?: readonly number[]) {
    this.text = text;
    this.#from = from;
    this.#to = to;
  }

  get length(): number {
    return this.text.length;
  }

  from(i: number): number {
    return this.#from ? this.#from[i]! : i;
  }

  to(i: number): number {
    return this.#to ? this.#to[i]! : i + 1;
  }

  /** The span of the original text that the characters `[start, end)` came from. */
  span(start: number, end: number): [number, number] {
    let from = this.from(start);
    let to = this.to(end - 1);
    for (let i = start; i < end; i++) {
      from = Math.min(from, this.from(i));
      to = Math.max(to, this.to(i));
    }
    return [from, to];
  }
}

/** Collects a new form; `upTo` copies the unchanged characters before the first change. */
class ViewBuilder {
  readonly #source: View;
  readonly #codes: number[] = [];
  readonly #from: number[] = [];
  readonly #to: number[] = [];
  #copied = 0;

  constructor(source: View) {
    this.#source = source;
  }

  upTo(index: number): this {
    for (let i = this.#copied; i < index; i++) this.push(this.#source.text.charCodeAt(i), this.#source.from(i), this.#source.to(i));
    this.#copied = Math.max(this.#copied, index);
    return this;
  }

  push(code: number, from: number, to: number): void {
    this.#codes.push(code);
    this.#from.push(from);
    this.#to.push(to);
  }

  /** The source's characters before `end` are accounted for (replaced or dropped). */
  consume(end: number): void {
    this.#copied = Math.max(this.#copied, end);
  }

  /** Character `i` of the source, replaced by `code`. */
  replace(i: number, code: number): void {
    this.upTo(i);
    this.push(code, this.#source.from(i), this.#source.to(i));
    this.consume(i + 1);
  }

  skip(i: number): void {
    this.upTo(i);
    this.consume(i + 1);
  }

  build(): View {
    this.upTo(this.#source.length);
    let text = '';
    for (let i = 0; i < this.#codes.length; i += 4096) text += String.fromCharCode(...this.#codes.slice(i, i + 4096));
    return new View(text, this.#from, this.#to);
  }
}

// ---------------------------------------------------------------------------------------------
// Character classes (on folded text: ASCII lower case, plus whatever other scripts remain).

const isLower = (c: number) => c >= 0x61 && c <= 0x7a;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isSpace = (c: number) => c === 0x20;

const otherLetterCache = new Map<number, boolean>();
const LETTER = /^[\p{L}\p{N}]$/u;
/** A letter or digit of another script, left after folding (e.g. Arabic, Chinese). */
function isOtherLetter(c: number): boolean {
  if (c < 0x80) return false;
  let known = otherLetterCache.get(c);
  if (known === undefined) {
    known = LETTER.test(String.fromCharCode(c));
    otherLetterCache.set(c, known);
  }
  return known;
}

/** Word characters, for word boundaries: letters and digits of any script, "_" and the stand-ins. */
export function isWordChar(c: number): boolean {
  return isLower(c) || isDigit(c) || c === 0x5f || c === AMBIGUOUS_IL || isOtherLetter(c);
}

const isAlnum = (c: number) => isLower(c) || isDigit(c) || isOtherLetter(c);

// ---------------------------------------------------------------------------------------------
// folded

const PLAIN_ASCII = /^[\x20-\x7e]*$/;

/** Compatibility forms, case, diacritics, invisible characters and look-alikes, folded away. */
export function fold(input: string): View {
  if (PLAIN_ASCII.test(input)) return new View(input.toLowerCase());
  return foldInPlace(input) ?? foldMapped(input);
}

/** When every character folds to exactly one (£, é, а…), positions do not move: no maps needed. */
function foldInPlace(input: string): View | undefined {
  // Pieces joined at the end: a string built with += is a rope, slow to read character by character.
  const out: string[] = [];
  let last = 0;
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) continue;
    if (c >= 0xd800 && c <= 0xdfff) return undefined;
    const folded = c < 0x80 ? ' ' : foldCodePoint(c);
    if (folded.length !== 1) return undefined;
    out.push(input.slice(last, i).toLowerCase(), folded);
    last = i + 1;
  }
  out.push(input.slice(last).toLowerCase());
  return new View(out.join(''));
}

function foldMapped(input: string): View {
  const codes: number[] = [];
  const from: number[] = [];
  const to: number[] = [];
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c < 0x80) {
      codes.push(c >= 0x41 && c <= 0x5a ? c + 32 : c < 0x20 || c === 0x7f ? 0x20 : c);
      from.push(i);
      to.push(i + 1);
      continue;
    }
    let cp = c;
    let end = i + 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < input.length) {
      const low = input.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = (c - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
        end = i + 2;
      }
    }
    const folded = foldCodePoint(cp);
    for (let k = 0; k < folded.length; k++) {
      codes.push(folded.charCodeAt(k));
      from.push(i);
      to.push(end);
    }
    i = end - 1;
  }
  let text = '';
  for (let i = 0; i < codes.length; i += 4096) text += String.fromCharCode(...codes.slice(i, i + 4096));
  return new View(text, from, to);
}

// ---------------------------------------------------------------------------------------------
// joined: "j a n e @ g m a i l . c o m" → "jane@gmail.com"

const MIN_SPELLED_RUN = 3;

/** Runs of at least three single characters separated by one or two spaces, joined. */
export function joinSpelled(view: View): View {
  return SPELLED_OUT.test(view.text) ? joinSingles(view, SPACE_SEPARATOR, false, 2) : view;
}

// Cheap tests that rule out most messages before a step scans them character by character.
const SPELLED_OUT = /(?:^|\s)\S\s{1,2}\S\s{1,2}\S(?!\S)/;
const SEPARATOR_CLASS = "[ .\\-_,*/|~+:;'\"`^=\\\\!#]{1,3}";
const SPELLED_WITH_PUNCTUATION = new RegExp(
  `(?:^|[^a-z0-9\\x01])[a-z0-9\\x01]${SEPARATOR_CLASS}[a-z0-9\\x01]${SEPARATOR_CLASS}[a-z0-9\\x01](?![a-z0-9\\x01])`,
);
const LEET_IN_WORD = /[a-z][0-9@$|*#]|[0-9@$!|*#][a-z]|[a-z]![a-z0-9]/;

const asciiTable = (chars: string) => {
  const table = new Uint8Array(0x80);
  for (const ch of chars) table[ch.charCodeAt(0)] = 1;
  return table;
};
const SPACE_SEPARATOR = asciiTable(' ');

/**
 * Drops the separators inside runs of at least MIN_SPELLED_RUN single-character tokens, where
 * the gaps are at most `maxGap` `separators` and tokens are either anything but spaces or
 * (`letterTokens`) letters, digits and stand-ins.
 */
function joinSingles(view: View, separators: Uint8Array, letterTokens: boolean, maxGap: number): View {
  const { text, length } = view;
  const isSeparator = (c: number) => c < 0x80 && separators[c] === 1;
  const isTokenChar = (c: number) => (letterTokens ? isAlnum(c) || c === AMBIGUOUS_IL : c !== 0x20);
  let out: ViewBuilder | undefined;
  let runStart = -1; // start of the first single token of the current run
  let runEnd = -1; // end of the last single token in the run
  let runCount = 0;
  const closeRun = () => {
    if (runCount >= MIN_SPELLED_RUN) {
      out ??= new ViewBuilder(view);
      for (let k = runStart; k < runEnd; k++) if (isSeparator(text.charCodeAt(k))) out.skip(k);
    }
    runCount = 0;
  };
  let i = 0;
  while (i < length) {
    if (!isTokenChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < length && isTokenChar(text.charCodeAt(end))) end++;
    if (end - i !== 1) {
      closeRun();
    } else {
      let gapOk = runCount > 0 && i - runEnd <= maxGap;
      for (let k = runEnd; gapOk && k < i; k++) gapOk = isSeparator(text.charCodeAt(k));
      if (!gapOk) {
        closeRun();
        runStart = i;
      }
      runCount++;
      runEnd = end;
    }
    i = end;
  }
  closeRun();
  return out ? out.build() : view;
}

// ---------------------------------------------------------------------------------------------
// letters

const LEET_DIGITS: Record<number, number> = {
  0x30: 0x6f, // 0 → o
  0x31: AMBIGUOUS_IL, // 1 → i or l
  0x33: 0x65, // 3 → e
  0x34: 0x61, // 4 → a
  0x35: 0x73, // 5 → s
  0x37: 0x74, // 7 → t
  0x38: 0x62, // 8 → b
  0x39: 0x67, // 9 → g
};
const isLeetSymbol = (c: number) =>
  c === 0x40 || c === 0x24 || c === 0x21 || c === 0x7c || c === 0x2a || c === 0x23; // @ $ ! | * #
const isLeetTokenChar = (c: number) => isAlnum(c) || isLeetSymbol(c);
const PUNCTUATION_SEPARATORS = asciiTable(' .-_,*/|~+:;\'"`^=\\!#');

/** Leetspeak decoded inside words, then letters split by punctuation joined. */
export function toLetters(joined: View): View {
  const decoded = LEET_IN_WORD.test(joined.text) ? decodeLeet(joined) : joined;
  return SPELLED_WITH_PUNCTUATION.test(decoded.text) ? joinSingles(decoded, PUNCTUATION_SEPARATORS, true, 3) : decoded;
}

/**
 * Digits and symbols standing for letters, decoded inside words only. Digits need two real
 * letters and a letter before them ("sh1t", "b1tch") or a single digit before three letters
 * ("5hit"): not "A55", "10am", "3pm", "45min". Symbols need one letter ("a$$", "wh@tsapp"); "@"
 * is not decoded at the start of a word (handles), "!", "|", "*", "#" only between letters.
 */
function decodeLeet(view: View): View {
  const { text, length } = view;
  let out: ViewBuilder | undefined;
  let i = 0;
  while (i < length) {
    if (!isLeetTokenChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    let end = i;
    let letters = 0;
    let others = 0;
    let firstAlnum = -1;
    let lastAlnum = -1;
    for (; end < length; end++) {
      const t = text.charCodeAt(end);
      if (!isLeetTokenChar(t)) break;
      if (isLower(t) || isOtherLetter(t)) letters++;
      else others++;
      if (isAlnum(t)) {
        if (firstAlnum < 0) firstAlnum = end;
        lastAlnum = end;
      }
    }
    if (letters > 0 && others > 0) {
      const digitsAsLetters =
        letters >= 2 && (letterBeforeDigit(text, i, end) || (leadingDigit(text, i, end) === 1 && letters >= 3));
      for (let k = i; k < end; k++) {
        const t = text.charCodeAt(k);
        const decoded = decodeInWord(t, k, digitsAsLetters, firstAlnum, lastAlnum);
        if (decoded !== t) (out ??= new ViewBuilder(view)).replace(k, decoded);
      }
    }
    i = end;
  }
  return out ? out.build() : view;
}

/** Whether a letter comes before a digit in `text[start, end)` ("sh1t", not "10am"). */
function letterBeforeDigit(text: string, start: number, end: number): boolean {
  let letter = false;
  for (let k = start; k < end; k++) {
    const t = text.charCodeAt(k);
    if (isDigit(t) && letter) return true;
    if (isLower(t)) letter = true;
  }
  return false;
}

/** How many digits `text[start, end)` starts with. */
function leadingDigit(text: string, start: number, end: number): number {
  let k = start;
  while (k < end && isDigit(text.charCodeAt(k))) k++;
  return k - start;
}

function decodeInWord(t: number, k: number, digitsAsLetters: boolean, firstAlnum: number, lastAlnum: number): number {
  if (isDigit(t)) return digitsAsLetters ? (LEET_DIGITS[t] ?? t) : t;
  const inside = k > firstAlnum && k < lastAlnum;
  if (t === 0x24) return 0x73; // $ → s
  if (t === 0x40) return firstAlnum >= 0 && k > firstAlnum ? 0x61 : t; // @ → a
  if (t === 0x21 || t === 0x7c) return inside ? AMBIGUOUS_IL : t;
  if (t === 0x2a || t === 0x23) return inside ? WILDCARD : t;
  return t;
}

// ---------------------------------------------------------------------------------------------
// digits

type WordList = ReadonlyArray<readonly [word: string, value: number]>;
const NUMBER_WORDS: WordList = [
  ['zero', 0x30],
  ['nought', 0x30],
  ['oh', 0x30],
  ['o', 0x30],
  ['one', 0x31],
  ['two', 0x32],
  ['three', 0x33],
  ['four', 0x34],
  ['five', 0x35],
  ['six', 0x36],
  ['seven', 0x37],
  ['eight', 0x38],
  ['nine', 0x39],
];
/** Number words that can be run together ("sevenninefour"): none is a prefix of another. */
const RUN_TOGETHER = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const REPEATERS: WordList = [
  ['double', 2],
  ['triple', 3],
];
const DIGIT_LOOKALIKES: Record<number, number> = { 0x6f: 0x30, 0x69: 0x31, 0x6c: 0x31 }; // o → 0, i l → 1

/** The value of the word `text[start, end)` in `list`, without building a string. */
function lookupWord(list: WordList, text: string, start: number, end: number): number | undefined {
  const size = end - start;
  for (let e = 0; e < list.length; e++) {
    const w = list[e]![0];
    if (w.length === size && text.startsWith(w, start)) return list[e]![1];
  }
  return undefined;
}

/** "sevenninefour" → [digit, start, end] triples, or undefined if it is not only number words. */
function splitRunTogether(text: string, start: number, end: number): number[] | undefined {
  const parts: number[] = [];
  let at = start;
  while (at < end) {
    const index = RUN_TOGETHER.findIndex((w) => at + w.length <= end && text.startsWith(w, at));
    if (index < 0) return undefined;
    parts.push(0x30 + index, at, at + RUN_TOGETHER[index]!.length);
    at += RUN_TOGETHER[index]!.length;
  }
  return parts;
}

const NUMBER_WORD = '(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|nought|double|triple)';
/**
 * Seven digits close together, two number words (or one and a digit) in a row, or a letter
 * among digits ("O79II"): without one of these a text holds no phone number, and its digits
 * form is not worth building.
 */
const MAY_HOLD_NUMBER = new RegExp(
  `(?:\\d[\\s.\\-()/\\\\_*~|\\[\\]]{0,3}){6}\\d|\\b${NUMBER_WORD}[\\s.,-]+(?:${NUMBER_WORD}\\b|\\d)|\\b${NUMBER_WORD}{2}|[oil]\\d\\d|\\d[oil]\\b`,
);

export function mayHoldNumber(folded: string): boolean {
  return MAY_HOLD_NUMBER.test(folded);
}

/** Digits written as words or letters turned into digits; everything else as folded. */
export function toDigits(folded: View): View {
  const { text, length } = folded;
  let out: ViewBuilder | undefined;
  const builder = () => (out ??= new ViewBuilder(folded));
  let repeat = 1;
  let repeatFrom = -1;
  const emit = (digit: number, start: number, end: number) => {
    const from = repeatFrom >= 0 ? repeatFrom : folded.from(start);
    for (let r = 0; r < repeat; r++) builder().push(digit, from, folded.to(end - 1));
    repeat = 1;
    repeatFrom = -1;
  };
  let i = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (!isLower(c) && !isDigit(c)) {
      i++;
      continue;
    }
    let end = i;
    let digits = 0;
    let lookalikes = 0;
    for (; end < length; end++) {
      const t = text.charCodeAt(end);
      if (isDigit(t)) digits++;
      else if (!isLower(t)) break;
      else if (DIGIT_LOOKALIKES[t] !== undefined) lookalikes++;
    }
    const size = end - i;
    const digit = digits === 0 && size <= 6 ? lookupWord(NUMBER_WORDS, text, i, end) : undefined;
    const repeater = digits === 0 && size === 6 ? lookupWord(REPEATERS, text, i, end) : undefined;
    const parts = digits === 0 && size >= 6 && digit === undefined && repeater === undefined ? splitRunTogether(text, i, end) : undefined;
    if (digits > 0 && digits >= 2 && lookalikes > 0 && digits + lookalikes === size) {
      // "O7911", "O79II": a number with letters that look like digits.
      builder().upTo(i);
      for (let k = i; k < end; k++) {
        const t = text.charCodeAt(k);
        emit(isDigit(t) ? t : DIGIT_LOOKALIKES[t]!, k, k + 1);
      }
      out!.consume(end);
    } else if (digits > 0 && repeat > 1) {
      builder().upTo(i);
      emit(c, i, i + 1);
      out!.consume(i + 1);
    } else if (digit !== undefined) {
      builder().upTo(i);
      emit(digit, i, end);
      out!.consume(end);
    } else if (repeater !== undefined) {
      builder().upTo(i);
      repeat = repeater;
      repeatFrom = folded.from(i);
      // The space after "double" would split the number: drop it with the word.
      while (end < length && isSpace(text.charCodeAt(end))) end++;
      out!.consume(end);
    } else if (parts) {
      builder().upTo(i);
      for (let p = 0; p < parts.length; p += 3) emit(parts[p]!, parts[p + 1]!, parts[p + 2]!);
      out!.consume(end);
    }
    i = end;
  }
  return out ? out.build() : folded;
}

// ---------------------------------------------------------------------------------------------

/** Every form of one message, each built when first asked for. */
export class Normalised {
  readonly original: string;
  #folded: View | undefined;
  #joined: View | undefined;
  #letters: View | undefined;
  #digits: View | undefined;

  constructor(original: string) {
    this.original = original;
  }

  get folded(): View {
    return (this.#folded ??= fold(this.original));
  }

  get joined(): View {
    return (this.#joined ??= joinSpelled(this.folded));
  }

  get letters(): View {
    return (this.#letters ??= toLetters(this.joined));
  }

  get digits(): View {
    return (this.#digits ??= toDigits(this.folded));
  }
}

export function normalise(text: string): Normalised {
  return new Normalised(text);
}
