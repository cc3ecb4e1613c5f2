import { copyFrom } from '../lib/copy.ts';
import { BinaryCopyWriter } from '../lib/copy-binary.ts';
import type { PoolClient, Queryable } from '../lib/db.ts';
import { ownershipSupersedesSql } from '../lib/domain/ownership-precedence.ts';
import { reduceOwnership, type OwnershipChange, type OwnershipRow } from './ownership-reducer.ts';

/** Where a batch lands: the live table with its audit trail and tickets, or a rebuild table alone. */
export interface OwnershipTarget {
  table: string;
  /** null: no audit trail (the rebuild replays history; it does not re-append it). */
  audit: string | null;
  /** Whether tickets.owner_wallet/status follow the owner changes. */
  tickets: boolean;
}

export const LIVE_TARGET: OwnershipTarget = { table: 'ownership', audit: 'ownership_audit', tickets: true };

const IDENT = /^[a-z_][a-z0-9_]*$/;
/** Table names come from code and config, never from records; still, only plain identifiers pass. */
export function ident(name: string): string {
  if (!IDENT.test(name)) throw new RangeError(`not a plain SQL identifier: ${name}`);
  return name;
}

const MS = `timestamptz 'epoch' + interval '1 millisecond' *`;

/**
 * One statement for all rows. The WHERE is supersedes() in SQL (lib/domain/ownership-precedence.ts), so even a writer that
 * skipped the reducer could not move a row back to an older slot.
 */
export async function upsertOwnership(client: Queryable, table: string, rows: OwnershipRow[]): Promise<number> {
  if (rows.length === 0) return 0;
  const t = ident(table);
  const res = await client.query(
    `INSERT INTO ${t} AS o (mint, owner, token_account, amount, slot, commitment, updated_at)
     SELECT u.mint, u.owner, u.token_account, u.amount, u.slot, u.commitment, ${MS} u.updated_ms
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $7::bigint[])
            AS u(mint, owner, token_account, amount, slot, commitment, updated_ms)
     ON CONFLICT (mint) DO UPDATE SET owner = excluded.owner, token_account = excluded.token_account, amount = excluded.amount,
            slot = excluded.slot, commitment = excluded.commitment, updated_at = excluded.updated_at
      WHERE ${ownershipSupersedesSql('excluded', 'o')}`,
    [
      rows.map((r) => r.mint),
      rows.map((r) => r.owner),
      rows.map((r) => r.tokenAccount),
      rows.map((r) => r.amount),
      rows.map((r) => r.slot),
      rows.map((r) => r.commitment),
      rows.map((r) => r.updatedAt),
    ],
  );
  return res.rowCount ?? 0;
}

/**
 * The stored rows of these mints, locked until the transaction ends, and which of them have a
 * ticket (one round trip). A ticket exists before its mint is requested (the mint address derives
 * from it), so it is there by the time the chain reports the mint; a batch of mints the platform
 * did not mint then skips the tickets update altogether.
 */
async function loadBatchState(
  client: Queryable,
  target: OwnershipTarget,
  mints: string[],
): Promise<{ current: Map<string, OwnershipRow>; ticketed: Set<string> }> {
  const tickets = target.tickets
    ? `UNION ALL SELECT mint_address, NULL, NULL, NULL, NULL, NULL, NULL, true FROM tickets WHERE mint_address = ANY($1::text[])`
    : '';
  const { rows } = await client.query<{
    mint: string;
    owner: string | null;
    token_account: string | null;
    amount: string;
    slot: string;
    commitment: 'confirmed' | 'finalized';
    updated_ms: string;
    ticket: boolean;
  }>(
    `WITH stored AS (SELECT * FROM ${ident(target.table)} WHERE mint = ANY($1::text[]) FOR UPDATE)
     SELECT mint, owner, token_account, amount, slot, commitment, (extract(epoch FROM updated_at) * 1000)::bigint AS updated_ms, false AS ticket FROM stored
     ${tickets}`,
    [mints],
  );
  const current = new Map<string, OwnershipRow>();
  const ticketed = new Set<string>();
  for (const r of rows) {
    if (r.ticket) ticketed.add(r.mint);
    else
      current.set(r.mint, {
        mint: r.mint,
        owner: r.owner,
        tokenAccount: r.token_account,
        amount: Number(r.amount),
        slot: Number(r.slot),
        commitment: r.commitment,
        updatedAt: Number(r.updated_ms),
      });
  }
  return { current, ticketed };
}

