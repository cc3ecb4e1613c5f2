// The campaign's only source of chance. Everything the campaign draws (the fault schedule, the
// workload) comes from a seed through these generators, so the same seed replays the same
// campaign. Pure: no clock, no Math.random.
//
// sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, 32-bit variant, as in PractRand):
// four 32-bit words a, b, c and a counter d; each step returns t = a + b + d, then
// a = b ^ (b >>> 9), b = c + (c << 3), c = rotl(c, 21) + t, d = d + 1. The counter guarantees a
// period of at least 2^32; it passes PractRand well beyond what a campaign draws.

/** A deterministic stream of draws. Every method advances the stream. */
export interface Rng {
  /** A uniform 32-bit unsigned integer. */
  uint32(): number;
  /** A uniform float in [0, 1). */
  float(): number;
  /** A uniform integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** A copy of the list in a uniformly random order (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[];
}

export const MAX_SEED = 0xffff_ffff;

export const isSeed = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= MAX_SEED;

/** FNV-1a over the UTF-16 code units: a stream's name as 32 bits. */
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
}

/**
 * The stream named `name` of campaign `seed`. Each part of the campaign draws from its own stream,
 * so adding a draw to one (a fault kind, a workload rule) leaves the others' draws unchanged.
 */
export function rngFor(seed: number, name: string): Rng {
  if (!isSeed(seed)) throw new RangeError(`seed must be an integer in 0..${MAX_SEED}, got ${seed}`);
  // Fixed words from the fractional digits of pi, the seed and the name in the others; the first
  // outputs of a fresh state are correlated with it, so they are thrown away.
  const next = sfc32(0x243f6a88, seed, hashName(name), 1);
  for (let i = 0; i < 15; i++) next();
  const float = () => next() / 2 ** 32;
  const int = (min: number, max: number) => {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) throw new RangeError(`int(${min}, ${max}): not an integer range`);
    return min + Math.floor(float() * (max - min + 1));
  };
  return {
    uint32: next,
    float,
    int,
    chance: (p) => float() < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[int(0, items.length - 1)]!;
    },
    shuffle: (items) => {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        [out[i], out[j]] = [out[j]!, out[i]!];
      }
      return out;
    },
  };
}
