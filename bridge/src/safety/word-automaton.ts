// Two compiled forms of the word lists, both over the "letters" form of a message:
//   WordAutomaton  an Aho–Corasick automaton: one table lookup per character, whatever the
//                  number of words. Repeated letters are collapsed as the text streams through
//                  ("fuuuck" is read "fuck"; b, e, o, l, s, g may stay doubled, as in obscenity's
//                  English preset), `?` wildcards are expanded to every letter.
//   WordTrie       a trie walked with backtracking, for what the automaton cannot read: a hidden
//                  letter ("f*ck"), near which it tries every letter. (A character that may be
//                  "i" or "l", as in "sh1t", the automaton reads twice, once as each.)
import { SyntaxKind, type ParsedPattern } from 'obscenity';
import { AMBIGUOUS_IL, isWordChar, WILDCARD } from './normalise.ts';

export const ANY = -1;
// Which word boundaries a match requires, one bit per combination: none, start, end, both.
const NEEDS_NONE = 1;
const NEEDS_START = 2;
const NEEDS_END = 4;
const NEEDS_BOTH = 8;
/** A match needs this many real letters: "f*ck" counts, "f***" does not. */
const MIN_REAL_LETTERS = 2;

/** One sequence of symbols a pattern matches (its optional parts present or not). */
export interface Variant {
  category: number;
  needs: number;
  symbols: number[];
}

export type SpanHandler = (category: number, start: number, end: number) => void;
/**
 * Whether characters `i - 1` and `i` were apart in the original ("a f a g" joined to "afag"):
 * a word boundary the text no longer shows.
 */
export type JoinedAt = (i: number) => boolean;

/**
 * Every variant of a pattern: each optional part present or not. `forCollapsedText`: the pattern
 * was written for text whose repeats are collapsed (obscenity's English dataset); a variant that
 * collapsing would change can never match there ("titt", "jizz") and is dropped, rather than
 * shortened into something broader ("|titt" into "|tit", which "title" starts with).
 */
export function expand(pattern: ParsedPattern, category: number, forCollapsedText = false): Variant[] {
  const needs =
    pattern.requireWordBoundaryAtStart && pattern.requireWordBoundaryAtEnd
      ? NEEDS_BOTH
      : pattern.requireWordBoundaryAtStart
        ? NEEDS_START
        : pattern.requireWordBoundaryAtEnd
          ? NEEDS_END
          : NEEDS_NONE;
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
  return variants
    .filter((symbols) => symbols.length >= MIN_REAL_LETTERS)
    .filter((symbols) => !forCollapsedText || collapse(symbols).length === symbols.length)
    .map((symbols) => ({ category, needs, symbols }));
}

/** A phrase matched as it is, anywhere (whitelists). */
export function literal(phrase: string, category: number): Variant {
  return { category, needs: NEEDS_NONE, symbols: Array.from({ length: phrase.length }, (_, i) => phrase.charCodeAt(i)) };
}

/** Code points as UTF-16 code units: the forms are matched unit by unit. */
function toUnits(cp: number): number[] {
  return cp < 0x10000 ? [cp] : [0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff)];
}

function boundariesHold(needs: number, atStart: boolean, atEnd: boolean): boolean {
  return (
    (needs & NEEDS_NONE) !== 0 ||
    ((needs & NEEDS_START) !== 0 && atStart) ||
    ((needs & NEEDS_END) !== 0 && atEnd) ||
    ((needs & NEEDS_BOTH) !== 0 && atStart && atEnd)
  );
}

/** Characters mapped to dense classes: the alphabet of the words, 0 for everything else. */
class Alphabet {
  readonly classOf = new Uint16Array(0x10000);
  size = 1;

  add(code: number): number {
    if (this.classOf[code] === 0) this.classOf[code] = this.size++;
    return this.classOf[code]!;
  }
}

// ---------------------------------------------------------------------------------------------

/** How many repeats of a character the automaton reads: two for b, e, o, l, s, g, else one. */
const KEEP = new Uint16Array(0x10000).fill(1);
for (const ch of 'beolsg') KEEP[ch.charCodeAt(0)] = 2;
const keepOf = (c: number) => (c === ANY ? Infinity : KEEP[c]!);
const NO_COLLAPSE = new Uint16Array(0x10000).fill(0xffff);
const LETTERS = Array.from({ length: 26 }, (_, i) => 0x61 + i);

function collapse(symbols: number[]): number[] {
  const out: number[] = [];
  let run = 0;
  for (const symbol of symbols) {
    run = out.length > 0 && out.at(-1) === symbol ? run + 1 : 1;
    if (run <= keepOf(symbol)) out.push(symbol);
  }
  return out;
}

