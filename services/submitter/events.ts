// The chain.ops.status and chain.ops.dlq values, built from plain values. Pure.
import type { FailureKind, OperationStatus, OperationStatusState } from '../lib/records.ts';
import { expectedOwner, type Operation } from './operation.ts';

/** The chain.ops.status value (schemas/operation-status.avsc), shared with its consumers. */
export type StatusEvent = OperationStatus;
export type StatusState = OperationStatusState;

export function statusEvent(
  op: Pick<Operation, 'opId' | 'idempotencyKey' | 'mint' | 'type' | 'to'> & { generation?: number },
  state: StatusState,
  d: { attempt: number; signature?: string | null; slot?: number | null; error?: string | null; errorKind?: FailureKind | null; at: number },
): StatusEvent {
  return {
    opId: op.opId,
    idempotencyKey: op.idempotencyKey,
    mint: op.mint,
    type: op.type,
    state,
    expectedOwner: expectedOwner(op),
    signature: d.signature ?? null,
    attempt: d.attempt,
    slot: d.slot ?? null,
    error: d.error ?? null,
    at: d.at,
    generation: op.generation ?? 1,
    errorKind: d.errorKind ?? null,
  };
}

export type DeadLetterKind = FailureKind;

export interface DeadLetter {
  opId: string | null;
  mint: string | null;
  rawPayload: string;
  errorKind: DeadLetterKind;
  reason: string;
  attempts: number;
  sourceTopic: string;
  sourcePartition: number;
  sourceOffset: string;
  at: number;
}
