// `npx tsx scripts/chaos/dry-run.ts [--minutes N] [--seed S] [--instances K]`: prints what a
// campaign with these options would inject and request, and runs nothing. The campaign's runner
// is not built yet (docs/reliability.md).
import { randomInt } from 'node:crypto';
import { planCampaign, renderPlan } from './campaign-plan.ts';
import { CampaignArgsError, describeOptions, parseCampaignArgs } from './options.ts';
import { MAX_SEED } from './prng.ts';

try {
  const options = parseCampaignArgs(process.argv.slice(2), () => randomInt(0, MAX_SEED + 1));
  console.log(describeOptions(options));
  console.log(renderPlan(planCampaign(options)));
  console.log('dry run: nothing was injected or requested (the campaign runner is not built yet)');
} catch (err) {
  if (!(err instanceof CampaignArgsError)) throw err;
  console.error(err.message);
  process.exitCode = 2;
}
