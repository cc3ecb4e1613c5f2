// Installs node_modules when it is missing or older than the lockfile, so `npm start` and
// `npm test` work on a fresh clone. Plain JS: it runs before TypeScript tooling exists.
import { execSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

const lock = 'package-lock.json';
const marker = 'node_modules/.package-lock.json';
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  console.log('installing npm dependencies…');
  // Not `npm ci`: litesvm lists optional per-platform packages that the registry does not all
  // serve, so the lockfile can never name them all and `npm ci` refuses it. `npm install` still
  // installs the locked versions.
  execSync('npm install --no-audit --no-fund', { stdio: 'inherit' });
}
