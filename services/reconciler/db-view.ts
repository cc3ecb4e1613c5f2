// The database side of the join, read set-based: the chain rows go in as arrays (unnest) and one
// query joins them with tickets and chain_operations, returning only the mints worth classifying.
import type { Queryable } from '../lib/db.ts';
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
}

const COMPARE_SQL = `
WITH chain AS (
  SELECT * FROM unnest($1::text[], $2::bool[], $3::text[], $4::bigint[]) AS c(mint, present, owner, slot)
), op AS (
  SELECT o.mint,
         max(coalesce(o.confirmed_at, o.updated_at)) FILTER (WHERE o.state IN ('confirmed', 'finalized')) AS settled_at,
         json_agg(json_build_object(
           'opId', o.op_id, 'idempotencyKey', o.idempotency_key, 'type', o.type, 'state', o.state,
           'since', (extract(epoch FROM CASE WHEN o.state = 'requested' THEN o.requested_at ELSE o.updated_at END) * 1000)::bigint,
           'from', o.from_wallet, 'to', o.to_wallet, 'error', o.last_error)
           ORDER BY o.requested_at, o.op_id) FILTER (WHERE o.state NOT IN ('confirmed', 'finalized')) AS open_ops
    FROM chain_operations o JOIN chain c ON c.mint = o.mint
   GROUP BY o.mint
)
SELECT c.mint, c.present, c.owner, c.slot, t.id AS ticket_id, t.status, t.owner_wallet,
       (extract(epoch FROM op.settled_at) * 1000)::bigint AS settled_at, op.open_ops,
       o.owner AS projected_owner, o.mint IS NOT NULL AS projected,
       r.owner AS remembered_owner, (extract(epoch FROM r.seen_at) * 1000)::bigint AS remembered_since
  FROM chain c
  LEFT JOIN tickets t ON t.mint_address = c.mint
  LEFT JOIN op ON op.mint = c.mint
  LEFT JOIN ownership o ON o.mint = c.mint
  LEFT JOIN reconciler_mints r ON r.mint = c.mint
 WHERE $5::bool OR t.id IS NULL OR t.owner_wallet IS DISTINCT FROM c.owner OR NOT c.present OR op.open_ops IS NOT NULL`;

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
  const res = await client.query<Row>(COMPARE_SQL, [rows.map((r) => r.mint), rows.map((r) => r.present), rows.map((r) => r.owner), rows.map((r) => r.slot), all]);
  return res.rows.map((r) => {
    const db: DbSide = {
      ticket: r.ticket_id !== null && r.status !== null ? { id: r.ticket_id, status: r.status, owner: r.owner_wallet } : null,
      ops: (r.open_ops ?? []).map((o) => ({ ...o, since: Number(o.since) })),
      lastSettledAt: r.settled_at === null ? null : Number(r.settled_at),
    };
    const changedAt = chainChangedAt(r, now);
    const lastSettledAt = changedAt === null ? db.lastSettledAt : Math.max(changedAt, db.lastSettledAt ?? 0);
    return { db, view: { mint: r.mint, chain: { present: r.present, owner: r.owner, slot: Number(r.slot) }, ...db, lastSettledAt } };
  });
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
 * seen on chain (a mint whose ticket row is gone is still checked), with where the NFT was last seen.
 */
export async function trackedMints(client: Queryable, scope?: readonly string[]): Promise<TrackedMint[]> {
  const res = await client.query<{ mint: string; token_account: string | null; owner_wallet: string | null; remembered_owner: string | null; remembered_account: string | null }>(`
    SELECT m.mint, coalesce(r.token_account, o.token_account) AS token_account,
           -- With no owner projected yet, the receiver of the last settled operation is the best guess.
           coalesce(t.owner_wallet, (SELECT op.to_wallet FROM chain_operations op
                                      WHERE op.mint = m.mint AND op.state IN ('confirmed', 'finalized')
                                      ORDER BY op.requested_at DESC LIMIT 1)) AS owner_wallet,
           r.owner AS remembered_owner, r.token_account AS remembered_account
      FROM (SELECT mint_address AS mint FROM tickets WHERE mint_address IS NOT NULL AND status <> 'created'
            UNION SELECT mint FROM reconciler_mints
            UNION SELECT mint FROM ownership) m
      LEFT JOIN reconciler_mints r ON r.mint = m.mint
      LEFT JOIN ownership o ON o.mint = m.mint
      LEFT JOIN tickets t ON t.mint_address = m.mint
     WHERE $1::text[] IS NULL OR m.mint = ANY($1)
     ORDER BY m.mint`, [scope ?? null]);
  return res.rows.map((r) => ({
    mint: r.mint,
    tokenAccount: r.token_account,
    dbOwner: r.owner_wallet,
    remembered: r.remembered_account === null && r.remembered_owner === null ? null : { owner: r.remembered_owner, tokenAccount: r.remembered_account },
  }));
}

/**
 * Remembers where each NFT was found and who held it, so the next run reads the right token
 * account first; seen_at is when this owner was first seen (it moves only when the owner does).
 */
export async function rememberMints(client: Queryable, rows: readonly ChainRow[]): Promise<void> {
  const seen = rows.filter((r) => r.present);
  if (seen.length === 0) return;
  await client.query(
    `INSERT INTO reconciler_mints (mint, owner, token_account, slot)
     SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
     ON CONFLICT (mint) DO UPDATE SET owner = EXCLUDED.owner, token_account = EXCLUDED.token_account, slot = EXCLUDED.slot,
       seen_at = CASE WHEN reconciler_mints.owner IS NOT DISTINCT FROM EXCLUDED.owner THEN reconciler_mints.seen_at ELSE now() END
      WHERE reconciler_mints.slot IS NULL OR reconciler_mints.slot <= EXCLUDED.slot`,
    [seen.map((r) => r.mint), seen.map((r) => r.owner), seen.map((r) => r.tokenAccount), seen.map((r) => r.slot)],
  );
}
