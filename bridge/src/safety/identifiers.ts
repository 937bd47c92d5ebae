// Machine identifiers pasted into a chat (UUIDs, hex references such as "2b00b37c", order
// numbers) read as leetspeak words or phone numbers to the matchers: "2b00b37c" holds "boob", a
// UUID's digit groups look like a number. They are blanked out (same length, so positions still
// map onto the original) before matching. A hex token needs 8 characters with both digits and
// letters: short leetspeak such as "a55" or "b00b5" is still checked.
//
// Tokens are runs of ASCII word characters ([A-Za-z0-9_], as `\b` sees them), read by hand: a
// regular expression with `\b` and lookaheads tried at every word start cost a fifth of the whole
// filter, and an identifier is long enough that only every eighth character needs reading.

const MIN_HEX_TOKEN = 8;
/** A UUID's groups: 8-4-4-4-12 hex characters joined by dashes. */
const UUID_GROUPS = [8, 4, 4, 4, 12];
const DASH = 0x2d;

// Character kinds, ASCII only: anything else ends a token.
const WORD = 1;
const HEX = 2;
const HEX_LETTER = 4;
const DIGIT = 8;
const KIND = Uint8Array.from({ length: 0x80 }, (_, c) => {
  const ch = String.fromCharCode(c);
  if (/\d/.test(ch)) return WORD | HEX | DIGIT;
  if (/[a-f]/i.test(ch)) return WORD | HEX | HEX_LETTER;
  return /\w/.test(ch) ? WORD : 0;
});
const kindOf = (c: number) => (c < 0x80 ? KIND[c]! : 0);

/** `text` with every identifier replaced by as many spaces; `text` itself when it has none. */
export function withoutIdentifiers(text: string): string {
  let out = '';
  let copied = 0;
  // Any token of MIN_HEX_TOKEN characters or more holds one of every MIN_HEX_TOKEN-th position:
  // only those are read, and the token around one only if it is a hex character (Horspool's skip).
  for (let probe = MIN_HEX_TOKEN - 1; probe < text.length;) {
    if ((kindOf(text.charCodeAt(probe)) & HEX) === 0) {
      probe += MIN_HEX_TOKEN;
      continue;
    }
    let start = probe;
    while (start > 0 && kindOf(text.charCodeAt(start - 1)) !== 0) start--;
    let end = start;
    let every = HEX; // the kinds every character of the token has
    let some = 0; // and those some have
    for (; end < text.length; end++) {
      const kind = kindOf(text.charCodeAt(end));
      if (kind === 0) break;
      every &= kind;
      some |= kind;
    }
    const blankTo = every === HEX && end - start >= MIN_HEX_TOKEN ? identifierEnd(text, start, end, some) : -1;
    if (blankTo > 0) {
      out += text.slice(copied, start) + ' '.repeat(blankTo - start);
      copied = blankTo;
    }
    // The character at the token's (or identifier's) end is not a word character.
    probe = Math.max(end, blankTo) + MIN_HEX_TOKEN;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * Where the identifier starting with the hex token `[start, end)` ends: a whole UUID, or the
 * token itself if it has both digits and letters; -1 if it is none.
 */
function identifierEnd(text: string, start: number, end: number, kinds: number): number {
  const uuid = uuidEnd(text, start);
  if (uuid > 0) return uuid;
  return (kinds & HEX_LETTER) !== 0 && (kinds & DIGIT) !== 0 ? end : -1;
}

/** Where the UUID starting at `start` ends, or -1 if there is none. */
function uuidEnd(text: string, start: number): number {
  let at = start;
  for (let g = 0; g < UUID_GROUPS.length; g++) {
    if (g > 0 && text.charCodeAt(at++) !== DASH) return -1;
    const groupEnd = at + UUID_GROUPS[g]!;
    for (; at < groupEnd; at++) if ((kindOf(text.charCodeAt(at)) & HEX) === 0) return -1;
  }
  return kindOf(text.charCodeAt(at)) === 0 ? at : -1;
}
