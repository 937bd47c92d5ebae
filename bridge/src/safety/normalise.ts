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
// maps back to the original: normalised-text.ts.)
import { foldCodePoint } from './confusables.ts';
import { toDigits } from './number-words.ts';
import { NormalisedText, NormalisedTextBuilder } from './normalised-text.ts';

export { NormalisedText } from './normalised-text.ts';

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

// ---------------------------------------------------------------------------------------------
// folded

/** Characters other than printable ASCII: the regular expression engine skips to them faster than a loop. */
const NOT_PLAIN = /[^\x20-\x7e]/g;

/** Compatibility forms, case, diacritics, invisible characters and look-alikes, folded away. */
export function fold(input: string): NormalisedText {
  NOT_PLAIN.lastIndex = 0;
  return NOT_PLAIN.test(input) ? foldOther(input, NOT_PLAIN.lastIndex - 1) : new NormalisedText(input.toLowerCase());
}

/**
 * Folds a text with characters other than printable ASCII, the first at `first`. While every
 * character folds to one of the same length ("£", "é", "а", "😀"), positions stay put and the
 * form needs no map; from the first that does not ("ß", "ﬁ", a zero-width space), the rest is
 * mapped. Printable ASCII is taken from the text lower-cased at once (unless lower-casing changed
 * its length: "İ" becomes two characters), the other characters run by run.
 */
function foldOther(input: string, first: number): NormalisedText {
  const lower = input.toLowerCase();
  const aligned = lower.length === input.length;
  const pieces: string[] = []; // the form so far, while positions stay put
  let mapped: NormalisedTextBuilder | undefined;
  const copy = (start: number, end: number, text: string) => {
    if (mapped) mapped.copy(start, end, text);
    else pieces.push(text);
  };
  const plainLower = (start: number, end: number) => (aligned ? lower.slice(start, end) : input.slice(start, end).toLowerCase());
  let plain = 0; // start of the current run of printable ASCII
  for (let i = first; ;) {
    if (plain < i) copy(plain, i, plainLower(plain, i));
    while (i < input.length) {
      const c = input.charCodeAt(i);
      if (c >= 0x20 && c < 0x7f) break;
      // A surrogate pair is one code point. (Not codePointAt: on a slice of a longer string that
      // ends inside a pair, Node 24's V8 now and then reads the low half from beyond the slice.)
      const low = input.charCodeAt(i + 1);
      const pair = c >= 0xd800 && c <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
      const end = i + (pair ? 2 : 1);
      const folded = c < 0x80 ? ' ' : foldCodePoint(pair ? (c - 0xd800) * 0x400 + (low - 0xdc00) + 0x10000 : c);
      if (folded.length === end - i) {
        copy(i, end, folded);
      } else {
        if (!mapped) {
          mapped = new NormalisedTextBuilder(new NormalisedText(input));
          if (i > 0) mapped.copy(0, i, pieces.join(''));
        }
        mapped.write(folded, i, end);
      }
      i = end;
    }
    plain = i;
    NOT_PLAIN.lastIndex = i;
    if (!NOT_PLAIN.test(input)) break;
    i = NOT_PLAIN.lastIndex - 1;
  }
  if (plain < input.length) copy(plain, input.length, plainLower(plain, input.length));
  return mapped ? mapped.build() : new NormalisedText(pieces.join(''));
}

// ---------------------------------------------------------------------------------------------
// joined: "j a n e @ g m a i l . c o m" → "jane@gmail.com"

const MIN_SPELLED_RUN = 3;

/** Runs of at least three single characters separated by one or two spaces, joined. */
export function joinSpelled(view: NormalisedText): NormalisedText {
  return SPELLED_OUT.test(view.text) ? joinSingles(view, SPACE_SEPARATOR, false, 2) : view;
}

// Cheap tests that rule out most messages before a step scans them character by character.
// Those that can start on a rare character do: a regular expression then scans much faster.
// Each alternative is written to start with a character (or class) of its own, not behind a
// group such as "(?:^|\s)": the engine then checks each position faster.
/** Three single characters, one or two spaces apart (the folded form has no other white space). */
const SPELLED_OUT = / [^ ] {1,2}[^ ] {1,2}[^ ](?![^ ])|^[^ ] {1,2}[^ ] {1,2}[^ ](?![^ ])/;
/**
 * A punctuation mark after a single letter ("f.u", "s - h"): a run of letters split by
 * punctuation may start there (spaces alone are the joined form's business).
 */
