// The import rule as a test: services/<a> never imports services/<b>; services/lib imports no
// service; api/ imports only services/lib (and itself); production code imports no test, bench or
// script code; and only a process's entry point (main.ts, or a service's cli.ts) touches `process`.
// Every import form counts: `import … from`, `export … from`, `import x = require()`, require()
// and dynamic import(), type-only imports included (a type from another service couples them too).
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

interface Violation {
  file: string;
  line: number;
  rule: string;
}

/** Tests sit beside the code they test; their helpers live in test/support, outside production folders. */
const isTestCode = (file: string) => file.endsWith('.test.ts');
/** A process's entry point: the one place that may read env, argv, signals and exit codes. */
const isEntryPoint = (file: string) => /^services\/[^/]+\/(main|cli)\.ts$/.test(file);

/** Which part of the repository a repo-relative path is in: `services/<name>`, `api`, `test`, … */
function area(path: string): string {
  const [top, second] = path.split('/');
  return top === 'services' && second !== undefined ? `services/${second}` : top!;
}

interface Found {
  line: number;
  /** A module specifier, or the `process` global. */
  import?: string;
  process?: true;
}

function scan(file: string, text: string): Found[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Found[] = [];
  const at = (node: ts.Node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
  const specifier = (node: ts.Node, expr: ts.Node | undefined) => {
    if (expr && ts.isStringLiteralLike(expr)) found.push({ line: at(node), import: expr.text });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) specifier(node, node.moduleSpecifier);
    else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) specifier(node, node.moduleReference.expression);
    else if (
      ts.isCallExpression(node) &&
      (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))
    )
      specifier(node, node.arguments[0]);
    else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) specifier(node, node.argument.literal);
    else if (ts.isIdentifier(node) && node.text === 'process' && isGlobalProcess(node)) found.push({ line: at(node), process: true });
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `process` as a value reference, not a property name (`x.process`, `{ process: … }`). */
function isGlobalProcess(node: ts.Identifier): boolean {
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return ts.isIdentifier(parent.expression) && parent.expression.text === 'globalThis';
  if (
    (ts.isPropertyAssignment(parent) ||
      ts.isPropertySignature(parent) ||
      ts.isPropertyDeclaration(parent) ||
      ts.isMethodDeclaration(parent) ||
      ts.isMethodSignature(parent)) &&
    parent.name === node
  )
    return false;
  if (ts.isQualifiedName(parent) && parent.right === node) return false;
  return true;
}

/** Every violation in one file; `file` is repo-relative with forward slashes. */
function violations(file: string, text: string): Violation[] {
  const from = area(file);
  const production = !isTestCode(file);
  const out: Violation[] = [];
  for (const f of scan(file, text)) {
    const add = (rule: string) => out.push({ file, line: f.line, rule });
    if (f.process) {
      if (production && (from === 'api' || from.startsWith('services/')) && !isEntryPoint(file))
        add('touches `process` outside a main.ts/cli.ts (pass the value in from main)');
      continue;
    }
    const spec = f.import!;
    if (spec === 'process' || spec === 'node:process') {
      if (production && (from === 'api' || from.startsWith('services/')) && !isEntryPoint(file))
        add(`imports ${spec} outside a main.ts/cli.ts (pass the value in from main)`);
      continue;
    }
    if (!spec.startsWith('.')) continue; // a package or a node: builtin
    const target = posix.normalize(posix.join(posix.dirname(file), spec));
    const to = area(target);
    if (from.startsWith('services/') && from !== 'services/lib' && to.startsWith('services/') && to !== 'services/lib' && to !== from)
      add(`${from} imports ${to} (${spec}): a service imports services/lib, never another service`);
    if (from === 'services/lib' && to.startsWith('services/') && to !== 'services/lib') add(`services/lib imports ${to} (${spec}): lib imports no service`);
    if (production && from === 'api' && to !== 'api' && to !== 'services/lib') add(`api imports ${target} (${spec}): api imports only services/lib`);
    if (production && (from === 'api' || from.startsWith('services/')) && ['test', 'bench', 'scripts'].includes(to))
      add(`production code imports ${target} (${spec})`);
  }
  return out;
}

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : tsFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

const show = (v: Violation[]) => v.map((x) => `${x.file}:${x.line}  ${x.rule}`).join('\n');

describe('the import rule', () => {
  it('holds in api/ and services/', () => {
    const files = [...tsFiles('api'), ...tsFiles('services')];
    expect(files.length).toBeGreaterThan(100); // the walk found the code
    const found = files.flatMap((f) => violations(relative(ROOT, join(ROOT, f)).split(sep).join('/'), readFileSync(join(ROOT, f), 'utf8')));
    expect(show(found), `${found.length} layering violations:\n${show(found)}`).toBe('');
  });

  it.each([
    ['services/submitter/x.ts', "import { a } from '../projector/a.ts';", 'services/submitter imports services/projector'],
    ['services/submitter/x.ts', "export { a } from '../chain-ingest/a.ts';", 'services/submitter imports services/chain-ingest'],
    ['services/submitter/x.ts', "const m = await import('../reconciler/a.ts');", 'services/submitter imports services/reconciler'],
    ['services/submitter/x.ts', "import type { A } from '../projector/a.ts';", 'services/submitter imports services/projector'],
    ['services/submitter/x.test.ts', "type A = import('../projector/a.ts').A;", 'services/submitter imports services/projector'],
    ['services/lib/solana/x.ts', "import { a } from '../../submitter/a.ts';", 'services/lib imports services/submitter'],
    ['api/x.ts', "import { a } from '../services/submitter/a.ts';", 'api imports services/submitter/a.ts'],
    ['api/x.ts', "import { a } from '../scripts/a.ts';", 'api imports scripts/a.ts'],
    ['services/projector/x.ts', "import { waitFor } from '../../test/support/wait.ts';", 'production code imports test/support/wait.ts'],
    ['services/projector/x.ts', 'const url = process.env.DATABASE_URL;', 'touches `process`'],
    ['services/lib/x.ts', 'export const cpu = () => globalThis.process.cpuUsage();', 'touches `process`'],
    ['api/x.ts', "import { env } from 'node:process';", 'imports node:process'],
  ])('finds the violation in %s: %s', (file, text, rule) => {
    expect(
      violations(file, text)
        .map((v) => v.rule)
        .join('\n'),
    ).toContain(rule);
  });

  it.each([
    ['services/submitter/x.ts', "import { a } from '../lib/a.ts';\nimport { b } from './b.ts';\nimport pg from 'pg';"],
    ['services/submitter/main.ts', 'await run(process);'],
    ['services/reconciler/cli.ts', 'const args = process.argv.slice(2);'],
    ['services/submitter/x.test.ts', "import { stackEnv } from '../../test/support/stack-env.ts';\nconst e = process.env;"],
    ['api/x.ts', "import { a } from '../services/lib/a.ts';\nimport { b } from './b.ts';"],
    ['services/lib/x.ts', 'const o = { process: 1 }; o.process; type P = NodeJS.Process; // process.env in a comment'],
  ])('allows %s: %s', (file, text) => {
    expect(violations(file, text)).toEqual([]);
  });
});
