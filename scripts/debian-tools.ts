// Tools the tests need from Debian's packages, installed when missing: a clean CI machine has
// none of what a session installed by hand.
import { spawnSync } from 'node:child_process';

export interface DebianTool {
  /** The command the tests run. */
  binary: string;
  /** The Debian package that provides it. */
  pkg: string;
}

export const PROMTOOL: DebianTool = { binary: 'promtool', pkg: 'prometheus' };

const onPath = (binary: string) => spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;

/** Installs the package when its binary is missing; throws with apt's output when it cannot. */
export function ensureDebianTool(tool: DebianTool, say: (line: string) => void): void {
  if (onPath(tool.binary)) return;
  say(`installing Debian's ${tool.pkg} (for ${tool.binary})…`);
  const root = process.getuid?.() === 0;
  const run = (args: string[]) => {
    const [cmd, ...rest] = root ? args : ['sudo', '-n', ...args];
    return spawnSync(cmd!, rest, { encoding: 'utf8', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  let r = run(['apt-get', 'install', '-y', '--no-install-recommends', tool.pkg]);
  // A fresh machine may not have read the package lists yet.
  if (r.status !== 0) {
    run(['apt-get', 'update']);
    r = run(['apt-get', 'install', '-y', '--no-install-recommends', tool.pkg]);
  }
  if (r.status !== 0 || !onPath(tool.binary)) throw new Error(`could not install ${tool.pkg}: ${(r.stderr || r.stdout).slice(-1000)}`);
  say(`✓ ${tool.pkg} installed`);
}
