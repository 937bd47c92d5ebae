// Platform user ids ↔ Matrix user ids in the appservice's exclusive namespace (the escaping:
// protocol/user-ids.ts).
import { decodeLocalpart, encodeLocalpart } from '../protocol/user-ids.ts';

export const APP_USER_PREFIX = 'app_';

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
