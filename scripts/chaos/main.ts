// `npm run chaos -- [--minutes N] [--seed S] [--instances K]`: a fault campaign against the
// pipeline `npm start` runs (docs/reliability.md). Exit 0: the ledger is consistent; 1: a
// violation (or the campaign could not run); 2: bad arguments; 130: interrupted.
import { randomInt } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { prepare } from '../prepare.ts';
import { planCampaign } from './campaign-plan.ts';
import { runCampaign } from './campaign.ts';
import { renderLedger } from './ledger-table.ts';
import { violationCount } from './ledger.ts';
import { CampaignArgsError, describeOptions, parseCampaignArgs } from './options.ts';
import { MAX_SEED } from './prng.ts';
import { renderFaultCounts } from './report.ts';

const say = (line: string) => console.log(line);

async function main(): Promise<number> {
  let options;
  try {
    options = parseCampaignArgs(process.argv.slice(2), () => randomInt(0, MAX_SEED + 1));
  } catch (err) {
    if (!(err instanceof CampaignArgsError)) throw err;
    console.error(err.message);
    return 2;
  }
  say(describeOptions(options));
  const plan = planCampaign(options);
  const stack = await prepare(say);
  const interrupt = new AbortController();
  // Every timed fault and every wait listens on this one signal.
  setMaxListeners(0, interrupt.signal);
  let signals = 0;
  const onSignal = () => {
    signals += 1;
    if (signals > 1) process.exit(130);
    say('interrupted: undoing every fault and stopping the services (again to quit at once)');
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const result = await runCampaign(options, plan, stack, say, interrupt.signal);
  say('');
  say(renderFaultCounts(plan.schedule, result.injected, result.missed));
  say('');
  say(renderLedger(result.results));
  say('');
  say(describeOptions(options));
  if (interrupt.signal.aborted) return 130;
  return violationCount(result.results) === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`✗ chaos: ${(err as Error).stack ?? String(err)}`);
    process.exit(1);
  },
);
