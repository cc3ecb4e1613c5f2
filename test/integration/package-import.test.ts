// The package as an application gets it: `npm pack` (whose prepack runs `npm run build`) into a
// temporary project, so only the files the tarball ships are there, then imported by name from
// plain JavaScript under node and from TypeScript under tsc. Needs the stack's Postgres.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeypairFile } from '../../services/lib/solana/keys.ts';
import { mintAddressFor } from '../../services/lib/solana/mint-address.ts';
import { stackEnv } from '../support/stack-env.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const env = stackEnv();
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: 2 });
let tmp: string;
let app: string;

/**
 * The installed dependencies are this checkout's (offline, and the same versions), linked by the
 * names the packed package.json lists: a runtime import missing from `dependencies` fails here.
 */
function linkModule(name: string): void {
  const link = join(app, 'node_modules', name);
  mkdirSync(dirname(link), { recursive: true });
  symlinkSync(join(REPO, 'node_modules', name), link, 'dir');
}

beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'chainsync-package-'));
  execFileSync('npm', ['pack', '--pack-destination', tmp], { cwd: REPO, stdio: 'pipe' });
  const tarball = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack wrote no tarball into ${tmp}`);

  app = join(tmp, 'app');
  const installed = join(app, 'node_modules', 'chainsync');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', join(tmp, tarball), '-C', installed, '--strip-components=1']);
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const name of Object.keys(manifest.dependencies)) linkModule(name);
  linkModule('@types/node'); // the application's own, as in any TypeScript project on Node

  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  copyFileSync(join(REPO, 'test/integration/package-import/request-mint.mjs'), join(app, 'request-mint.mjs'));
}, 180_000);

afterAll(async () => {
  await pool.end();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the built package', () => {
  it('is imported by name from a plain .mjs run by node and requests a mint inside the caller transaction', async () => {
    const ticketId = `pkg-${randomUUID()}`;
    const authority = loadKeypairFile(env.AUTHORITY_KEYPAIR_PATH).publicKey;
    const run = spawnSync('node', ['request-mint.mjs'], {
      cwd: app,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: env.DATABASE_URL, CHAINSYNC_AUTHORITY: authority.toBase58(), TICKET_ID: ticketId },
    });
    expect(run.status, `the .mjs failed:\n${run.stderr}`).toBe(0);
    const out = JSON.parse(run.stdout.trim()) as { resolved: string; to: string; op: { opId: string; mint: string; state: string; created: boolean } };

    // JavaScript from dist/, not the TypeScript sources: node alone could not load those.
    expect(out.resolved).toMatch(/\/node_modules\/chainsync\/dist\/index\.js$/);
    const mint = (await mintAddressFor(authority, ticketId)).toBase58();
    expect(out.op).toMatchObject({ mint, state: 'requested', created: true });

    const operation = (await pool.query('SELECT type, ticket_id, mint, to_wallet FROM chain_operations WHERE op_id = $1', [out.op.opId])).rows[0];
    expect(operation).toEqual({ type: 'mint', ticket_id: ticketId, mint, to_wallet: out.to });
    const outbox = (await pool.query('SELECT aggregateid, type, payload FROM chain_outbox WHERE id = $1', [out.op.opId])).rows[0];
    expect(outbox).toMatchObject({ aggregateid: mint, type: 'mint', payload: { opId: out.op.opId, ticketId, to: out.to } });
  });

  it('gives a TypeScript application the declarations of its API', () => {
    writeFileSync(
      join(app, 'consumer.ts'),
      `import { createOpsApi, withTransaction, type RequestedOperation } from 'chainsync';
import { PublicKey } from '@solana/web3.js';
import pg from 'pg';

const ops = createOpsApi({ authority: PublicKey.default });
export const op: Promise<RequestedOperation> = withTransaction(new pg.Pool(), (tx) => ops.requestMint(tx, { ticketId: 't', to: 'w', idempotencyKey: 'k' }));
// @ts-expect-error a mint names its recipient: the declarations are checked, not 'any'
ops.requestMint(new pg.Pool(), { ticketId: 't', idempotencyKey: 'k' });
`,
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: ['node'] },
        files: ['consumer.ts'],
      }),
    );
    const check = spawnSync(join(REPO, 'node_modules/.bin/tsc'), ['-p', app], { encoding: 'utf8' });
    expect(check.status, `tsc refused the application:\n${check.stdout}${check.stderr}`).toBe(0);
  });
});
