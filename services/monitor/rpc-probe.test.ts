import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { blocksBehind } from './rpc-probe.ts';

describe('blocksBehind', () => {
  test.prop([fc.array(fc.option(fc.nat(1_000_000), { nil: null }), { maxLength: 6 })])(
    'the highest answer is 0 behind, every other answer its distance to it, a failed probe none',
    (heights) => {
      const behind = blocksBehind(heights);
      const answered = heights.filter((h): h is number => h !== null);
      heights.forEach((h, i) => {
        if (h === null) expect(behind[i]).toBeNull();
        else expect(behind[i]).toBe(Math.max(...answered) - h);
      });
      if (answered.length) expect(behind).toContain(0);
    },
  );
});
