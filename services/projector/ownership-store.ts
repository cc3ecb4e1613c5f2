import type { Queryable } from '../lib/db.ts';
import { reduceOwnership, type BatchOutcome, type OwnershipChange, type OwnershipRow } from './ownership-reducer.ts';

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

/** The stored rows of these mints, locked until the transaction ends. */
export async function loadOwnership(client: Queryable, table: string, mints: string[]): Promise<Map<string, OwnershipRow>> {
  const { rows } = await client.query<{ mint: string; owner: string | null; token_account: string | null; amount: string; slot: string; commitment: 'confirmed' | 'finalized'; updated_ms: string }>(
    `SELECT mint, owner, token_account, amount, slot, commitment, (extract(epoch FROM updated_at) * 1000)::bigint AS updated_ms
       FROM ${ident(table)} WHERE mint = ANY($1::text[]) FOR UPDATE`,
    [mints],
  );
  return new Map(
    rows.map((r) => [
      r.mint,
      { mint: r.mint, owner: r.owner, tokenAccount: r.token_account, amount: Number(r.amount), slot: Number(r.slot), commitment: r.commitment, updatedAt: Number(r.updated_ms) },
    ]),
  );
}

/**
 * One statement for all rows. The WHERE repeats supersedes() in SQL, so even a writer that
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
      WHERE excluded.slot > o.slot OR (excluded.slot = o.slot AND NOT (o.commitment = 'finalized' AND excluded.commitment = 'confirmed'))`,
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

async function appendAudit(client: Queryable, table: string, outcome: BatchOutcome): Promise<void> {
  const c = outcome.ownerChanges;
  if (c.length === 0) return;
  // WITH ORDINALITY keeps the application order in the id sequence.
  await client.query(
    `INSERT INTO ${ident(table)} (mint, old_owner, new_owner, slot, observed_at)
     SELECT u.mint, u.old_owner, u.new_owner, u.slot, ${MS} u.observed_ms
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[]) WITH ORDINALITY AS u(mint, old_owner, new_owner, slot, observed_ms, n)
      ORDER BY u.n`,
    [c.map((x) => x.mint), c.map((x) => x.oldOwner), c.map((x) => x.newOwner), c.map((x) => x.slot), c.map((x) => x.observedAt)],
  );
}

/** The chain wins: tickets take the owner the chain reports (invariant 4: only from chain.ownership). */
async function updateTickets(client: Queryable, outcome: BatchOutcome): Promise<void> {
  if (outcome.tickets.size === 0) return;
  const entries = [...outcome.tickets];
  await client.query(
    `UPDATE tickets t SET owner_wallet = u.owner, status = u.status, updated_at = now()
       FROM unnest($1::text[], $2::text[], $3::text[]) AS u(mint, owner, status)
      WHERE t.mint_address = u.mint AND (t.owner_wallet IS DISTINCT FROM u.owner OR t.status <> u.status)`,
    [entries.map(([m]) => m), entries.map(([, v]) => v.owner), entries.map(([, v]) => v.status)],
  );
}

/** One batch, inside the caller's transaction: read and lock, decide (pure), write. */
export async function applyOwnershipBatch(client: Queryable, target: OwnershipTarget, changes: OwnershipChange[]): Promise<BatchOutcome> {
  const current = await loadOwnership(client, target.table, [...new Set(changes.map((c) => c.mint))]);
  const outcome = reduceOwnership(current, changes);
  await upsertOwnership(client, target.table, [...outcome.rows.values()]);
  if (target.audit) await appendAudit(client, target.audit, outcome);
  if (target.tickets) await updateTickets(client, outcome);
  return outcome;
}
