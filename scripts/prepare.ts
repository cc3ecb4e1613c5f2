import { join } from 'node:path';
import { Connection, LAMPORTS_PER_SOL } from '@solana/web3.js';
import { Kafka, logLevel } from 'kafkajs';
import { createPool } from '../services/lib/db.ts';
import { silentLogger } from '../services/lib/logger.ts';
import { migrate } from '../services/lib/migrate.ts';
import { applyRoleGrants } from '../services/lib/roles.ts';
import { loadKeypairFile } from '../services/lib/solana/keys.ts';
import { createRegistry, registerValueSchemas } from '../services/lib/schemas.ts';
import { ensureTopics } from '../services/lib/topics.ts';
import { REPO_ROOT, loadStackConfig, type StackConfig } from './stack/config.ts';
import { connectorFiles, registerConnector } from './stack/connectors.ts';
import { stackEnv } from './stack/env.ts';
import { stackUp, type Say } from './stack/lifecycle.ts';

export interface Prepared {
  cfg: StackConfig;
  env: Record<string, string>;
  /** Parts this call started (empty when it reused a running stack). */
  started: string[];
}

/**
 * Everything between "nothing running" and "the pipeline can run": the stack, migrations, the
 * topics (co-partitioned), the Avro schemas and the outbox connector. Each step is idempotent.
 */
export async function prepare(say: Say): Promise<Prepared> {
  const cfg = loadStackConfig();
  const { seconds, started } = await stackUp(cfg, say);
  say(`stack ready in ${seconds.toFixed(1)}s`);
  const env = stackEnv(cfg);
  await setup(env, say);
  return { cfg, env, started };
}

/** The steps after the infrastructure is up; docker-compose runs these alone (scripts/setup.ts). */
export async function setup(env: Record<string, string | undefined>, say: Say): Promise<void> {
  for (const key of ['DATABASE_URL', 'KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'KAFKA_CONNECT_URL']) {
    if (!env[key]) throw new Error(`${key} is not set`);
  }
  const pool = createPool(env.DATABASE_URL!, silentLogger(), 2);
  try {
    const applied = await migrate(pool, join(REPO_ROOT, 'migrations'), silentLogger());
    say(`✓ migrations ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
    const granted = await applyRoleGrants(pool, new URL(env.DATABASE_URL!).pathname.slice(1));
    if (granted.length) say(`✓ grants of ${granted.join(', ')}`);
  } finally {
    await pool.end();
  }

  const admin = new Kafka({ clientId: 'chainsync-prepare', brokers: [env.KAFKA_BROKERS!], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const created = await ensureTopics(admin);
    say(`✓ topics ${created.length ? `created ${created.join(', ')}` : 'present'}`);
  } finally {
    await admin.disconnect();
  }

  const ids = await registerValueSchemas(createRegistry(env.SCHEMA_REGISTRY_URL!), join(REPO_ROOT, 'schemas'));
  say(
    `✓ schemas registered (${Object.entries(ids)
      .map(([t, id]) => `${t}=${id}`)
      .join(', ')})`,
  );

  for (const { name, config } of connectorFiles(join(REPO_ROOT, 'connect'))) {
    await registerConnector(env.KAFKA_CONNECT_URL!, name, config);
    say(`✓ connector ${name} RUNNING`);
  }
  if (env.SOLANA_RPC_URL && env.AUTHORITY_KEYPAIR_PATH) await fundAuthority(env.SOLANA_RPC_URL, env.AUTHORITY_KEYPAIR_PATH, say);
}

/** The authority pays every fee and rent; on a local chain it is topped up by airdrop. */
async function fundAuthority(rpcUrl: string, keypairPath: string, say: Say): Promise<void> {
  const authority = loadKeypairFile(keypairPath).publicKey;
  const connection = new Connection(rpcUrl, 'confirmed');
  const balance = await connection.getBalance(authority);
  if (balance >= 100 * LAMPORTS_PER_SOL) {
    say(`✓ authority ${authority.toBase58()} funded (${balance / LAMPORTS_PER_SOL} SOL)`);
    return;
  }
  try {
    const signature = await connection.requestAirdrop(authority, 1000 * LAMPORTS_PER_SOL);
    const latest = await connection.getLatestBlockhash();
    await connection.confirmTransaction({ signature, ...latest }, 'confirmed');
    say(`✓ authority ${authority.toBase58()} funded by airdrop`);
  } catch (err) {
    say(`! could not fund the authority ${authority.toBase58()} by airdrop (${(err as Error).message}); fund it by hand on a real cluster`);
  }
}
