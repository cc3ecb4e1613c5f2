/**
 * How chain_operations follows chain.ops.status: an event moves the row when it comes after the
 * row's position in the order of operation states (lib/domain/operation-status.ts, where the
 * order and its reasons are written; the reconciler follows the same order). So replays,
 * duplicates and reordering cannot move a row backwards, and the row after a set of events does
 * not depend on the order they arrive in. A re-request (api retryOperation) writes the newer
 * generation into the row before any of its events exist, so a late event of the failed
 * generation cannot put the row back to failed.
 */
import { statusSupersedes, type OperationState } from '../lib/domain/operation-status.ts';
import { generationOf, type FailureKind, type OperationStatus, type OperationStatusState } from '../lib/records.ts';

export type { OperationStatus };
export type OpEventState = OperationStatusState;
export type OpState = OperationState;

/** The columns of chain_operations this consumer owns. Times are epoch ms. */
export interface OpRow {
  opId: string;
  state: OpState;
  /** The request generation the row stands for (the API raises it when it re-requests). */
  generation: number;
  attempts: number;
  lastSignature: string | null;
  lastSlot: number | null;
  lastError: string | null;
  /** How the last failure failed (null when unknown or after a confirmation). */
  lastErrorKind: FailureKind | null;
  confirmedAt: number | null;
  updatedAt: number;
}

/** Whether `event` moves an operation whose row is in `state` after `attempts` (its position in the order). */
export function advances(
  current: { state: OpState; attempts: number; generation?: number },
  event: { state: OpEventState; attempt: number; generation?: number },
): boolean {
  return statusSupersedes({ state: current.state, attempt: current.attempts, generation: current.generation ?? null }, event);
}

/** The row after `event`, or undefined when the event changes nothing (a duplicate or stale one). */
export function applyStatus(row: OpRow, event: OperationStatus): OpRow | undefined {
  if (!advances(row, event)) return undefined;
  const reached = event.state === 'confirmed' || event.state === 'finalized';
  return {
    opId: row.opId,
    state: event.state,
    generation: generationOf(event),
    attempts: event.attempt,
    lastSignature: event.signature ?? row.lastSignature,
    lastSlot: event.slot ?? row.lastSlot,
    // A confirmation clears the error of the attempts before it; a failure step records its own.
    lastError: reached ? null : (event.error ?? row.lastError),
    lastErrorKind: reached ? null : (event.errorKind ?? (event.error ? null : row.lastErrorKind)),
    confirmedAt: row.confirmedAt ?? (reached ? event.at : null),
    updatedAt: event.at,
  };
}

/** Applies events (in offset order) to the stored rows; returns the rows that changed. */
export function reduceStatuses(
  current: ReadonlyMap<string, OpRow>,
  events: readonly OperationStatus[],
): { rows: Map<string, OpRow>; unknown: OperationStatus[] } {
  const state = new Map(current);
  const rows = new Map<string, OpRow>();
  const unknown: OperationStatus[] = [];
  for (const event of events) {
    const row = state.get(event.opId);
    if (!row) {
      unknown.push(event);
      continue;
    }
    const next = applyStatus(row, event);
    if (!next) continue;
    state.set(event.opId, next);
    rows.set(event.opId, next);
  }
  return { rows, unknown };
}
