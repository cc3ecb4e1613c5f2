// What an operation does to a ticket's NFT. Declared once: the API's requests, the submitter's
// intake check, the status records and the reconciler's settings all name these. The Avro enums
// (schemas/operation.avsc, operation-status.avsc) and the CHECKs of chain_operations.type and
// submitter_ops.type (migrations 0002, 0003) say the same; operation-type.test.ts holds them to it.

export const OPERATION_TYPES = ['mint', 'transfer', 'burn'] as const;

export type OperationType = (typeof OPERATION_TYPES)[number];

export const isOperationType = (value: unknown): value is OperationType => typeof value === 'string' && (OPERATION_TYPES as readonly string[]).includes(value);
