import { createHash } from 'node:crypto';
import { InvalidInputError } from '../services/lib/errors.ts';
import type { OperationType } from '../services/lib/domain/operation-type.ts';
import { parsePublicKey } from '../services/lib/solana/keys.ts';

export type { OperationType };

export interface MintRequest {
  ticketId: string;
  /** Wallet that receives the NFT. */
  to: string;
  idempotencyKey: string;
}

export interface TransferRequest {
  ticketId: string;
  to: string;
  /** The current owner; when left out, the owner the platform expects after the operations already requested. */
  from?: string;
  idempotencyKey: string;
}

export interface BurnRequest {
  ticketId: string;
  from?: string;
  idempotencyKey: string;
}

export type AnyRequest = ({ type: 'mint' } & MintRequest) | ({ type: 'transfer' } & TransferRequest) | ({ type: 'burn' } & BurnRequest);

const MAX_ID = 200;

function requireId(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_ID) {
    throw new InvalidInputError(`${field} must be a non-empty string of at most ${MAX_ID} characters`);
  }
  return value;
}

function requireAddress(field: string, value: unknown, ticketId?: string): string {
  if (parsePublicKey(value) === undefined) {
    throw new InvalidInputError(`${field} is not a valid Solana address (base58, 32 bytes): ${JSON.stringify(value)}`, ticketId ? { ticketId } : {});
  }
  return value as string;
}

/** Shape checks that need no database: ids present, addresses well formed, no self-transfer. */
export function validateRequest(req: AnyRequest): AnyRequest {
  const ticketId = requireId('ticketId', req.ticketId);
  requireId('idempotencyKey', req.idempotencyKey);
  switch (req.type) {
    case 'mint':
      requireAddress('to', req.to, ticketId);
      break;
    case 'transfer':
      requireAddress('to', req.to, ticketId);
      if (req.from !== undefined) requireAddress('from', req.from, ticketId);
      if (req.from !== undefined && req.from === req.to) throw new InvalidInputError('from and to are the same wallet', { ticketId });
      break;
    case 'burn':
      if (req.from !== undefined) requireAddress('from', req.from, ticketId);
      break;
    default:
      throw new InvalidInputError(`unknown operation type ${JSON.stringify((req as { type: unknown }).type)}`);
  }
  return req;
}

/**
 * What identifies a request for idempotency: its type and what the caller asked for, in a
 * canonical order. The key itself is not part of it.
 */
export function requestHash(req: AnyRequest): string {
  const canonical = JSON.stringify([req.type, req.ticketId, 'to' in req ? req.to : null, 'from' in req ? (req.from ?? null) : null]);
  return createHash('sha256').update(canonical).digest('hex');
}

export class IdempotencyConflictError extends InvalidInputError {
  constructor(idempotencyKey: string, existingOpId: string) {
    super(`idempotency key ${JSON.stringify(idempotencyKey)} was already used for a different request (operation ${existingOpId})`, {
      opId: existingOpId,
      idempotencyKey,
    });
  }
}

/** Same key and same request: the existing operation. Same key, another request: a conflict. */
export function resolveIdempotency(existing: { opId: string; requestHash: string } | undefined, hash: string, key: string): 'new' | 'existing' {
  if (!existing) return 'new';
  if (existing.requestHash === hash) return 'existing';
  throw new IdempotencyConflictError(key, existing.opId);
}
