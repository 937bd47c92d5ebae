// Word lists (obscenity's English dataset, and operators' own words in any language), matched on
// the "letters" form of a message. obscenity's own RegExpMatcher runs one regular expression per
// pattern (~120 of them): over 100 µs for a 500-character message, more than the whole filter's
// budget. Here all the lists are compiled into one automaton read once over the text
// (word-automaton.ts). obscenity's pattern syntax and whitelist semantics are kept: `|` is a word
// boundary, `[x]` optional, `?` any character, and a match inside an occurrence of an allowed
// phrase does not count.
import { englishDataset, parseRawPattern, type ParsedPattern } from 'obscenity';
import { fold, type Normalised } from './normalise.ts';
import { expand, literal, WordAutomaton, WordTrie } from './word-automaton.ts';

export interface WordList {
  category: string;
  patterns: readonly ParsedPattern[];
  /** Phrases inside which a match does not count ("Scunthorpe", "assess"). */
  allow: readonly string[];
  /** The patterns are written for text with repeated letters collapsed (obscenity's dataset). */
  forCollapsedText?: boolean;
}

/** obscenity's English dataset: its patterns and its whitelist. */
export function englishProfanity(): Omit<WordList, 'category'> {
  const { blacklistedTerms, whitelistedTerms = [] } = englishDataset.build();
  return { patterns: blacklistedTerms.map((term) => term.pattern), allow: whitelistedTerms, forCollapsedText: true };
}

/** Parses operators' words (obscenity pattern syntax, any script); throws naming a bad one. */
export function parseWords(words: readonly string[]): ParsedPattern[] {
  return words.map((word) => {
    try {
      return parseRawPattern(fold(word).text);
    } catch (error) {
      throw new Error(`"${word}": ${(error as Error).message}`, { cause: error });
    }
  });
}

/** A match: its list's category, its span in the original text, and in the letters form. */
export type WordMatchHandler = (category: string, from: number, to: number, start: number, end: number) => void;

/**
 * Where the automaton must read `text` (the letters form with "l" for every stand-in of
 * `letters`) to find each match of up to `longest` letters through a stand-in: `longest` runs of
 * equal characters either side of it (every run is read at least once), overlapping stretches
 * merged. Each starts at a run's start, so that a scan from there counts repeats as a scan from
 * the text's start does.
 */
function stretchesAround(text: string, letters: string, longest: number): Array<[number, number]> {
  const runStart = (i: number) => {
    while (i > 0 && text.charCodeAt(i - 1) === text.charCodeAt(i)) i--;
    return i;
  };
  const runEnd = (i: number) => {
    while (i + 1 < text.length && text.charCodeAt(i + 1) === text.charCodeAt(i)) i++;
    return i + 1;
  };
  const stretches: Array<[number, number]> = [];
  for (let at = letters.indexOf('\x01'); at >= 0; at = letters.indexOf('\x01', at + 1)) {
    let from = runStart(at);
    let to = runEnd(at);
    for (let runs = 0; runs < longest && from > 0; runs++) from = runStart(from - 1);
    for (let runs = 0; runs < longest && to < text.length; runs++) to = runEnd(to);
    const last = stretches.at(-1);
    if (last && from <= last[1]) last[1] = to;
    else stretches.push([from, to]);
  }
  return stretches;
}

/** WILDCARD: a hidden letter, which only the backtracking trie can read. */
const HIDDEN_LETTER = '*';
/** AMBIGUOUS_IL: "i" or "l"; the automaton reads the text with "i", and around each with "l". */
// eslint-disable-next-line no-control-regex -- \x01 is the automaton's own marker, never user text
const I_OR_L = /\x01/g;

export class WordMatcher {
  readonly #categories: string[];
  readonly #automaton: WordAutomaton;
  readonly #trie: WordTrie;
  /** The allowed phrases of every list, read on the folded form (not collapsed, not decoded). */
  readonly #allowed: WordAutomaton;
  readonly #hasAllowed: boolean[];
  /** The longest allowed phrase: how far around a match an allowed phrase may reach. */
  readonly #reach: number;

  constructor(lists: readonly WordList[]) {
    this.#categories = lists.map((list) => list.category);
    const variants = lists.flatMap((list, category) =>
      list.patterns.flatMap((pattern) => expand(pattern, category, list.forCollapsedText)),
    );
    this.#automaton = new WordAutomaton(variants);
    this.#trie = new WordTrie(variants);
    const phrases = lists.map((list) => list.allow.map((phrase) => fold(phrase).text).filter(Boolean));
    const allowed = phrases.flatMap((list, category) => list.map((phrase) => literal(phrase, category)));
    this.#allowed = new WordAutomaton(allowed, false);
    this.#hasAllowed = phrases.map((list) => list.length > 0);
    this.#reach = Math.max(0, ...phrases.flat().map((phrase) => phrase.length));
  }

  /** Reports every match of every list, whitelisted ones excepted. */
  find(message: Normalised, report: WordMatchHandler): void {
    const view = message.letters;
    const onMatch = (category: number, start: number, end: number) => {
      const [from, to] = view.span(start, end);
      if (this.#hasAllowed[category] && this.#allowedAround(message.original, category, from, to)) return;
      report(this.#categories[category]!, from, to, start, end);
    };
    const joinedAt = view.mapped ? (i: number) => i > 0 && view.to(i - 1) < view.from(i) : undefined;
    const { text } = view;
    if (text.includes('\x01')) {
      this.#automaton.scan(text.replace(I_OR_L, 'i'), onMatch, joinedAt);
      // Read with "l", only matches through a stand-in count: only the stretches around them are read.
      const withL = (category: number, start: number, end: number) => {
        if (text.slice(start, end).includes('\x01')) onMatch(category, start, end);
      };
      const asL = text.replace(I_OR_L, 'l');
      for (const [from, to] of stretchesAround(asL, text, this.#trie.longest)) {
        this.#automaton.scan(asL, withL, joinedAt, from, to);
      }
    } else {
      this.#automaton.scan(text, onMatch, joinedAt);
    }
    // A hidden letter: the trie tries the words that may hold it, from where they may start.
    let covered = 0;
    for (let at = text.indexOf(HIDDEN_LETTER); at >= 0; at = text.indexOf(HIDDEN_LETTER, at + 1)) {
      const from = Math.max(covered, at - this.#trie.longest + 1);
      this.#trie.scan(text, (category, start, end) => end > at && onMatch(category, start, end), joinedAt, from, at);
      covered = at;
    }
  }

  /** Whether an allowed phrase of `category` covers the original span `[from, to)`. */
  #allowedAround(original: string, category: number, from: number, to: number): boolean {
    // Only the neighbourhood can hold such a phrase: fold just that.
    const offset = Math.max(0, from - this.#reach);
    const around = fold(original.slice(offset, Math.min(original.length, to + this.#reach)));
    let covered = false;
    this.#allowed.scan(around.text, (c, start, end) => {
      const [a, b] = around.span(start, end);
      if (c === category && offset + a <= from && to <= offset + b) covered = true;
    });
    return covered;
  }
}
