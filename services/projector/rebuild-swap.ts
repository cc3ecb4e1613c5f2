import type { PoolClient, Queryable } from '../lib/db.ts';
import { grantTable } from '../lib/roles.ts';
import { ident } from './ownership-store.ts';

/** A fresh, empty copy of the live table's shape (columns, defaults, checks, indexes). */
export async function createScratch(client: Queryable, live: string, scratch: string): Promise<void> {
  await client.query(`DROP TABLE IF EXISTS ${ident(scratch)}`);
  await client.query(`CREATE TABLE ${ident(scratch)} (LIKE ${ident(live)} INCLUDING ALL)`);
}

/** Rows that differ between two tables of the same shape (missing on either side, or different). */
export async function countDifferences(client: Queryable, a: string, b: string): Promise<number> {
  const { rows } = await client.query<{ n: string }>(
    `SELECT count(*) AS n FROM ${ident(a)} x FULL OUTER JOIN ${ident(b)} y ON x.mint = y.mint
      WHERE x.mint IS NULL OR y.mint IS NULL OR (x.*) IS DISTINCT FROM (y.*)`,
  );
  return Number(rows[0]?.n ?? 0);
}

const USING = / USING .*/;

/**
 * Inside the caller's transaction, which already holds ACCESS EXCLUSIVE on `live`: the scratch
 * table takes the live table's name, its index names and its grants, the old table is dropped, and tickets
 * are brought in line with the new table (they should already be, by invariant 9).
 */
export async function swapIn(client: PoolClient, live: string, scratch: string): Promise<{ ticketsFixed: number }> {
  const old = ident(`${live}_swapped_out`);
  const indexes = async (table: string) =>
    (
      await client.query<{ indexname: string; indexdef: string }>(
        'SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1',
        [table],
      )
    ).rows;
  const liveIndexes = await indexes(live);
  await client.query(`ALTER TABLE ${ident(live)} RENAME TO ${old}`);
  await client.query(`ALTER TABLE ${ident(scratch)} RENAME TO ${ident(live)}`);
  await client.query(`DROP TABLE ${old}`);
  for (const idx of await indexes(live)) {
    const twin = liveIndexes.find((l) => l.indexdef.match(USING)?.[0] === idx.indexdef.match(USING)?.[0]);
    if (twin && twin.indexname !== idx.indexname) await client.query(`ALTER INDEX ${ident(idx.indexname)} RENAME TO ${ident(twin.indexname)}`);
  }
  // A new table has only its owner's privileges: the roles that used the old one get theirs back.
  await grantTable(client, live);
  const fixed = await client.query(
    `UPDATE tickets t SET owner_wallet = o.owner, status = CASE WHEN o.owner IS NULL THEN 'burned' ELSE 'minted' END, updated_at = now()
       FROM ${ident(live)} o WHERE t.mint_address = o.mint AND t.owner_wallet IS DISTINCT FROM o.owner`,
  );
  return { ticketsFixed: fixed.rowCount ?? 0 };
}
