// The "digits" form of a message (normalise.ts): digits written as words ("zero seven…",
// "double one", "sevennine") and letters posing as digits inside numbers ("O79II") turned into
// digits, everything else as folded. Phone numbers are looked for there (phone-numbers.ts).
import { NormalisedTextBuilder, type NormalisedText } from './normalised-text.ts';

const isLower = (c: number) => c >= 0x61 && c <= 0x7a;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isSpace = (c: number) => c === 0x20;
const asciiTable = (entries: Iterable<readonly [string, number]>) => {
  const table = new Uint8Array(0x80);
  for (const [ch, value] of entries) table[ch.charCodeAt(0)] = value;
  return table;
};

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
/** The first letters of NUMBER_WORDS and REPEATERS: other words are not looked up. */
const NUMBER_WORD_START = asciiTable(Array.from('zotfsend', (ch) => [ch, 1] as const));
/** Number words that can be run together ("sevenninefour"): none is a prefix of another. */
const RUN_TOGETHER = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const REPEATERS: WordList = [
  ['double', 2],
  ['triple', 3],
];
/**
 * Where the digits form may differ from the folded one: digits, and words that start like a number
 * word ("seven", "sevennine", "double"), also after "_" (a word character to `\b`). A part after a
 * digit ("7nine") is in a word the digits lead to.
 */
const MAY_CHANGE = new RegExp(`\\d+|(?:\\b|_)(?:${[...NUMBER_WORDS, ...REPEATERS].map(([word]) => word).join('|')})`, 'g');
/** o → 0, i l → 1 (a table: a missing key of an object with number keys costs more than the scan). */
const DIGIT_LOOKALIKES = asciiTable([
  ['o', 0x30],
  ['i', 0x31],
  ['l', 0x31],
]);

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

/** Digits written as words or letters turned into digits; everything else as folded. */
export function toDigits(folded: NormalisedText): NormalisedText {
  const { text, length } = folded;
  let out: NormalisedTextBuilder | undefined;
  let repeat = 1;
  let repeatFrom = -1;
  /** Digit `digit` in place of the folded characters `[start, end)`, repeated after "double". */
  const emit = (digit: number, start: number, end: number) => {
    out ??= new NormalisedTextBuilder(folded);
    out.write(String.fromCharCode(digit).repeat(repeat), repeatFrom >= 0 ? repeatFrom : start, end);
    repeat = 1;
    repeatFrom = -1;
  };
  /** A run of letters: a number word, "double"/"triple", or number words run together. Returns where to go on. */
  const word = (start: number, end: number): number => {
    if (NUMBER_WORD_START[text.charCodeAt(start)] !== 1) return end;
    const size = end - start;
    const digit = size <= 6 ? lookupWord(NUMBER_WORDS, text, start, end) : undefined;
    if (digit !== undefined) {
      emit(digit, start, end);
      return end;
    }
    const repeater = size === 6 ? lookupWord(REPEATERS, text, start, end) : undefined;
    if (repeater !== undefined) {
      let next = end;
      while (next < length && isSpace(text.charCodeAt(next))) next++;
      let nextEnd = next;
      while (nextEnd < length && isLower(text.charCodeAt(nextEnd))) nextEnd++;
      if (isDigit(text.charCodeAt(next)) || lookupWord(NUMBER_WORDS, text, next, nextEnd) !== undefined) {
        // "double seven": the space after "double" would split the number; it goes with the word.
        out ??= new NormalisedTextBuilder(folded);
        out.write('', start, next);
        repeat = repeater;
        repeatFrom = start;
        return next;
      }
    }
    const parts = size >= 6 ? splitRunTogether(text, start, end) : undefined;
    for (let p = 0; parts && p < parts.length; p += 3) emit(parts[p]!, parts[p + 1]!, parts[p + 2]!);
    return end;
  };
  // Only a word with a digit, or with a part that starts like a number word, may change: the
  // regular expression engine finds them, and each is read from its start.
  for (MAY_CHANGE.lastIndex = 0; MAY_CHANGE.test(text);) {
    let i = MAY_CHANGE.lastIndex - 1;
    while (i > 0 && (isLower(text.charCodeAt(i - 1)) || isDigit(text.charCodeAt(i - 1)))) i--;
    let end = i;
    let digits = 0;
    let lookalikes = 0;
    for (; end < length; end++) {
      const t = text.charCodeAt(end);
      if (isDigit(t)) digits++;
      else if (!isLower(t)) break;
      else if (DIGIT_LOOKALIKES[t] !== 0) lookalikes++;
    }
    if (digits >= 2 && lookalikes > 0 && digits + lookalikes === end - i) {
      // "O7911", "O79II": a number with letters that look like digits.
      for (let k = i; k < end; k++) {
        const t = text.charCodeAt(k);
        emit(isDigit(t) ? t : DIGIT_LOOKALIKES[t]!, k, k + 1);
      }
      MAY_CHANGE.lastIndex = end;
      continue;
    }
    // Runs of letters and of digits, in turn: "07911one23", "zero7nine".
    let at = i;
    while (at < end) {
      let runEnd = at;
      const letters = isLower(text.charCodeAt(at));
      while (runEnd < end && isLower(text.charCodeAt(runEnd)) === letters) runEnd++;
      if (letters) at = word(at, runEnd);
      else {
        if (repeat > 1) emit(text.charCodeAt(at), at, at + 1);
        at = runEnd;
      }
    }
    MAY_CHANGE.lastIndex = Math.max(end, at);
  }
  return out ? out.build() : folded;
}
