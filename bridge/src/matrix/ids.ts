// Platform user ids ↔ Matrix user ids in the appservice's exclusive namespace.
// Matrix localparts allow only a-z 0-9 . _ = - /, so ids are escaped the way the Matrix spec's
// appendix on mapping other character sets suggests: `_` doubles, an upper-case letter becomes
// `_` + its lower case, and any other character becomes `=` + the hex of its UTF-8 bytes.

export const APP_USER_PREFIX = 'app_';

/** Matrix caps a whole user id at 255 bytes (a member event's state key at the same). */
const MAX_MATRIX_USER_ID = 255;
/** What of the 255 an escaped platform id may take (protocol/schemas.ts refuses longer ones)... */
export const MAX_ESCAPED_USER_ID = 200;
/** ...and what is left for SYNAPSE_SERVER_NAME: `@`, the prefix and `:` take the rest (49). */
export const MAX_SERVER_NAME = MAX_MATRIX_USER_ID - MAX_ESCAPED_USER_ID - APP_USER_PREFIX.length - 2;

export function encodeLocalpart(platformId: string): string {
  let out = '';
  for (const byte of Buffer.from(platformId, 'utf8')) {
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
  return Buffer.from(bytes).toString('utf8');
}

export class MatrixIds {
  readonly serverName: string;
  readonly botUserId: string;

  constructor(serverName: string, botLocalpart: string) {
    this.serverName = serverName;
    this.botUserId = `@${botLocalpart}:${serverName}`;
  }

  appUser(platformId: string): string {
    return `@${APP_USER_PREFIX}${encodeLocalpart(platformId)}:${this.serverName}`;
  }

  /** The platform id behind a Matrix user id, or undefined when it is not one of ours. */
  platformIdOf(matrixUserId: string): string | undefined {
    const suffix = `:${this.serverName}`;
    if (!matrixUserId.startsWith(`@${APP_USER_PREFIX}`) || !matrixUserId.endsWith(suffix)) return undefined;
    return decodeLocalpart(matrixUserId.slice(1 + APP_USER_PREFIX.length, -suffix.length));
  }
}
