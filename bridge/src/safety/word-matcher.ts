// Word lists (obscenity's English dataset, and operators' own words in any language), matched on
// the "letters" form of a message. obscenity's own RegExpMatcher runs one regular expression per
// pattern (~120 of them): over 100 µs for a 500-character message, more than the whole filter's
// budget. Here all the lists are compiled into one automaton read once over the text
// (word-automaton.ts). obscenity's pattern syntax and whitelist semantics are kept: `|` is a word
// boundary, `[x]` optional, `?` any character, and a match inside an occurrence of an allowed
// phrase does not count.
import { englishDataset, parseRawPattern, type ParsedPattern } from 'obscenity';
import { AMBIGUOUS_IL, fold, WILDCARD, type Normalised } from './normalise.ts';
import { expand, WordAutomaton, WordTrie } from './word-automaton.ts';

export interface WordList {
  category: string;
  patterns: readonly ParsedPattern[];
  /** Phrases inside which a match does not count ("Scunthorpe", "assess"). */
  allow: readonly string[];
}

/** obscenity's English dataset: its patterns and its whitelist. */
export function englishProfanity(): Omit<WordList, 'category'> {
  const { blacklistedTerms, whitelistedTerms = [] } = englishDataset.build();
  return { patterns: blacklistedTerms.map((term) => term.pattern), allow: whitelistedTerms };
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

export type WordMatchHandler = (category: string, from: number, to: number) => void;

/** Characters only the backtracking trie can read. */
const NEEDS_TRIE = new RegExp(`[\\x${AMBIGUOUS_IL.toString(16).padStart(2, '0')}${String.fromCharCode(WILDCARD).replace('*', '\\*')}]`);

export class WordMatcher {
  readonly #categories: string[];
  readonly #allow: string[][];
  readonly #automaton: WordAutomaton;
  readonly #trie: WordTrie;

  constructor(lists: readonly WordList[]) {
    this.#categories = lists.map((list) => list.category);
    this.#allow = lists.map((list) => list.allow.map((phrase) => fold(phrase).text).filter(Boolean));
    const variants = lists.flatMap((list, category) => list.patterns.flatMap((pattern) => expand(pattern, category)));
    this.#automaton = new WordAutomaton(variants);
    this.#trie = new WordTrie(variants);
  }

  /** Reports every match (original text span) of every list, whitelisted ones excepted. */
  find(message: Normalised, report: WordMatchHandler): void {
    const view = message.letters;
    const allowed: Array<Array<[number, number]> | undefined> = [];
    const onMatch = (category: number, start: number, end: number) => {
      const [from, to] = view.span(start, end);
      allowed[category] ??= this.#allowedSpans(message, category);
      if (!allowed[category].some(([a, b]) => a <= from && to <= b)) report(this.#categories[category]!, from, to);
    };
    if (NEEDS_TRIE.test(view.text)) this.#trie.scan(view.text, onMatch);
    else this.#automaton.scan(view.text, onMatch);
  }

  #allowedSpans(message: Normalised, category: number): Array<[number, number]> {
    const folded = message.folded;
    const text = folded.text;
    const spans: Array<[number, number]> = [];
    for (const phrase of this.#allow[category]!) {
      for (let at = text.indexOf(phrase); at >= 0; at = text.indexOf(phrase, at + 1)) {
        spans.push(folded.span(at, at + phrase.length));
      }
    }
    return spans;
  }
}
