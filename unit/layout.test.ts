import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { expect, test } from '@playwright/test';

// lib/README.md's rooms, in its order: a room imports only from rooms before it (or itself).
const ROOMS = ['core', 'kube', 'offline', 'cluster', 'conformance', 'checks', 'course', 'live', 'config', 'report', 'grading', 'board', 'run'];
const ROOT = join(import.meta.dirname, '..');

const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : n.endsWith('.ts') ? [join(dir, n)] : []));

/** Each relative import of a file, as a path from the repository's root. */
const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+)'/g)].map((m) => relative(ROOT, normalize(join(dirname(file), m[1]))));

test('lib: every room is listed in lib/README.md, and imports only the rooms before it, never fixtures, suites or scripts', () => {
  const rooms = readdirSync(join(ROOT, 'lib')).filter((n) => statSync(join(ROOT, 'lib', n)).isDirectory());
  expect(rooms.sort()).toEqual([...ROOMS].sort());
  const readme = readFileSync(join(ROOT, 'lib', 'README.md'), 'utf8');
  expect(ROOMS.filter((r) => !readme.includes(`| \`${r}/\` |`)), 'rooms lib/README.md does not describe').toEqual([]);
  const wrong: string[] = [];
  for (const file of walk(join(ROOT, 'lib'))) {
    const from = relative(ROOT, file).split(sep)[1];
    for (const target of imports(file)) {
      const [top, room] = target.split(sep);
      if (top !== 'lib') wrong.push(`${relative(ROOT, file)} imports ${target}, outside lib`);
      else if (ROOMS.indexOf(room) > ROOMS.indexOf(from)) wrong.push(`${relative(ROOT, file)} (${from}) imports ${target} (${room}, a later room)`);
    }
  }
  expect(wrong).toEqual([]);
});

test('fixtures import the library, never a suite or a script', () => {
  const wrong = walk(join(ROOT, 'fixtures')).flatMap((file) => imports(file).filter((t) => /^(suites|scripts)\//.test(t)).map((t) => `${relative(ROOT, file)} imports ${t}`));
  expect(wrong).toEqual([]);
});

test('one way to run programs: only lib/core/exec.ts imports execa', () => {
  const importers = ['lib', 'scripts', 'suites', 'fixtures', 'unit']
    .flatMap((d) => walk(join(ROOT, d)))
    .filter((f) => /^import .* from 'execa';$/m.test(readFileSync(f, 'utf8')))
    .map((f) => relative(ROOT, f));
  expect(importers).toEqual([join('lib', 'core', 'exec.ts')]);
});

test("zx for the offline build's command sequences: only lib/offline/shell.ts imports it", () => {
  const importers = ['lib', 'scripts', 'suites', 'fixtures', 'unit']
    .flatMap((d) => walk(join(ROOT, d)))
    .filter((f) => /^import .* from 'zx';$/m.test(readFileSync(f, 'utf8')))
    .map((f) => relative(ROOT, f));
  expect(importers).toEqual([join('lib', 'offline', 'shell.ts')]);
});

test("one way onto a node: only lib/cluster/nodes.ts runs commands on a kind node (docker exec)", () => {
  const users = ['lib', 'scripts', 'suites', 'fixtures']
    .flatMap((d) => walk(join(ROOT, d)))
    .filter((f) => /(docker\(|'docker',\s*)\[\s*'exec'/.test(readFileSync(f, 'utf8')))
    .map((f) => relative(ROOT, f));
  expect(users).toEqual([join('lib', 'cluster', 'nodes.ts')]);
});
