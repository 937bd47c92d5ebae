// What the least possible bridge costs per message on this machine, to read the bridge's CPU per
// message against (bridge_floor in the load bench's JSON): floor-bridge.ts in a process of its
// own, a stand-in homeserver here that answers each PUT with an event id and pushes the event
// back as an appservice transaction, and pairs of Socket.io apps here sending at open-loop
// Poisson arrivals. Only the floor process's CPU and wake-ups are counted (/proc).
import { spawn } from 'node:child_process';
import { createServer, request, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { createDatabase } from '../../bridge/test/support/services.ts';
import { sample, usedMs, wakeUps } from './cpu.ts';
import { realisticText } from './texts.ts';

const ROOMS = 20;

export interface FloorResult {
  cpu_ms_per_msg: number;
  wake_ups_per_msg: number;
}

/** The stand-in homeserver: a PUT gets its event id at once, and the event comes back as a transaction. */
function startHomeserver(): Promise<{ port: number; pushTo(port: number): void; close(): void }> {
  let transactionsPort = 0;
  let txnId = 0;
  const agent = new Agent({ keepAlive: true });
  const server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const [, , room, clientId] = (req.url ?? '').split('/');
      const { body, sender } = JSON.parse(text) as { body: string; sender: string };
      const eventId = `$${clientId}`;
      res.end(JSON.stringify({ event_id: eventId }));
      const push = request({ port: transactionsPort, host: '127.0.0.1', path: `/txn/${txnId++}`, method: 'PUT', agent }, (answer) =>
        answer.resume(),
      );
      push.end(JSON.stringify({ events: [{ event_id: eventId, room, body, sender }] }));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        pushTo: (port) => (transactionsPort = port),
        close: () => {
          agent.destroy();
          server.close();
        },
      }),
    ),
  );
}

function connected(url: string, room: string): Promise<Socket> {
  const socket = io(url, { auth: { room }, transports: ['websocket'], reconnection: false });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', reject);
  });
}

/** The floor process's CPU and wake-ups per message at `rate` messages a second for `seconds`. */
export async function measureFloor(rate: number, seconds: number): Promise<FloorResult> {
  const homeserver = await startHomeserver();
  const databaseUrl = await createDatabase('bookingchat_bench_floor');
  const child = spawn(process.execPath, [join(import.meta.dirname, 'floor-bridge.ts'), databaseUrl, String(homeserver.port)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const sockets: Socket[] = [];
  try {
    const ports = await new Promise<{ apps: number; transactions: number }>((resolve, reject) => {
      child.stdout!.once('data', (line: Buffer) => resolve(JSON.parse(line.toString()) as { apps: number; transactions: number }));
      child.once('exit', (code) => reject(new Error(`floor bridge exited with ${code}`)));
    });
    homeserver.pushTo(ports.transactions);
    const url = `http://127.0.0.1:${ports.apps}`;
    const pairs = await Promise.all(
      Array.from({ length: ROOMS }, async (_, room) => {
        const [sender, receiver] = await Promise.all([connected(url, `r${room}`), connected(url, `r${room}`)]);
        sockets.push(sender, receiver);
        return { sender, receiver };
      }),
    );
    let delivered = 0;
    for (const { receiver } of pairs) receiver.on('message', () => (delivered += 1));

    const cpuBefore = sample([child.pid!]);
    const wokeBefore = wakeUps(child.pid!);
    const acknowledged: Promise<unknown>[] = [];
    const end = Date.now() + seconds * 1000;
    for (let at = Date.now(), n = 0; at < end; n++) {
      // Open loop: exponential gaps, whatever the answers do.
      at += -Math.log(1 - Math.random()) * (1000 / rate);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));
      const { sender } = pairs[n % ROOMS]!;
      acknowledged.push(sender.timeout(30_000).emitWithAck('send', { clientId: `m${n}`, text: realisticText() }));
    }
    await Promise.all(acknowledged);
    while (delivered < acknowledged.length) await new Promise((resolve) => setTimeout(resolve, 10));
    const cpu = usedMs(cpuBefore, sample([child.pid!]));
    const woke = wakeUps(child.pid!) - wokeBefore;
    const per = (value: number, digits: number) => Number((value / acknowledged.length).toFixed(digits));
    return { cpu_ms_per_msg: per(cpu, 3), wake_ups_per_msg: per(woke, 2) };
  } finally {
    for (const socket of sockets) socket.close();
    child.kill();
    homeserver.close();
  }
}
