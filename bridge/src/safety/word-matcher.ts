// Word lists (obscenity's English dataset, and operators' own words in any language) compiled
// into one trie, walked once over the "letters" form of a message. obscenity's own RegExpMatcher
// runs one regular expression per pattern (~120 of them): about 120 µs for a 500-character
// message, over the whole filter's budget; the trie costs a few µs. obscenity's pattern syntax
// and whitelist semantics are kept: `|` is a word boundary, `[x]` optional, `?` any character,
// and a match inside an occurrence of an allowed phrase does not count.
import { englishDataset, parseRawPattern, SyntaxKind, type ParsedPattern } from 'obscenity';
import { AMBIGUOUS_IL, fold, isWordChar, WILDCARD, type Normalised } from './normalise.ts';

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

const ANY = -1;
// Which word boundaries a terminal requires, one bit per combination: none, start, end, both.
const NEEDS_NONE = 1;
const NEEDS_START = 2;
const NEEDS_END = 4;
const NEEDS_BOTH = 8;
/** A match needs this many real letters: "f*ck" counts, "f***" does not. */
const MIN_REAL_LETTERS = 2;

interface Terminal {
  category: number;
  needs: number;
}

export type WordMatchHandler = (category: string, from: number, to: number) => void;

export class WordMatcher {
  readonly #categories: string[];
  readonly #allow: string[][];
  readonly #classOf = new Uint16Array(0x10000);
  readonly #width: number;
  readonly #next: Int32Array;
  readonly #any: Int32Array;
  readonly #children: number[][];
  readonly #terminals: Array<Terminal[] | undefined>;
  readonly #classI: number;
  readonly #classL: number;
  /** 1 for nodes the cheap descent stops at: terminals and nodes with a wildcard edge. */
  readonly #stop: Uint8Array;

  constructor(lists: readonly WordList[]) {
    this.#categories = lists.map((list) => list.category);
    this.#allow = lists.map((list) => list.allow.map((phrase) => fold(phrase).text).filter(Boolean));
    const builder = new TrieBuilder();
    lists.forEach((list, category) => {
      for (const pattern of list.patterns) builder.add(pattern, category);
    });
    let classes = 1;
    for (const code of builder.alphabet) this.#classOf[code] = classes++;
    this.#width = classes;
    const size = builder.nodes.length;
    this.#next = new Int32Array(size * classes).fill(-1);
    this.#any = new Int32Array(size).fill(-1);
    this.#children = builder.nodes.map((node) => [...node.edges.values()]);
    this.#terminals = builder.nodes.map((node) => (node.terminals.length ? node.terminals : undefined));
    builder.nodes.forEach((node, index) => {
      for (const [code, child] of node.edges) this.#next[index * classes + this.#classOf[code]!] = child;
      if (node.any >= 0) this.#any[index] = node.any;
    });
    this.#stop = Uint8Array.from(builder.nodes, (node) => (node.terminals.length || node.any >= 0 ? 1 : 0));
    this.#classI = this.#classOf[0x69]!;
    this.#classL = this.#classOf[0x6c]!;
  }

