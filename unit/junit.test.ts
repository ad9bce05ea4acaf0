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

test('parseJUnit: a failed case keeps its error from the "Error:" line to the first blank line, colours removed', () => {
  const body = '<![CDATA[  [e2e] › suites/a.spec.ts:3:1 › fails\n\n    \u001b[31mError: expect(received).toContain(expected)\u001b[39m\n    Expected substring: "selects app=myblg"\n\n    at suites/a.spec.ts:9:3\n]]>';
  const [c] = parseJUnit(`<testcase name="fails" classname="suites/a.spec.ts" time="1"><failure message="a.spec.ts:3:1 fails" type="FAILURE">${body}</failure></testcase>`);
  expect(c.failure).toBe('Error: expect(received).toContain(expected) Expected substring: "selects app=myblg"');
  expect(parseJUnit(run({ fails: 'fail', ok: 'ok' })).map((x) => x.failure)).toEqual([undefined, undefined]);
});
