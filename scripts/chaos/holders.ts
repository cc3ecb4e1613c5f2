// Where a sequence of landed operations leaves each NFT: the workload's intent, and the ledger's
// expectation of the chain, are the same fold.

export interface Effect<K, W> {
  ticket: K;
  type: 'mint' | 'transfer' | 'burn';
  /** The receiving wallet of a mint or transfer; ignored for a burn. */
  to: W | null;
}

/** Each ticket's holder after the effects, in order; null once burned. A ticket never minted is absent. */
export function finalHolders<K, W>(effects: Iterable<Effect<K, W>>): Map<K, W | null> {
  const holders = new Map<K, W | null>();
  for (const e of effects) holders.set(e.ticket, e.type === 'burn' ? null : e.to);
  return holders;
}
