/**
 * Who will hold a ticket once every operation already requested for it has run: the owner a new
 * transfer or burn must come from.
 *
 * The platform's own operations are not the only thing that moves a ticket: its holder can sign a
 * transfer straight on chain (an outside wallet, a marketplace). So the newest live operation
 * decides only while it is in flight or when nothing on chain is newer than where it landed:
 *
 * 1. No live operation: the owner the projection shows (null if none).
 * 2. The newest live operation is still in flight: its outcome (its receiver, or null after a
 *    burn), whatever the projection shows, since the chain has not caught up with it yet.
 * 3. It landed at slot s: the projection's owner if the projection is at a slot above s (a change
 *    on chain after it), else its outcome.
 *
 * Failed and dead-lettered operations change nothing; the caller passes only live ones.
 */
import type { OperationState } from './operation-status.ts';

export interface LiveOperation {
  type: 'mint' | 'transfer' | 'burn';
  to: string | null;
  state: OperationState;
  /** Where its transaction landed, once confirmed; null before. */
  slot: number | null;
}

export interface ProjectedOwner {
  owner: string | null;
  slot: number;
}

const LANDED: ReadonlySet<OperationState> = new Set(['confirmed', 'finalized']);

export function expectedOwner(newest: LiveOperation | undefined, projected: ProjectedOwner | undefined): string | null {
  if (newest === undefined) return projected?.owner ?? null;
  const outcome = newest.type === 'burn' ? null : newest.to;
  if (!LANDED.has(newest.state) || newest.slot === null || projected === undefined) return outcome;
  return projected.slot > newest.slot ? projected.owner : outcome;
}
