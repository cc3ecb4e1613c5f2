// `npm run stack:<up|down|status|logs>`: the local stack of real Kafka, Kafka Connect + Debezium,
// Apicurio Registry, PostgreSQL and the local Solana chain, as tracked background processes.
import { spawn } from 'node:child_process';
import { loadStackConfig } from './stack/config.ts';
import { stackDown, stackStatus, stackUp } from './stack/lifecycle.ts';
import { stackParts } from './stack/parts.ts';
import { tailFile } from './stack/proc.ts';
import { StackPartError } from './stack/wait.ts';

const say = (line: string) => console.log(line);

async function main(command: string | undefined, args: string[]): Promise<number> {
  const cfg = loadStackConfig();
  switch (command) {
    case 'up': {
      const { seconds } = await stackUp(cfg, say);
      say(`stack ready in ${seconds.toFixed(1)}s`);
      for (const s of await stackStatus(cfg)) say(`  ${s.name.padEnd(9)} ${s.address}`);
      say(`  environment for clients: ${cfg.home}/stack.env`);
      return 0;
    }
    case 'down': {
      const listening = await stackDown(cfg, say, args.length ? args : undefined);
      if (listening.length) {
        say(`still listening after stop: ${listening.join(', ')}`);
        return 1;
      }
      return 0;
    }
    case 'status': {
      const statuses = await stackStatus(cfg);
      for (const s of statuses) {
        const mark = s.state === 'up' ? '✓' : '✗';
        say(`${mark} ${s.name.padEnd(9)} ${s.state.padEnd(9)} ${String(s.pid ?? '-').padEnd(8)} ${s.address}`);
      }
      return statuses.every((s) => s.state === 'up') ? 0 : 1;
    }
    case 'logs': {
      const follow = args.includes('-f') || args.includes('--follow');
      const names = args.filter((a) => !a.startsWith('-'));
      const parts = stackParts(cfg).filter((p) => names.length === 0 || names.includes(p.name));
      if (follow) {
        const tail = spawn('tail', ['-F', '-n', '20', ...parts.map((p) => p.tracked.logFile)], { stdio: 'inherit' });
        await new Promise((r) => tail.once('exit', r));
        return 0;
      }
      for (const p of parts) say(`==> ${p.name} (${p.tracked.logFile})\n${tailFile(p.tracked.logFile, 40)}\n`);
      return 0;
    }
    default:
      say('usage: npm run stack:up | stack:down [part…] | stack:status | stack:logs [part…] [-f]');
      return 2;
  }
}

main(process.argv[2], process.argv.slice(3)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof StackPartError) {
      console.error(`✗ ${err.part} did not come up: ${err.message}`);
      if (err.logTail) console.error(`--- last lines of its log ---\n${err.logTail}`);
    } else {
      console.error(`✗ ${(err as Error).stack ?? String(err)}`);
    }
    process.exit(1);
  },
);
