import type { Queryable } from '../lib/db.ts';
import { reduceStatuses, type OperationStatus, type OpRow, type OpState } from './op-status.ts';

const MS = (col: string) => `(extract(epoch FROM ${col}) * 1000)::bigint`;

export async function loadOps(client: Queryable, opIds: string[]): Promise<Map<string, OpRow>> {
  const { rows } = await client.query<{
    op_id: string;
    state: OpState;
    generation: number;
    attempts: number;
    last_signature: string | null;
    last_slot: string | null;
    last_error: string | null;
    last_error_kind: OpRow['lastErrorKind'];
    confirmed_ms: string | null;
    updated_ms: string;
  }>(
    `SELECT op_id, state, generation, attempts, last_signature, last_slot, last_error, last_error_kind, ${MS('confirmed_at')} AS confirmed_ms, ${MS('updated_at')} AS updated_ms
       FROM chain_operations WHERE op_id = ANY($1::uuid[]) FOR UPDATE`,
    [opIds],
  );
  return new Map(
    rows.map((r) => [
      r.op_id,
      {
        opId: r.op_id,
        state: r.state,
        generation: r.generation,
        attempts: r.attempts,
        lastSignature: r.last_signature,
        lastSlot: r.last_slot === null ? null : Number(r.last_slot),
        lastError: r.last_error,
        lastErrorKind: r.last_error_kind,
        confirmedAt: r.confirmed_ms === null ? null : Number(r.confirmed_ms),
        updatedAt: Number(r.updated_ms),
      },
    ]),
  );
}

async function updateOps(client: Queryable, rows: OpRow[]): Promise<void> {
  if (rows.length === 0) return;
  const at = `timestamptz 'epoch' + interval '1 millisecond' *`;
  await client.query(
    `UPDATE chain_operations c SET state = u.state, generation = greatest(c.generation, u.generation), attempts = u.attempts, last_signature = u.last_signature, last_slot = u.last_slot,
            last_error = u.last_error, last_error_kind = u.last_error_kind, confirmed_at = ${at} u.confirmed_ms, updated_at = ${at} u.updated_ms
       FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::bigint[], $6::text[], $7::bigint[], $8::bigint[], $9::int[], $10::text[])
            AS u(op_id, state, attempts, last_signature, last_slot, last_error, confirmed_ms, updated_ms, generation, last_error_kind)
      WHERE c.op_id = u.op_id`,
    [
      rows.map((r) => r.opId),
      rows.map((r) => r.state),
      rows.map((r) => r.attempts),
      rows.map((r) => r.lastSignature),
      rows.map((r) => r.lastSlot),
      rows.map((r) => r.lastError),
      rows.map((r) => r.confirmedAt),
      rows.map((r) => r.updatedAt),
      rows.map((r) => r.generation),
      rows.map((r) => r.lastErrorKind),
    ],
  );
}

/** One batch of status events inside the caller's transaction. Unknown op ids are returned, not written. */
export async function applyStatusBatch(client: Queryable, events: OperationStatus[]): Promise<{ updated: number; unknown: OperationStatus[] }> {
  const current = await loadOps(client, [...new Set(events.map((e) => e.opId))]);
  const { rows, unknown } = reduceStatuses(current, events);
  await updateOps(client, [...rows.values()]);
  return { updated: rows.size, unknown };
}
