// Two bridge processes behind a load balancer, sharing PostgreSQL and Redis, apps sending through
// both. One is SIGKILLed mid-stream: its apps lose their sockets with sends in flight, come back
// through the other process and `sync` from their last cursor, and retry what was not
// acknowledged with the same clientId; the killed process is restarted. In the end every
// acknowledged clientId is in every member's `sync` exactly once, none twice, none lost.
// Killing the process that receives Synapse's transactions is the harder case (until it is back
// Synapse sends nothing: every send waits, and is stored only by the survivor's comparing its
// stalled room with Synapse, or retried); killing the other one is tested too, because there the
// survivor goes on storing while the killed process's apps are away.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { AckOf } from '../../src/protocol/events.ts';
import type { Message } from '../../src/protocol/types.ts';
import { connectApp, type AppClient, expectOk } from '../support/app-client.ts';
import { newBooking } from '../support/booking-system.ts';
import { freshDatabase, spawnBridge, type BridgeProcess } from '../support/bridge-process.ts';
import { REDIS_URL, testPort } from '../support/services.ts';

const DEADLINE_MS = 150_000;
/** Concurrent sends per app. */
const STREAMS = 2;

/** A bridge process at fixed ports, so that it can be started again where it was. */
class Slot {
  process!: BridgeProcess;
  private readonly start: () => Promise<BridgeProcess>;

  constructor(start: () => Promise<BridgeProcess>) {
    this.start = start;
  }

  async restart(): Promise<void> {
    this.process = await this.start();
  }
}

let env: Record<string, string>;
const receiver = new Slot(() => spawnBridge({ port: testPort(19_021), appservicePort: inject('appservicePort'), env }));
const server = new Slot(() => spawnBridge({ port: testPort(19_022), appservicePort: testPort(19_032), env }));
const members: Member[] = [];

/**
 * An app as the protocol asks it to behave: it keeps the cursor of the last message it processed
 * (live or from sync); once its socket is gone it connects through the load balancer (the test
 * says when, and to which process) and syncs from that cursor.
 */
class Member {
  readonly userId: string;
  readonly role: 'customer' | 'artist';
  /** What this app holds: every message it got, live or by sync, by id. */
  readonly seen = new Map<string, Message>();
  app!: AppClient;
  url = '';
  /** Settles once the app is connected again, and caught up, after losing its process. */
  reconnected: Promise<void> = Promise.resolve();
  private cursor = '0';
  private reconnect: ((url: string) => void) | undefined;

  constructor(userId: string, role: 'customer' | 'artist') {
    this.userId = userId;
    this.role = role;
  }

  async connect(url: string): Promise<void> {
    this.url = url;
    this.app = await connectApp(url, this.userId, { role: this.role });
    this.app.socket.on('message', (message) => this.process([message]));
    this.app.socket.once('disconnect', (reason) => {
      // Closed by the test itself at the end: nothing to fail over.
      if (reason === 'io client disconnect') return;
      const to = new Promise<string>((resolve) => (this.reconnect = resolve));
      this.reconnected = to.then((next) => this.connect(next));
    });
    await this.catchUp();
  }

  /** Connects to `url` (once the socket is gone) and syncs from the cursor. */
  failOver(url: string): Promise<void> {
    this.reconnect!(url);
    return this.reconnected;
  }

  /** One send: the ack, or undefined when the socket went away before it came. */
  async send(payload: { bookingId: string; clientId: string; text: string }): Promise<AckOf<'message:send'> | undefined> {
    const app = this.app;
    if (!app.socket.connected) return undefined;
    const lost = new Promise<undefined>((resolve) => app.socket.once('disconnect', () => resolve(undefined)));
    return Promise.race([app.request('message:send', payload).catch(() => undefined), lost]);
  }

  async catchUp(): Promise<void> {
    for (;;) {
      const page = expectOk(await this.app.request('sync', { since: this.cursor }));
      this.process(page.messages);
      if (BigInt(page.cursor) > BigInt(this.cursor)) this.cursor = page.cursor;
      if (!page.more) return;
    }
  }

  async fullSync(): Promise<Message[]> {
    const all: Message[] = [];
    for (let since = '0'; ;) {
      const page = expectOk(await this.app.request('sync', { since }));
      all.push(...page.messages);
      since = page.cursor;
      if (!page.more) return all;
    }
  }

  private process(messages: Message[]): void {
    for (const message of messages) {
      this.seen.set(message.id, message);
      if (BigInt(message.cursor) > BigInt(this.cursor)) this.cursor = message.cursor;
    }
  }
}

/** Acknowledged clientIds by booking, acknowledgements by app; wakes whoever waits for progress. */
class Progress {
  readonly acked = new Map<string, Set<string>>();
  readonly byMember = new Map<Member, number>();
  /** Sends that got no acknowledgement at the first try. */
  retried = 0;
  private readonly waiters = new Set<() => void>();

  ack(member: Member, bookingId: string, clientId: string): void {
    if (!this.acked.has(bookingId)) this.acked.set(bookingId, new Set());
    this.acked.get(bookingId)!.add(clientId);
    this.byMember.set(member, this.count(member) + 1);
    for (const waiter of this.waiters) waiter();
  }