  /** Reports every match (original text span) of every list, whitelisted ones excepted. */
  find(message: Normalised, report: WordMatchHandler): void {
    const view = message.letters;
    const { text, length } = view;
    const allowed: Array<Array<[number, number]> | undefined> = [];
    let found: Map<number, number> | undefined; // category → longest end, for one start
    const next = this.#next;
    const classOf = this.#classOf;
    const width = this.#width;
    const stop = this.#stop;
    for (let start = 0; start < length; start++) {
      // The cheap descent that rules most positions out: plain characters down the trie until an
      // edge is missing, or until something the full walk must handle (a terminal, a wildcard
      // edge, a stand-in, a repeated character).
      const first = text.charCodeAt(start);
      if (first === WILDCARD || (start > 0 && text.charCodeAt(start - 1) === first)) continue;
      let node = 0;
      let prev = -1;
      let walk = false;
      for (let pos = start; pos < length; pos++) {
        const c = text.charCodeAt(pos);
        if (stop[node] === 1 || c === AMBIGUOUS_IL || c === WILDCARD || c === prev) {
          walk = true;
          break;
        }
        node = next[node * width + classOf[c]!]!;
        if (node < 0) break;
        prev = c;
      }
      if (!walk && (node < 0 || stop[node] !== 1)) continue;
      const atBoundary = start === 0 || !isWordChar(text.charCodeAt(start - 1));
      found?.clear();
      found = this.#walk(text, 0, start, -1, 0, atBoundary, found);
      if (!found?.size) continue;
      for (const [category, end] of found) {
        const [from, to] = view.span(start, end);
        allowed[category] ??= this.#allowedSpans(message, category);
        if (!allowed[category].some(([a, b]) => a <= from && to <= b)) report(this.#categories[category]!, from, to);
      }
    }
  }

  /**
   * Walks the trie from `node` over `text` from `pos`; `prev` is the character consumed last,
   * whose repeats may be skipped ("fuuuck"); `real` counts letters that were not wildcards.
   */
  #walk(
    text: string,
    node: number,
    pos: number,
    prev: number,
    real: number,
    atStart: boolean,
    found: Map<number, number> | undefined,
  ): Map<number, number> | undefined {
    const terminals = this.#terminals[node];
    if (terminals && real >= MIN_REAL_LETTERS) {
      const atEnd = pos === text.length || !isWordChar(text.charCodeAt(pos));
      for (const { category, needs } of terminals) {
        const ok =
          (needs & NEEDS_NONE) !== 0 ||
          ((needs & NEEDS_START) !== 0 && atStart) ||
          ((needs & NEEDS_END) !== 0 && atEnd) ||
          ((needs & NEEDS_BOTH) !== 0 && atStart && atEnd);
        if (ok && ((found ??= new Map()).get(category) ?? -1) < pos) found.set(category, pos);
      }
    }
    if (pos === text.length) return found;
    const c = text.charCodeAt(pos);
    if (c === prev && c !== WILDCARD) found = this.#walk(text, node, pos + 1, prev, real, atStart, found);
    const base = node * this.#width;
    if (c === WILDCARD) {
      for (const child of this.#children[node]!) found = this.#walk(text, child, pos + 1, c, real, atStart, found);
    } else if (c === AMBIGUOUS_IL) {
      for (const cls of [this.#classI, this.#classL]) {
        const child = cls ? this.#next[base + cls]! : -1;
        if (child >= 0) found = this.#walk(text, child, pos + 1, c, real + 1, atStart, found);
      }
    } else {
      const child = this.#next[base + this.#classOf[c]!]!;
      if (child >= 0) found = this.#walk(text, child, pos + 1, c, real + 1, atStart, found);
    }
    const any = this.#any[node]!;
    if (any >= 0) found = this.#walk(text, any, pos + 1, c, c === WILDCARD ? real : real + 1, atStart, found);
    return found;
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

interface TrieNode {
  edges: Map<number, number>;
  any: number;
  terminals: Terminal[];
}

class TrieBuilder {
  readonly nodes: TrieNode[] = [newNode()];
  readonly alphabet = new Set<number>();

  add(pattern: ParsedPattern, category: number): void {
    const needs =
      pattern.requireWordBoundaryAtStart && pattern.requireWordBoundaryAtEnd
        ? NEEDS_BOTH
        : pattern.requireWordBoundaryAtStart
          ? NEEDS_START
          : pattern.requireWordBoundaryAtEnd
            ? NEEDS_END
            : NEEDS_NONE;
    for (const variant of expand(pattern)) {
      const symbols = variant;
      if (symbols.length === 0) continue;
      let node = 0;
      for (const symbol of symbols) node = this.#step(node, symbol);
      const terminals = this.nodes[node]!.terminals;
      const existing = terminals.find((t) => t.category === category);
      if (existing) existing.needs |= needs;
      else terminals.push({ category, needs });
    }
  }

  #step(node: number, symbol: number): number {
    const current = this.nodes[node]!;
    const existing = symbol === ANY ? current.any : current.edges.get(symbol);
    if (existing !== undefined && existing >= 0) return existing;
    const created = this.nodes.push(newNode()) - 1;
    if (symbol === ANY) current.any = created;
    else {
      current.edges.set(symbol, created);
      this.alphabet.add(symbol);
    }
    return created;
  }
}

const newNode = (): TrieNode => ({ edges: new Map(), any: -1, terminals: [] });

/** Every sequence of symbols the pattern matches: each optional part present or not. */
function expand(pattern: ParsedPattern): number[][] {
  let variants: number[][] = [[]];
  for (const node of pattern.nodes) {
    if (node.kind === SyntaxKind.Literal) {
      variants = variants.map((v) => [...v, ...node.chars.flatMap(toUnits)]);
    } else if (node.kind === SyntaxKind.Wildcard) {
      variants = variants.map((v) => [...v, ANY]);
    } else {
      const child = node.childNode;
      const part = child.kind === SyntaxKind.Literal ? child.chars.flatMap(toUnits) : [ANY];
      variants = variants.flatMap((v) => [v, [...v, ...part]]);
    }
  }
  return variants;
}

/** Code points as UTF-16 code units: the forms are matched unit by unit. */
function toUnits(cp: number): number[] {
  return cp < 0x10000 ? [cp] : [0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff)];
}
