// `npm test`: type check, unit tests, then the stack (started or reused), the integration tests
// against it, and two short fault campaigns (docs/reliability.md): a fixed seed and a random one.
// A stack this run started is stopped at the end unless CHAINSYNC_KEEP_STACK=1.
import { spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, loadStackConfig } from './stack/config.ts';
import { stackDown } from './stack/lifecycle.ts';
import { prepare } from './prepare.ts';
import { MAX_SEED } from './chaos/prng.ts';
import { PROMTOOL, ensureDebianTool } from './debian-tools.ts';

const say = (line: string) => console.log(line);
const bin = (name: string) => join(REPO_ROOT, 'node_modules', '.bin', name);

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env, cwd: REPO_ROOT });
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

function readCounts(file: string): Counts {
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0 };
  const r = JSON.parse(readFileSync(file, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
  return { passed: r.numPassedTests, failed: r.numFailedTests, skipped: r.numPendingTests + r.numTodoTests };
}

async function vitest(project: string, env: NodeJS.ProcessEnv): Promise<{ code: number; counts: Counts }> {
  const reportDir = join(REPO_ROOT, '.stack', 'reports');
  mkdirSync(reportDir, { recursive: true });
  const report = join(reportDir, `${project}.json`);
  const code = await run(bin('vitest'), ['run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], env);
  return { code, counts: readCounts(report) };
}

/** The seed every run replays, so a regression shows at once; a drawn one widens the net over many runs. */
const FIXED_CHAOS_SEED = 1;

/** One campaign is one test: its ledger holds or it does not (exit 0). */
async function chaos(seed: number, env: NodeJS.ProcessEnv): Promise<Counts> {
  say(`== chaos campaign, seed ${seed} (replay: npm run chaos -- --minutes 2 --instances 2 --seed ${seed})`);
  const code = await run(bin('tsx'), ['scripts/chaos/main.ts', '--minutes', '2', '--instances', '2', '--seed', String(seed)], env);
  say(code === 0 ? `✓ chaos campaign, seed ${seed}` : `✗ chaos campaign, seed ${seed} (exit ${code})`);
  return code === 0 ? { passed: 1, failed: 0, skipped: 0 } : { passed: 0, failed: 1, skipped: 0 };
}

async function main(): Promise<number> {
  const only = process.argv[2];
  say('== type check');
  if ((await run(bin('tsc'), ['--noEmit', '-p', '.'])) !== 0) {
    say('0 passed, 1 failed');
    return 1;
  }
  const total: Counts = { passed: 0, failed: 0, skipped: 0 };
  const add = (c: Counts) => {
    total.passed += c.passed;
    total.failed += c.failed;
    total.skipped += c.skipped;
  };
  let failed = false;
  // promtool checks the alert rules (unit tests); Prometheus scrapes the pipeline (integration).
  ensureDebianTool(PROMTOOL, say);
  if (only !== 'integration') {
    // A lint failure is counted and reported, and the tests still run: both are worth seeing.
    say('== lint (npm run lint; npm run format fixes what it can)');
    if ((await run('npm', ['run', '-s', 'lint'])) !== 0) {
      say('✗ lint failed');
      total.failed += 1;
      failed = true;
    }
    say('== unit tests');
    const unit = await vitest('unit', process.env);
    add(unit.counts);
    failed ||= unit.code !== 0;
  }
  if (only !== 'unit') {
    say('== local stack');
    const cfg = loadStackConfig();
    let started: string[] = [];
    try {
      const prepared = await prepare(say);
      started = prepared.started;
      say('== integration tests');
      const integration = await vitest('integration', { ...process.env, ...prepared.env });
      add(integration.counts);
      failed ||= integration.code !== 0;
      // After the integration tests, so the services the campaign starts have the stack to themselves.
      for (const seed of [FIXED_CHAOS_SEED, randomInt(0, MAX_SEED + 1)]) add(await chaos(seed, { ...process.env, ...prepared.env }));
    } catch (err) {
      say(`✗ the stack could not be prepared: ${(err as Error).message}`);
      const tail = (err as { logTail?: string }).logTail;
      if (tail) say(tail);
      total.failed += 1;
      failed = true;
    } finally {
      if (started.length > 0 && process.env.CHAINSYNC_KEEP_STACK !== '1') {
        say('== stopping the stack this run started (CHAINSYNC_KEEP_STACK=1 keeps it)');
        await stackDown(cfg, say, started);
      }
    }
  }
  say(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
  return failed || total.failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
