/**
 * The plain-value shapes of the Avro topic values (schemas/*.avsc) that several services read or
 * write, declared once so producers and consumers agree at compile time. timestamp-millis fields
 * are epoch milliseconds; Avro longs decode to numbers.
 */

/** schemas/ownership-change.avsc (chain.ownership) */
export interface OwnershipChange {
  mint: string;
  owner: string | null;
  tokenAccount: string | null;
  amount: number;
  slot: number;
  commitment: 'confirmed' | 'finalized';
  source: 'stream' | 'backfill';
  observedAt: number;
}

export type OperationStatusState = 'submitted' | 'expired' | 'failed' | 'confirmed' | 'finalized' | 'dead_lettered';

/** schemas/operation-status.avsc (chain.ops.status) */
export interface OperationStatus {
  opId: string;
  idempotencyKey: string;
  mint: string;
  type: 'mint' | 'transfer' | 'burn';
  state: OperationStatusState;
  expectedOwner: string | null;
  signature: string | null;
  attempt: number;
  slot: number | null;
  error: string | null;
  at: number;
}