/** `?` stands for any letter: one variant per letter. */
function withoutWildcards(symbols: number[]): number[][] {
  const at = symbols.indexOf(ANY);
  if (at < 0) return [symbols];
  return LETTERS.flatMap((letter) => withoutWildcards([...symbols.slice(0, at), letter, ...symbols.slice(at + 1)]));
}

export class WordAutomaton {
  readonly #alphabet = new Alphabet();
  readonly #width: number;
  readonly #delta: Int32Array;
  readonly #outStart: Int32Array;
  readonly #outCount: Int32Array;
  readonly #outCategory: Int32Array;
  readonly #outNeeds: Int32Array;
  readonly #outLength: Int32Array;
  readonly #collapse: boolean;

  /** `collapseRepeats`: read repeated letters as obscenity's English preset does (see above). */
  constructor(variants: readonly Variant[], collapseRepeats = true) {
    this.#collapse = collapseRepeats;
    const edges: Array<Map<number, number>> = [new Map()];
    const own: Array<Array<[category: number, needs: number, length: number]>> = [[]];
    for (const variant of variants) {
      for (const plain of withoutWildcards(variant.symbols)) {
        const symbols = this.#collapse ? collapse(plain) : plain;
        let node = 0;
        for (const symbol of symbols) {
          const cls = this.#alphabet.add(symbol);
          let child = edges[node]!.get(cls);
          if (child === undefined) {
            child = edges.push(new Map()) - 1;
            own.push([]);
            edges[node]!.set(cls, child);
          }
          node = child;
        }
        own[node]!.push([variant.category, variant.needs, symbols.length]);
      }
    }
    const width = (this.#width = this.#alphabet.size);
    const states = edges.length;
    const delta = (this.#delta = new Int32Array(states * width));
    const fail = new Int32Array(states);
    const outputs: Array<Array<[number, number, number]>> = own.map((list) => [...list]);
    // Breadth first: a state's failure link is complete before its children need it.
    const queue: number[] = [];
    for (const [cls, child] of edges[0]!) {
      delta[cls] = child;
      queue.push(child);
    }
    for (let head = 0; head < queue.length; head++) {
      const state = queue[head]!;
      for (let cls = 0; cls < width; cls++) {
        const child = edges[state]!.get(cls);
        if (child === undefined) {
          delta[state * width + cls] = delta[fail[state]! * width + cls]!;
        } else {
          delta[state * width + cls] = child;
          fail[child] = delta[fail[state]! * width + cls]!;
          outputs[child]!.push(...outputs[fail[child]!]!);
          queue.push(child);
        }
      }
    }
    const total = outputs.reduce((n, list) => n + list.length, 0);
    this.#outStart = new Int32Array(states);
    this.#outCount = new Int32Array(states);
    this.#outCategory = new Int32Array(total);
    this.#outNeeds = new Int32Array(total);
    this.#outLength = new Int32Array(total);
    let at = 0;
    outputs.forEach((list, state) => {
      this.#outStart[state] = at;
      this.#outCount[state] = list.length;
      for (const [category, needs, length] of list) {
        this.#outCategory[at] = category;
        this.#outNeeds[at] = needs;
        this.#outLength[at++] = length;
      }
    });
    // The scan reads rows (state × width) straight from the table, negative for a state with
    // matches to report: one lookup and one sign test per character.
    for (let i = 0; i < delta.length; i++) {
      const target = delta[i]!;
      delta[i] = this.#outCount[target]! > 0 ? -target * width : target * width;
    }
  }

  /**
   * Reports `[start, end)` of every match in `text` (repeats of the last letter included) read
   * between `from` and `to`. `from` must start a run of equal characters: repeats are counted
   * from there.
   */
  scan(text: string, report: SpanHandler, joinedAt?: JoinedAt, from = 0, to = text.length): void {
    const { classOf } = this.#alphabet;
    const delta = this.#delta;
    const keep = this.#collapse ? KEEP : NO_COLLAPSE;
    let row = 0;
    let prev = -1;
    let run = 0;
    for (let pos = from; pos < to; pos++) {
      const c = text.charCodeAt(pos);
      if (c === prev) {
        if (++run > keep[c]!) continue;
      } else {
        prev = c;
        run = 1;
      }
      row = delta[row + classOf[c]!]!;
      if (row < 0) {
        row = -row;
        this.#report(text, row / this.#width, pos, keep, report, joinedAt);
      }
    }
  }

  #report(text: string, state: number, pos: number, keep: Uint16Array, report: SpanHandler, joinedAt: JoinedAt | undefined): void {
    const c = text.charCodeAt(pos);
    let end = pos + 1;
    while (end < text.length && text.charCodeAt(end) === c) end++;
    const atEnd = end === text.length || !isWordChar(text.charCodeAt(end)) || joinedAt?.(end) === true;
    for (let o = this.#outStart[state]!, last = o + this.#outCount[state]!; o < last; o++) {
      const start = startOf(text, pos, this.#outLength[o]!, keep);
      const atStart = start === 0 || !isWordChar(text.charCodeAt(start - 1)) || joinedAt?.(start) === true;
      if (boundariesHold(this.#outNeeds[o]!, atStart, atEnd)) report(this.#outCategory[o]!, start, end);
    }
  }
}

/** Where a match of `length` characters read by the automaton, the last at `pos`, starts (skipped repeats do not count). */
function startOf(text: string, pos: number, length: number, keep: Uint16Array): number {
  let j = pos;
  let needed = length;
  for (;;) {
    const c = text.charCodeAt(j);
    let runStart = j;
    while (runStart > 0 && text.charCodeAt(runStart - 1) === c) runStart--;
    const lastRead = Math.min(j, runStart + keep[c]! - 1);
    const read = lastRead - runStart + 1;
    if (needed <= read) return lastRead - needed + 1;
    needed -= read;
    j = runStart - 1;
  }
}

// ---------------------------------------------------------------------------------------------

interface TrieNode {
  edges: Map<number, number>;
  any: number;
  terminals: Array<{ category: number; needs: number }>;
}

export class WordTrie {
  readonly #nodes: TrieNode[] = [{ edges: new Map(), any: -1, terminals: [] }];
  /** The longest word: how far before a hidden letter a match may start. */
  readonly longest: number;

  constructor(variants: readonly Variant[]) {
    this.longest = Math.max(0, ...variants.map((v) => v.symbols.length));
    for (const { category, needs, symbols } of variants) {
      let node = 0;
      for (const symbol of symbols) node = this.#step(node, symbol);
      const terminals = this.#nodes[node]!.terminals;
      const existing = terminals.find((t) => t.category === category);
      if (existing) existing.needs |= needs;
      else terminals.push({ category, needs });
    }
  }

  /** Reports the longest match of each category from every start in `[from, to)` of `text`. */
  scan(text: string, report: SpanHandler, joinedAt?: JoinedAt, from = 0, to = text.length): void {
    const found = new Map<number, number>();
    for (let start = from; start < to; start++) {
      const first = text.charCodeAt(start);
      if (first === WILDCARD || (start > 0 && text.charCodeAt(start - 1) === first)) continue;
      found.clear();
      const atStart = start === 0 || !isWordChar(text.charCodeAt(start - 1)) || joinedAt?.(start) === true;
      this.#walk(text, 0, start, -1, 0, atStart, found, joinedAt);
      for (const [category, end] of found) report(category, start, end);
    }
  }

  #step(node: number, symbol: number): number {
    const current = this.#nodes[node]!;
    const existing = symbol === ANY ? current.any : current.edges.get(symbol);
    if (existing !== undefined && existing >= 0) return existing;
    const created = this.#nodes.push({ edges: new Map(), any: -1, terminals: [] }) - 1;
    if (symbol === ANY) current.any = created;
    else current.edges.set(symbol, created);
    return created;
  }

  /**
   * From `node` at `pos`: `prev` is the character consumed last, whose repeats may be skipped
   * ("fuuuck"); `real` counts the letters that were not hidden.
   */
  #walk(
    text: string,
    node: number,
    pos: number,
    prev: number,
    real: number,
    atStart: boolean,
    found: Map<number, number>,
    joinedAt: JoinedAt | undefined,
  ): void {
    const { edges, any, terminals } = this.#nodes[node]!;
    if (terminals.length && real >= MIN_REAL_LETTERS) {
      const atEnd = pos === text.length || !isWordChar(text.charCodeAt(pos)) || joinedAt?.(pos) === true;
      for (const { category, needs } of terminals) {
        if (boundariesHold(needs, atStart, atEnd) && (found.get(category) ?? -1) < pos) found.set(category, pos);
      }
    }
    if (pos === text.length) return;
    const c = text.charCodeAt(pos);
    if (c === prev && c !== WILDCARD) this.#walk(text, node, pos + 1, prev, real, atStart, found, joinedAt);
    if (c === WILDCARD) {
      for (const child of edges.values()) this.#walk(text, child, pos + 1, c, real, atStart, found, joinedAt);
    } else if (c === AMBIGUOUS_IL) {
      for (const letter of [0x69, 0x6c]) {
        const child = edges.get(letter);
        if (child !== undefined) this.#walk(text, child, pos + 1, c, real + 1, atStart, found, joinedAt);
      }
    } else {
      const child = edges.get(c);
      if (child !== undefined) this.#walk(text, child, pos + 1, c, real + 1, atStart, found, joinedAt);
    }
    if (any >= 0) this.#walk(text, any, pos + 1, c, c === WILDCARD ? real : real + 1, atStart, found, joinedAt);
  }
}
