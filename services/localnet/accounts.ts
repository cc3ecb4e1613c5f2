// The account value the server reasons about: plain, comparable, serialisable. `null` means
// the account does not exist (LiteSVM treats a zero-lamport account the same way).

export interface AccountSnap {
  lamports: bigint;
  data: Uint8Array;
  owner: string;
  executable: boolean;
}

export interface AccountChange {
  /** Value at the parent block: what a view older than this block must see. */
  pre: AccountSnap | null;
  /** Value after this block: what notifications for this block carry. */
  post: AccountSnap | null;
  /**
   * What account subscribers at a level last saw, where that differs from `pre`: set only on the
   * first block that replaces a fork, whose `pre` must stay the value older views see.
   */
  shown?: Partial<Record<'processed' | 'confirmed', AccountSnap | null>>;
}

export const SYSTEM_PROGRAM = '11111111111111111111111111111111';

export function sameAccount(a: AccountSnap | null, b: AccountSnap | null): boolean {
  // Also spares comparing a program's data byte by byte (100 kB for the ATA program).
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (a.lamports !== b.lamports || a.owner !== b.owner || a.executable !== b.executable) return false;
  if (a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) return false;
  return true;
}

/**
 * The value an older view sees: LiteSVM only holds the tip, so walk the blocks above the view
 * (oldest first) and take the value from before the first one that touched the account.
 */
export function valueAtView(
  tipValue: AccountSnap | null,
  blocksAboveView: readonly { changes: ReadonlyMap<string, AccountChange> }[],
  address: string,
): AccountSnap | null {
  for (const block of blocksAboveView) {
    const change = block.changes.get(address);
    if (change) return change.pre;
  }
  return tipValue;
}

/** What a deleted account looks like in a notification: the real node sends a zeroed account. */
export function emptyAccount(): AccountSnap {
  return { lamports: 0n, data: new Uint8Array(0), owner: SYSTEM_PROGRAM, executable: false };
}
