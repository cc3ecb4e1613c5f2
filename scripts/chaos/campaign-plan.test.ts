import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { planCampaign, renderPlan } from './campaign-plan.ts';
import { FAULT_KINDS } from './fault-kinds.ts';
import { MAX_SEED } from './prng.ts';

const options = fc.record({
  minutes: fc.integer({ min: 2, max: 15 }),
  seed: fc.integer({ min: 0, max: MAX_SEED }),
  instances: fc.integer({ min: 1, max: 4 }),
  seedDrawn: fc.boolean(),
});

describe('planCampaign', () => {
  test.prop([options])('the workload stops where the quiet period starts', (o) => {
    const { schedule, workload } = planCampaign(o);
    for (const op of workload) expect(op.at).toBeLessThan(schedule.quietFromMs);
  });

  test.prop([options])('the printed plan names every fault kind and every event, and the same options print the same plan', (o) => {
    const plan = planCampaign(o);
    const text = renderPlan(plan);
    for (const kind of FAULT_KINDS) expect(text).toContain(`  ${kind}`);
    expect(text.split('\n').filter((l) => / {2}(inject|heal) {2}/.test(l))).toHaveLength(plan.schedule.events.length);
    expect(renderPlan(planCampaign({ ...o }))).toBe(text);
  });
});
