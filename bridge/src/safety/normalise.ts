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
// Repeated letters ("fuuuck") are left to the word matcher, which reads past them. Each form is
// built only when asked for, and a step that changes nothing returns its input: an ordinary
// message costs one lower-casing and a few scans. (The digits form: number-words.ts; how a form
// maps back to the original: view.ts.)
import { foldCodePoint } from './confusables.ts';
import { toDigits } from './number-words.ts';
import { View, ViewBuilder } from './view.ts';

export { View } from './view.ts';

/** Stands for a character that may be an "i" or an "l" ("1", "!", "|" inside a word). */
export const AMBIGUOUS_IL = 0x01;
/** Stands for one hidden letter ("f*ck"). */
export const WILDCARD = 0x2a; // '*'

// ---------------------------------------------------------------------------------------------
// Character classes (on folded text: ASCII lower case, plus whatever other scripts remain).

const isLower = (c: number) => c >= 0x61 && c <= 0x7a;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

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

/** When every character folds to one of the same length ("£", "é", "а", "😀"), positions stay put: no map. */
function foldInPlace(input: string): View | undefined {
  const pieces: string[] = [];
  let plain = 0; // start of the current run of printable ASCII
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) continue;
    let end = i + 1;
    let cp = c;
    if (c >= 0xd800 && c <= 0xdbff) {
      const low = input.charCodeAt(end);
      if (!(low >= 0xdc00 && low <= 0xdfff)) return undefined;
      cp = (c - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
      end++;
    }
    const folded = c < 0x80 ? ' ' : foldCodePoint(cp);
    if (folded.length !== end - i) return undefined;
    pieces.push(input.slice(plain, i).toLowerCase(), folded);
    i = end - 1;
    plain = end;
  }
  pieces.push(input.slice(plain).toLowerCase());
  return new View(pieces.join(''));
}

function foldMapped(input: string): View {
  const out = new ViewBuilder(new View(input));
  let plain = 0; // start of the current run of printable ASCII
  for (let i = 0; i < input.length; i++) {
    const c = input.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) continue;
    if (plain < i) out.copy(plain, i, input.slice(plain, i).toLowerCase());
    let end = i + 1;
    let cp = c;
    if (c >= 0xd800 && c <= 0xdbff && end < input.length) {
      const low = input.charCodeAt(end);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = (c - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000;
        end++;
      }
    }
    const folded = c < 0x80 ? ' ' : foldCodePoint(cp);
    if (folded.length === end - i) out.copy(i, end, folded);
    else out.write(folded, i, end);
    i = end - 1;
    plain = end;
  }
  if (plain < input.length) out.copy(plain, input.length, input.slice(plain).toLowerCase());
  return out.build();
}

// ---------------------------------------------------------------------------------------------
// joined: "j a n e @ g m a i l . c o m" → "jane@gmail.com"

const MIN_SPELLED_RUN = 3;

/** Runs of at least three single characters separated by one or two spaces, joined. */
export function joinSpelled(view: View): View {
  return SPELLED_OUT.test(view.text) ? joinSingles(view, SPACE_SEPARATOR, false, 2) : view;
}

// Cheap tests that rule out most messages before a step scans them character by character.
// Those that can start on a rare character do: a regular expression then scans much faster.
const SPELLED_OUT = /(?:^|\s)\S\s{1,2}\S\s{1,2}\S(?!\S)/;
/**
 * A punctuation mark after a single letter ("f.u", "s - h"): a run of letters split by
 * punctuation may start there (spaces alone are the joined form's business).
 */
