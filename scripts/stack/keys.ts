import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Keypair } from '@solana/web3.js';
import type { StackConfig } from './config.ts';

export interface StackKeys {
  authorityKeypairPath: string;
  custodialSeedPath: string;
}

/**
 * The platform authority keypair and the custodial master seed of this local stack: generated on
 * first start under the ignored stack folder (mode 600), never committed, never printed.
 */
export function ensureStackKeys(cfg: StackConfig): StackKeys {
  const dir = join(cfg.home, 'keys');
  // The mode must not reach the stack folder itself: the postgres user has to enter it.
  mkdirSync(cfg.home, { recursive: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const authorityKeypairPath = join(dir, 'authority.json');
  const custodialSeedPath = join(dir, 'custodial-master-seed.hex');
  if (!existsSync(authorityKeypairPath)) {
    writeFileSync(authorityKeypairPath, JSON.stringify(Array.from(Keypair.generate().secretKey)), { mode: 0o600 });
  }
  if (!existsSync(custodialSeedPath)) writeFileSync(custodialSeedPath, randomBytes(64).toString('hex'), { mode: 0o600 });
  return { authorityKeypairPath, custodialSeedPath };
}
