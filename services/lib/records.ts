/**
 * The plain-value shapes of the Avro topic values (schemas/*.avsc) that several services read or
 * write, declared once so producers and consumers agree at compile time. timestamp-millis fields
 * are epoch milliseconds; Avro longs decode to numbers.
 */
import type { OperationEventState } from './domain/operation-status.ts';
import type { OperationType } from './domain/operation-type.ts';
import type { Commitment } from './domain/ownership-precedence.ts';

/** schemas/ownership-change.avsc (chain.ownership) */
export interface OwnershipChange {
  mint: string;
  owner: string | null;
  tokenAccount: string | null;
  amount: number;
  slot: number;
  commitment: Commitment;
  source: 'stream' | 'backfill';
  observedAt: number;
}

export type OperationStatusState = OperationEventState;

/** schemas/operation-status.avsc (chain.ops.status) */
export interface OperationStatus {
  opId: string;
  idempotencyKey: string;
  mint: string;
  type: OperationType;
  state: OperationStatusState;
  expectedOwner: string | null;
  signature: string | null;
  attempt: number;
  slot: number | null;
  error: string | null;
  at: number;
  /** The request generation (1 when absent: records written before re-requests existed). */
  generation?: number;
  /** Why a failed or dead_lettered operation failed; absent or null when unknown. */
  errorKind?: FailureKind | null;
}

/** How an operation failed; only `exhausted` (nothing landed) is safe to request again blindly. */
export const FAILURE_KINDS = ['invalid_input', 'permanent', 'exhausted'] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** The generation of a status record (older records carry none: they are the first request). */
export const generationOf = (e: { generation?: number | null }): number => e.generation ?? 1;
