// Platform user ids in Matrix: each app user is a Matrix user whose localpart is the platform id
// escaped the way the Matrix spec's appendix on mapping other character sets suggests: `_`
// doubles, an upper-case letter becomes `_` + its lower case, and any other character outside
// a-z 0-9 . - / becomes `=` + the hex of its UTF-8 bytes. Part of the contract because Matrix
// caps a whole user id at 255 bytes (a member event's state key too): schemas.ts refuses a
// platform id whose escaped form is longer than MAX_ESCAPED_USER_ID. Web APIs only (no Buffer):
// protocol/ is shared with the client SDK.

/** Of Matrix's 255: what `@app_`, `:` and a SYNAPSE_SERVER_NAME of up to 49 characters leave. */
export const MAX_ESCAPED_USER_ID = 200;

export function encodeLocalpart(platformId: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(platformId)) {
    const ch = String.fromCharCode(byte);
    if (/[a-z0-9.\-/]/.test(ch)) out += ch;
    else if (ch === '_') out += '__';
    else if (/[A-Z]/.test(ch)) out += `_${ch.toLowerCase()}`;
    else out += `=${byte.toString(16).padStart(2, '0')}`;
  }
  return out;
}

export function decodeLocalpart(encoded: string): string | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const ch = encoded[i]!;
    if (ch === '_') {
      const next = encoded[++i];
      if (next === undefined) return undefined;
      bytes.push((next === '_' ? '_' : next.toUpperCase()).charCodeAt(0));
    } else if (ch === '=') {
      const hex = encoded.slice(i + 1, i + 3);
      if (!/^[0-9a-f]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(ch.charCodeAt(0));
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
