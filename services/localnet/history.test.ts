// The ledger's bounded signature history: past its limit the oldest transactions are forgotten,
// and getSignaturesForAddress lists exactly the kept ones that name the address, newest first,
// for a wallet and for a program every transaction calls alike, with forks in between.
import { fc, test } from '@fast-check/vitest';
import { Keypair, LAMPORTS_PER_SOL, SystemProgram } from '@solana/web3.js';
import { expect } from 'vitest';
import { signTransaction } from '../lib/solana/signing.ts';
import { SYSTEM_PROGRAM } from './accounts.ts';
import { Chain, genesisState } from './chain.ts';
import { newSvm } from './svm.ts';

const WALLETS = Array.from({ length: 3 }, () => Keypair.generate());
const ADDRESSES = [...WALLETS.map((w) => w.publicKey.toBase58()), SYSTEM_PROGRAM];

/**
 * Blocks of payments (from, to); `true` (one block in ten) forks the unconfirmed blocks away
 * before the block. Enough of them that a program's list forgets more than it keeps, many times.
 */
const blocks = fc.array(
  fc.tuple(
    fc.nat({ max: 9 }).map((n) => n === 0),
    fc.array(fc.tuple(fc.nat({ max: 2 }), fc.nat({ max: 2 })), { minLength: 4, maxLength: 16 }),
  ),
  { minLength: 15, maxLength: 30 },
);

test.prop([fc.integer({ min: 1, max: 40 }), blocks], { numRuns: 12 })(
  'lists exactly the kept transactions naming an address, newest first, however many were forgotten',
  (limit, script) => {
    const chain = new Chain(newSvm(), genesisState(0), 2, () => 0, limit);
    chain.seedAccounts(
      WALLETS.map((w) => [
        w.publicKey.toBase58(),
        { lamports: 1_000n * BigInt(LAMPORTS_PER_SOL), data: new Uint8Array(0), owner: SYSTEM_PROGRAM, executable: false },
      ]),
    );
    let n = 0;
    for (const [fork, payments] of script) {
      if (fork) chain.fork();
      for (const [from, to] of payments) {
        const payer = WALLETS[from]!;
        const tx = signTransaction({
          feePayer: payer.publicKey,
          instructions: [SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: WALLETS[to]!.publicKey, lamports: 1_000 + n++ })],
          recentBlockhash: chain.tip().blockhash,
          signers: [payer],
        });
        chain.submit(tx.bytes, { skipPreflight: true, drop: false });
      }
      chain.produceBlock();
      const kept = [...chain.state.txs.values()];
      expect(kept.length).toBeLessThanOrEqual(limit);
      for (const address of ADDRESSES) {
        const expected = kept
          .filter((t) => t.accountKeys.includes(address))
          .map((t) => t.signature)
          .reverse();
        expect(chain.signaturesForAddress(address, 'processed').map((t) => t.signature)).toEqual(expected);
      }
    }
  },
);
