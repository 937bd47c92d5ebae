// fast-check arbitraries for what an attacker (or a buggy client) sends instead of a payload:
// wrong types, extreme numbers, deep nesting, every Unicode plane, lone surrogates, control
// characters, U+0000, prototype keys, very long strings; and valid payloads with one field
// mutated into one of those, so that the handlers past validation are exercised too.
import fc from 'fast-check';

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'];

/**
 * Strings from every corner of Unicode and of the string-handling bugs we know of; with `long`,
 * also strings past every length limit (up to 65 kB, so that a payload still fits one Socket.io
 * frame: a bigger frame closes the connection, which bad-input.test.ts covers).
 */
export function hostileString(options: { long?: boolean } = {}): fc.Arbitrary<string> {
  const long = fc.oneof(
    fc.constantFrom(4_001, 65_537).map((length) => 'x'.repeat(length)),
    fc.integer({ min: 1000, max: 20_000 }).map((length) => '\u{1F600}'.repeat(length / 2)),
  );
  const short = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)), maxLength: 10 }),
    fc.constantFrom(
      '',
      ' ',
      '\u0000',
      'a\u0000b',
      '\uD800',
      '\uDFFF',
      'x\uDBFF',
      '\uDC00x',
      '\uFEFF',
      '\u202E',
      '\uFFFF',
      '\u{10FFFF}',
      '\u{1F600}',
      '\r\n',
      '%00',
      '../../etc/passwd',
      '$',
      '$x:y',
      'mx:',
      'mx:\u0000',
      '9999999999999999999',
      '-1',
      '1e308',
      'NaN',
      'null',
      '<script>alert(1)</script>',
      "'; DROP TABLE messages; --",
      '0000-01-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
      '1970-01-01T00:00:00+14:00',
      ...PROTOTYPE_KEYS,
    ),
    fc
      .tuple(fc.string({ maxLength: 5 }), fc.constantFrom('\u0000', '\uD800', '\uDC00', '\u0007', '\u007F'))
      .map(([text, bad]) => `${text}${bad}${text}`),
  );
  return options.long ? fc.oneof({ weight: 8, arbitrary: short }, { weight: 1, arbitrary: long }) : short;
}

/** Numbers JSON can carry, at and beyond every limit a schema or PostgreSQL has. */
export function hostileNumber(): fc.Arbitrary<number> {
  return fc.oneof(
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.constantFrom(0, -0, 1, -1, 0.5, 1e308, -1e308, 5e-324, 2 ** 31, 2 ** 53 + 1, -(2 ** 53) - 1, Number.MAX_SAFE_INTEGER, 2 ** 63, 1e21),
  );
}

/** An object whose keys are prototype names as own properties (as a JSON parser makes them). */
function prototypeKeyed(value: fc.Arbitrary<unknown>): fc.Arbitrary<Record<string, unknown>> {
  return fc.array(fc.tuple(fc.constantFrom(...PROTOTYPE_KEYS), value), { minLength: 1, maxLength: 3 }).map((entries) => {
    const object: Record<string, unknown> = {};
    for (const [key, inner] of entries)
      Object.defineProperty(object, key, { value: inner, enumerable: true, writable: true, configurable: true });
    return object;
  });
}

/** Nesting deeper than any schema expects, as objects or as arrays. */
function deep(): fc.Arbitrary<unknown> {
  return fc.tuple(fc.integer({ min: 10, max: 3000 }), fc.boolean()).map(([depth, arrays]) => {
    let value: unknown = 'bottom';
    for (let level = 0; level < depth; level++) value = arrays ? [value] : { a: value };
    return value;
  });
}

const scalar = (): fc.Arbitrary<unknown> => fc.oneof(hostileString(), hostileNumber(), fc.boolean(), fc.constant(null));

/** Anything at all, in place of a field or of the whole payload (one long string at most). */
export function hostileValue(): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.oneof(hostileString({ long: true }), hostileNumber(), fc.boolean(), fc.constant(null)) },
    { weight: 1, arbitrary: fc.array(scalar(), { maxLength: 5 }) },
    { weight: 1, arbitrary: fc.dictionary(hostileString(), scalar(), { maxKeys: 5 }) },
    { weight: 1, arbitrary: prototypeKeyed(scalar()) },
    { weight: 1, arbitrary: deep() },
    { weight: 1, arbitrary: fc.array(fc.constant(0), { minLength: 1000, maxLength: 5000 }) },
  );
}

type Json = Record<string, unknown>;

/** The dotted paths of a valid payload's fields, nested objects included. */
function fieldPaths(value: Json, prefix: string[] = []): string[][] {
  return Object.entries(value).flatMap(([key, inner]) => {
    const path = [...prefix, key];
    return inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? [path, ...fieldPaths(inner as Json, path)] : [path];
  });
}

function withField(value: Json, path: string[], replacement: unknown): Json {
  const [key, ...rest] = path as [string, ...string[]];
  const copy: Json = { ...value };
  if (rest.length > 0) copy[key] = withField(value[key] as Json, rest, replacement);
  else if (replacement === undefined) delete copy[key];
  else copy[key] = replacement;
  return copy;
}

/**
 * A valid payload with one field replaced (by a hostile value, or removed), or with prototype
 * keys added at its top: mostly invalid, but often valid enough to reach the handler.
 */
export function mutated(valid: fc.Arbitrary<Json>): fc.Arbitrary<Json> {
  return valid.chain((payload) => {
    const paths = fieldPaths(payload);
    const replaced =
      paths.length === 0
        ? fc.constant(payload)
        : fc
            .tuple(fc.constantFrom(...paths), fc.option(hostileValue(), { nil: undefined, freq: 8 }))
            .map(([path, replacement]) => withField(payload, path, replacement));
    const polluted = prototypeKeyed(scalar()).map((extra) => Object.assign(extra, payload));
    return fc.oneof({ weight: 6, arbitrary: replaced }, { weight: 1, arbitrary: polluted });
  });
}

/** What the fuzzer sends in place of a payload: mostly one-field mutants of a valid one. */
export function payloadLike(valid: fc.Arbitrary<Json>): fc.Arbitrary<unknown> {
  return fc.oneof({ weight: 2, arbitrary: hostileValue() }, { weight: 6, arbitrary: mutated(valid) }, { weight: 1, arbitrary: valid });
}
