import { describe, expect, it } from 'vitest';
import { StreamState } from './stream-state.ts';

const own = (mint: string, slot: number, observedAt: number) => ({
  mint,
  owner: 'A',
  tokenAccount: null,
  amount: 1,
  slot,
  commitment: 'confirmed' as const,
  observedAt,
});

describe('stream state', () => {
  it('evaluates nothing on a partition until both topics are read up to their high watermark', () => {
    const s = new StreamState();
    s.assign([0, 1]);
    s.ownership(0, own('m0', 5, 0));
    s.position('ownership', 0, 0n, 3n);
    expect(s.take(1_000, 0, 10)).toEqual([]);
    s.position('ownership', 0, 2n, 3n);
    s.empty('status', 0);
    expect(s.take(1_000, 0, 10)).toEqual(['m0']);
    // Taken mints are no longer dirty; partition 1 has not caught up.
    expect(s.take(1_000, 0, 10)).toEqual([]);
    expect(s.allCaughtUp).toBe(false);
  });

  it('drops the state of partitions revoked by a rebalance, and replays from zero must catch up again', () => {
    const s = new StreamState();
    s.assign([0, 1]);
    s.ownership(0, own('m0', 5, 0));
    s.ownership(1, own('m1', 5, 0));
    s.assign([1]);
    expect(s.get('m0')).toBeUndefined();
    expect(s.get('m1')).toBeDefined();
    expect(s.caughtUp(1)).toBe(false);
  });

  it('keeps watching a mint whose owner changed within the recent window', () => {
    const s = new StreamState();
    s.assign([0]);
    s.empty('status', 0);
    s.empty('ownership', 0);
    s.ownership(0, own('m0', 5, 1_000));
    expect(s.take(2_000, 5_000, 10)).toEqual(['m0']);
    expect(s.take(3_000, 5_000, 10)).toEqual(['m0']);
    expect(s.take(7_000, 5_000, 10)).toEqual([]);
  });
});
