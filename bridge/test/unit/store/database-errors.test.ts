import { describe, expect, it } from 'vitest';
import { isDatabaseOutage, isDataError } from '../../../src/store/database-errors.ts';

// The shapes pg and knex give (codes as PostgreSQL and Node report them).
const pgError = (code: string) => Object.assign(new Error('refused'), { code });

describe('what a database failure means', () => {
  it('data the database refuses is a data error, never an outage', () => {
    for (const code of ['22021', '22P02', '22008', '23502', '23505', '54000']) {
      expect(isDataError(pgError(code)), code).toBe(true);
      expect(isDatabaseOutage(pgError(code)), code).toBe(false);
    }
  });

  it('an unreachable or restarting database is an outage, never a data error', () => {
    const outages = [
      pgError('ECONNREFUSED'),
      pgError('ECONNRESET'),
      pgError('57P01'),
      pgError('57P03'),
      pgError('08006'),
      pgError('53300'),
      Object.assign(new Error('Knex: Timeout acquiring a connection.'), { name: 'KnexTimeoutError' }),
      new Error('Connection terminated unexpectedly'),
      new Error('select * from "bookings" where "booking_id" = $1 limit $2 - Connection terminated unexpectedly'),
      new AggregateError([pgError('ECONNREFUSED')], ''),
    ];
    for (const error of outages) {
      expect(isDatabaseOutage(error), error.message).toBe(true);
      expect(isDataError(error), error.message).toBe(false);
    }
  });

  it('bugs are neither', () => {
    for (const error of [new TypeError('x is undefined'), pgError('42P01'), pgError('40001'), 'a string', null]) {
      expect(isDataError(error)).toBe(false);
      expect(isDatabaseOutage(error)).toBe(false);
    }
  });
});
