// The operation contract (schemas/operation.avsc) as a TypeScript value, and the checks an
// outbox payload must pass before the submitter takes it in. Pure: no I/O.
import type avro from 'avsc';
import { isOperationType, type OperationType } from '../lib/domain/operation-type.ts';
import { parsePublicKey } from '../lib/solana/keys.ts';

export interface Operation {
  opId: string;
  idempotencyKey: string;
  type: OperationType;
  mint: string;
  from: string | null;
  to: string | null;
  ticketId: string;
  requestedAt: number;
  /** 1 for the first request; a re-request of a failed operation carries a higher one. */
  generation: number;
}

/** What could be read from a payload even when it is rejected: enough to say which op it was. */
export interface Partial {
  opId?: string;
  idempotencyKey?: string;
  mint?: string;
  type?: OperationType;
  to?: string | null;
}

export type Parsed = { ok: true; op: Operation } | { ok: false; reason: string; partial: Partial };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function partialOf(v: Record<string, unknown>): Partial {
  const p: Partial = {};
  if (typeof v.opId === 'string' && UUID.test(v.opId)) p.opId = v.opId;
  if (typeof v.idempotencyKey === 'string') p.idempotencyKey = v.idempotencyKey;
  if (typeof v.mint === 'string') p.mint = v.mint;
  if (isOperationType(v.type)) p.type = v.type;
  if (typeof v.to === 'string' || v.to === null) p.to = v.to;
  return p;
}

/**
 * Parses a chain.ops.requested value: JSON, the Avro contract, and the rules the schema cannot
 * say (addresses are canonical base58 keys, transfer and burn name `from`, mint and transfer
 * name `to`). The mint address and the ticket are checked by the caller (they need the
 * authority key and the database).
 */
export function parseOperation(raw: string | null, schema: avro.Type): Parsed {
  if (raw === null) return { ok: false, reason: 'empty payload (tombstone)', partial: {} };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { ok: false, reason: `malformed JSON: ${(err as Error).message}`, partial: {} };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'payload is not a JSON object', partial: {} };
  const v = value as Record<string, unknown>;
  const partial = partialOf(v);
  const fail = (reason: string): Parsed => ({ ok: false, reason, partial });

  if (typeof v.type === 'string' && !isOperationType(v.type)) return fail(`unknown operation type "${v.type}"`);
  const bad: string[] = [];
  if (!schema.isValid(v, { errorHook: (path) => bad.push(path.join('.') || '(root)') })) {
    return fail(`payload does not match the Operation schema at: ${[...new Set(bad)].join(', ')}`);
  }
  const op: Operation = {
    opId: v.opId as string,
    idempotencyKey: v.idempotencyKey as string,
    type: v.type as OperationType,
    mint: v.mint as string,
    from: (v.from as string | null | undefined) ?? null,
    to: (v.to as string | null | undefined) ?? null,
    ticketId: v.ticketId as string,
    requestedAt: v.requestedAt as number,
    generation: (v.generation as number | undefined) ?? 1,
  };
  if (!UUID.test(op.opId)) return fail(`opId "${op.opId}" is not a UUID`);
  if (op.ticketId.trim() === '') return fail('ticketId is empty');
  if (op.generation < 1) return fail(`generation ${op.generation} is below 1`);
  if (!parsePublicKey(op.mint)) return fail(`invalid address in mint: "${op.mint}"`);
  for (const field of ['from', 'to'] as const) {
    const addr = op[field];
    if (addr !== null && !parsePublicKey(addr)) return fail(`invalid address in ${field}: "${addr}"`);
  }
  if ((op.type === 'transfer' || op.type === 'burn') && op.from === null) return fail(`${op.type} needs a from wallet`);
  if ((op.type === 'mint' || op.type === 'transfer') && op.to === null) return fail(`${op.type} needs a to wallet`);
  return { ok: true, op };
}

/** The deterministic address check: anything else would mint at an address nobody can find. */
export function checkMintAddress(op: Operation, expected: string): string | undefined {
  return op.mint === expected ? undefined : `mint ${op.mint} is not the address of ticket ${op.ticketId} (expected ${expected})`;
}

/** The owner the chain should show once the operation is confirmed. */
export function expectedOwner(op: Pick<Operation, 'type' | 'to'>): string | null {
  return op.type === 'burn' ? null : op.to;
}
