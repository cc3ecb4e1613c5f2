import { fc, test } from '@fast-check/vitest';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackEnv } from '../../test/support/stack-env.ts';
import { copyFrom } from './copy.ts';
import { BinaryCopyWriter } from './copy-binary.ts';

// The server is the judge of the format: what it stores must be what was written.
const pool = new pg.Pool({ connectionString: stackEnv().DATABASE_URL, max: 2 });
const table = `copy_binary_t_${process.pid}`;

beforeAll(async () => {
  await pool.query(`CREATE TABLE ${table} (i bigint PRIMARY KEY, t text, n bigint, at timestamptz)`);
});
afterAll(async () => {
  await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await pool.end();
});

const row = fc.record({
  t: fc.option(
    fc.oneof(fc.string({ unit: 'grapheme-ascii', maxLength: 200 }), fc.string({ unit: 'grapheme' })).filter((s) => !s.includes('\0')),
    { nil: null },
  ),
  n: fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
  at: fc.integer({ min: -5e12, max: 9.9e12 }),
});

describe('COPY binary format on the real server', () => {
  test.prop([fc.array(row, { maxLength: 30 })], { numRuns: 30 })('stores every row as written: text, NULL, bigint and timestamptz', async (rows) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const w = new BinaryCopyWriter(16);
      rows.forEach((r, i) => w.row(4).int8(i).text(r.t).int8(r.n).timestamptz(r.at));
      await copyFrom(client, `COPY ${table} (i, t, n, at) FROM STDIN (FORMAT binary)`, w.finish());
      const { rows: stored } = await client.query<{ t: string | null; n: string; at: Date }>(`SELECT t, n, at FROM ${table} ORDER BY i`);
      expect(stored.map((s) => ({ t: s.t, n: Number(s.n), at: s.at.getTime() }))).toEqual(rows);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('a COPY the server rejects fails with its error, and the connection goes on (a retried batch must not hang)', async () => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      const twice = new BinaryCopyWriter();
      for (let k = 0; k < 2; k++) twice.row(4).int8(1).text('x').int8(1).timestamptz(0);
      await expect(copyFrom(client, `COPY ${table} (i, t, n, at) FROM STDIN (FORMAT binary)`, twice.finish())).rejects.toThrow(/duplicate key/);
      await client.query('ROLLBACK');
      await expect(copyFrom(client, `COPY ${table} (i, t) FROM STDIN (FORMAT binary)`, new BinaryCopyWriter().row(1).int8(1).finish())).rejects.toThrow(
        /row field count/,
      );
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      client.release();
    }
  });
});
