// The ledger check's input, read live once the campaign is over: the platform's tables, the
// submitter's attempts and their signatures' fate on chain, each mint's holder on chain, and the
// status topic from its beginning. Everything is narrowed to the campaign's own operations and mints.
import { getAssociatedTokenAddressSync } from '@solana/spl-token';
import { type Connection, PublicKey } from '@solana/web3.js';
import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { decodeTokenAccount } from '../../services/lib/solana/token-accounts.ts';
import { TOPICS } from '../../services/lib/topics.ts';
import type { DriverResult } from './driver.ts';
import type { LedgerInput, LedgerOp } from './ledger.ts';

export interface GatherDeps {
  pool: pg.Pool;
  connection: Connection;
  kafka: Kafka;
  registry: SchemaRegistry;
  /** Every custodial and outside wallet of the campaign: a holder is looked for at their token accounts first. */
  walletAddresses: readonly string[];
}

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));

async function signatureFates(connection: Connection, signatures: string[]): Promise<Map<string, boolean>> {
  const ok = new Map<string, boolean>();
  for (const part of chunks(signatures, 200)) {
    const { value } = await connection.getSignatureStatuses(part, { searchTransactionHistory: true });
    part.forEach((sig, i) => {
      const s = value[i];
      if (s && (s.confirmationStatus === 'confirmed' || s.confirmationStatus === 'finalized')) ok.set(sig, s.err === null);
    });
  }
  return ok;
}

/** Each mint's state on chain: whether the mint account exists, and which of the campaign's wallets holds its one token. */
async function chainState(connection: Connection, mints: string[], wallets: readonly string[]): Promise<LedgerInput['chain']> {
  const out = new Map<string, { exists: boolean; owner: string | null }>();
  for (const part of chunks(mints, 100)) {
    const infos = await connection.getMultipleAccountsInfo(
      part.map((m) => new PublicKey(m)),
      'confirmed',
    );
    for (const [i, mint] of part.entries()) {
      if (!infos[i]) {
        out.set(mint, { exists: false, owner: null });
        continue;
      }
      const atas = wallets.map((w) => getAssociatedTokenAddressSync(new PublicKey(mint), new PublicKey(w)));
      const accounts = await connection.getMultipleAccountsInfo(atas, 'confirmed');
      const holders = accounts.flatMap((a) => {
        const t = a ? decodeTokenAccount(new Uint8Array(a.data)) : null;
        return t && t.amount > 0n ? [t.owner] : [];
      });
      out.set(mint, { exists: true, owner: holders.length === 1 ? holders[0]! : holders.length === 0 ? null : `several: ${holders.join(', ')}` });
    }
  }
  return out;
}

/** chain.ops.status from the beginning to its end as of now, decoded; only the given operations kept. */
async function statusEvents(kafka: Kafka, registry: SchemaRegistry, opIds: ReadonlySet<string>): Promise<LedgerInput['statusEvents']> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(TOPICS.opsStatus).finally(() => admin.disconnect());
  const remaining = new Map(ends.filter((e) => Number(e.high) > Number(e.low)).map((e) => [e.partition, Number(e.high)]));
  const events: { opId: string; state: LedgerInput['statusEvents'][number]['state']; signature: string | null }[] = [];
  if (remaining.size === 0) return events;
  const consumer = kafka.consumer({ groupId: `chaos-ledger-${Date.now()}-${Math.random().toString(36).slice(2)}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPICS.opsStatus, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`chain.ops.status: not read to its end within 120 s (${remaining.size} partition(s) left)`)), 120_000);
      void consumer
        .run({
          eachBatch: async ({ batch }) => {
            for (const m of batch.messages) {
              if (!m.value) continue;
              const e = (await registry.decode(m.value)) as { opId: string; state: LedgerInput['statusEvents'][number]['state']; signature: string | null };
              if (opIds.has(e.opId)) events.push({ opId: e.opId, state: e.state, signature: e.signature });
            }
            const last = Number(batch.lastOffset()) + 1;
            if (last >= (remaining.get(batch.partition) ?? Infinity)) remaining.delete(batch.partition);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return events;
}

export async function gatherLedger(d: GatherDeps, driven: DriverResult): Promise<LedgerInput> {
  const opIds = [...driven.seqOf.keys()];
  const ops = (
    await d.pool.query<{
      op_id: string;
      type: LedgerOp['type'];
      mint: string;
      to_wallet: string | null;
      state: LedgerOp['state'];
      last_error_kind: string | null;
    }>('SELECT op_id, type, mint, to_wallet, state, last_error_kind FROM chain_operations WHERE op_id = ANY($1::uuid[])', [opIds])
  ).rows.map((r): LedgerOp => ({
    opId: r.op_id,
    seq: driven.seqOf.get(r.op_id)!,
    type: r.type,
    mint: r.mint,
    to: r.to_wallet,
    state: r.state,
    errorKind: r.last_error_kind as LedgerOp['errorKind'],
  }));
  const mints = [...new Set([...ops.map((o) => o.mint), ...driven.outside.map((t) => t.mint)])];
  const attempts = (
    await d.pool.query<{ op_id: string; signature: string }>('SELECT op_id, signature FROM submitter_attempts WHERE op_id = ANY($1::uuid[])', [opIds])
  ).rows;
  const fates = await signatureFates(
    d.connection,
    attempts.map((a) => a.signature),
  );
  const signatures = new Map<string, { signature: string; ok: boolean }[]>();
  for (const a of attempts) signatures.set(a.op_id, [...(signatures.get(a.op_id) ?? []), { signature: a.signature, ok: fates.get(a.signature) ?? false }]);
  const tickets = (
    await d.pool.query<{ mint: string; status: LedgerInput['tickets'][number]['status']; owner: string | null }>(
      'SELECT mint_address AS mint, status, owner_wallet AS owner FROM tickets WHERE mint_address = ANY($1)',
      [mints],
    )
  ).rows;
  const ownership = (await d.pool.query<{ mint: string; owner: string | null }>('SELECT mint, owner FROM ownership WHERE mint = ANY($1)', [mints])).rows;
  const audit = (
    await d.pool.query<{ mint: string; old_owner: string | null; new_owner: string | null; slot: string }>(
      'SELECT mint, old_owner, new_owner, slot FROM ownership_audit WHERE mint = ANY($1) ORDER BY id',
      [mints],
    )
  ).rows.map((r) => ({ mint: r.mint, oldOwner: r.old_owner, newOwner: r.new_owner, slot: Number(r.slot) }));
  const discrepancies = (
    await d.pool.query<{
      mint: string;
      kind: LedgerInput['discrepancies'][number]['kind'];
      state: LedgerInput['discrepancies'][number]['state'];
      op_id: string | null;
      reason: string;
    }>(
      `SELECT mint, kind, state, op_id, concat_ws(': ', db_value, chain_value) AS reason
         FROM discrepancies WHERE mint = ANY($1) AND state IN ('open', 'needs_review')`,
      [mints],
    )
  ).rows.map((r) => ({ mint: r.mint, kind: r.kind, state: r.state, opId: r.op_id, reason: r.reason }));
  return {
    requests: driven.requests,
    ops,
    outside: driven.outside.map(({ seq, mint, to, landed }) => ({ seq, mint, to, landed })),
    signatures,
    chain: await chainState(d.connection, mints, d.walletAddresses),
    tickets,
    ownership,
    audit,
    statusEvents: await statusEvents(d.kafka, d.registry, new Set(opIds)),
    discrepancies,
  };
}
