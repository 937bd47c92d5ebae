// Strings as hostile clients and Matrix clients can send them: any UTF-16 code units, so lone
// surrogates and U+0000 come up often, next to well-formed pairs and astral characters.
import fc from 'fast-check';

export const codeUnit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit)),
  fc.constantFrom('\u0000', '\ud800', '\udfff', '😀'),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
);

export const anyCodeUnits = fc.string({ unit: codeUnit });

/** JSON objects whose keys and strings are any code units. */
export const anyJsonObject = fc.dictionary(anyCodeUnits, fc.jsonValue({ maxDepth: 4, stringUnit: codeUnit }));

/** What PostgreSQL text and JSON can carry, judged unit by unit (independently of isWellFormed). */
export function storableByHand(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit === 0 || (unit >= 0xdc00 && unit <= 0xdfff)) return false;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    }
  }
  return true;
}

/** Every key and string in a JSON value. */
export function* stringsIn(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (value && typeof value === 'object') {
    for (const [key, child] of Object.entries(value)) {
      yield key;
      yield* stringsIn(child);
    }
  }
}

/** Every number in a JSON value. */
export function* numbersIn(value: unknown): Generator<number> {
  if (typeof value === 'number') yield value;
  else if (value && typeof value === 'object') for (const child of Object.values(value)) yield* numbersIn(child);
}
