import { expect, test } from '@playwright/test';
import { quickLeftOut } from '../lib/report/lab-report.ts';
import { parseArgs } from '../lib/core/command-line.ts';
import { runsAlone, suitesRunningAlone } from '../lib/config/runs-alone.ts';

test('runsAlone: the exclusive lock for the whole file, alone or in a list; a named lock, or one test\'s lock, is not', () => {
  expect(runsAlone("test.describe.configure({ lock: '-exclusive-' });")).toBe(true);
  expect(runsAlone("test.describe.configure({ lock: ['-exclusive-', VERIFIER_LOCK] });")).toBe(true);
  expect(runsAlone("test.describe.configure({ mode: 'serial', lock: [VERIFIER_LOCK, '-exclusive-'] });")).toBe(true);
  expect(runsAlone("test.describe.configure({ lock: VERIFIER_LOCK });")).toBe(false);
  expect(runsAlone("test.describe.configure({ lock: 'host-port-3306-on-the-mysql-node' });")).toBe(false);
  expect(runsAlone("test('x', { lock: '-exclusive-' }, async () => {});")).toBe(false);
  expect(runsAlone("test.describe.configure({ timeout: 1 });\nconst lock = '-exclusive-';")).toBe(false);
});

test('the suites that run alone, read from suites/: the load, the timing and the disruption; not the shared ones', () => {
  const alone = suitesRunningAlone();
  for (const f of ['zero-downtime.spec.ts', 'class-grading.spec.ts', 'eviction.spec.ts', 'kube-proxy-rules.spec.ts', 'live-mode-upstream.spec.ts']) expect(alone).toContain(f);
  for (const f of ['smoke.spec.ts', 'live-mode.spec.ts', 'cluster-facts.spec.ts', 'pod-labs.spec.ts', 'course-stack.spec.ts']) expect(alone).not.toContain(f);
});

test('--quick: an option like the others; the lab report lists each file left out as not run, never as passed', () => {
  expect(parseArgs(['--quick'], {}).options.quick).toBe(true);
  expect(parseArgs([], { HARNESS_QUICK: 'true' }).options.quick).toBe(true);
  expect(parseArgs([], {}).options.quick).toBe(false);
  const rows = quickLeftOut();
  expect(rows).toHaveLength(suitesRunningAlone().length);
  expect(rows.find((r) => r.check === 'every check of suites/zero-downtime.spec.ts')).toEqual({
    topic: 'Zero-downtime rolling update under load',
    check: 'every check of suites/zero-downtime.spec.ts',
    result: 'skipped',
    detail: 'not run: --quick leaves out the suites that must run alone (npm test without --quick runs them)',
  });
});