// eslint-disable-next-line no-control-regex -- \x01 marks an ambiguous i/l (AMBIGUOUS_IL), never user text
const SPELLED_WITH_PUNCTUATION = /[.\-_,*/|~+:;"`^=\\!#](?<=(?:^|[^a-z0-9\x01])[a-z\x01] ?[.\-_,*/|~+:;"`^=\\!#])/;
/**
 * A digit or symbol between a letter and a letter or digit ("sh1t", "a$$", "f*ck"), "$" before
 * a letter, or one digit before three letters ("5hit"). (One leading class for the three: three
 * alternatives with a class each cost the engine three times as much.)
 */
const LEET_IN_WORD = /[0-9@$|*#!](?:(?<=[a-z].)(?=[a-z0-9$])|(?<=\$)(?=[a-z])|(?<=[0-9])(?<![a-z0-9].)(?=[a-z]{3}))/;

const asciiTable = (chars: string) => {
  const table = new Uint8Array(0x80);
  for (const ch of chars) table[ch.charCodeAt(0)] = 1;
  return table;
};
const SPACE_SEPARATOR = asciiTable(' ');
// The ASCII characters of tokens: anything but a space (joined form), or letters, digits and
// the stand-in (letters form). Beyond ASCII: any character, or other scripts' letters and digits.
const NOT_SPACE = new Uint8Array(0x80).fill(1);
NOT_SPACE[0x20] = 0;
const LETTER_TOKEN = asciiTable(`abcdefghijklmnopqrstuvwxyz0123456789${String.fromCharCode(AMBIGUOUS_IL)}`);

/**
 * Drops the separators inside runs of at least MIN_SPELLED_RUN single-character tokens, where
 * the gaps are at most `maxGap` `separators` and tokens are either anything but spaces or
 * (`letterTokens`) letters, digits and stand-ins. In the letters form, a longer token right
 * after a run joins it ("f.u.c.king").
 */
function joinSingles(view: NormalisedText, separators: Uint8Array, letterTokens: boolean, maxGap: number): NormalisedText {
  const { text, length } = view;
  const tokens = letterTokens ? LETTER_TOKEN : NOT_SPACE;
  let out: NormalisedTextBuilder | undefined;
  let runStart = -1; // start of the first single token of the current run
  let runEnd = -1; // end of the last single token in the run
  let runCount = 0;
  let i = 0;
  while (i < length) {
    if (!isToken(text.charCodeAt(i), tokens, letterTokens)) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < length && isToken(text.charCodeAt(end), tokens, letterTokens)) end++;
    const single = end - i === 1;
    const joins = runCount > 0 && isGap(text, runEnd, i, separators, maxGap);
    if (single && joins) {
      runCount++;
      runEnd = end;
    } else {
      if (runCount >= MIN_SPELLED_RUN) {
        out = withoutSeparators(out ?? new NormalisedTextBuilder(view), text, runStart, letterTokens && joins ? i : runEnd, separators);
      }
      runCount = single ? 1 : 0;
      runStart = i;
      runEnd = end;
    }
    i = end;
  }
  if (runCount >= MIN_SPELLED_RUN) out = withoutSeparators(out ?? new NormalisedTextBuilder(view), text, runStart, runEnd, separators);
  return out ? out.build() : view;
}

/** Whether `c` is a token's: in `tokens` (ASCII), or beyond ASCII any character or (`lettersOnly`) a letter or digit. */
const isToken = (c: number, tokens: Uint8Array, lettersOnly: boolean) => (c < 0x80 ? tokens[c] === 1 : !lettersOnly || isOtherLetter(c));

/** Whether `[from, to)` is at most `maxGap` `separators`. */
function isGap(text: string, from: number, to: number, separators: Uint8Array, maxGap: number): boolean {
  if (to - from > maxGap) return false;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c >= 0x80 || separators[c] !== 1) return false;
  }
  return true;
}

/** `out` with the separators of `[from, to)` dropped. */
function withoutSeparators(
  out: NormalisedTextBuilder,
  text: string,
  from: number,
  to: number,
  separators: Uint8Array,
): NormalisedTextBuilder {
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c < 0x80 && separators[c] === 1) out.skip(k);
  }
  return out;
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
    '0': 'o',
    '1': I_OR_L,
    '3': 'e',
    '4': 'a',
    '5': 's',
    '7': 't',
    '8': 'b',
    '9': 'g',
    $: 's',
    '@': 'a',
    '!': I_OR_L,
    '|': I_OR_L,
    '*': HIDDEN,
    '#': HIDDEN,
  }).map(([from, to]) => [from.charCodeAt(0), to]),
);
/** The characters of DIGIT_KIND and SYMBOL_KIND. */
const DIGIT_OR_SYMBOL = /[0-9@$!|*#]/g;
const PUNCTUATION_SEPARATORS = asciiTable(' .-_,*/|~+:;"`^=\\!#'); // no apostrophe: "I'm a"

/** Leetspeak decoded inside words, then letters split by punctuation joined. */
export function toLetters(joined: NormalisedText): NormalisedText {
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
function decodeLeet(view: NormalisedText): NormalisedText {
  const { text, length } = view;
  let out: NormalisedTextBuilder | undefined;
  // Only a word with a digit or a symbol changes: the regular expression engine finds them.
  for (DIGIT_OR_SYMBOL.lastIndex = 0; DIGIT_OR_SYMBOL.test(text);) {
    let i = DIGIT_OR_SYMBOL.lastIndex - 1;
    while (i > 0 && kindOf(text.charCodeAt(i - 1)) !== OTHER) i--;
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
        if (decoded !== undefined) (out ??= new NormalisedTextBuilder(view)).write(decoded, k, k + 1);
      }
    }
    DIGIT_OR_SYMBOL.lastIndex = end;
  }
  return out ? out.build() : view;
}

// ---------------------------------------------------------------------------------------------

/** Every form of one message, each built when first asked for. */
export class Normalised {
  readonly original: string;
  #folded: NormalisedText | undefined;
  #joined: NormalisedText | undefined;
  #letters: NormalisedText | undefined;
  #digits: NormalisedText | undefined;

  constructor(original: string) {
    this.original = original;
  }

  get folded(): NormalisedText {
    return (this.#folded ??= fold(this.original));
  }

  get joined(): NormalisedText {
    return (this.#joined ??= joinSpelled(this.folded));
  }

  get letters(): NormalisedText {
    return (this.#letters ??= toLetters(this.joined));
  }

  get digits(): NormalisedText {
    return (this.#digits ??= toDigits(this.folded));
  }
}

export function normalise(text: string): Normalised {
  return new Normalised(text);
}
