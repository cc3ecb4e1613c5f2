/**
 * Which OwnershipChange wins, per mint: the pure decision shared by the live projector and the
 * rebuild (invariants 5 and 9). No I/O; the SQL around it only reads current rows and writes
 * what this returns.
 */
import { laterRecordWins, ownershipSupersedes } from '../lib/domain/ownership-precedence.ts';
import type { OwnershipChange } from '../lib/records.ts';

export type { OwnershipChange };
export type Commitment = OwnershipChange['commitment'];

/** One row of the ownership table. updatedAt is the winning record's observedAt (deterministic). */
export type OwnershipRow = Omit<OwnershipChange, 'source' | 'observedAt'> & { updatedAt: number };

export interface OwnerChange {
  mint: string;
  oldOwner: string | null;
  newOwner: string | null;
  slot: number;
  observedAt: number;
}

export type TicketStatus = 'minted' | 'burned';

/**
 * Whether `incoming` replaces `current`: lib/domain/ownership-precedence.ts, with the later record
 * winning at one slot (chain-ingest publishes fork corrections at a slot >= the last one it
 * published, and within a partition the projector applies records in offset order).
 */
export function supersedes(current: Pick<OwnershipRow, 'slot' | 'commitment'> | undefined, incoming: Pick<OwnershipChange, 'slot' | 'commitment'>): boolean {
  return ownershipSupersedes(current, incoming, laterRecordWins);
}

export function toRow(change: OwnershipChange): OwnershipRow {
  return {
    mint: change.mint,
    owner: change.owner,
    tokenAccount: change.tokenAccount,
    amount: change.amount,
    slot: change.slot,
    commitment: change.commitment,
    updatedAt: change.observedAt,
  };
}

export interface BatchOutcome {
  /** The rows that changed, by mint: what to upsert. */
  rows: Map<string, OwnershipRow>;
  /** Every owner change, in application order: what to append to the audit trail. */
  ownerChanges: OwnerChange[];
  /** Per mint, the ticket's owner and status after the batch (mints first seen or whose owner changed). */
  tickets: Map<string, { owner: string | null; status: TicketStatus }>;
}

/**
 * Applies `changes` (in offset order) on top of `current` (the stored rows of the batch's mints).
 * Returns what to write; `current` is not modified.
 */
export function reduceOwnership(current: ReadonlyMap<string, OwnershipRow>, changes: readonly OwnershipChange[]): BatchOutcome {
  const state = new Map(current);
  const rows = new Map<string, OwnershipRow>();
  const ownerChanges: OwnerChange[] = [];
  const tickets = new Map<string, { owner: string | null; status: TicketStatus }>();
  for (const change of changes) {
    const before = state.get(change.mint);
    if (!supersedes(before, change)) continue;
    const row = toRow(change);
    state.set(change.mint, row);
    rows.set(change.mint, row);
    const oldOwner = before?.owner ?? null;
    // A mint first seen already burned (minted and burned between two looks at the chain) has no
    // owner change, yet its ticket must still say burned (the chain wins), and the trail records
    // when the database learned it: one entry from nobody to nobody.
    const firstSeenBurned = before === undefined && row.owner === null;
    if (oldOwner !== row.owner || firstSeenBurned)
      ownerChanges.push({ mint: row.mint, oldOwner, newOwner: row.owner, slot: row.slot, observedAt: row.updatedAt });
    if (oldOwner !== row.owner || !current.has(row.mint)) tickets.set(row.mint, { owner: row.owner, status: row.owner === null ? 'burned' : 'minted' });
  }
  return { rows, ownerChanges, tickets };
}
