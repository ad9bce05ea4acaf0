import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { quickLeftOut } from '../lib/report/lab-report.ts';
import { parseArgs } from '../lib/core/command-line.ts';
import { runsAlone, suitesLeftOutOfQuick, suitesRunningAlone, whyLeftOutOfQuick } from '../lib/config/runs-alone.ts';

test('runsAlone: the exclusive lock for the whole file or for one of its tests, alone or in a list; a named lock, or one in a comment, is not', () => {
  expect(runsAlone("test.describe.configure({ lock: '-exclusive-' });")).toBe(true);
  expect(runsAlone("test.describe.configure({ lock: ['-exclusive-', VERIFIER_LOCK] });")).toBe(true);
  expect(runsAlone("test.describe.configure({ mode: 'serial', lock: [VERIFIER_LOCK, '-exclusive-'] });")).toBe(true);
  expect(runsAlone("test.describe.configure({ lock: VERIFIER_LOCK });")).toBe(false);
  expect(runsAlone("test.describe.configure({ lock: 'host-port-3306-on-the-mysql-node' });")).toBe(false);
  expect(runsAlone("test('x', { lock: '-exclusive-' }, async () => {});")).toBe(true);
  expect(runsAlone("test('a/b', { lock: ['-exclusive-', 'x'] }, async () => {});")).toBe(true);
  expect(runsAlone("const ALONE = { lock: '-exclusive-' };")).toBe(true);
  expect(runsAlone("  // test.describe.configure({ lock: '-exclusive-' });")).toBe(false);
  expect(runsAlone("test.describe.configure({ timeout: 1 });\nconst lock = '-exclusive-';")).toBe(false);
});

test('the suites that run alone, read from suites/: the load, the timing and the disruption; not the shared ones', () => {
  const alone = suitesRunningAlone();
  for (const f of ['zero-downtime.spec.ts', 'eviction.spec.ts', 'kube-proxy-rules.spec.ts', 'live-mode-upstream.spec.ts', 'resources.spec.ts', 'ingress-tls.spec.ts']) expect(alone).toContain(f);
  for (const f of ['smoke.spec.ts', 'live-mode.spec.ts', 'cluster-facts.spec.ts', 'pod-labs.spec.ts', 'course-stack.spec.ts', 'class-isolation.spec.ts', 'class-grading.spec.ts']) expect(alone).not.toContain(f);
});

test('--quick leaves out the files that run alone and the long ones that say why in a line of their own', () => {
  expect(whyLeftOutOfQuick("test.describe.configure({ lock: '-exclusive-' });")).toBe('it must run alone');
  expect(whyLeftOutOfQuick("test.describe.configure({ lock: 'x' });\n// --quick leaves this file out: about 13 minutes of grading\n")).toBe('about 13 minutes of grading');
  expect(whyLeftOutOfQuick('  // --quick leaves this file out: indented, so not the file\'s own line')).toBeUndefined();
  expect(whyLeftOutOfQuick("test.describe.configure({ lock: 'x' });")).toBeUndefined();
  const left = suitesLeftOutOfQuick();
  expect(left.map((s) => s.file)).toEqual([...suitesRunningAlone(), 'class-grading.spec.ts', 'class-isolation.spec.ts'].sort());
  for (const f of ['class-grading.spec.ts', 'class-isolation.spec.ts']) expect(left.find((s) => s.file === f)?.why).toMatch(/^about \d+ minutes of grading/);
});

test('--quick: an option like the others; the lab report lists each file left out as not run, never as passed', () => {
  expect(parseArgs(['--quick'], {}).options.quick).toBe(true);
  expect(parseArgs([], { HARNESS_QUICK: 'true' }).options.quick).toBe(true);
  expect(parseArgs([], {}).options.quick).toBe(false);
  const rows = quickLeftOut();
  expect(rows).toHaveLength(suitesLeftOutOfQuick().length);
  expect(rows.find((r) => r.check === 'every check of suites/zero-downtime.spec.ts')).toEqual({
    topic: 'Zero-downtime rolling update under load',
    check: 'every check of suites/zero-downtime.spec.ts',
    result: 'skipped',
    detail: 'not run: --quick leaves it out: it must run alone (npm test without --quick runs it)',
  });
});

test("a file whose tests hold locks of their own runs in mode 'parallel', with no beforeAll or afterAll (else Playwright groups its tests, and a test's lock covers its neighbours)", () => {
  const dir = join(import.meta.dirname, '../suites');
  const fileLevel = /test\.describe\.configure\(\{[^}]*\block:/;
  const testLevel = /^(?!\s*\/\/).*(\btest\(.*\{ lock: |= \{ lock: )/m;
  const split = readdirSync(dir)
    .filter((f) => f.endsWith('.spec.ts'))
    .map((f) => ({ f, text: readFileSync(join(dir, f), 'utf8') }))
    .filter(({ text }) => testLevel.test(text) && !fileLevel.test(text) && (text.match(/^\s*test\(/gm) ?? []).length > 1);
  expect(split.map((s) => s.f)).toEqual(expect.arrayContaining(['eviction.spec.ts', 'resources.spec.ts', 'ingress-tls.spec.ts', 'kube-proxy-rules.spec.ts', 'pod-labs.spec.ts', 'class-isolation.spec.ts']));
  for (const { f, text } of split) {
    expect(text, f).toContain("test.describe.configure({ mode: 'parallel' })");
    expect(text, f).not.toMatch(/\btest\.(beforeAll|afterAll)\(/);
  }
});
