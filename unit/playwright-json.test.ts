import { expect, test } from '@playwright/test';
import { errorCause } from '../lib/report/lab-report.ts';
import { annotation, testEntries, type JsonReport } from '../lib/report/playwright-json.ts';
import { passCounts } from '../lib/report/repeat.ts';

type Outcome = 'passed' | 'failed' | 'skipped';
/** A report as Playwright's JSON reporter writes it: a file's suite, a describe block inside, specs with their tests' results. */
const report = (outcomes: Record<string, Outcome>, file = 'suites/a.spec.ts'): JsonReport => ({
  suites: [
    {
      title: file,
      file,
      specs: Object.entries(outcomes).map(([title, status]) => ({
        title,
        file,
        tests: [{ projectName: 'e2e', annotations: status === 'skipped' ? [{ type: 'skip', description: 'no IP_VS & no module' }] : [], results: [{ status, error: status === 'failed' ? { message: 'Error: boom' } : undefined }] }],
      })),
      suites: [{ title: 'in a block', file, specs: [{ title: 'nested', tests: [{ projectName: 'e2e', results: [{ status: 'timedOut', error: { message: 'Test timeout of 500ms exceeded.' } }] }] }] }],
    },
  ],
});

test('testEntries: project, file, title with its describe blocks, the last outcome, its error and annotations', () => {
  const entries = testEntries(report({ passes: 'passed', fails: 'failed', skips: 'skipped' }));
  expect(entries.map((t) => [t.project, t.file, t.title, t.status, t.message])).toEqual([
    ['e2e', 'suites/a.spec.ts', 'passes', 'passed', ''],
    ['e2e', 'suites/a.spec.ts', 'fails', 'failed', 'Error: boom'],
    ['e2e', 'suites/a.spec.ts', 'skips', 'skipped', ''],
    ['e2e', 'suites/a.spec.ts', 'in a block › nested', 'timedOut', 'Test timeout of 500ms exceeded.'],
  ]);
  expect(annotation(entries[2], 'skip')).toBe('no IP_VS & no module');
  expect(annotation(entries[0], 'skip')).toBe('');
  // A --list report has no results: the tests are listed, not run.
  expect(testEntries({ suites: [{ title: 'f', file: 'f', specs: [{ title: 't', tests: [{ projectName: 'e2e', results: [] }] }] }] }).map((t) => t.status)).toEqual(['listed']);
});

test('passCounts: per check over several runs, flaky ones first; a timeout is a failure, a run without the check a miss', () => {
  const runs = [report({ a: 'passed', b: 'passed', c: 'skipped' }), report({ a: 'passed', b: 'failed', c: 'skipped' }), report({ a: 'passed', b: 'passed' })].map(testEntries);
  expect(passCounts(runs)).toEqual([
    { file: 'suites/a.spec.ts', name: 'b', passed: 2, failed: 1, skipped: 0, missing: 0 },
    { file: 'suites/a.spec.ts', name: 'in a block › nested', passed: 0, failed: 3, skipped: 0, missing: 0 },
    { file: 'suites/a.spec.ts', name: 'a', passed: 3, failed: 0, skipped: 0, missing: 0 },
    { file: 'suites/a.spec.ts', name: 'c', passed: 0, failed: 0, skipped: 2, missing: 1 },
  ]);
});

test('errorCause: an error message as the summary prints it, up to the code frame, the stack or the call log', () => {
  const frame = ['', '  1 | import { expect, test } from \'@playwright/test\';', '> 2 | expect(x).toContain(y);', '    at /repo/suites/a.spec.ts:2:105'];
  expect(errorCause(['Error: the typo is named', '', 'expect(received).toContain(expected) // indexOf', '', 'Expected substring: "selects app=myblog"', ...frame].join('\n'))).toBe(
    'the typo is named · expect(received).toContain(expected) // indexOf · Expected substring: "selects app=myblog"',
  );
  expect(errorCause('Error: Deployment myblog does not recreate: new pod x\nsecond line\n    at f (/repo/x.ts:1:1)')).toBe('Deployment myblog does not recreate: new pod x · second line');
});
