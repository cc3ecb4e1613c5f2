// `npm run chaos -- [--minutes N] [--seed S] [--instances K]`: the campaign's options. Pure: the
// entry point hands in argv and a way to draw a seed, and prints `describeOptions` so a campaign
// run without --seed can be replayed.
import { parseArgs } from 'node:util';
import { MAX_SEED, isSeed } from './prng.ts';

export interface CampaignOptions {
  /** Length of the campaign, the quiet period at its end included. */
  minutes: number;
  seed: number;
  /** Instances of each consumer service, so partitions move between members mid-batch. */
  instances: number;
  /** Whether the seed was drawn because none was given (the output then says how to replay it). */
  seedDrawn: boolean;
}

export const DEFAULT_MINUTES = 5;
export const DEFAULT_INSTANCES = 1;
/** A day: longer is a soak test, not a campaign. */
export const MAX_MINUTES = 24 * 60;
/** Each instance is a Node process; the machines this runs on have a few cores. */
export const MAX_INSTANCES = 8;

export const USAGE = 'usage: npm run chaos -- [--minutes N] [--seed S] [--instances K]';

/** A wrong argument: the message names it and says what is expected. Not retryable. */
export class CampaignArgsError extends Error {
  override name = 'CampaignArgsError';
}

const DECIMAL = /^\d+(\.\d+)?$/;
const INTEGER = /^\d+$/;

function minutesOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_MINUTES;
  const n = Number(raw);
  if (!DECIMAL.test(raw) || n <= 0 || n > MAX_MINUTES)
    throw new CampaignArgsError(`--minutes ${raw}: expected a number of minutes above 0 and at most ${MAX_MINUTES}`);
  return n;
}

function seedOf(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!INTEGER.test(raw) || !isSeed(n)) throw new CampaignArgsError(`--seed ${raw}: expected an integer in 0..${MAX_SEED}`);
  return n;
}

function instancesOf(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_INSTANCES;
  const n = Number(raw);
  if (!INTEGER.test(raw) || n < 1 || n > MAX_INSTANCES) throw new CampaignArgsError(`--instances ${raw}: expected an integer in 1..${MAX_INSTANCES}`);
  return n;
}

/** Reads the campaign's arguments (after `--`); `drawSeed` is called only when --seed is absent. */
export function parseCampaignArgs(argv: readonly string[], drawSeed: () => number): CampaignOptions {
  let values: { minutes?: string; seed?: string; instances?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { minutes: { type: 'string' }, seed: { type: 'string' }, instances: { type: 'string' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new CampaignArgsError(`${(err as Error).message}\n${USAGE}`, { cause: err });
  }
  const given = seedOf(values.seed);
  const seed = given ?? drawSeed();
  if (!isSeed(seed)) throw new RangeError(`drawn seed ${seed} is not an integer in 0..${MAX_SEED}`);
  return { minutes: minutesOf(values.minutes), seed, instances: instancesOf(values.instances), seedDrawn: given === undefined };
}

/** The first line of a campaign's output: everything needed to run the same campaign again. */
export function describeOptions(o: CampaignOptions): string {
  const replay = `npm run chaos -- --minutes ${o.minutes} --seed ${o.seed} --instances ${o.instances}`;
  return `chaos: seed ${o.seed}${o.seedDrawn ? ' (drawn at random)' : ''}, ${o.minutes} min, ${o.instances} instance(s) of each consumer service; replay: ${replay}`;
}
