import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { signalCounter, type SignalAction } from './repeated-signal.ts';

const WINDOW = 500;

test.prop([fc.array(fc.nat({ max: 3000 }), { minLength: 1, maxLength: 20 })])(
  'the first signal is graceful; repeats inside the window are the same Ctrl-C; any past it forces',
  (gaps) => {
    let t = 0;
    const times = gaps.map((g) => (t += g));
    let now = 0;
    const next = signalCounter(() => now, WINDOW);
    const actions: SignalAction[] = times.map((at) => ((now = at), next()));
    expect(actions[0]).toBe('graceful');
    for (let i = 1; i < times.length; i++) expect(actions[i]).toBe(times[i]! - times[0]! < WINDOW ? 'duplicate' : 'force');
  },
);
