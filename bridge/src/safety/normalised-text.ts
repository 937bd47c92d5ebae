// A normalised form of a text, and how it maps back to the original (normalise.ts builds them).

/**
 * A normalised form of a text. Character `i` of `text` came from the original text's span
 * `[from(i), to(i))`. A form made from another keeps a map to it in segments, each either
 * copied one to one or written for a span of its source: building a form costs in proportion to
 * what it changed, and positions are looked up (rarely: for matches only) through the chain.
 */
export class NormalisedText {
  readonly text: string;
  readonly #source: NormalisedText | undefined;
  readonly #segments: Segments | undefined;

  constructor(text: string, source?: NormalisedText, segments?: Segments) {
    this.text = text;
    this.#source = source;
    this.#segments = segments;
  }

  get length(): number {
    return this.text.length;
  }

  /** Whether positions moved (characters were dropped, joined or expanded). */
  get mapped(): boolean {
    return this.#source !== undefined;
  }

  from(i: number): number {
    if (!this.#source) return i;
    const k = this.#segments!.find(i);
    const { viewStart, sourceStart, copied } = this.#segments!;
    return this.#source.from(copied[k] ? sourceStart[k]! + i - viewStart[k]! : sourceStart[k]!);
  }

  to(i: number): number {
    if (!this.#source) return i + 1;
    const k = this.#segments!.find(i);
    const { viewStart, sourceStart, sourceEnd, copied } = this.#segments!;
    return this.#source.to(copied[k] ? sourceStart[k]! + i - viewStart[k]! : sourceEnd[k]! - 1);
  }

  /** The span of the original text that the characters `[start, end)` came from. */
  span(start: number, end: number): [number, number] {
    return [this.from(start), this.to(end - 1)];
  }
}

/** A form's map to its source: segment k starts at view position viewStart[k]. */
class Segments {
  readonly viewStart: number[] = [];
  readonly sourceStart: number[] = [];
  readonly sourceEnd: number[] = [];
  /** true: characters copied one to one; false: every character stands for the whole source span. */
  readonly copied: boolean[] = [];

  add(viewStart: number, sourceStart: number, sourceEnd: number, copied: boolean): void {
    this.viewStart.push(viewStart);
    this.sourceStart.push(sourceStart);
    this.sourceEnd.push(sourceEnd);
    this.copied.push(copied);
  }

  /** The segment holding view position `i` (the last one starting at or before it). */
  find(i: number): number {
    let low = 0;
    let high = this.viewStart.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.viewStart[mid]! <= i) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/**
 * Collects a new form of `source`, left to right: unchanged stretches are copied lazily (upTo),
 * changes are written (write) or dropped (skip).
 */
export class NormalisedTextBuilder {
  readonly #source: NormalisedText;
  readonly #pieces: string[] = [];
  readonly #segments = new Segments();
  #length = 0;
  #copied = 0;

  constructor(source: NormalisedText) {
    this.#source = source;
  }

  /** Copies the source's characters up to `index` (those not yet written or dropped). */
  upTo(index: number): void {
    if (index <= this.#copied) return;
    this.copy(this.#copied, index, this.#source.text.slice(this.#copied, index));
  }

  /** `text` (as long as the span) in place of the source's `[start, end)`, one to one. */
  copy(start: number, end: number, text: string): void {
    this.#segments.add(this.#length, start, end, true);
    this.#pieces.push(text);
    this.#length += text.length;
    this.#copied = end;
  }

  /** `text` in place of the source's `[start, end)`: each of its characters came from all of it. */
  write(text: string, start: number, end: number): void {
    this.upTo(start);
    if (text.length > 0) {
      this.#segments.add(this.#length, start, end, false);
      this.#pieces.push(text);
      this.#length += text.length;
    }
    this.#copied = Math.max(this.#copied, end);
  }

  /** Drops the source's character `i`. */
  skip(i: number): void {
    this.upTo(i);
    this.#copied = i + 1;
  }

  build(): NormalisedText {
    this.upTo(this.#source.length);
    return new NormalisedText(this.#pieces.join(''), this.#source, this.#segments);
  }
}
