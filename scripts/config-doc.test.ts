import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { int, str } from '../services/lib/config.ts';
import { renderConfigDoc } from './config-doc.ts';

describe('docs/configuration.md', () => {
  it('is what the config specs render', () => {
    const written = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
    expect(written, 'docs/configuration.md is stale: run `npm run docs:config` and commit the result').toBe(renderConfigDoc());
  });

  it('shows a setting as it is set: required, secret, a default inside the checkout relative to it, a pipe kept inside its cell', () => {
    const spec = {
      URL: str('where', undefined, true),
      SIZE: int('how many | at most', 5, 1, 9),
      DIR: str('files', '/checkout/schemas'),
    };
    const doc = renderConfigDoc([{ service: 'svc', folder: 'services/svc', spec }], {}, {}, '/checkout');
    const rows = doc.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows).toEqual([
      '| `URL` | *required* | where (secret: never logged) |',
      '| `SIZE` | `5` | how many \\| at most |',
      '| `DIR` | `<repo>/schemas` | files |',
    ]);
  });
});
