import { randomUUID } from 'node:crypto';
import type { PublicKey } from '@solana/web3.js';
import { InvalidInputError } from '../services/lib/errors.ts';
import { prepared, type Queryable } from '../services/lib/db.ts';
import { expectedOwner as expectedOwnerRule } from '../services/lib/domain/expected-owner.ts';
import type { OperationState } from '../services/lib/domain/operation-status.ts';
import { mintAddressFor } from '../services/lib/solana/mint-address.ts';
import {
  requestHash,
  resolveIdempotency,
  validateRequest,
  type AnyRequest,
  type BurnRequest,
  type MintRequest,
  type OperationType,
  type TransferRequest,
} from './requests.ts';

export interface RequestedOperation {
  opId: string;
  type: OperationType;
  ticketId: string;
  mint: string;
  from: string | null;
  to: string | null;
  state: string;
  /** False when the idempotency key named an operation that already existed. */
  created: boolean;
}

interface TicketRow {
  id: string;
  mint_address: string | null;
  status: string;
}

/** States after which an operation will never change the owner. */
const VOID_STATES = ['failed', 'dead_lettered'];

export interface OpsApi {
  requestMint(client: Queryable, req: MintRequest): Promise<RequestedOperation>;
  requestTransfer(client: Queryable, req: TransferRequest): Promise<RequestedOperation>;
  requestBurn(client: Queryable, req: BurnRequest): Promise<RequestedOperation>;
  retryOperation(client: Queryable, req: RetryRequest): Promise<RetryResult>;
}

export interface RetryRequest {
  opId: string;
  /**
   * The generation the caller saw fail. When the operation has moved on since (another caller
   * re-requested it already), nothing is written: calling twice re-requests once.
   */
  generation?: number;
  /** Kept with the re-request (who asked and why). */
  reason: string;
}

export type RetryResult = { retried: true; opId: string; generation: number } | { retried: false; opId: string; generation: number; why: string };

/**
 * The operation row, its outbox row and (for a mint) the ticket's new state, in one round trip:
 * the platform's write path runs this for every request. Nothing is written when the key is taken.
 */
const INSERT_OPERATION = prepared(
  'chainsync_insert_operation',
  `WITH op AS (
     INSERT INTO chain_operations (op_id, idempotency_key, request_hash, type, ticket_id, mint, from_wallet, to_wallet)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (idempotency_key) DO NOTHING
     RETURNING op_id),
   outbox AS (
     INSERT INTO chain_outbox (id, aggregatetype, aggregateid, type, payload) SELECT op_id, 'operation', $6, $4, $9 FROM op),
   ticket AS (
     UPDATE tickets SET mint_address = $6, status = 'mint_requested', updated_at = now()
      WHERE id = $5 AND $4::text = 'mint' AND EXISTS (SELECT 1 FROM op))
   SELECT EXISTS (SELECT 1 FROM op) AS inserted`,
);

/**
 * The application API. Each call runs inside the caller's transaction (pass the client that
 * holds it): the operation row and the outbox row commit or roll back with the business rows.
 */
