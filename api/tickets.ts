import { InvalidInputError } from '../services/lib/errors.ts';
import type { Queryable } from '../services/lib/db.ts';
import { parsePublicKey } from '../services/lib/solana/keys.ts';

/** A ticket row (business data); its owner stays empty until the chain says who holds it. */
export async function createTicket(client: Queryable, ticket: { id: string; eventId: string }): Promise<void> {
  if (!ticket.id || !ticket.eventId) throw new InvalidInputError('a ticket needs an id and an eventId');
  await client.query('INSERT INTO tickets (id, event_id) VALUES ($1, $2) ON CONFLICT (id) DO NOTHING', [ticket.id, ticket.eventId]);
}

/** Records that the platform controls `address` as the custodial wallet at `derivationIndex`. */
export async function registerCustodialWallet(client: Queryable, wallet: { address: string; derivationIndex: number; label?: string }): Promise<void> {
  if (parsePublicKey(wallet.address) === undefined) throw new InvalidInputError(`not a valid Solana address: ${JSON.stringify(wallet.address)}`);
  if (!Number.isInteger(wallet.derivationIndex) || wallet.derivationIndex < 0) throw new InvalidInputError('derivationIndex must be a whole number >= 0');
  await client.query(
    `INSERT INTO custodial_wallets (address, derivation_index, label) VALUES ($1, $2, $3)
     ON CONFLICT (address) DO NOTHING`,
    [wallet.address, wallet.derivationIndex, wallet.label ?? null],
  );
}
