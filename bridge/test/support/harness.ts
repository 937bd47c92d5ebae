// One test file's world: a bridge started before its tests and stopped after them, the app
// clients it opened, and (when asked for) a support agent in a Matrix client.
import { afterAll, beforeAll } from 'vitest';
import { connectApp, type AppClient } from './app-client.ts';
import { startBridge, type BridgeOptions, type TestBridge } from './bridge.ts';
import { startStaffClient, type StaffClient } from './matrix-staff.ts';

export interface Harness {
  bridge: TestBridge;
  staff: StaffClient;
  /** Connects an app as this user; closed after the file's tests. */
  app(userId: string, role?: 'customer' | 'artist'): Promise<AppClient>;
  /** The bot invites the support agent into a booking's room, and the agent joins. */
  staffJoins(roomId: string): Promise<void>;
}

export function useHarness(options: { staff?: boolean; bridge?: (staff?: StaffClient) => Promise<BridgeOptions> } = {}): Harness {
  const clients: AppClient[] = [];
  const harness = {
    async app(userId: string, role: 'customer' | 'artist' = 'customer') {
      const client = await connectApp(harness.bridge.url, userId, { role });
      clients.push(client);
      return client;
    },
    async staffJoins(roomId: string) {
      await harness.bridge.app.homeserver.bot.invite(roomId, harness.staff.userId);
      await harness.staff.client.joinRoom(roomId);
    },
  } as Harness;

  beforeAll(async () => {
    if (options.staff) harness.staff = await startStaffClient();
    harness.bridge = await startBridge(options.bridge ? await options.bridge(harness.staff) : {});
  });

  afterAll(async () => {
    for (const client of clients) client.close();
    harness.staff?.stop();
    await harness.bridge?.close();
  });
  return harness;
}
