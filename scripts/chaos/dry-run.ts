// `npx tsx scripts/chaos/dry-run.ts [--minutes N] [--seed S] [--instances K]`: prints what a
// campaign with these options would inject and request, and runs nothing (`npm run chaos` runs it).
import { randomInt } from 'node:crypto';
import { planCampaign, renderPlan } from './campaign-plan.ts';
import { CampaignArgsError, describeOptions, parseCampaignArgs } from './options.ts';
import { MAX_SEED } from './prng.ts';

try {
  const options = parseCampaignArgs(process.argv.slice(2), () => randomInt(0, MAX_SEED + 1));
  console.log(describeOptions(options));
  console.log(renderPlan(planCampaign(options)));
  console.log('dry run: nothing was injected or requested (`npm run chaos` with the same options runs this campaign)');
} catch (err) {
  if (!(err instanceof CampaignArgsError)) throw err;
  console.error(err.message);
  process.exitCode = 2;
}
