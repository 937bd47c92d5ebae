// Strings from Matrix are never refused: staff in Element, or any client, may send whatever
// Synapse accepts. PostgreSQL cannot hold U+0000 and jsonb no unpaired surrogate, so both become
// U+FFFD, the replacement character, as a decoder does with bytes it cannot read.

export function storableText(value: string): string {
  return value.toWellFormed().replaceAll('\u0000', '\uFFFD');
}

// Far deeper than the bridge itself sends (the edge allows 32 levels); deeper data is an event
// the road sets aside rather than a stack overflow.
const MAX_DEPTH = 64;

/** A JSON value with every key and string made storable. */
export function storableJson(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) throw new RangeError(`JSON nested deeper than ${MAX_DEPTH} levels`);
  if (Array.isArray(value)) return value.map((item) => storableJson(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [storableText(key), storableJson(item, depth + 1)]));
}
