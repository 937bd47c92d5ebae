// Several bridge processes starting together on one database (a fresh deployment, a rolling
// start at a month's turn) each migrate it and make sure the monthly partitions exist: every
// migration runs once, every partition is created once, and no process fails because another
// got there first.
import { afterAll, describe, expect, it } from 'vitest';
import { migrate, openDatabase, type Database } from '../../src/store/database.ts';
import { ensureMonthlyPartitions, listPartitions } from '../../src/store/partitions.ts';
import { createDatabase, TEST_PORT_SLOT } from '../support/services.ts';

const opened: Database[] = [];

afterAll(async () => {
  await Promise.all(opened.map((db) => db.destroy()));
});

describe('the schema', () => {
  it('is migrated once when several processes start together on an empty database', async () => {
    const url = await createDatabase(`bookingchat_test_migrate_${TEST_PORT_SLOT}_${Date.now()}`);
    const processes = Array.from({ length: 4 }, () => openDatabase(url));
    opened.push(...processes);
    await Promise.all(processes.map((db) => migrate(db)));
    const names = (await processes[0]!('knex_migrations').select('name')).map((row: { name: string }) => row.name);
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('monthly partitions', () => {
  it('are created once when several processes ensure them at the same time', async () => {
    const url = await createDatabase(`bookingchat_test_partitions_${TEST_PORT_SLOT}`);
    const processes = Array.from({ length: 4 }, () => openDatabase(url));
    opened.push(...processes);
    await migrate(processes[0]!);
    // Months no start-up has created yet, so that every process finds them missing.
    const later = new Date(Date.UTC(new Date().getUTCFullYear() + 2, 0, 15));

    const created = await Promise.all(processes.map((db) => ensureMonthlyPartitions(db, later)));

    const all = created.flat();
    expect(all).toHaveLength(5);
    expect(new Set(all).size).toBe(5);
    expect(await listPartitions(processes[0]!)).toEqual(expect.arrayContaining(all));
  });
});
