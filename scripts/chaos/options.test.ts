import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { CampaignArgsError, DEFAULT_INSTANCES, DEFAULT_MINUTES, MAX_INSTANCES, MAX_MINUTES, describeOptions, parseCampaignArgs } from './options.ts';
import { MAX_SEED } from './prng.ts';

const noDraw = () => {
  throw new Error('drawSeed called although --seed was given');
};

describe('parseCampaignArgs', () => {
  test.prop([fc.integer({ min: 1, max: MAX_MINUTES }), fc.integer({ min: 0, max: MAX_SEED }), fc.integer({ min: 1, max: MAX_INSTANCES })])(
    'reads back what it is given, in either form (--k v, --k=v)',
    (minutes, seed, instances) => {
      const expected = { minutes, seed, instances, seedDrawn: false };
      expect(parseCampaignArgs(['--minutes', `${minutes}`, '--seed', `${seed}`, '--instances', `${instances}`], noDraw)).toEqual(expected);
      expect(parseCampaignArgs([`--instances=${instances}`, `--seed=${seed}`, `--minutes=${minutes}`], noDraw)).toEqual(expected);
    },
  );

  test.prop([fc.integer({ min: 0, max: MAX_SEED })])('draws a seed when none is given, and says so', (drawn) => {
    const o = parseCampaignArgs([], () => drawn);
    expect(o).toEqual({ minutes: DEFAULT_MINUTES, seed: drawn, instances: DEFAULT_INSTANCES, seedDrawn: true });
    expect(describeOptions(o)).toContain(`seed ${drawn} (drawn at random)`);
    expect(describeOptions(o)).toContain(`--seed ${drawn}`);
  });

  it('accepts a fraction of a minute', () => {
    expect(parseCampaignArgs(['--minutes', '0.5', '--seed', '1'], noDraw).minutes).toBe(0.5);
  });

  it.each([
    [['--minutes', '0'], '--minutes 0'],
    [['--minutes', '-3'], '--minutes'],
    [['--minutes', 'ten'], '--minutes ten'],
    [['--minutes', `${MAX_MINUTES + 1}`], `--minutes ${MAX_MINUTES + 1}`],
    [['--seed', '-1'], '--seed'],
    [['--seed', '1.5'], '--seed 1.5'],
    [['--seed', `${MAX_SEED + 1}`], `--seed ${MAX_SEED + 1}`],
    [['--seed', '0x10'], '--seed 0x10'],
    [['--instances', '0'], '--instances 0'],
    [['--instances', `${MAX_INSTANCES + 1}`], `--instances ${MAX_INSTANCES + 1}`],
    [['--instances', '2.5'], '--instances 2.5'],
    [['--minute', '3'], 'minute'],
    [['extra'], 'extra'],
    [['--seed'], 'seed'],
  ])('refuses %j, naming the argument', (argv, named) => {
    const attempt = () => parseCampaignArgs(argv, () => 1);
    expect(attempt).toThrow(CampaignArgsError);
    expect(attempt).toThrow(named);
  });
});
