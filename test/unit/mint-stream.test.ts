// chain-ingest's mint stream on a chain that answers as a hosted provider does (the local chain's
// public profile: programSubscribe on the Token program only filtered by mint or owner, a cap on
// subscriptions per connection): each followed mint's landing, transfer to a holder nobody knew
// and burn arrive with their data; other mints' activity does not; the mints are spread over
// connections within the cap; a drop is reported per connection and everything is subscribed again.
import {
  createBurnInstruction,
  createCloseAccountInstruction,
  createTransferInstruction,
  getAssociatedTokenAddressSync,
  createAssociatedTokenAccountIdempotentInstruction,
} from '@solana/spl-token';
import { Keypair, Transaction } from '@solana/web3.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MintStream } from '../../services/chain-ingest/mint-stream.ts';
import { decodeTokenAccount } from '../../services/lib/solana/token-accounts.ts';
import type { Localnet } from '../../services/localnet/server.ts';
import { fundedKeypair, land, mintNft, startTestLocalnet } from '../support/test-localnet.ts';
import { waitFor } from '../support/wait.ts';

let net: Localnet;
let conn: Awaited<ReturnType<typeof startTestLocalnet>>['conn'];
let stream: MintStream | undefined;
beforeAll(async () => ({ net, conn } = await startTestLocalnet({ profile: 'public' })));
afterAll(async () => {
  await stream?.close();
  await net.stop();
});

const subscriptions = () => (net.describe() as { subscriptions: number }).subscriptions;

describe('the mint stream', () => {
  it('follows only its mints, over connections within the cap, and subscribes again after a drop', async () => {
    const payer = await fundedKeypair(net, conn, 50);
    const followed = Array.from({ length: 5 }, () => Keypair.generate());
    const holders = new Map<string, string>();
    const mintChanges: string[] = [];
    const events: string[] = [];
    stream = new MintStream(
      [net.wsUrl],
      {
        onTokenAccount: (pubkey, data) => {
          const t = decodeTokenAccount(data);
          if (t) holders.set(`${t.mint}:${pubkey}`, `${t.owner}:${t.amount}`);
          else holders.set(`closed:${pubkey}`, '');
        },
        onMintAccount: (mint) => mintChanges.push(mint),
        onDisconnect: () => events.push('disconnect'),
        onReconnect: () => events.push('reconnect'),
      },
      // Two mints per connection: the five take three.
      { perConnection: 4 },
    );
    stream.add(followed.map((k) => k.publicKey.toBase58()));
    expect(stream.connections).toBe(3);
    await waitFor('every mint subscribed', () => stream!.complete && subscriptions() === 10, { timeoutMs: 10_000, everyMs: 20 });

    // A followed mint lands; an unfollowed one too.
    const owner = Keypair.generate();
    const mint = followed[0]!.publicKey;
    await mintNft(net, conn, payer, owner.publicKey, { mint: followed[0]!, slots: 3 });
    const other = await mintNft(net, conn, payer, Keypair.generate().publicKey, { slots: 3 });
    const firstKey = getAssociatedTokenAddressSync(mint, owner.publicKey);
    const first = firstKey.toBase58();
    await waitFor('the holder of the followed mint', () => holders.get(`${mint.toBase58()}:${first}`) === `${owner.publicKey.toBase58()}:1`, {
      timeoutMs: 10_000,
      everyMs: 20,
    });
    expect(mintChanges).toContain(mint.toBase58());

    // To a holder whose account nobody subscribed to: its data comes with the mint's filter.
    const next = Keypair.generate().publicKey;
    const nextAccount = getAssociatedTokenAddressSync(mint, next);
    await land(
      net,
      conn,
      new Transaction().add(
        createAssociatedTokenAccountIdempotentInstruction(payer.publicKey, nextAccount, next, mint),
        createTransferInstruction(firstKey, nextAccount, owner.publicKey, 1),
        createCloseAccountInstruction(firstKey, payer.publicKey, owner.publicKey),
      ),
      [payer, owner],
      { slots: 3 },
    );
    await waitFor('the next holder', () => holders.get(`${mint.toBase58()}:${nextAccount.toBase58()}`) === `${next.toBase58()}:1`, {
      timeoutMs: 10_000,
      everyMs: 20,
    });
    expect([...holders.keys()].some((k) => k.startsWith(other.mint.toBase58()))).toBe(false);
    expect(mintChanges).not.toContain(other.mint.toBase58());

    // Every connection drops: each reports it, dials again and subscribes everything again.
    net.closeWebSockets({ refuseMs: 300 });
    await waitFor('every connection back', () => events.filter((e) => e === 'reconnect').length === 3 && stream!.complete && subscriptions() === 10, {
      timeoutMs: 20_000,
      everyMs: 20,
    });
    expect(events.filter((e) => e === 'disconnect')).toHaveLength(3);

    // The burn, heard on the new connections: the mint account's change.
    const holder = Keypair.generate();
    const burnMint = followed[3]!;
    await mintNft(net, conn, payer, holder.publicKey, { mint: burnMint, slots: 3 });
    const before = mintChanges.filter((m) => m === burnMint.publicKey.toBase58()).length;
    const account = getAssociatedTokenAddressSync(burnMint.publicKey, holder.publicKey);
    await land(net, conn, new Transaction().add(createBurnInstruction(account, burnMint.publicKey, holder.publicKey, 1)), [payer, holder], { slots: 3 });
    await waitFor('the burn on the mint account', () => mintChanges.filter((m) => m === burnMint.publicKey.toBase58()).length > before, {
      timeoutMs: 10_000,
      everyMs: 20,
    });
    await waitFor('the emptied account', () => holders.get(`${burnMint.publicKey.toBase58()}:${account.toBase58()}`) === `${holder.publicKey.toBase58()}:0`, {
      timeoutMs: 10_000,
      everyMs: 20,
    });
  });
});
