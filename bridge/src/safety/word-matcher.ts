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
      throw new Error(`"${word}": ${(error as Error).message}`);
    }
  });
}

/** A match: its list's category, its span in the original text, and in the letters form. */
export type WordMatchHandler = (category: string, from: number, to: number, start: number, end: number) => void;

/** WILDCARD: a hidden letter, which only the backtracking trie can read. */
const HIDDEN_LETTER = '*';
/** AMBIGUOUS_IL: "i" or "l"; the automaton reads the text once with each. */
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
      const withL = (category: number, start: number, end: number) => {
        if (text.slice(start, end).includes('\x01')) onMatch(category, start, end);
      };
      this.#automaton.scan(text.replace(I_OR_L, 'l'), withL, joinedAt);
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
