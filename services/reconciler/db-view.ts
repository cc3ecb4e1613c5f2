// The database side of the join, read set-based: the chain rows go in at once (arrays for a few,
// COPY into a temporary table for a full run) and one query joins them with tickets and
// chain_operations, returning only the mints worth classifying.
import type pg from 'pg';
import { copyFrom, copyLine } from '../lib/copy.ts';
import { withTransaction, type Queryable } from '../lib/db.ts';
import type { ChainRow, TrackedMint } from './snapshot.ts';
import type { MintView, OpView, TicketView } from './types.ts';

interface Row {
  mint: string;
  present: boolean;
  owner: string | null;
  slot: string;
  ticket_id: string | null;
  status: TicketView['status'] | null;
  owner_wallet: string | null;
  settled_at: string | null;
  open_ops: OpView[] | null;
  projected_owner: string | null;
  projected: boolean;
  remembered_owner: string | null;
  remembered_since: string | null;
  remembered: boolean;
}

/** The comparison over `chain` (mint, present, owner, slot), from wherever the rows are. */
const compareSql = (chain: string, all: string) => `
WITH chain AS (${chain}), op AS (
  SELECT o.mint,
         max(coalesce(o.confirmed_at, o.updated_at)) FILTER (WHERE o.state IN ('confirmed', 'finalized')) AS settled_at,
         json_agg(json_build_object(
           'opId', o.op_id, 'idempotencyKey', o.idempotency_key, 'type', o.type, 'state', o.state,
           -- A re-requested operation is requested again since the re-request (updated_at).
           'since', (extract(epoch FROM CASE WHEN o.state = 'requested' THEN greatest(o.requested_at, o.updated_at) ELSE o.updated_at END) * 1000)::bigint,
           'from', o.from_wallet, 'to', o.to_wallet, 'error', o.last_error, 'generation', o.generation, 'errorKind', o.last_error_kind,
           -- Where the row stands in the order of states (lib/domain/operation-status.ts) when joined with the stream's.
           'attempt', o.attempts)
           ORDER BY o.requested_at, o.op_id) FILTER (WHERE o.state NOT IN ('confirmed', 'finalized')) AS open_ops
    FROM chain_operations o JOIN chain c ON c.mint = o.mint
   GROUP BY o.mint
)
SELECT c.mint, c.present, c.owner, c.slot, t.id AS ticket_id, t.status, t.owner_wallet,
       (extract(epoch FROM op.settled_at) * 1000)::bigint AS settled_at, op.open_ops,
       o.owner AS projected_owner, o.mint IS NOT NULL AS projected,
       r.owner AS remembered_owner, (extract(epoch FROM r.seen_at) * 1000)::bigint AS remembered_since, r.mint IS NOT NULL AS remembered
  FROM chain c
  LEFT JOIN tickets t ON t.mint_address = c.mint
  LEFT JOIN op ON op.mint = c.mint
  LEFT JOIN ownership o ON o.mint = c.mint
  LEFT JOIN reconciler_mints r ON r.mint = c.mint
 WHERE ${all} OR t.id IS NULL OR t.owner_wallet IS DISTINCT FROM c.owner OR NOT c.present OR op.open_ops IS NOT NULL
    -- The ticket's state against the chain's (classify.ts chainTicketStatus).
    OR (c.present AND t.status <> 'created' AND t.status <> CASE WHEN c.owner IS NULL THEN 'burned' ELSE 'minted' END)`;

const COMPARE_ARRAYS_SQL = compareSql('SELECT * FROM unnest($1::text[], $2::bool[], $3::text[], $4::bigint[]) AS c(mint, present, owner, slot)', '$5::bool');
const COMPARE_COPIED_SQL = compareSql('SELECT mint, present, owner, slot FROM reconcile_chain', 'false');

// For the few big statements of a full run: JIT compilation costs more (~250 ms) than it saves
// on hash joins over 100,000s of rows (the correlated fallbacks inflate the planner's estimate),
// and hash tables of that size spill to disk under the default work_mem. Both only for this
// transaction.
const BATCH_SETTINGS = `SET LOCAL jit = off; SET LOCAL work_mem = '64MB'`;

// seen_at is when this owner was first seen: it moves only when the owner does.
const REMEMBER_SQL = `
INSERT INTO reconciler_mints (mint, owner, token_account, slot)
SELECT mint, owner, token_account, slot FROM reconcile_chain WHERE remember
    ON CONFLICT (mint) DO UPDATE SET owner = EXCLUDED.owner, token_account = EXCLUDED.token_account, slot = EXCLUDED.slot,
       seen_at = CASE WHEN reconciler_mints.owner IS NOT DISTINCT FROM EXCLUDED.owner THEN reconciler_mints.seen_at ELSE now() END
 WHERE reconciler_mints.slot IS NULL OR reconciler_mints.slot <= EXCLUDED.slot`;

export interface DbSide {
  ticket: TicketView | null;
  ops: OpView[];
  lastSettledAt: number | null;
}

export interface Compared {
  view: MintView;
  db: DbSide;
}

/**
 * Joins chain rows with the database in one query. With `all` false, mints where the database
 * agrees with the chain and nothing is pending are left out (the common case of a full run).
 */
