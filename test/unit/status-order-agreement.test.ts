// The projector and the reconciler follow one order of operation states
// (services/lib/domain/operation-status.ts): for any reports, in any order, on top of any row the
// API wrote, the projector's chain_operations row, the reconciler's stream join and its merge with
// that row stand where the lib definition says.
import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { latestStatus, OPERATION_EVENT_STATES, OPERATION_STATES, type StatusPosition } from '../../services/lib/domain/operation-status.ts';
import type { OperationStatus } from '../../services/lib/records.ts';
import { reduceStatuses, type OpRow } from '../../services/projector/op-status.ts';
import { applyStatus, emptyMintState, relevantOps } from '../../services/reconciler/join.ts';
import type { OpView } from '../../services/reconciler/types.ts';

const OP = '00000000-0000-4000-8000-000000000001';

const reportArb = fc
  .record({
    state: fc.constantFrom(...OPERATION_EVENT_STATES),
    attempt: fc.integer({ min: 0, max: 4 }),
    generation: fc.integer({ min: 1, max: 3 }),
    at: fc.integer({ min: 1, max: 10_000 }),
  })
  .map((r): OperationStatus => ({
    ...r,
    opId: OP,
    idempotencyKey: 'k',
    mint: 'mint-1',
    type: 'transfer',
    expectedOwner: 'wallet-b',
    signature: `sig-${r.attempt}`,
    slot: null,
    error: r.state === 'failed' ? 'failed' : null,
    errorKind: r.state === 'failed' ? 'exhausted' : null,
  }));

/** The row as the API left it (a first request, or a re-request at a later generation) or as the projector last wrote it. */
const rowArb = fc
  .record({ state: fc.constantFrom(...OPERATION_STATES), attempts: fc.integer({ min: 0, max: 4 }), generation: fc.integer({ min: 1, max: 3 }) })
  .map((r): OpRow => ({ ...r, opId: OP, lastSignature: null, lastSlot: null, lastError: null, lastErrorKind: null, confirmedAt: null, updatedAt: 0 }));

const at = (p: StatusPosition) => ({ state: p.state, attempt: p.attempt ?? 0, generation: p.generation ?? 1 });
const rowPosition = (r: OpRow) => at({ state: r.state, attempt: r.attempts, generation: r.generation });

describe('one order of operation states', () => {
  test.prop([rowArb, fc.array(reportArb, { maxLength: 16 })])(
    'the projector, the stream join and its merge with the database agree with the definition',
    (row, reports) => {
      const expected = at(latestStatus<StatusPosition>(reports, rowPosition(row))!);

      const projected = reduceStatuses(new Map([[OP, row]]), reports).rows.get(OP) ?? row;
      expect(rowPosition(projected)).toEqual(expected);

      const streamed = reports.reduce(applyStatus, emptyMintState()).ops.get(OP);
      expect(streamed && at(streamed)).toEqual(reports.length ? at(latestStatus(reports)!) : undefined);

      // The reconciler's view of the row, as db-view.ts reads it, merged with what the stream holds.
      const dbOp: OpView = {
        opId: OP,
        idempotencyKey: 'k',
        type: 'transfer',
        state: row.state,
        since: 0,
        from: null,
        to: 'wallet-b',
        error: null,
        generation: row.generation,
        attempt: row.attempts,
      };
      const { ops } = relevantOps([dbOp], streamed ? [streamed] : []);
      // Settled operations leave the list; the rest is where the definition puts it.
      if (expected.state === 'confirmed' || expected.state === 'finalized') expect(ops).toEqual([]);
      else expect(ops.map(at)).toEqual([expected]);
    },
  );
});
