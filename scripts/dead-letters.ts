// Dead letters: events the read model refused even alone (docs/operations.md, "Dead letters").
//   npm run dead-letters -- list [--all]     those not replayed yet (with --all: every one)
//   npm run dead-letters -- replay [id]      one, or every one not replayed yet
// A replay puts the event back on the one road: a transaction PUT to the bridge's own appservice
// listener, as Synapse sends them (with the hs_token), so it is stored, delivered and pushed like
// any other. Reads the same configuration as the bridge (environment, CONFIG_FILE).
import { loadConfig } from '../bridge/src/config/config.ts';
import { loadOrCreateSecrets } from '../bridge/src/stack/secrets.ts';
import { openDatabase } from '../bridge/src/store/database.ts';
import { DeadLettersStore, type DeadLetterRow } from '../bridge/src/store/dead-letters-store.ts';

const USAGE = 'usage: npm run dead-letters -- list [--all] | replay [id]';

function describe(letter: DeadLetterRow): string {
  const replayed = letter.replayed_at ? ` replayed ${letter.replayed_at.toISOString()}` : '';
  return `#${letter.id} ${letter.event_id} in ${letter.room_id}: ${letter.attempts} attempt(s), last ${letter.last_failed_at.toISOString()}, SQLSTATE ${letter.sqlstate ?? '-'}${replayed}\n    ${letter.error}`;
}

/** PUTs the event to the bridge's appservice listener; true when it answered 200 and the event was not set aside again. */
async function replay(letter: DeadLetterRow, store: DeadLettersStore, appserviceUrl: string, hsToken: string): Promise<boolean> {
  const txnId = `replay-${letter.id}-${Date.now()}`;
  const response = await fetch(`${appserviceUrl}/_matrix/app/v1/transactions/${txnId}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${hsToken}`, 'content-type': 'application/json' },
    body: `{"events":[${letter.event}]}`,
  });
  if (!response.ok) {
    process.stdout.write(`#${letter.id}: the bridge answered ${response.status} (${await response.text()}); try again later\n`);
    return false;
  }
  if (await store.markReplayed(letter)) {
    process.stdout.write(`#${letter.id}: replayed (${txnId})\n`);
    return true;
  }
  const again = await store.get(letter.id);
  process.stdout.write(`#${letter.id}: refused again\n    ${again?.error ?? ''}\n`);
  return false;
}

const [command, argument] = process.argv.slice(2);
if ((command !== 'list' && command !== 'replay') || (command === 'replay' && argument !== undefined && !/^\d+$/.test(argument))) {
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
const config = loadConfig();
if (!config.databaseUrl) {
  process.stderr.write("DATABASE_URL is required: the embedded database serves one connection, the running bridge's\n");
  process.exit(2);
}
const db = openDatabase(config.databaseUrl, { maxConnections: 1 });
const store = new DeadLettersStore(db);
let ok = true;
try {
  if (command === 'list') {
    const letters = await store.list({ all: argument === '--all' });
    for (const letter of letters) process.stdout.write(`${describe(letter)}\n`);
    process.stdout.write(`${letters.length} dead letter(s)\n`);
  } else {
    const hsToken = config.appservice.hsToken ?? loadOrCreateSecrets(config.dataDir).hsToken;
    const letters = argument === undefined ? await store.list() : [await store.get(argument)];
    for (const letter of letters) {
      if (!letter) {
        process.stdout.write(`no dead letter #${argument}\n`);
        ok = false;
      } else {
        ok = (await replay(letter, store, config.appservice.url, hsToken)) && ok;
      }
    }
  }
} finally {
  await db.destroy();
}
process.exit(ok ? 0 : 1);