export async function compareWithDb(client: Queryable, rows: readonly ChainRow[], now: number, all = false): Promise<Compared[]> {
  const res = await client.query<Row>(COMPARE_ARRAYS_SQL, [
    rows.map((r) => r.mint),
    rows.map((r) => r.present),
    rows.map((r) => r.owner),
    rows.map((r) => r.slot),
    all,
  ]);
  return res.rows.map((r) => compared(r, now));
}

/**
 * A full run's comparison: the chain rows are copied into a temporary table (a fraction of the
 * cost of 100,000s of array elements as parameters), compared in one query, and the present rows
 * `remember` picks stored in reconciler_mints (where each NFT was found and who held it, so the
 * next run reads the right token account first), all in one transaction. The comparison reads
 * what the previous run remembered: it runs first.
 */
export async function compareAndRemember(pool: pg.Pool, rows: readonly ChainRow[], remember: (row: ChainRow) => boolean, now: number): Promise<Compared[]> {
  return withTransaction(pool, async (client) => {
    await client.query(BATCH_SETTINGS);
    await client.query(
      'CREATE TEMPORARY TABLE reconcile_chain (mint text NOT NULL, present bool NOT NULL, owner text, token_account text, slot bigint NOT NULL, remember bool NOT NULL) ON COMMIT DROP',
    );
    let data = '';
    for (const r of rows) data += copyLine([r.mint, r.present ? 't' : 'f', r.owner, r.tokenAccount, r.slot, r.present && remember(r) ? 't' : 'f']);
    await copyFrom(client, 'COPY reconcile_chain FROM STDIN', data);
    const res = await client.query<Row>(COMPARE_COPIED_SQL);
    await client.query(REMEMBER_SQL);
    return res.rows.map((r) => compared(r, now));
  });
}

function compared(r: Row, now: number): Compared {
  const db: DbSide = {
    ticket: r.ticket_id !== null && r.status !== null ? { id: r.ticket_id, status: r.status, owner: r.owner_wallet } : null,
    ops: (r.open_ops ?? []).map((o) => ({ ...o, since: Number(o.since) })),
    lastSettledAt: r.settled_at === null ? null : Number(r.settled_at),
  };
  const changedAt = chainChangedAt(r, now);
  const lastSettledAt = changedAt === null ? db.lastSettledAt : Math.max(changedAt, db.lastSettledAt ?? 0);
  const chain = { present: r.present, owner: r.owner, slot: Number(r.slot) };
  return { db, view: { mint: r.mint, chain, ...db, lastSettledAt, everOnChain: r.projected || r.remembered } };
}

/**
 * When the projection has not caught up with the chain owner yet, the owner moved recently (or
 * the projector is down): since when is known only if an earlier run already saw this owner.
 * Counting the change from then gives the projector its grace period, and a stopped projector
 * is still reported once the grace period has passed.
 */
function chainChangedAt(r: Row, now: number): number | null {
  if (!r.projected || r.projected_owner === r.owner) return null;
  return r.remembered_owner === r.owner && r.remembered_since !== null ? Number(r.remembered_since) : now;
}

/**
 * Every mint to check: minted or requested tickets, mints the projection or the reconciler has
 * seen on chain (a mint whose ticket row is gone is still checked), with where the NFT was last
 * seen. One pass of hash joins over the three sources; the per-mint fallbacks run only for the
 * rare rows that need them.
 */
export async function trackedMints(pool: pg.Pool, scope?: readonly string[]): Promise<TrackedMint[]> {
  const res = await withTransaction(pool, async (client) => {
    await client.query(BATCH_SETTINGS);
    return client.query<{
      mint: string;
      token_account: string | null;
      owner_wallet: string | null;
      remembered_owner: string | null;
      remembered_account: string | null;
      remembered: boolean;
    }>(
      `
      SELECT m.mint, coalesce(m.remembered_account, m.projected_account) AS token_account,
             coalesce(m.owner_wallet,
                      -- A mint tracked through the chain whose ticket is not minted (or gone).
                      CASE WHEN NOT m.ticketed THEN (SELECT t.owner_wallet FROM tickets t WHERE t.mint_address = m.mint) END,
                      -- With no owner projected yet, the receiver of the last settled operation is the best guess.
                      (SELECT op.to_wallet FROM chain_operations op
                        WHERE op.mint = m.mint AND op.state IN ('confirmed', 'finalized')
                        ORDER BY op.requested_at DESC LIMIT 1)) AS owner_wallet,
             m.remembered_owner, m.remembered_account, m.remembered
        FROM (SELECT coalesce(t.mint, r.mint, o.mint) AS mint, t.mint IS NOT NULL AS ticketed, t.owner_wallet,
                     r.mint IS NOT NULL AS remembered, r.owner AS remembered_owner, r.token_account AS remembered_account,
                     o.token_account AS projected_account
                FROM (SELECT mint_address AS mint, owner_wallet FROM tickets WHERE mint_address IS NOT NULL AND status <> 'created') t
                FULL JOIN reconciler_mints r ON r.mint = t.mint
                FULL JOIN ownership o ON o.mint = coalesce(t.mint, r.mint)) m
       WHERE $1::text[] IS NULL OR m.mint = ANY($1)`,
      [scope ?? null],
    );
  });
  return res.rows.map((r) => ({
    mint: r.mint,
    tokenAccount: r.token_account,
    dbOwner: r.owner_wallet,
    remembered: r.remembered ? { owner: r.remembered_owner, tokenAccount: r.remembered_account } : null,
  }));
}
