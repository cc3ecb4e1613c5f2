// Both snapshot strategies read the stack's local chain through its real RPC and must agree: the
// Token program scan (getProgramAccounts with filters, dataSlice and context slot) and the chunks
// (getMultipleAccounts, getTokenLargestAccounts), on NFTs held where the database says, moved
// elsewhere, burned, and never minted.
import { Connection, Keypair, LAMPORTS_PER_SOL, PublicKey, sendAndConfirmTransaction, Transaction } from '@solana/web3.js';
import { createBurnInstruction, createCloseAccountInstruction } from '@solana/spl-token';
import { describe, expect, it } from 'vitest';
import { RpcPool } from '../lib/solana/rpc-pool.ts';
import { tokenAccountOf } from '../lib/solana/transactions.ts';
import { stackEnv } from '../../test/support/stack-env.ts';
import { seedChain } from '../../test/support/reconciler.ts';
import { rpcHolderSnapshotReader, snapshotChain, type ChainRow, type TrackedMint } from './snapshot.ts';

const env = stackEnv();
const key = () => Keypair.generate().publicKey.toBase58();
const ata = (mint: string, owner: string) => tokenAccountOf(new PublicKey(mint), new PublicKey(owner)).toBase58();

describe('snapshot strategies on the local chain', () => {
  it('the Token program scan and the chunks give the same rows', async () => {
    const conn = new Connection(env.SOLANA_RPC_URL, 'confirmed');
    const reader = rpcHolderSnapshotReader(new RpcPool({ urls: [env.SOLANA_RPC_URL] }));
    const tracked: TrackedMint[] = [];
    const expected = new Map<string, Omit<ChainRow, 'slot'>>();

    // Held where the database says.
    const home = Array.from({ length: 30 }, () => ({ mint: key(), owner: key() }));
    // Moved to an account the database does not know (not the owner's associated one).
    const moved = Array.from({ length: 5 }, () => ({ mint: key(), owner: key(), tokenAccount: key() }));
    // Burned by its holder, whose key this test has.
    const burner = Keypair.generate();
    const burned = { mint: key(), owner: burner.publicKey.toBase58() };
    await seedChain(env.SOLANA_RPC_URL, [...home, ...moved, burned]);
    for (const h of home) {
      tracked.push({ mint: h.mint, tokenAccount: null, dbOwner: h.owner });
      expected.set(h.mint, { mint: h.mint, present: true, owner: h.owner, tokenAccount: ata(h.mint, h.owner) });
    }
    for (const h of moved) {
      tracked.push({ mint: h.mint, tokenAccount: ata(h.mint, key()), dbOwner: key() });
      expected.set(h.mint, { mint: h.mint, present: true, owner: h.owner, tokenAccount: h.tokenAccount });
    }
    const burnedAccount = new PublicKey(ata(burned.mint, burned.owner));
    await conn.confirmTransaction(await conn.requestAirdrop(burner.publicKey, LAMPORTS_PER_SOL), 'confirmed');
    await sendAndConfirmTransaction(
      conn,
      new Transaction().add(
        createBurnInstruction(burnedAccount, new PublicKey(burned.mint), burner.publicKey, 1),
        createCloseAccountInstruction(burnedAccount, burner.publicKey, burner.publicKey),
      ),
      [burner],
      { commitment: 'confirmed' },
    );
    tracked.push({ mint: burned.mint, tokenAccount: burnedAccount.toBase58(), dbOwner: burned.owner });
    expected.set(burned.mint, { mint: burned.mint, present: true, owner: null, tokenAccount: null });
    const missing = key();
    tracked.push({ mint: missing, tokenAccount: null, dbOwner: key() });
    expected.set(missing, { mint: missing, present: false, owner: null, tokenAccount: null });

    const opts = { chunkKeys: 100, concurrency: 2, deadline: Date.now() + 120_000 };
    const scan = await snapshotChain(reader, tracked, { ...opts, strategy: 'scan' });
    const chunks = await snapshotChain(reader, tracked, { ...opts, strategy: 'chunks' });
    // The stack's chain is no public cluster: auto scans it.
    const auto = await snapshotChain(reader, tracked, { ...opts, strategy: 'auto' });

    const bare = (rows: ChainRow[]) => new Map(rows.map(({ slot: _slot, ...r }) => [r.mint, r]));
    expect(scan).toMatchObject({ strategy: 'scan', failed: [], skipped: 0 });
    expect(chunks).toMatchObject({ strategy: 'chunks', failed: [], skipped: 0 });
    expect(auto.strategy).toBe('scan');
    expect(bare(scan.rows)).toEqual(expected);
    expect(bare(chunks.rows)).toEqual(expected);
    expect(scan.slot).toBeGreaterThan(0);
  });
});
