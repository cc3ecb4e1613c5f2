/**
 * The order of an operation's states: of two reports about the same operation, which one is the
 * newer truth. The projector (chain_operations.state, what the application reads) and the
 * reconciler (what it acts on) both follow this one order, so they never disagree on where an
 * operation is. It is a total order on (generation, state, attempt): the state after a set of
 * reports does not depend on the order they arrive in, and replays and duplicates change nothing
 * (invariant 9: a rebuild from offset zero gives the live rows).
 *
 * One generation, as the submitter reports it (attempt numbers in brackets):
 *
 *   requested → submitted[1] → expired[1] → submitted[2] → … → confirmed[k] → finalized[k]
 *                                                            ↘ failed[k]
 *
 * `requested` is the API's row before any report. A generation the submitter will not run at all
 * (invalid input, or a re-request of a failure that is not safe to repeat) is `dead_lettered`.
 * A failed operation can be requested again: a new generation, whose attempt numbers go on.
 *
 * The order, most significant first:
 * 1. Generation. A newer request supersedes anything of an older one, final states included,
 *    and nothing of an older one moves a newer one: the API writes the new generation into the row
 *    before any of its events exist, so a late event of the failed generation cannot put the row
 *    back to failed, and the reconciler knows a row of an older generation will be overwritten.
 * 2. Tier: in flight < confirmed < dead_lettered < finalized.
 *    - `failed` is in flight, ranked by its attempt. It is the submitter's conclusion that none of
 *      its attempts so far will land; an attempt signed after it (two instances racing on a mint
 *      whose lease lapsed) may still land, and an operation whose transaction may be on chain is
 *      never shown as failed: the chain decides.
 *    - `confirmed` is above everything in flight, failed included: it is the chain's word that an
 *      attempt landed, where a failure is an inference that none did; a stale step of another
 *      attempt does not undo it. (An operation shown failed while its effect is on chain would be
 *      requested again by the reconciler or the application.)
 *    - `dead_lettered` and `finalized` are final: no step in flight and no confirmation of their
 *      generation moves them. `dead_lettered` is above `confirmed` because a dead letter stands
 *      until a human decides; `finalized` is above it because a rooted effect is a fact on chain
 *      the database must show (invariant 4). The submitter never reports both for one
 *      generation; the order only has to be total.
 * 3. Within the in-flight tier, the attempt, then requested < submitted < expired < failed: a
 *    newer attempt supersedes an older one, and within an attempt the state only moves forward.
 *    Within the other tiers, the attempt.
 */
import { generationOf } from '../records.ts';

/** The states chain.ops.status reports (schemas/operation-status.avsc, state). */
export const OPERATION_EVENT_STATES = ['submitted', 'expired', 'failed', 'confirmed', 'finalized', 'dead_lettered'] as const;
export type OperationEventState = (typeof OPERATION_EVENT_STATES)[number];

/** chain_operations.state: the reported states and `requested`, the API's own before any report. */
export const OPERATION_STATES = ['requested', ...OPERATION_EVENT_STATES] as const;
export type OperationState = (typeof OPERATION_STATES)[number];

/**
 * States in which an operation still waits on the pipeline. `failed` is not one: it waits on the
 * reconciler's policy or a human (a re-request makes it `requested` again).
 */
export const OPEN_OPERATION_STATES = OPERATION_STATES.filter((s) => !['finalized', 'failed', 'dead_lettered'].includes(s));

/** Where a report puts an operation. A missing attempt is 0 (nothing signed); a missing generation is 1. */
export interface StatusPosition {
  state: OperationState;
  attempt?: number | null;
  generation?: number | null;
}

const TIER: Record<OperationState, number> = { requested: 0, submitted: 0, expired: 0, failed: 0, confirmed: 1, dead_lettered: 2, finalized: 3 };
const STEP: Record<OperationState, number> = { requested: 0, submitted: 1, expired: 2, failed: 3, confirmed: 0, dead_lettered: 0, finalized: 0 };

const key = (p: StatusPosition): [number, number, number, number] => [generationOf(p), TIER[p.state], p.attempt ?? 0, STEP[p.state]];

/** Negative when `a` comes before `b`, positive after, 0 for the same position (the same report). */
export function compareStatus(a: StatusPosition, b: StatusPosition): number {
  const ka = key(a);
  const kb = key(b);
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
  return 0;
}

/** Whether `next` moves an operation that stands at `current` (nothing yet: it does). */
export const statusSupersedes = (current: StatusPosition | undefined, next: StatusPosition): boolean =>
  current === undefined || compareStatus(next, current) > 0;

/** Final for its generation: only a newer generation, or a finalization of a dead letter, moves it. */
export const isFinalState = (state: OperationState): boolean => TIER[state] >= 2;

/** Where a set of reports leaves an operation: the greatest of them, whatever their order. */
export function latestStatus<P extends StatusPosition>(reports: Iterable<P>, from?: P): P | undefined {
  let at = from;
  for (const r of reports) if (statusSupersedes(at, r)) at = r;
  return at;
}
