// The background load's decisions as properties: how many transactions each slot gets, and a plan
// that only ever moves or burns an NFT it minted and still tracks, from its holder, within its cap.
// Then the settings and the admin call that choose the rate.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { AdminError, applyFaults, type AdminApi } from './admin.ts';
import { BackgroundPlan, MAX_BACKGROUND_TPS, Rng, drawLevel, slotShare, type PlannedTx } from './background-load.ts';
import { parseConfig } from './config.ts';

const seed = fc.integer({ min: 0, max: 2 ** 32 - 1 });

describe('slotShare', () => {
  test.prop([fc.integer({ min: 0, max: MAX_BACKGROUND_TPS }), fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 1, max: 200 })])(
    'over any run of slots, the counts stay within one transaction of the rate',
    (tps, slotMs, slots) => {
      let carry = 0;
      let sum = 0;
      for (let i = 0; i < slots; i++) {
        const share = slotShare(tps, slotMs, carry);
        expect(share.count).toBeGreaterThanOrEqual(0);
        sum += share.count;
        carry = share.carry;
      }
      const exact = (tps * slotMs * slots) / 1000;
      expect(sum).toBeLessThanOrEqual(exact);
      expect(exact - sum).toBeLessThan(1);
    },
  );

  test.prop([fc.integer({ min: 0, max: MAX_BACKGROUND_TPS }), fc.integer({ min: 1, max: 2_000 })])(
    'the slots that span whole seconds carry exactly the rate, whatever the ones before them carried',
    (tps, slotMs) => {
      const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
      // 400 ms slots: 5 of them are 2 s.
      const spanMs = (slotMs * 1000) / gcd(slotMs, 1000);
      let carry = 0;
      const span = () => {
        let sum = 0;
        for (let i = 0; i < spanMs / slotMs; i++) {
          const share = slotShare(tps, slotMs, carry);
          sum += share.count;
          carry = share.carry;
        }
        return sum;
      };
      expect(span()).toBe((tps * spanMs) / 1000);
      expect(span()).toBe((tps * spanMs) / 1000);
    },
  );
});

const shape = fc.record({
  fungibleMints: fc.integer({ min: 1, max: 5 }),
  holders: fc.integer({ min: 2, max: 40 }),
  collections: fc.integer({ min: 1, max: 4 }),
  maxTrackedNfts: fc.integer({ min: 1, max: 60 }),
});
const counts = fc.array(fc.integer({ min: 0, max: 120 }), { minLength: 1, maxLength: 40 });

describe('the plan', () => {
  test.prop([seed, shape, counts])(
    'moves and burns only NFTs it minted and still tracks, from their holder, and never tracks more than its cap',
    (s, sh, perSlot) => {
      const plan = new BackgroundPlan(s, sh);
      // The model: every NFT the plan minted and has not burned or forgotten, with its holder.
      const live = new Map<number, { owner: number; collection: number }>();
      const minted = new Set<number>();
      const fresh = new Set<number>();
      for (const n of perSlot) {
        const slot = plan.next(n);
        expect(slot.txs).toHaveLength(n);
        expect(slot.level).toBeGreaterThan(0n);
        for (const tx of slot.txs) {
          expect(tx.unitPrice).toBeGreaterThanOrEqual(slot.level);
          switch (tx.kind) {
            case 'ftTransfer':
              expect(tx.from).not.toBe(tx.to);
              expect([tx.from, tx.to].every((h) => h >= 0 && h < sh.holders)).toBe(true);
              expect(tx.mint).toBeLessThan(sh.fungibleMints);
              expect(tx.amount).toBeGreaterThan(0);
              break;
            case 'tokenAccount':
              expect(fresh.has(tx.freshOwner)).toBe(false);
              fresh.add(tx.freshOwner);
              expect(tx.from).toBeLessThan(sh.holders);
              break;
            case 'nftMint':
              expect(minted.has(tx.nft)).toBe(false);
              expect(tx.owner).toBeLessThan(sh.holders);
              expect(tx.collection).toBeLessThan(sh.collections);
              minted.add(tx.nft);
              live.set(tx.nft, { owner: tx.owner, collection: tx.collection });
              break;
            case 'nftTransfer':
              expect(live.get(tx.nft)).toEqual({ owner: tx.from, collection: tx.collection });
              expect(tx.to).not.toBe(tx.from);
              expect(tx.to).toBeLessThan(sh.holders);
              live.set(tx.nft, { owner: tx.to, collection: tx.collection });
              break;
            case 'nftBurn':
              expect(live.get(tx.nft)).toEqual({ owner: tx.owner, collection: tx.collection });
              live.delete(tx.nft);
              break;
          }
          // A mint at the cap forgets one NFT first: the cap holds after every transaction.
          expect(live.size - slot.forgotten.filter((f) => live.has(f)).length).toBeLessThanOrEqual(sh.maxTrackedNfts);
        }
        for (const nft of slot.forgotten) {
          expect(live.has(nft)).toBe(true);
          live.delete(nft);
        }
        expect(plan.tracked()).toBe(live.size);
        expect(plan.tracked()).toBeLessThanOrEqual(sh.maxTrackedNfts);
      }
    },
  );

  test.prop([seed, counts])('the same seed plans the same slots', (s, perSlot) => {
    const a = new BackgroundPlan(s);
    const b = new BackgroundPlan(s);
    for (const n of perSlot) expect(a.next(n)).toEqual(b.next(n));
  });

  it('reaches its cap under a long run and forgets instead of growing, while every kind keeps coming', () => {
    const plan = new BackgroundPlan(42, { maxTrackedNfts: 50 });
    const kinds = new Map<PlannedTx['kind'], number>();
    let forgotten = 0;
    for (let i = 0; i < 100; i++) {
      const slot = plan.next(80);
      forgotten += slot.forgotten.length;
      for (const tx of slot.txs) kinds.set(tx.kind, (kinds.get(tx.kind) ?? 0) + 1);
    }
    expect(plan.tracked()).toBe(50);
    expect(forgotten).toBeGreaterThan(0);
    expect([...kinds.keys()].sort()).toEqual(['ftTransfer', 'nftBurn', 'nftMint', 'nftTransfer', 'tokenAccount']);
  });

  test.prop([seed])('levels stay within the calm and busy ranges', (s) => {
    const rng = new Rng(s);
    for (let i = 0; i < 50; i++) {
      const level = drawLevel(rng);
      expect(level).toBeGreaterThanOrEqual(1_000n);
      expect(level).toBeLessThanOrEqual(500_000n);
    }
  });
});

