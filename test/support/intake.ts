// Records handed straight to the submitter's intake (takeIn), as Debezium's outbox router writes
// them, for tests of the intake's own rules on the stack's Postgres.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { KafkaMessage } from 'kafkajs';
import { Registry } from 'prom-client';
import { silentLogger } from '../../services/lib/logger.ts';
import { avroType } from '../../services/lib/schemas.ts';
import type { IntakeContext } from '../../services/submitter/intake.ts';
import { createSubmitterMetrics } from '../../services/submitter/metrics.ts';
import type { Operation } from '../../services/submitter/operation.ts';
import { mintAddressFor } from '../../services/lib/solana/mint-address.ts';
import { claimLeases } from '../../services/submitter/store.ts';
import { randomHex } from './random.ts';
import { newWallet, type Harness } from './submitter.ts';

export function intakeContext(h: Harness, overrides: Partial<IntakeContext> = {}): IntakeContext {
  return {
    pool: h.pool,
    schema: avroType(fileURLToPath(new URL('../../schemas', import.meta.url)), 'operation.avsc'),
    authority: h.authority.publicKey,
    logger: silentLogger(),
    metrics: createSubmitterMetrics(new Registry()),
    ...overrides,
  };
}

/** An op as a chain.ops.requested record: keyed by mint, with the outbox event id header. */
export const requestRecord = (op: Operation): KafkaMessage => ({
  key: Buffer.from(op.mint),
  value: Buffer.from(JSON.stringify(op)),
  headers: { id: Buffer.from(randomUUID()) },
  offset: '0',
  timestamp: String(Date.now()),
  attributes: 0,
});

/**
 * A mint request for `ticketId` whose mint this test holds the lease of (for 15 minutes), so no
 * submitter on the shared stack runs it.
 */
export async function heldMintRequest(h: Harness, holder: string, ticketId: string): Promise<Operation> {
  const mint = (await mintAddressFor(h.authority.publicKey, ticketId)).toBase58();
  const claimed = await claimLeases(h.pool, holder, [mint], 15 * 60_000);
  if (claimed[0] !== mint) throw new Error(`the lease of ${mint} is held by another holder`);
  return {
    opId: randomUUID(),
    idempotencyKey: `k-${randomHex()}`,
    type: 'mint',
    mint,
    from: null,
    to: newWallet(),
    ticketId,
    requestedAt: Date.now(),
    generation: 1,
  };
}