  count(member: Member): number {
    return this.byMember.get(member) ?? 0;
  }

  /** Resolves once each of these apps has `more` acknowledgements than now. */
  more(apps: Member[], more: number, what: string): Promise<void> {
    const from = new Map(apps.map((member) => [member, this.count(member)]));
    return this.until(() => apps.every((member) => this.count(member) >= from.get(member)! + more), what);
  }

  private until(predicate: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!predicate()) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`no progress: ${what}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

beforeAll(async () => {
  env = { DATABASE_URL: await freshDatabase(), REDIS_URL };
  await Promise.all([receiver.restart(), server.restart()]);
});

afterAll(async () => {
  for (const member of members) member.app?.close();
  await Promise.all([receiver.process?.stop(), server.process?.stop()]);
});

describe('one of two bridge processes SIGKILLed under load', () => {
  it.each([
    ['the one receiving Synapse transactions', receiver, server],
    ['the one only serving apps', server, receiver],
  ])('killing %s loses no acknowledged message and doubles none', { timeout: DEADLINE_MS + 30_000 }, async (_name, killed, survivor) => {
    const deadline = Date.now() + DEADLINE_MS;
    // Two chats, each with one member on each process; every member sends.
    const chats = await Promise.all(
      [killed, survivor].map(async (customerSide) => {
        const { bookingId, customer, artist } = await newBooking(survivor.process.url);
        const customerApp = new Member(customer.id, 'customer');
        const artistApp = new Member(artist.id, 'artist');
        await customerApp.connect(customerSide.process.url);
        await artistApp.connect((customerSide === killed ? survivor : killed).process.url);
        return { bookingId, members: [customerApp, artistApp] };
      }),
    );
    const apps = chats.flatMap((chat) => chat.members);
    members.push(...apps);
    const onKilled = apps.filter((member) => member.url === killed.process.url);
    const onSurvivor = apps.filter((member) => !onKilled.includes(member));

    const progress = new Progress();
    let writing = true;
    const sendContinuously = async (member: Member, bookingId: string, stream: number) => {
      for (let i = 0; writing; i++) {
        const payload = { bookingId, clientId: randomUUID(), text: `${member.role} ${stream}.${i}` };
        for (let attempt = 0; ; attempt++) {
          expect(Date.now(), 'a send was never acknowledged').toBeLessThan(deadline);
          if (attempt === 1) progress.retried += 1;
          const ack = await member.send(payload);
          if (ack?.ok) break;
          // No answer (the process died under it) or `unavailable` (nobody stored it in time):
          // the same clientId again, through whichever process the app is connected to by then.
          if (ack) expect(ack.error?.code).toBe('unavailable');
          await member.reconnected;
        }
        progress.ack(member, bookingId, payload.clientId);
      }
    };
    const sending = Promise.all(
      chats.flatMap(({ bookingId, members: both }) =>
        both.flatMap((member) => Array.from({ length: STREAMS }, (_, stream) => sendContinuously(member, bookingId, stream))),
      ),
    );
    // A sender that fails ends any wait at once, with its own error.
    const whileSending = (barrier: Promise<void>) => Promise.race([barrier, sending.then(() => barrier)]);

    await whileSending(progress.more(apps, 4, 'every app sending'));
    await killed.process.stop('SIGKILL');
    // Without the receiver Synapse sends nothing (sends wait for their stalled room's comparison):
    // it comes back at once, as an orchestrator would restart it.
    if (killed === receiver) await killed.restart();
    // The apps still connected go on, while the killed process's apps are away (they get those
    // messages only by syncing from their cursor)…
    await whileSending(progress.more(onSurvivor, 3, 'the survivors acknowledged while the others are away'));
    // …then they come back through the survivor.
    await Promise.all(onKilled.map((member) => member.failOver(survivor.process.url)));
    if (killed !== receiver) await killed.restart();
    await whileSending(progress.more(apps, 3, 'every app acknowledged again'));
    writing = false;
    await sending;
    // The kill really caught sends in flight.
    expect(progress.retried).toBeGreaterThan(0);

    for (const { bookingId, members: both } of chats) {
      const acked = progress.acked.get(bookingId)!;
      for (const member of both) {
        const who = `${member.role} of ${bookingId}`;
        // By sync from the start: each acknowledged clientId exactly once, no clientId twice.
        const clientIds = (await member.fullSync()).filter((m) => m.bookingId === bookingId).map((m) => m.clientId);
        expect(new Set(clientIds).size, `${who}: a clientId twice`).toBe(clientIds.length);
        expect(clientIds.filter((id) => id && acked.has(id)).length, `${who}: acknowledged but lost`).toBe(acked.size);
        // What the app holds from live events and its syncs from its cursor, across the failover.
        await member.catchUp();
        const held = [...member.seen.values()].filter((m) => m.bookingId === bookingId).map((m) => m.clientId);
        expect(new Set(held).size, `${who}: holds a clientId twice`).toBe(held.length);
        for (const id of acked) expect(held, `${who}: never got ${id}`).toContain(id);
      }
    }
  });
});
