// The floor of the bridge's CPU per message: a process that does only what the architecture
// makes any bridge do for an app's message, with the same libraries, and nothing else. An app's
// Socket.io frame; one PostgreSQL read (the booking and who may write); the PUT to the homeserver
// (here floor.ts's stand-in); the appservice transaction the homeserver pushes back over HTTP;
// one PostgreSQL round trip storing it; the answer to the homeserver, the frame to the other
// member and the sender's acknowledgement. No validation, logging, metrics, safety or pushes.
// Run by floor.ts:  node floor-bridge.ts <database url> <homeserver port>; prints its two ports.
import { createServer, request, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { Server } from 'socket.io';

const [databaseUrl, homeserverPort] = process.argv.slice(2);
const db = new pg.Pool({ connectionString: databaseUrl, max: 4 });
await db.query('CREATE TABLE IF NOT EXISTS floor_messages (event_id text PRIMARY KEY, room text NOT NULL, body text NOT NULL)');
const homeserver = new Agent({ keepAlive: true });

/** Acknowledgements waiting for their event to be stored, by event id; and events stored before their sender waited. */
const acks = new Map<string, (answer: unknown) => void>();
const storedEarly = new Set<string>();

function putToHomeserver(path: string, body: unknown): Promise<{ event_id: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ port: Number(homeserverPort), host: '127.0.0.1', path, method: 'PUT', agent: homeserver }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve(JSON.parse(text) as { event_id: string }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

const apps = createServer();
const io = new Server(apps, { transports: ['websocket'] });
io.on('connection', (socket) => {
  const room = String(socket.handshake.auth.room);
  void socket.join(room);
  socket.on('send', async (payload: { clientId: string; text: string }, ack: (answer: unknown) => void) => {
    await db.query('SELECT $1::text AS room', [room]);
    const { event_id: eventId } = await putToHomeserver(`/send/${room}/${payload.clientId}`, { body: payload.text, sender: socket.id });
    if (storedEarly.delete(eventId)) ack({ ok: true, id: eventId });
    else acks.set(eventId, ack);
  });
});

interface FloorEvent {
  event_id: string;
  room: string;
  body: string;
  sender: string;
}

const transactions = createServer((req, res) => {
  let text = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (text += chunk));
  req.on('end', async () => {
    const { events } = JSON.parse(text) as { events: FloorEvent[] };
    await db.query('INSERT INTO floor_messages SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING', [
      events.map((e) => e.event_id),
      events.map((e) => e.room),
      events.map((e) => e.body),
    ]);
    res.end('{}');
    for (const event of events) {
      io.to(event.room).except(event.sender).emit('message', { id: event.event_id, text: event.body });
      const ack = acks.get(event.event_id);
      if (ack) {
        acks.delete(event.event_id);
        ack({ ok: true, id: event.event_id });
      } else storedEarly.add(event.event_id);
    }
  });
});

const listen = (server: ReturnType<typeof createServer>) =>
  new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
console.log(JSON.stringify({ apps: await listen(apps), transactions: await listen(transactions) }));