describe('settings', () => {
  const ok = (env: Record<string, string>) => {
    const parsed = parseConfig(env);
    if ('errors' in parsed) throw new Error(parsed.errors.join('; '));
    return parsed.config;
  };

  it('defaults to 200 transactions per second on the public profile and none on the default one; an explicit rate wins', () => {
    expect(ok({}).backgroundTps).toBe(0);
    expect(ok({ LOCALNET_PROFILE: 'public' }).backgroundTps).toBe(200);
    expect(ok({ LOCALNET_PROFILE: 'public', LOCALNET_BACKGROUND_TPS: '0' }).backgroundTps).toBe(0);
    expect(ok({ LOCALNET_BACKGROUND_TPS: '1000' }).backgroundTps).toBe(1000);
    expect(ok({}).backgroundSeed).toBeUndefined();
    expect(ok({ LOCALNET_BACKGROUND_SEED: '12345' }).backgroundSeed).toBe(12345);
  });

  it('refuses a rate or seed that is not an integer in range, naming the variable', () => {
    const parsed = parseConfig({ LOCALNET_BACKGROUND_TPS: '-1', LOCALNET_BACKGROUND_SEED: 'abc' });
    expect('errors' in parsed && parsed.errors).toEqual([
      expect.stringMatching(/^LOCALNET_BACKGROUND_TPS=-1: expected an integer in 0\.\.100000/),
      expect.stringMatching(/^LOCALNET_BACKGROUND_SEED=abc: expected an integer in 0\.\.4294967295/),
    ]);
  });
});

describe('POST /admin/faults backgroundTps', () => {
  const api = () => {
    const set: number[] = [];
    const calls = { set, api: { setBackgroundTps: (tps: number) => void set.push(tps), clearFaults: () => undefined } as unknown as AdminApi };
    return calls;
  };

  it('sets the rate, and `clear` leaves it', () => {
    const { set, api: a } = api();
    applyFaults(a, { backgroundTps: 1000 });
    applyFaults(a, { clear: true });
    applyFaults(a, { backgroundTps: 0 });
    expect(set).toEqual([1000, 0]);
  });

  test.prop([fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: MAX_BACKGROUND_TPS + 1 }), fc.double({ noInteger: true }), fc.string(), fc.constant(null))])(
    'refuses anything but an integer in 0..100000',
    (bad) => {
      const { set, api: a } = api();
      expect(() => applyFaults(a, { backgroundTps: bad })).toThrow(new AdminError('backgroundTps must be an integer in 0..100000 (transactions per second)'));
      expect(set).toEqual([]);
    },
  );
});
