// The normaliser: turns a message into the forms the filters match on, undoing the usual ways of
// hiding a word or a number, and remembers for every character where it came from in the
// original, so a mask replaces the right span of what the user wrote.
//
//   folded   NFKC/NFKD compatibility forms, case, diacritics, invisible and bidi characters,
//            look-alike letters from other scripts (Cyrillic, Greek, small capitals, enclosed
//            letters), other scripts' digits.             → e-mails, links, whitelists
//   joined   folded, with letters spaced out one by one joined ("j a n e @ g m a i l")
//   letters  joined, leetspeak decoded inside words ("sh1t", "wh@tsapp"), letters split by
//            punctuation joined ("f.u.c.k"), repeated letters collapsed   → word lists, handles
//   digits   folded, digits written as words ("zero seven…"), letters used as digits inside
//            numbers ("O79II")                                               → phone numbers
import { foldCodePoint } from './confusables.ts';

/** Stands for a character that may be an "i" or an "l" ("1", "!", "|" inside a word). */
export const AMBIGUOUS_IL = 0x01;
/** Stands for one hidden letter ("f*ck"). */
export const WILDCARD = 0x2a; // '*'

/**
 * A normalised form of a text. `codes[i]` (i < length) is a UTF-16 code unit; it came from the
 * original text's span `[from[i], to[i])`.
 */
export class View {
  readonly codes: Uint16Array;
  readonly from: Int32Array;
  readonly to: Int32Array;
  readonly length: number;
  #text: string | undefined;

  constructor(codes: Uint16Array, from: Int32Array, to: Int32Array, length: number) {
    this.codes = codes;
    this.from = from;
    this.to = to;
    this.length = length;
  }

  get text(): string {
    if (this.#text === undefined) this.#text = decoder.decode(this.codes.subarray(0, this.length));
    return this.#text;
  }

  /** The span of the original text that the view's characters `[start, end)` came from. */
  span(start: number, end: number): [number, number] {
    let from = this.from[start]!;
    let to = this.to[end - 1]!;
    // Characters are mapped one by one; a join (dropped separators) can make the ends non-monotonic.
    for (let i = start; i < end; i++) {
      if (this.from[i]! < from) from = this.from[i]!;
      if (this.to[i]! > to) to = this.to[i]!;
    }
    return [from, to];
  }
}

const decoder = new TextDecoder('utf-16le');

class ViewBuilder {
  codes: Uint16Array;
  from: Int32Array;
  to: Int32Array;
  length = 0;

  constructor(capacity: number) {
    const size = Math.max(16, capacity);
    this.codes = new Uint16Array(size);
    this.from = new Int32Array(size);
    this.to = new Int32Array(size);
  }

  push(code: number, from: number, to: number): void {
    if (this.length === this.codes.length) this.grow();
    this.codes[this.length] = code;
    this.from[this.length] = from;
    this.to[this.length] = to;
    this.length++;
  }

  /** Copies character `i` of `view` unchanged. */
  copy(view: View, i: number): void {
    this.push(view.codes[i]!, view.from[i]!, view.to[i]!);
  }

  build(): View {
    return new View(this.codes, this.from, this.to, this.length);
  }