export function createOpsApi(opts: { authority: PublicKey }): OpsApi {
  const request = async (client: Queryable, req: AnyRequest): Promise<RequestedOperation> => {
    validateRequest(req);
    const hash = requestHash(req);

    // Locks the ticket so concurrent requests for it see each other's operations in order. The
    // key is looked up after the lock: a request that waited on it sees the operation the holder
    // committed (a replay, answered with that operation) rather than the ticket state it left.
    const ticket = (await client.query<TicketRow>('SELECT id, mint_address, status FROM tickets WHERE id = $1 FOR UPDATE', [req.ticketId])).rows[0];
    const existing = await findByKey(client, req.idempotencyKey);
    if (resolveIdempotency(existing, hash, req.idempotencyKey) === 'existing') return { ...existing!.op, created: false };
    if (!ticket) throw new InvalidInputError(`ticket ${req.ticketId} does not exist`, { ticketId: req.ticketId });

    const mint = (await mintAddressFor(opts.authority, ticket.id)).toBase58();
    let from: string | null = null;
    let to: string | null;
    if (req.type === 'mint') {
      if (ticket.status !== 'created')
        throw new InvalidInputError(`ticket ${ticket.id} is already ${ticket.status}; it can be minted once`, { ticketId: ticket.id, mint });
      to = req.to;
    } else {
      if (ticket.status === 'created' || !ticket.mint_address) throw new InvalidInputError(`ticket ${ticket.id} is not minted`, { ticketId: ticket.id });
      if (ticket.status === 'burned') throw new InvalidInputError(`ticket ${ticket.id} is burned`, { ticketId: ticket.id, mint });
      const expected = await expectedOwner(client, ticket.id, mint);
      if (expected === null) throw new InvalidInputError(`ticket ${ticket.id} has no owner (burn requested)`, { ticketId: ticket.id, mint });
      if (req.from !== undefined && req.from !== expected) {
        throw new InvalidInputError(`${req.from} is not the owner of ticket ${ticket.id} (expected ${expected})`, { ticketId: ticket.id, mint });
      }
      from = expected;
      to = req.type === 'transfer' ? req.to : null;
      if (from === to) throw new InvalidInputError(`ticket ${ticket.id} already belongs to ${to}`, { ticketId: ticket.id, mint });
    }

    const opId = randomUUID();
    const payload = { opId, idempotencyKey: req.idempotencyKey, type: req.type, mint, from, to, ticketId: ticket.id, requestedAt: Date.now() };
    const inserted = await client.query<{ inserted: boolean }>(
      INSERT_OPERATION([opId, req.idempotencyKey, hash, req.type, ticket.id, mint, from, to, JSON.stringify(payload)]),
    );
    if (!inserted.rows[0]?.inserted) {
      // A concurrent transaction committed the same key between our read and our insert.
      const raced = await findByKey(client, req.idempotencyKey);
      resolveIdempotency(raced, hash, req.idempotencyKey);
      return { ...raced!.op, created: false };
    }
    return { opId, type: req.type, ticketId: ticket.id, mint, from, to, state: 'requested', created: true };
  };

  return {
    requestMint: (client, req) => request(client, { ...req, type: 'mint' }),
    requestTransfer: (client, req) => request(client, { ...req, type: 'transfer' }),
    requestBurn: (client, req) => request(client, { ...req, type: 'burn' }),
    retryOperation,
  };
}

interface OpRow {
  op_id: string;
  idempotency_key: string;
  type: OperationType;
  ticket_id: string;
  mint: string;
  from_wallet: string | null;
  to_wallet: string | null;
  state: string;
  generation: number;
  attempts: number;
  last_error: string | null;
  requested_ms: string;
}

/**
 * Requests a failed operation again: the same op id and idempotency key, one generation higher,
 * written (with its outbox event) in the caller's transaction. It is safe by construction:
 * - the submitter re-opens the op only when nothing of it can have landed (it failed as exhausted:
 *   every attempt's blockhash expired with its signature unseen); a permanent failure is refused
 *   with a dead letter;
 * - before it signs again, the submitter looks at the chain: an effect that did land is confirmed,
 *   never repeated (invariant 2), and a re-signed attempt still needs the old one expired (invariant 3);
 * - events of the failed generation can never move the new one back (the projector and the
 *   reconciler order by generation first).
 * Refused (InvalidInputError): an operation that did not fail, and one with live operations
 * requested after it for the same ticket (running it now would reorder them: a human decides).
 */
