// The docs' commands still hold: each npm script they name is a script of
// package.json, and each flag they give a command is one that command takes,
// as its own --help lists it (each script prints its usage from the table
// its parser reads, lib/core/command-line.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { attempt } from '../lib/core/exec.ts';

const ROOT = join(import.meta.dirname, '..');
const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join('docs', f))];
const SCRIPTS = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

/** Each documented command: `npm test` or `npm run NAME`, the flags given it (up to a comment, a code span's or a table cell's end), and where. */
function documented(): { command: string; flags: string[]; where: string }[] {
  return DOCS.flatMap((doc) =>
    readFileSync(join(ROOT, doc), 'utf8')
      .split('\n')
      .flatMap((line, i) => {
        const found = [...line.matchAll(/npm (test|run ([a-z][\w:-]*))( -- ([^#`|]*))?/g)].map((m) => ({
          command: m[1] === 'test' ? 'test' : m[2],
          flags: [...(m[4] ?? '').matchAll(/(?<![\w-])(--[a-z][\w-]*)/g)].map((f) => f[1]),
          where: `${doc}:${i + 1}`,
        }));
        // The options table of docs/running.md: | `--flag VALUE` | `HARNESS_X` | ...: npm test's flags.
        const row = /^\| `(--[a-z][\w-]*)[^`]*` \| `HARNESS_/.exec(line);
        return row ? [...found, { command: 'test', flags: [row[1]], where: `${doc}:${i + 1}` }] : found;
      }),
  );
}

/** The script a command runs; bench:test and test:repeat pass their flags on to npm test. */
const scriptOf = (command: string) => (['test', 'bench:test', 'test:repeat'].includes(command) ? 'scripts/test.ts' : /tsx (scripts\/\S+\.ts)/.exec(SCRIPTS[command] ?? '')?.[1]);

test('docs: every npm run script the README and docs/ name exists in package.json', () => {
  const missing = documented().filter((d) => d.command !== 'test' && !(d.command in SCRIPTS));
  expect(missing.map((d) => `${d.where}: npm run ${d.command}`)).toEqual([]);
});

test("docs: every flag the README and docs/ give a command is in that command's --help", async () => {
  test.setTimeout(120_000);
  const byScript = new Map<string, { flag: string; where: string }[]>();
  for (const d of documented()) {
    const script = scriptOf(d.command);
    if (!script) continue; // a script that is not a tsx entry point (the test above names a missing one)
    for (const flag of d.flags) byScript.set(script, [...(byScript.get(script) ?? []), { flag, where: `${d.where}: npm ${d.command === 'test' ? 'test' : `run ${d.command}`} -- ${flag}` }]);
  }
  expect(byScript.size, 'documented commands with flags').toBeGreaterThan(3);
  const unknown: string[] = [];
  await Promise.all(
    [...byScript].map(async ([script, uses]) => {
      const help = await attempt('npx', ['tsx', script, '--help'], { cwd: ROOT });
      expect(help.exitCode, `${script} --help: ${help.stderr}`).toBe(0);
      const accepted = new Set(help.stdout.match(/--[a-z][\w-]*/g) ?? []);
      unknown.push(...uses.filter((u) => !accepted.has(u.flag)).map((u) => u.where));
    }),
  );
  expect(unknown).toEqual([]);
});
