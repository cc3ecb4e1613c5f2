// The process's configuration, declared once with defaults and validation. Pure: main.ts hands
// in process.env and gets either options or the list of everything wrong.
import { readFileSync } from 'node:fs';
import { Keypair } from '@solana/web3.js';
import { MAX_BACKGROUND_TPS } from './background-load.ts';
import { LOCALNET_PROFILES, type LocalnetProfile } from './provider-limits.ts';

export interface LocalnetConfig {
  port: number;
  host: string;
  slotMs: number;
  confirmationSlots: number;
  snapshotPath: string | undefined;
  snapshotIntervalMs: number;
  faucetKeypairPath: string | undefined;
  profile: LocalnetProfile;
  backgroundTps: number;
  /** Undefined: a random seed, logged at start. */
  backgroundSeed: number | undefined;
}

/** A public cluster is never quiet; a private node carries only what its users send. */
export const DEFAULT_BACKGROUND_TPS: Record<LocalnetProfile, number> = { default: 0, public: 200 };

export const CONFIG_DOC: Record<string, string> = {
  LOCALNET_PORT: 'JSON-RPC and WebSocket port; WebSocket also on port+1 (default 8899)',
  LOCALNET_HOST: 'interface to bind (default 127.0.0.1)',
  LOCALNET_SLOT_MS: 'slot length in ms; 0 = slots advance only via POST /admin/advance (default 400)',
  LOCALNET_CONFIRM_SLOTS: 'blocks from processed to confirmed (default 1)',
  LOCALNET_SNAPSHOT: 'state file loaded at start and written at shutdown (default: none, state is lost)',
  LOCALNET_SNAPSHOT_INTERVAL_MS: 'also write the snapshot this often (default 10000; 0 = only at shutdown)',
  LOCALNET_FAUCET_KEYPAIR: 'JSON keypair file (solana-keygen format) for the faucet (default: random each start)',
  LOCALNET_PROFILE: "default (a private node) or public (a hosted provider's limits: keyed Token-program scans, rate limits, a subscription cap)",
  LOCALNET_BACKGROUND_TPS: `other people's transactions per second: token transfers, new token accounts, NFT mints, transfers and burns, paying priority fees (0..${MAX_BACKGROUND_TPS}; default 200 with LOCALNET_PROFILE=public, else 0; POST /admin/faults {"backgroundTps": n} changes it at run time)`,
  LOCALNET_BACKGROUND_SEED: 'seed of the background load, so a run can be replayed (0..4294967295; default: random, logged at start)',
};

function intVar(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number, errors: string[]) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    errors.push(`${name}=${raw}: expected an integer in ${min}..${max} (${CONFIG_DOC[name] ?? ''})`);
    return fallback;
  }
  return n;
}

export function parseConfig(env: Record<string, string | undefined>): { config: LocalnetConfig } | { errors: string[] } {
  const errors: string[] = [];
  const config: LocalnetConfig = {
    port: intVar(env, 'LOCALNET_PORT', 8899, 1, 65534, errors),
    host: env.LOCALNET_HOST || '127.0.0.1',
    slotMs: intVar(env, 'LOCALNET_SLOT_MS', 400, 0, 60_000, errors),
    confirmationSlots: intVar(env, 'LOCALNET_CONFIRM_SLOTS', 1, 0, 1000, errors),
    snapshotPath: env.LOCALNET_SNAPSHOT || undefined,
    snapshotIntervalMs: intVar(env, 'LOCALNET_SNAPSHOT_INTERVAL_MS', 10_000, 0, 86_400_000, errors),
    faucetKeypairPath: env.LOCALNET_FAUCET_KEYPAIR || undefined,
    profile: 'default',
    backgroundTps: 0,
    backgroundSeed: undefined,
  };
  const profile = env.LOCALNET_PROFILE || 'default';
  if ((LOCALNET_PROFILES as readonly string[]).includes(profile)) config.profile = profile as LocalnetProfile;
  else errors.push(`LOCALNET_PROFILE=${profile}: expected one of ${LOCALNET_PROFILES.join(', ')} (${CONFIG_DOC.LOCALNET_PROFILE})`);
  config.backgroundTps = intVar(env, 'LOCALNET_BACKGROUND_TPS', DEFAULT_BACKGROUND_TPS[config.profile], 0, MAX_BACKGROUND_TPS, errors);
  if (env.LOCALNET_BACKGROUND_SEED) config.backgroundSeed = intVar(env, 'LOCALNET_BACKGROUND_SEED', 0, 0, 2 ** 32 - 1, errors);
  return errors.length > 0 ? { errors } : { config };
}

export function loadKeypair(path: string): Keypair {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  if (!Array.isArray(raw) || raw.length !== 64 || !raw.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) {
    throw new Error(`${path}: expected a JSON array of 64 bytes (solana-keygen format)`);
  }
  return Keypair.fromSecretKey(Uint8Array.from(raw as number[]));
}