export async function retryOperation(client: Queryable, req: RetryRequest): Promise<RetryResult> {
  if (!req.reason?.trim()) throw new InvalidInputError('a re-request needs a reason', { opId: req.opId });
  const op = (
    await client.query<OpRow>(
      `SELECT op_id, idempotency_key, type, ticket_id, mint, from_wallet, to_wallet, state, generation, attempts, last_error,
              (extract(epoch FROM requested_at) * 1000)::bigint AS requested_ms
         FROM chain_operations WHERE op_id = $1 FOR UPDATE`,
      [req.opId],
    )
  ).rows[0];
  if (!op) throw new InvalidInputError(`operation ${req.opId} does not exist`, { opId: req.opId });
  if (req.generation !== undefined && req.generation !== op.generation) {
    return {
      retried: false,
      opId: op.op_id,
      generation: op.generation,
      why: `generation ${req.generation} was already requested again (now ${op.generation}, ${op.state})`,
    };
  }
  if (op.state !== 'failed') {
    throw new InvalidInputError(`operation ${op.op_id} is ${op.state}; only a failed operation can be requested again`, { opId: op.op_id, mint: op.mint });
  }
  const later = (
    await client.query<{ op_id: string }>(
      `SELECT op_id FROM chain_operations
        WHERE ticket_id = $1 AND op_id <> $2 AND state <> ALL($3) AND (requested_at, op_id) > ((SELECT requested_at FROM chain_operations WHERE op_id = $2), $2::uuid)
        LIMIT 1`,
      [op.ticket_id, op.op_id, VOID_STATES],
    )
  ).rows[0];
  if (later) {
    throw new InvalidInputError(`operation ${op.op_id} has a live operation requested after it (${later.op_id}); running it again would reorder them`, {
      opId: op.op_id,
      mint: op.mint,
    });
  }
  const generation = op.generation + 1;
  await client.query(
    `UPDATE chain_operations SET state = 'requested', generation = $2, last_error = NULL, last_error_kind = NULL, updated_at = now() WHERE op_id = $1`,
    [op.op_id, generation],
  );
  await client.query(
    `INSERT INTO chain_operation_retries (op_id, generation, previous_state, previous_error, previous_attempts, reason) VALUES ($1, $2, $3, $4, $5, $6)`,
    [op.op_id, generation, op.state, op.last_error, op.attempts, req.reason],
  );
  const payload = {
    opId: op.op_id,
    idempotencyKey: op.idempotency_key,
    type: op.type,
    mint: op.mint,
    from: op.from_wallet,
    to: op.to_wallet,
    ticketId: op.ticket_id,
    requestedAt: Number(op.requested_ms),
    generation,
  };
  // A new outbox event id (the id header): the op id is the same, the event is not.
  await client.query(`INSERT INTO chain_outbox (id, aggregatetype, aggregateid, type, payload) VALUES ($1, 'operation', $2, $3, $4)`, [
    randomUUID(),
    op.mint,
    op.type,
    JSON.stringify(payload),
  ]);
  return { retried: true, opId: op.op_id, generation };
}

async function findByKey(client: Queryable, key: string): Promise<{ requestHash: string; opId: string; op: Omit<RequestedOperation, 'created'> } | undefined> {
  const row = (
    await client.query<{
      op_id: string;
      request_hash: string;
      type: OperationType;
      ticket_id: string;
      mint: string;
      from_wallet: string | null;
      to_wallet: string | null;
      state: string;
    }>('SELECT op_id, request_hash, type, ticket_id, mint, from_wallet, to_wallet, state FROM chain_operations WHERE idempotency_key = $1', [key])
  ).rows[0];
  if (!row) return undefined;
  return {
    requestHash: row.request_hash,
    opId: row.op_id,
    op: { opId: row.op_id, type: row.type, ticketId: row.ticket_id, mint: row.mint, from: row.from_wallet, to: row.to_wallet, state: row.state },
  };
}

/** The owner once every operation already requested for the ticket has run (services/lib/domain/expected-owner.ts). */
async function expectedOwner(client: Queryable, ticketId: string, mint: string): Promise<string | null> {
  const newest = (
    await client.query<{ type: OperationType; to_wallet: string | null; state: OperationState; last_slot: string | null }>(
      `SELECT type, to_wallet, state, last_slot FROM chain_operations
        WHERE ticket_id = $1 AND state <> ALL($2)
        ORDER BY requested_at DESC, op_id DESC LIMIT 1`,
      [ticketId, VOID_STATES],
    )
  ).rows[0];
  const projected = (await client.query<{ owner: string | null; slot: string }>('SELECT owner, slot FROM ownership WHERE mint = $1', [mint])).rows[0];
  return expectedOwnerRule(
    newest && { type: newest.type, to: newest.to_wallet, state: newest.state, slot: newest.last_slot === null ? null : Number(newest.last_slot) },
    projected && { owner: projected.owner, slot: Number(projected.slot) },
  );
}
