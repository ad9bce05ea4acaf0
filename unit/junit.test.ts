import { expect, test } from '@playwright/test';
import { parseJUnit } from '../scripts/lib/junit.ts';
import { passCounts } from '../scripts/lib/repeat.ts';

const run = (outcomes: Record<string, 'ok' | 'fail' | 'skip'>) =>
  `<testsuites><testsuite name="s">${Object.entries(outcomes)
    .map(([name, o]) =>
      o === 'ok'
        ? `<testcase name="${name}" classname="suites/a.spec.ts" time="1"></testcase>`
        : o === 'fail'
          ? `<testcase name="${name}" classname="suites/a.spec.ts" time="1"><failure message="boom"/></testcase>`
          : `<testcase name="${name}" classname="suites/a.spec.ts" time="0"><properties><property name="skip" value="no IP_VS &amp; no module"></property></properties><skipped/></testcase>`,
    )
    .join('')}</testsuite></testsuites>`;

test('parseJUnit: outcome, file and annotations of each case, entities decoded', () => {
  const cases = parseJUnit(
    run({ 'passes &quot;quoted&quot;': 'ok', fails: 'fail', skips: 'skip' }) + '<testcase name="bare" classname="suites/b.spec.ts" time="0"/>',
  );
  expect(cases.map((c) => [c.name, c.file, c.status])).toEqual([
    ['passes "quoted"', 'suites/a.spec.ts', 'passed'],
    ['fails', 'suites/a.spec.ts', 'failed'],
    ['skips', 'suites/a.spec.ts', 'skipped'],
    ['bare', 'suites/b.spec.ts', 'passed'],
  ]);
  expect(cases[2].properties).toEqual([['skip', 'no IP_VS & no module']]);
});

test('passCounts: per check over several runs, flaky ones first', () => {
  const runs = [run({ a: 'ok', b: 'ok', c: 'skip' }), run({ a: 'ok', b: 'fail', c: 'skip' }), run({ a: 'ok', b: 'ok' })].map(parseJUnit);
  expect(passCounts(runs)).toEqual([
    { file: 'suites/a.spec.ts', name: 'b', passed: 2, failed: 1, skipped: 0, missing: 0 },
    { file: 'suites/a.spec.ts', name: 'a', passed: 3, failed: 0, skipped: 0, missing: 0 },
    { file: 'suites/a.spec.ts', name: 'c', passed: 0, failed: 0, skipped: 2, missing: 1 },
  ]);
});

// Bodies as Playwright 1.65 writes them (captured from a run of three failing tests).
const failed = (tag: string, lines: string[]) =>
  `<testcase name="t" classname="suites/a.spec.ts" time="1"><system-out><![CDATA[\n[[ATTACHMENT|x/error-context.md]]\n]]></system-out><${tag} message="m" type="Error"><![CDATA[  [e2e] › suites/a.spec.ts:3:1 › t ───────\n\n${lines.join('\n')}\n]]></${tag}></testcase>`;

test('parseJUnit: a failed case keeps its error up to the code frame, the stack or the call log, as one line', () => {
  const frame = ['', '      1 | import { expect, test } from \'@playwright/test\';', '    > 2 | expect(x).toContain(y);', '        at /repo/suites/a.spec.ts:2:105', '', '    Error Context: reports/test-results/a/error-context.md'];
  const cases = parseJUnit(
    failed('failure', ['    Error: the typo is named', '', '    expect(received).toContain(expected) // indexOf', '', '    Expected substring: "selects app=myblog"', '    Received string:    "Service myblog selects app=myblg: no pod"', ...frame]) +
      failed('error', ['    Error: Deployment myblog does not recreate: new pod x', '    second line', ...frame]) +
      failed('error', ['    Test timeout of 500ms exceeded.', '', '    Error Context: reports/test-results/a/error-context.md']),
  );
  expect(cases.map((c) => c.failure)).toEqual([
    'the typo is named · expect(received).toContain(expected) // indexOf · Expected substring: "selects app=myblog" · Received string:    "Service myblog selects app=myblg: no pod"',
    'Deployment myblog does not recreate: new pod x · second line',
    'Test timeout of 500ms exceeded.',
  ]);
  expect(parseJUnit(run({ fails: 'fail', ok: 'ok' })).map((x) => x.failure)).toEqual([undefined, undefined]);
});