  private grow(): void {
    const size = this.codes.length * 2;
    const codes = new Uint16Array(size);
    const from = new Int32Array(size);
    const to = new Int32Array(size);
    codes.set(this.codes);
    from.set(this.from);
    to.set(this.to);
    this.codes = codes;
    this.from = from;
    this.to = to;
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
  if (c < 0x80 || (c >= 0xd800 && c <= 0xdfff)) return false;
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

const ASCII_FOLD = new Uint16Array(128);
for (let c = 0; c < 128; c++) {
  ASCII_FOLD[c] = c >= 0x41 && c <= 0x5a ? c + 32 : c < 0x20 || c === 0x7f ? 0x20 : c;
}

/** Compatibility forms, case, diacritics, invisible characters and look-alikes, folded away. */
export function fold(input: string): View {
  const out = new ViewBuilder(input.length + 8);
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c < 0x80) {
      out.push(ASCII_FOLD[c]!, i, i + 1);
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
    for (let k = 0; k < folded.length; k++) out.push(folded.charCodeAt(k), i, end);
    i = end - 1;
  }
  return out.build();
}

// ---------------------------------------------------------------------------------------------
// joined: "j a n e @ g m a i l . c o m" → "jane@gmail.com"

const MIN_SPELLED_RUN = 3;

/** Runs of at least three single characters separated by one or two spaces, joined. */
export function joinSpelled(view: View): View {
  return joinSingles(view, isSpace, (c) => !isSpace(c), 2);
}

/**
 * Drops the separators inside runs of at least MIN_SPELLED_RUN single-character tokens, where
 * tokens are made of `isTokenChar` characters and the gaps of at most `maxGap` `isSeparator`
 * characters.
 */
function joinSingles(
  view: View,
  isSeparator: (c: number) => boolean,
  isTokenChar: (c: number) => boolean,
  maxGap: number,
): View {
  const { codes, length } = view;
  const drop = new Uint8Array(length);
  let dropped = 0;
  let runStart = -1; // first gap's start of the current run of single tokens
  let runEnd = -1; // end of the last single token in the run
  let runCount = 0;
  const closeRun = () => {
    if (runCount >= MIN_SPELLED_RUN) {
      for (let k = runStart; k < runEnd; k++) {
        if (isSeparator(codes[k]!)) {
          drop[k] = 1;
          dropped++;
        }
      }
    }
    runCount = 0;
  };
  let i = 0;
  while (i < length) {
    if (!isTokenChar(codes[i]!)) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < length && isTokenChar(codes[end]!)) end++;
    if (end - i !== 1) {
      closeRun();
    } else {
      let gapOk = runCount > 0 && i - runEnd <= maxGap;
      for (let k = runEnd; gapOk && k < i; k++) gapOk = isSeparator(codes[k]!);
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
  if (dropped === 0) return view;
  const out = new ViewBuilder(length);
  for (let k = 0; k < length; k++) if (!drop[k]) out.copy(view, k);
  return out.build();
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
const PUNCTUATION_SEPARATORS = new Set(Array.from(' .-_,*/|~+:;\'"`^=\\!#', (ch) => ch.charCodeAt(0)));
const isLetterToken = (c: number) => isAlnum(c) || c === AMBIGUOUS_IL;
/** How many repeats of a letter survive collapsing (as obscenity's English preset). */
const KEEP_REPEATS = new Uint8Array(0x80).fill(1);
for (const ch of 'beolsg') KEEP_REPEATS[ch.charCodeAt(0)] = 2;
KEEP_REPEATS[AMBIGUOUS_IL] = 2;

/** Leetspeak decoded, letters split by punctuation joined, repeated letters collapsed. */
export function toLetters(joined: View): View {
  return collapseRepeats(joinSingles(decodeLeet(joined), (c) => PUNCTUATION_SEPARATORS.has(c), isLetterToken, 3));
}

/**
 * Digits and symbols standing for letters, decoded inside words only: a word needs two real
 * letters before its digits count as letters ("sh1t", but not "A55" or "10am"), one for symbols
 * ("a$$", "wh@tsapp"); "@" is not decoded at the start of a word (handles), and "!", "|", "*",
 * "#" only between letters.
 */
function decodeLeet(view: View): View {
  const { codes, length } = view;
  const out = new ViewBuilder(length);
  let i = 0;
  while (i < length) {
    const c = codes[i]!;
    if (!isLeetTokenChar(c)) {
      out.copy(view, i++);
      continue;
    }
    let end = i;
    let letters = 0;
    let firstAlnum = -1;
    let lastAlnum = -1;
    while (end < length && isLeetTokenChar(codes[end]!)) {
      const t = codes[end]!;
      if (isLower(t) || isOtherLetter(t)) letters++;
      if (isAlnum(t)) {
        if (firstAlnum < 0) firstAlnum = end;
        lastAlnum = end;
      }
      end++;
    }
    for (let k = i; k < end; k++) {
      const t = codes[k]!;
      const inside = k > firstAlnum && k < lastAlnum;
      let decoded = t;
      if (isDigit(t)) {
        if (letters >= 2) decoded = LEET_DIGITS[t] ?? t;
      } else if (letters >= 1) {
        if (t === 0x24) decoded = 0x73; // $ → s
        else if (t === 0x40 && k > firstAlnum && firstAlnum >= 0) decoded = 0x61; // @ → a
        else if ((t === 0x21 || t === 0x7c) && inside) decoded = AMBIGUOUS_IL;
        else if ((t === 0x2a || t === 0x23) && inside) decoded = WILDCARD;
      }
      out.push(decoded, view.from[k]!, view.to[k]!);
    }
    i = end;
  }
  return out.build();
}

/** "fuuuuck" → "fuck", "assss" → "ass"; separators collapse to one; wildcards never do. */
function collapseRepeats(view: View): View {
  const { codes, length } = view;
  const out = new ViewBuilder(length);
  let i = 0;
  while (i < length) {
    const c = codes[i]!;
    let end = i + 1;
    while (end < length && codes[end] === c) end++;
    const keep = c === WILDCARD || isDigit(c) ? end - i : c < 0x80 ? KEEP_REPEATS[c]! : 1;
    const kept = Math.min(keep, end - i);
    for (let k = 0; k < kept; k++) {
      // The last kept character stands for the rest of the run, so a mask covers all of it.
      const last = k === kept - 1;
      out.push(c, view.from[i + k]!, last ? view.to[end - 1]! : view.to[i + k]!);
    }
    i = end;
  }
  return out.build();
}

// ---------------------------------------------------------------------------------------------
// digits

type WordList = ReadonlyArray<readonly [word: string, value: number]>;
const NUMBER_WORD_LIST: WordList = [
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

/** The value of the word `codes[start, end)` in `list`, without building a string. */
function lookupWord(list: WordList, codes: Uint16Array, start: number, end: number): number | undefined {
  const size = end - start;
  for (const [w, value] of list) {
    if (w.length !== size || w.charCodeAt(0) !== codes[start]) continue;
    let k = 1;
    while (k < size && w.charCodeAt(k) === codes[start + k]) k++;
    if (k === size) return value;
  }
  return undefined;
}
const DIGIT_LOOKALIKES: Record<number, number> = { 0x6f: 0x30, 0x69: 0x31, 0x6c: 0x31 }; // o → 0, i l → 1

/** Digits written as words or letters turned into digits; everything else as folded. */
export function toDigits(folded: View): View {
  const { codes, length } = folded;
  const out = new ViewBuilder(length);
  let repeat = 1;
  let repeatFrom = -1;
  const emit = (digit: number, from: number, to: number) => {
    for (let r = 0; r < repeat; r++) out.push(digit, repeatFrom >= 0 ? Math.min(repeatFrom, from) : from, to);
    repeat = 1;
    repeatFrom = -1;
  };
  let i = 0;
  while (i < length) {
    if (!isLower(codes[i]!) && !isDigit(codes[i]!)) {
      out.copy(folded, i++);
      continue;
    }
    let end = i;
    let digits = 0;
    let lookalikes = 0;
    while (end < length && (isLower(codes[end]!) || isDigit(codes[end]!))) {
      if (isDigit(codes[end]!)) digits++;
      else if (DIGIT_LOOKALIKES[codes[end]!] !== undefined) lookalikes++;
      end++;
    }
    const size = end - i;
    if (digits > 0) {
      // "O7911", "O79II": a number with letters that look like digits.
      const numeric = digits >= 2 && digits + lookalikes === size;
      for (let k = i; k < end; k++) {
        const t = codes[k]!;
        emit(numeric && !isDigit(t) ? DIGIT_LOOKALIKES[t]! : t, folded.from[k]!, folded.to[k]!);
      }
    } else {
      const digit = size <= 6 ? lookupWord(NUMBER_WORD_LIST, codes, i, end) : undefined;
      const repeater = size === 6 ? lookupWord(REPEATERS, codes, i, end) : undefined;
      if (digit !== undefined) {
        emit(digit, folded.from[i]!, folded.to[end - 1]!);
      } else if (repeater !== undefined) {
        repeat = repeater;
        repeatFrom = folded.from[i]!;
        // The space after "double" would split the number: skip it.
        i = end;
        while (i < length && isSpace(codes[i]!)) i++;
        continue;
      } else if (size < 6 || !splitRunTogether(codes, i, end, folded, emit)) {
        for (let k = i; k < end; k++) out.copy(folded, k);
      }
    }
    i = end;
  }
  return out.build();
}

/** "sevenninefour" → 7, 9, 4 (emitted), or false (nothing emitted) if it is not only number words. */
function splitRunTogether(
  codes: Uint16Array,
  start: number,
  end: number,
  folded: View,
  emit: (digit: number, from: number, to: number) => void,
): boolean {
  const parts: number[] = [];
  let at = start;
  while (at < end) {
    const index = RUN_TOGETHER.findIndex((w) => startsWith(codes, at, end, w));
    if (index < 0) return false;
    parts.push(index, at, at + RUN_TOGETHER[index]!.length);
    at += RUN_TOGETHER[index]!.length;
  }
  for (let p = 0; p < parts.length; p += 3) emit(0x30 + parts[p]!, folded.from[parts[p + 1]!]!, folded.to[parts[p + 2]! - 1]!);
  return true;
}

function startsWith(codes: Uint16Array, at: number, end: number, w: string): boolean {
  if (end - at < w.length) return false;
  for (let k = 0; k < w.length; k++) if (codes[at + k] !== w.charCodeAt(k)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------------

/** Every form of one message, built lazily. */
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
