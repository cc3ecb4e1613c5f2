// The chain.ops.status and chain.ops.dlq values, built from plain values. Pure.
import type { OperationStatus, OperationStatusState } from '../lib/records.ts';
import { expectedOwner, type Operation } from './operation.ts';

/** The chain.ops.status value (schemas/operation-status.avsc), shared with its consumers. */
export type StatusEvent = OperationStatus;
export type StatusState = OperationStatusState;

export function statusEvent(
  op: Pick<Operation, 'opId' | 'idempotencyKey' | 'mint' | 'type' | 'to'>,
  state: StatusState,
  d: { attempt: number; signature?: string | null; slot?: number | null; error?: string | null; at: number },
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
  };
}

export type DeadLetterKind = 'invalid_input' | 'permanent' | 'exhausted';

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
