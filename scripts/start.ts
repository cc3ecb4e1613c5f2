// `npm start`: the stack (started or reused), migrations, topics, schemas and the connector,
// then every service under services/ as a supervised child process with prefixed logs.
import { stackStatus } from './stack/lifecycle.ts';
import { prepare } from './prepare.ts';
import { runServices } from './services.ts';

const say = (line: string) => console.log(line);

async function main(): Promise<number> {
  const { cfg, env } = await prepare(say);
  say('');
  for (const s of await stackStatus(cfg)) say(`  ${s.name.padEnd(9)} ${s.state.padEnd(5)} ${s.address}`);
  say('  (the stack keeps running after this command stops: npm run stack:down stops it)\n');
  return runServices({ ...process.env, ...env }, say);
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`✗ ${(err as Error).message}`);
    const tail = (err as { logTail?: string }).logTail;
    if (tail) console.error(tail);
    process.exit(1);
  },
);
