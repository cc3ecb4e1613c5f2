// The documentation travels with the repository: every relative link in README.md and docs/
// resolves to a file or folder inside it, and none points outside the checkout.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function markdownFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? markdownFiles(path) : name.endsWith('.md') ? [path] : [];
  });
}

/** [text](target) outside code spans and fenced blocks; the target without its #anchor. */
function links(markdown: string): string[] {
  const prose = markdown.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!.split('#')[0]!).filter((t) => t && !/^[a-z]+:/i.test(t));
}

describe('documentation links', () => {
  const files = [join(ROOT, 'README.md'), ...markdownFiles(join(ROOT, 'docs'))];

  it('resolve to a file inside the repository', () => {
    expect(files.length).toBeGreaterThan(10);
    const broken: string[] = [];
    for (const file of files) {
      for (const target of links(readFileSync(file, 'utf8'))) {
        const path = resolve(dirname(file), target);
        if (relative(ROOT, path).startsWith('..') || !existsSync(path)) broken.push(`${relative(ROOT, file)} → ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('the check finds a link to a missing file and one leaving the repository', () => {
    expect(links('see [a](missing.md#x), `[b](skipped.md)` and [c](https://example.com)')).toEqual(['missing.md']);
    expect(relative(ROOT, resolve(ROOT, 'docs', '../../elsewhere/DESIGN.md')).startsWith('..')).toBe(true);
  });
});