/** The chain wins: tickets take the owner the chain reports (invariant 4: only from chain.ownership). */
async function updateTickets(client: Queryable, tickets: Array<[string, { owner: string | null; status: string }]>): Promise<void> {
  if (tickets.length === 0) return;
  await client.query(
    `UPDATE tickets t SET owner_wallet = u.owner, status = u.status, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::text[]) AS u(mint, owner, status)
      WHERE t.mint_address = ANY($1::text[]) AND t.mint_address = u.mint AND (t.owner_wallet IS DISTINCT FROM u.owner OR t.status <> u.status)`,
    [tickets.map(([m]) => m), tickets.map(([, v]) => v.owner), tickets.map(([, v]) => v.status)],
  );
}

/**
 * One binary COPY that appends `rows` to `table` (rows that do not exist yet: COPY does not
 * upsert): the statement and its payload, apart so a caller can encode ahead of time.
 */
export function ownershipCopy(table: string, rows: readonly OwnershipRow[]): { sql: string; data: Buffer } {
  const data = new BinaryCopyWriter(rows.length * 200);
  for (const r of rows) data.row(7).text(r.mint).text(r.owner).text(r.tokenAccount).int8(r.amount).int8(r.slot).text(r.commitment).timestamptz(r.updatedAt);
  return { sql: `COPY ${ident(table)} (mint, owner, token_account, amount, slot, commitment, updated_at) FROM STDIN (FORMAT binary)`, data: data.finish() };
}

/**
 * One batch, inside the caller's transaction (`client` must be a client, not a pool: COPY runs
 * on it): read and lock, decide (pure), write. Rows of mints seen for the first time and the
 * audit trail are appended with COPY, which costs a fraction of an INSERT per row; rows that
 * exist go through the guarded upsert. A mint found absent stays absent for the transaction: only
 * the holder of its partition writes it, and this transaction holds that partition's offset row.
 * Should another writer insert it anyway, COPY fails on the primary key, the transaction rolls
 * back and the batch is retried (and then finds the row). Returns the rows written.
 */
export async function applyOwnershipBatch(client: Pick<PoolClient, 'query'>, target: OwnershipTarget, changes: readonly OwnershipChange[]): Promise<number> {
  if (changes.length === 0) return 0;
  const { current, ticketed } = await loadBatchState(client, target, [...new Set(changes.map((c) => c.mint))]);
  const outcome = reduceOwnership(current, changes);
  const fresh: OwnershipRow[] = [];
  const stored: OwnershipRow[] = [];
  for (const row of outcome.rows.values()) (current.has(row.mint) ? stored : fresh).push(row);
  if (fresh.length) {
    const { sql, data } = ownershipCopy(target.table, fresh);
    await copyFrom(client, sql, data);
  }
  await upsertOwnership(client, target.table, stored);
  if (target.audit && outcome.ownerChanges.length) {
    // In application order, so the id sequence keeps it.
    const data = new BinaryCopyWriter(outcome.ownerChanges.length * 160);
    for (const c of outcome.ownerChanges) data.row(5).text(c.mint).text(c.oldOwner).text(c.newOwner).int8(c.slot).timestamptz(c.observedAt);
    await copyFrom(client, `COPY ${ident(target.audit)} (mint, old_owner, new_owner, slot, observed_at) FROM STDIN (FORMAT binary)`, data.finish());
  }
  if (target.tickets)
    await updateTickets(
      client,
      [...outcome.tickets].filter(([mint]) => ticketed.has(mint)),
    );
  return outcome.rows.size;
}
