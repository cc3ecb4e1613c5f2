// What counts as a discrepancy for one mint. Pure: the same view, thresholds and clock give the
// same findings, whether the view came from a full run's chain snapshot or from the streams.
import type { ChainTicketStatus, ChainView, Finding, MintView, OpView, Thresholds } from './types.ts';

/** States in which an operation may still change the owner. */
const IN_FLIGHT = new Set(['requested', 'submitted', 'expired']);

export function isInFlight(op: OpView): boolean {
  return IN_FLIGHT.has(op.state);
}

/**
 * Whether the database's row of an operation has not yet caught up with a failure the streams
 * showed: the reconciler reads chain.ops.status as the projector does, and may act on a `failed`
 * before the projector has written it. Such a row is not a refusal to heal, only early.
 */
export function rowBehindFailure(row: { state: string; generation: number }, seenGeneration: number): boolean {
  return row.generation < seenGeneration || (row.generation === seenGeneration && IN_FLIGHT.has(row.state));
}

function stuckFinding(view: MintView, op: OpView): Finding {
  return {
    mint: view.mint,
    kind: 'stuck_operation',
    opId: op.opId,
    dbValue: `${op.type}:${op.state}`,
    chainValue: view.chain.owner,
    slot: view.chain.slot,
    opState: op.state,
    opType: op.type,
    generation: op.generation ?? 1,
    errorKind: op.errorKind ?? null,
  };
}

/** Operations that are stuck: in flight past their threshold, failed, or dead-lettered. */
function stuckOps(view: MintView, t: Thresholds, now: number): Finding[] {
  const out: Finding[] = [];
  for (const op of view.ops) {
    if (op.state === 'failed' || op.state === 'dead_lettered') out.push(stuckFinding(view, op));
    else if (isInFlight(op) && now - op.since > (op.state === 'requested' ? t.pendingMs : t.stuckMs)) out.push(stuckFinding(view, op));
  }
  // One active discrepancy per mint and kind: the oldest stuck operation stands for the mint.
  return out.slice(0, 1);
}

/**
 * The ticket state the chain implies: minted while a wallet holds the NFT, burned when the mint
 * exists with no holder, or when its account is gone although the chain showed it before (closed
 * after the burn). null: the chain has never shown this mint (not landed, or never created: a
 * closed account and one never created look alike, so only that history tells them apart).
 */
export function chainTicketStatus(chain: ChainView, everOnChain: boolean): ChainTicketStatus | null {
  if (chain.present) return chain.owner === null ? 'burned' : 'minted';
  return everOnChain ? 'burned' : null;
}

/**
 * The discrepancies of one mint at `now`. While an operation is in flight, or within the grace
 * period after one settled, the owner is legitimately moving and the database may lag: only
 * stuck operations are reported then. Past that, the ticket's state is compared with the chain
 * before its owner: a state mismatch is healed with the owner, so it stands for both.
 */
export function classify(view: MintView, t: Thresholds, now: number): Finding[] {
  const stuck = stuckOps(view, t, now);
  if (view.ops.some(isInFlight)) return stuck;
  if (view.lastSettledAt !== null && now - view.lastSettledAt < t.graceMs) return stuck;

  const { chain, ticket, mint } = view;
  const base = { mint, opId: null, slot: chain.slot };
  if (ticket === null) {
    if (chain.present && chain.owner !== null) return [...stuck, { ...base, kind: 'missing_in_db', dbValue: null, chainValue: chain.owner }];
    return stuck;
  }
  if (ticket.status === 'created') return stuck;
  const onChain = chainTicketStatus(chain, view.everOnChain ?? false);
  // A minted ticket whose mint account is gone is never healed from history: missing_on_chain below.
  const stateKnown = chain.present || (onChain !== null && ticket.status === 'mint_requested');
  if (onChain !== null && stateKnown && ticket.status !== onChain) {
    const state = { db: ticket.status, dbOwner: ticket.owner, chain: onChain, chainOwner: chain.owner };
    return [...stuck, { ...base, kind: 'ticket_state_mismatch', dbValue: ticket.status, chainValue: onChain, state }];
  }
  if (!chain.present) {
    if (onChain === 'burned' && ticket.status === 'burned') return stuck;
    // A ticket the platform minted (or believes is owned) whose mint account does not exist.
    const claimed = ticket.status === 'minted' || ticket.owner !== null || view.lastSettledAt !== null;
    if (claimed) return [...stuck, { ...base, kind: 'missing_on_chain', dbValue: ticket.owner ?? ticket.status, chainValue: null }];
    return stuck;
  }
  if (ticket.owner !== chain.owner) {
    return [...stuck, { ...base, kind: 'owner_mismatch', dbValue: ticket.owner, chainValue: chain.owner }];
  }
  return stuck;
}
