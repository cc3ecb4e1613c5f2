import { randomUUID } from 'node:crypto';
import type { PublicKey } from '@solana/web3.js';
import { InvalidInputError } from '../services/lib/errors.ts';
import type { Queryable } from '../services/lib/db.ts';
import { mintAddressFor } from '../services/lib/solana/mint-address.ts';
import { requestHash, resolveIdempotency, validateRequest, type AnyRequest, type BurnRequest, type MintRequest, type OperationType, type TransferRequest } from './requests.ts';

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
}

/**
 * The application API. Each call runs inside the caller's transaction (pass the client that
 * holds it): the operation row and the outbox row commit or roll back with the business rows.
 */
export function createOpsApi(opts: { authority: PublicKey }): OpsApi {
  const request = async (client: Queryable, req: AnyRequest): Promise<RequestedOperation> => {
    validateRequest(req);
    const hash = requestHash(req);

    const existing = await findByKey(client, req.idempotencyKey);
    if (resolveIdempotency(existing, hash, req.idempotencyKey) === 'existing') return { ...existing!.op, created: false };

    // Locks the ticket so concurrent requests for it see each other's operations in order.
    const ticket = (await client.query<TicketRow>('SELECT id, mint_address, status FROM tickets WHERE id = $1 FOR UPDATE', [req.ticketId])).rows[0];
    if (!ticket) throw new InvalidInputError(`ticket ${req.ticketId} does not exist`, { ticketId: req.ticketId });

    const mint = (await mintAddressFor(opts.authority, ticket.id)).toBase58();
    let from: string | null = null;
    let to: string | null = null;
    if (req.type === 'mint') {
      if (ticket.status !== 'created') throw new InvalidInputError(`ticket ${ticket.id} is already ${ticket.status}; it can be minted once`, { ticketId: ticket.id, mint });
      to = req.to;
    } else {
      if (ticket.status === 'created' || !ticket.mint_address) throw new InvalidInputError(`ticket ${ticket.id} is not minted`, { ticketId: ticket.id });
      if (ticket.status === 'burned') throw new InvalidInputError(`ticket ${ticket.id} is burned`, { ticketId: ticket.id, mint });
      const expected = await expectedOwner(client, ticket.id);
      if (expected === null) throw new InvalidInputError(`ticket ${ticket.id} has no owner (burn requested)`, { ticketId: ticket.id, mint });
      if (req.from !== undefined && req.from !== expected) {
        throw new InvalidInputError(`${req.from} is not the owner of ticket ${ticket.id} (expected ${expected})`, { ticketId: ticket.id, mint });
      }
      from = expected;
      to = req.type === 'transfer' ? req.to : null;
      if (from === to) throw new InvalidInputError(`ticket ${ticket.id} already belongs to ${to}`, { ticketId: ticket.id, mint });
    }

    const opId = randomUUID();
    const inserted = await client.query(
      `INSERT INTO chain_operations (op_id, idempotency_key, request_hash, type, ticket_id, mint, from_wallet, to_wallet)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (idempotency_key) DO NOTHING`,
      [opId, req.idempotencyKey, hash, req.type, ticket.id, mint, from, to],
    );
    if (inserted.rowCount === 0) {
      // A concurrent transaction committed the same key between our read and our insert.
      const raced = await findByKey(client, req.idempotencyKey);
      resolveIdempotency(raced, hash, req.idempotencyKey);
      return { ...raced!.op, created: false };
    }
    const payload = { opId, idempotencyKey: req.idempotencyKey, type: req.type, mint, from, to, ticketId: ticket.id, requestedAt: Date.now() };
    await client.query(
      `INSERT INTO chain_outbox (id, aggregatetype, aggregateid, type, payload) VALUES ($1, 'operation', $2, $3, $4)`,
      [opId, mint, req.type, JSON.stringify(payload)],
    );
    if (req.type === 'mint') {
      await client.query(`UPDATE tickets SET mint_address = $2, status = 'mint_requested', updated_at = now() WHERE id = $1`, [ticket.id, mint]);
    }
    return { opId, type: req.type, ticketId: ticket.id, mint, from, to, state: 'requested', created: true };
  };

  return {
    requestMint: (client, req) => request(client, { ...req, type: 'mint' }),
    requestTransfer: (client, req) => request(client, { ...req, type: 'transfer' }),
    requestBurn: (client, req) => request(client, { ...req, type: 'burn' }),
  };
}

async function findByKey(client: Queryable, key: string): Promise<{ requestHash: string; opId: string; op: Omit<RequestedOperation, 'created'> } | undefined> {
  const row = (
    await client.query<{ op_id: string; request_hash: string; type: OperationType; ticket_id: string; mint: string; from_wallet: string | null; to_wallet: string | null; state: string }>(
      'SELECT op_id, request_hash, type, ticket_id, mint, from_wallet, to_wallet, state FROM chain_operations WHERE idempotency_key = $1',
      [key],
    )
  ).rows[0];
  if (!row) return undefined;
  return {
    requestHash: row.request_hash,
    opId: row.op_id,
    op: { opId: row.op_id, type: row.type, ticketId: row.ticket_id, mint: row.mint, from: row.from_wallet, to: row.to_wallet, state: row.state },
  };
}

/**
 * The owner once every operation already requested for the ticket has run: the receiver of
 * the newest live mint or transfer, or null after a burn. Failed operations change nothing.
 */
async function expectedOwner(client: Queryable, ticketId: string): Promise<string | null> {
  const row = (
    await client.query<{ type: OperationType; to_wallet: string | null }>(
      `SELECT type, to_wallet FROM chain_operations
        WHERE ticket_id = $1 AND state <> ALL($2)
        ORDER BY requested_at DESC, op_id DESC LIMIT 1`,
      [ticketId, VOID_STATES],
    )
  ).rows[0];
  if (!row) return null;
  return row.type === 'burn' ? null : row.to_wallet;
}
