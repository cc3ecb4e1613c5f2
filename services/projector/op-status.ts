/**
 * How chain_operations follows chain.ops.status: a pure transition that replays, duplicates and
 * reordering cannot move backwards. Rules:
 * - finalized and dead_lettered are terminal: nothing moves an operation out of them;
 * - confirmed only moves on to a terminal state (one attempt lands; a confirmation is not undone
 *   by a stale step of another attempt);
 * - otherwise a newer attempt supersedes an older one, and within an attempt the state only
 *   moves forward (submitted < expired < failed < confirmed < finalized < dead_lettered).
 * - a re-request (api retryOperation) is a new generation of the same operation: an event of a
 *   newer generation supersedes anything of an older one (this is what moves a failed operation
 *   on), and an event of an older generation never moves a newer one (the API writes the newer
 *   generation into the row before any of its events exist, so a late event of the failed
 *   generation cannot put the row back to failed).
 * Equivalently: an event wins when its key (generation, tier, attempt, rank) is greater than the
 * stored one's, and nothing wins over a terminal state; so for a history with at most one terminal
 * event, the result is the same in any order.
 */
import { generationOf, type FailureKind, type OperationStatus, type OperationStatusState } from '../lib/records.ts';

export type { OperationStatus };
export const OP_EVENT_STATES = ['submitted', 'expired', 'failed', 'confirmed', 'finalized', 'dead_lettered'] as const satisfies readonly OperationStatusState[];
export type OpEventState = OperationStatusState;
export type OpState = 'requested' | OpEventState;

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

const RANK: Record<OpState, number> = { requested: 0, submitted: 1, expired: 2, failed: 3, confirmed: 4, finalized: 5, dead_lettered: 6 };
const tier = (s: OpState) => (s === 'finalized' || s === 'dead_lettered' ? 2 : s === 'confirmed' ? 1 : 0);

export const isTerminal = (s: OpState) => tier(s) === 2;

/** Whether `event` moves an operation that is in `state` after `attempt` (see the rules above). */
export function advances(current: { state: OpState; attempts: number; generation?: number }, event: { state: OpEventState; attempt: number; generation?: number }): boolean {
  if (isTerminal(current.state)) return false;
  const a = [generationOf(current), tier(current.state), current.attempts, RANK[current.state]];
  const b = [generationOf(event), tier(event.state), event.attempt, RANK[event.state]];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return b[i]! > a[i]!;
  return false;
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
export function reduceStatuses(current: ReadonlyMap<string, OpRow>, events: readonly OperationStatus[]): { rows: Map<string, OpRow>; unknown: OperationStatus[] } {
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