const SPELLED_WITH_PUNCTUATION = /[.\-_,*/|~+:;"`^=\\!#](?<=(?:^|[^a-z0-9\x01])[a-z\x01] ?[.\-_,*/|~+:;"`^=\\!#])/;
/**
 * A digit or symbol between a letter and a letter or digit ("sh1t", "a$$", "f*ck"), "$" before
 * a letter, or one digit before three letters ("5hit").
 */
const LEET_IN_WORD = /[0-9@$|*#!](?<=[a-z].)(?=[a-z0-9$])|\$[a-z]|[0-9](?<![a-z0-9][0-9])[a-z]{3}/;

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
  const gapBefore = (start: number) => {
    let ok = start - runEnd <= maxGap;
    for (let k = runEnd; ok && k < start; k++) ok = isSeparator(text.charCodeAt(k));
    return ok;
  };
  /** Ends the run; a longer token right after it joins it in the letters form ("f.u.c.king"). */
  const closeRun = (next = -1) => {
    if (runCount >= MIN_SPELLED_RUN) {
      const end = letterTokens && next >= 0 && gapBefore(next) ? next : runEnd;
      out ??= new ViewBuilder(view);
      for (let k = runStart; k < end; k++) if (isSeparator(text.charCodeAt(k))) out.skip(k);
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
      closeRun(i);
    } else {
      if (runCount === 0 || !gapBefore(i)) {
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

// Character kinds for leetspeak decoding (ASCII; other scripts' letters count as letters).
const OTHER = 0;
const LETTER_KIND = 1;
const DIGIT_KIND = 2;
const SYMBOL_KIND = 3;
const KIND = new Uint8Array(0x80);
for (let c = 0x61; c <= 0x7a; c++) KIND[c] = LETTER_KIND;
for (let c = 0x30; c <= 0x39; c++) KIND[c] = DIGIT_KIND;
for (const ch of '@$!|*#') KIND[ch.charCodeAt(0)] = SYMBOL_KIND;
const kindOf = (c: number) => (c < 0x80 ? KIND[c]! : c === AMBIGUOUS_IL ? OTHER : isOtherLetter(c) ? LETTER_KIND : OTHER);

/** What digits and symbols stand for inside a word ("1", "!", "|": "i" or "l"; "*", "#": a hidden letter). */
const I_OR_L = String.fromCharCode(AMBIGUOUS_IL);
const HIDDEN = String.fromCharCode(WILDCARD);
const LEET = new Map<number, string>(
  Object.entries({
    '0': 'o', '1': I_OR_L, '3': 'e', '4': 'a', '5': 's', '7': 't', '8': 'b', '9': 'g',
    $: 's', '@': 'a', '!': I_OR_L, '|': I_OR_L, '*': HIDDEN, '#': HIDDEN,
  }).map(([from, to]) => [from.charCodeAt(0), to]),
);
const PUNCTUATION_SEPARATORS = asciiTable(' .-_,*/|~+:;"`^=\\!#'); // no apostrophe: "I'm a"

/** Leetspeak decoded inside words, then letters split by punctuation joined. */
export function toLetters(joined: View): View {
  const decoded = LEET_IN_WORD.test(joined.text) ? decodeLeet(joined) : joined;
  return SPELLED_WITH_PUNCTUATION.test(decoded.text) ? joinSingles(decoded, PUNCTUATION_SEPARATORS, true, 3) : decoded;
}

/**
 * Digits and symbols standing for letters, decoded inside words only. Digits need two real
 * letters, a letter after them, and a letter before them ("sh1t", "b1tch") or to be a single
 * digit before three letters ("5hit"): not "A55", "10am", "3pm", "45min", "NW10". Symbols need
 * one letter ("a$$", "wh@tsapp"); "@" is not decoded at the start of a word (handles), "!",
 * "|", "*", "#" only between letters.
 */
function decodeLeet(view: View): View {
  const { text, length } = view;
  let out: ViewBuilder | undefined;
  let i = 0;
  while (i < length) {
    if (kindOf(text.charCodeAt(i)) === OTHER) {
      i++;
      continue;
    }
    let end = i;
    let letters = 0;
    let others = 0;
    let firstAlnum = -1;
    let lastAlnum = -1;
    let letterBeforeDigit = false;
    let lastLetter = -1;
    for (; end < length; end++) {
      const kind = kindOf(text.charCodeAt(end));
      if (kind === OTHER) break;
      if (kind === LETTER_KIND) {
        letters++;
        lastLetter = end;
      } else others++;
      if (kind === DIGIT_KIND && letters > 0) letterBeforeDigit = true;
      if (kind !== SYMBOL_KIND) {
        if (firstAlnum < 0) firstAlnum = end;
        lastAlnum = end;
      }
    }
    if (letters > 0 && others > 0) {
      const leadingDigit = kindOf(text.charCodeAt(i)) === DIGIT_KIND && kindOf(text.charCodeAt(i + 1)) === LETTER_KIND;
      const digitsAsLetters = letters >= 2 && (letterBeforeDigit || (leadingDigit && letters >= 3));
      for (let k = i; k < end; k++) {
        const t = text.charCodeAt(k);
        const kind = kindOf(t);
        if (kind === LETTER_KIND) continue;
        const inside = k > firstAlnum && k < lastAlnum;
        const decode =
          kind === DIGIT_KIND
            ? digitsAsLetters && k < lastLetter // not trailing digits: "nw10", "jane99"
            : t === 0x24 || (t === 0x40 ? firstAlnum >= 0 && k > firstAlnum : inside); // $ anywhere, @ not first
        const decoded = decode ? LEET.get(t) : undefined;
        if (decoded !== undefined) (out ??= new ViewBuilder(view)).write(decoded, k, k + 1);
      }
    }
    i = end;
  }
  return out ? out.build() : view;
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
