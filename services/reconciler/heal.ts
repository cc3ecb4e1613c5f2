// Healing, one discrepancy per transaction so one failure never undoes another: the database
// corrected from the chain (invariant 4 holds: the owner written is the one the chain confirmed),
// or a failed operation requested again through the application API, in the same transaction as
// the discrepancy's closing (so a discrepancy is healed if and only if the re-request committed).
import type pg from 'pg';
import { retryOperation } from '../../api/operations.ts';
import { withTransaction, type Queryable } from '../lib/db.ts';
import { InvalidInputError } from '../lib/errors.ts';
import { rowBehindFailure } from './classify.ts';
import { close, toReview, type DiscrepancyEvent } from './store.ts';
import type { Planned } from './transitions.ts';
import type { Finding } from './types.ts';

export interface HealResult {
  healed: DiscrepancyEvent[];
  /** Handed to review because the heal turned out not to be possible (the API refused a re-request). */
  reviewed: DiscrepancyEvent[];
  failed: Array<{ id: string; mint: string; error: unknown }>;
  /** Not healed because the world moved on (the owner changed again); the next pass decides. */
  skipped: number;
  /** Mints whose re-request waits for the projector to write the failure the stream showed. */
  deferred: string[];
}

/**
 * `confirmOwner` re-reads the chain before writing when the finding came from a stream (whose
 * view may be a moment old); a full run's snapshot is the fresh read already.
 */
export async function healAll(
  pool: pg.Pool,
  tasks: Array<{ id: string; planned: Planned }>,
  confirmOwner?: (mint: string) => Promise<string | null | undefined>,
): Promise<HealResult> {
  const out: HealResult = { healed: [], reviewed: [], failed: [], skipped: 0, deferred: [] };
  for (const { id, planned } of tasks) {
    const f = planned.finding;
    try {
      if (planned.decision.action === 'retry_op') {
        const r = await withTransaction(pool, (client) => requestAgain(client, id, planned));
        if (r === 'deferred') out.deferred.push(f.mint);
        else if (r?.state === 'healed') out.healed.push(r);
        else if (r) out.reviewed.push(r);
        else out.skipped += 1;
        continue;
      }
      if (planned.decision.action !== 'heal_owner' && planned.decision.action !== 'heal_state') {
        out.skipped += 1;
        continue;
      }
      const chainOwner = f.state ? f.state.chainOwner : f.chainValue;
      if (confirmOwner && (await confirmOwner(f.mint)) !== chainOwner) {
        out.skipped += 1;
        continue;
      }
      const event = await withTransaction(pool, async (client) => {
        if (planned.decision.action === 'heal_state') return healState(client, id, f);
        // Only if the row still holds what we compared: the projector may have fixed it meanwhile.
        const upd = await client.query<{ id: string }>(
          `UPDATE tickets SET owner_wallet = $2, updated_at = now() WHERE mint_address = $1 AND owner_wallet IS NOT DISTINCT FROM $3 RETURNING id`,
          [f.mint, f.chainValue, f.dbValue],
        );
        const ticket = upd.rows[0];
        if (!ticket) return undefined;
        await client.query(`INSERT INTO reconciler_owner_audit (discrepancy_id, mint, ticket_id, old_owner, new_owner, slot) VALUES ($1, $2, $3, $4, $5, $6)`, [
          id,
          f.mint,
          ticket.id,
          f.dbValue,
          f.chainValue,
          f.slot,
        ]);
        return close(client, id, 'healed', `owner corrected from ${f.dbValue ?? 'none'} to ${f.chainValue ?? 'none'} at slot ${f.slot ?? '?'}`);
      });
      if (event) out.healed.push(event);
      else out.skipped += 1;
    } catch (err) {
      out.failed.push({ id, mint: f.mint, error: err });
    }
  }
  return out;
}

/**
 * The ticket's state and owner written from the chain (minted with its holder, or burned), only
 * if the row still says what was compared: the projector may have caught up meanwhile.
 */
async function healState(client: Queryable, id: string, f: Finding): Promise<DiscrepancyEvent | undefined> {
  const s = f.state;
  if (!s) return toReview(client, id, 'no ticket state to correct');
  const upd = await client.query<{ id: string }>(
    `UPDATE tickets SET status = $2, owner_wallet = $3, updated_at = now()
      WHERE mint_address = $1 AND status = $4 AND owner_wallet IS NOT DISTINCT FROM $5 RETURNING id`,
    [f.mint, s.chain, s.chainOwner, s.db, s.dbOwner],
  );
  const ticket = upd.rows[0];
  if (!ticket) return undefined;
  await client.query(
    `INSERT INTO reconciler_owner_audit (discrepancy_id, mint, ticket_id, old_owner, new_owner, slot, old_status, new_status) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, f.mint, ticket.id, s.dbOwner, s.chainOwner, f.slot, s.db, s.chain],
  );
  const owner = s.chain === 'minted' ? ` held by ${s.chainOwner ?? 'none'}` : '';
  return close(client, id, 'healed', `ticket state corrected from ${s.db} to ${s.chain}${owner} at slot ${f.slot ?? '?'}`);
}

/**
 * The re-request of a failed operation, for the generation the finding saw fail: when someone
 * re-requested it meanwhile, nothing is written and the next pass sees the new generation. A row
 * the projector has not yet marked failed defers it (the API would refuse an operation in flight,
 * and that refusal is not the human's to settle). A refusal (a later operation, a state that moved
 * on) is not retried: it goes to review.
 */
async function requestAgain(client: Queryable, id: string, planned: Planned): Promise<DiscrepancyEvent | 'deferred' | undefined> {
  const f = planned.finding;
  if (!f.opId) return toReview(client, id, 'no operation to request again');
  try {
    const r = await retryOperation(client, {
      opId: f.opId,
      generation: f.generation ?? 1,
      reason: `reconciler (discrepancy ${id}): ${planned.decision.reason}`,
    });
    if (!r.retried) return undefined;
    return await close(client, id, 'healed', `operation ${f.opId} requested again as generation ${r.generation} (same op id and idempotency key)`);
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    // retryOperation locked the row before refusing: what it says now is what it refused.
    const row = (await client.query<{ state: string; generation: number }>(`SELECT state, generation FROM chain_operations WHERE op_id = $1`, [f.opId]))
      .rows[0];
    if (row && rowBehindFailure(row, f.generation ?? 1)) return 'deferred';
    return toReview(client, id, `not requested again: ${err.message}`);
  }
}
