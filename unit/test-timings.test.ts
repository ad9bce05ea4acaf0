import { expect, test } from '@playwright/test';
import { BEFORE_THE_TEST, testTimings, WINDOW_WAIT } from '../lib/report/test-timings.ts';

const result = (startTime: string, seconds: number, status = 'passed', annotations: { type: string; description: string }[] = []) => ({ startTime, duration: seconds * 1000, status, annotations });

test("where a run's time goes: each project's wall time from first start to last end, the slowest tests with their describe blocks", () => {
  const report = {
    suites: [
      {
        title: 'suites/cluster.setup.ts',
        file: 'suites/cluster.setup.ts',
        specs: [{ title: 'the cluster is up', file: 'suites/cluster.setup.ts', tests: [{ projectName: 'cluster', results: [result('2026-12-01T03:00:00.000Z', 60)] }] }],
      },
      {
        title: 'suites/rollout.spec.ts',
        file: 'suites/rollout.spec.ts',
        specs: [
          {
            title: 'zero downtime',
            file: 'suites/rollout.spec.ts',
            // two windows it waited for the running tests, and a measurement that is no wait
            tests: [{ projectName: 'e2e', results: [result('2026-12-01T03:01:00.000Z', 120, 'passed', [{ type: WINDOW_WAIT, description: "a's rollout under load: waited for the running tests: 12.5 s" }, { type: WINDOW_WAIT, description: 'b: 2 s' }, { type: 'measurement', description: 'rollout: 9.0 s' }])] }],
          },
        ],
        suites: [
          {
            title: 'under load',
            file: 'suites/rollout.spec.ts',
            // a retried test: both attempts took time
            specs: [{ title: 'https', file: 'suites/rollout.spec.ts', tests: [{ projectName: 'e2e', results: [result('2026-12-01T03:03:10.000Z', 30, 'failed'), result('2026-12-01T03:03:40.000Z', 20)] }] }],
          },
        ],
      },
      {
        title: 'unit/a.test.ts',
        file: 'unit/a.test.ts',
        specs: [
          { title: 'x', file: 'unit/a.test.ts', tests: [{ projectName: 'unit', results: [result('2026-12-01T02:59:58.000Z', 1.04)] }] },
          { title: 'y', file: 'unit/a.test.ts', tests: [{ projectName: 'unit', results: [result('2026-12-01T02:59:58.500Z', 1)] }] },
        ],
      },
    ],
  };
  const t = testTimings(report, 3);
  expect(t.projects).toEqual([
    { project: 'cluster', seconds: 60, tests: 1 },
    { project: 'e2e', seconds: 180, tests: 3 },
    { project: 'unit', seconds: 1.5, tests: 2 },
  ]);
  expect(t.files).toEqual([
    { project: 'e2e', file: 'suites/rollout.spec.ts', span: 180, testSeconds: 170, alone: 170, windowWait: 14.5 },
    { project: 'cluster', file: 'suites/cluster.setup.ts', span: 60, testSeconds: 60, alone: 60, windowWait: 0 },
    { project: 'unit', file: 'unit/a.test.ts', span: 1.5, testSeconds: 2, alone: 1.5, windowWait: 0 },
  ]);
  expect(t.slowest).toEqual([
    { project: 'e2e', file: 'suites/rollout.spec.ts', title: 'zero downtime', seconds: 120, status: 'passed' },
    { project: 'cluster', file: 'suites/cluster.setup.ts', title: 'the cluster is up', seconds: 60, status: 'passed' },
    { project: 'e2e', file: 'suites/rollout.spec.ts', title: 'under load › https', seconds: 30, status: 'failed' },
  ]);
});

test('a file runs alone only where no other file\'s test runs: overlaps shared, gaps nobody\'s', () => {
  const file = (name: string, ...runs: [number, number][]) => ({
    title: name,
    file: name,
    specs: runs.map(([start, seconds], i) => ({ title: `t${i}`, file: name, tests: [{ projectName: 'e2e', results: [result(new Date(Date.UTC(2026, 11, 1) + start * 1000).toISOString(), seconds)] }] })),
  });
  // a: 0-100 (two tests, overlapping each other); b: 50-150; c: 160-170 after an idle gap
  const t = testTimings({ suites: [file('a', [0, 100], [10, 20]), file('b', [50, 100]), file('c', [160, 10])] });
  // sorted by the seconds alone, then by the tests' seconds
  expect(t.files.map((f) => [f.file, f.span, f.testSeconds, f.alone])).toEqual([
    ['a', 100, 120, 50],
    ['b', 100, 100, 50],
    ['c', 10, 10, 10],
  ]);
});

test('a test that waited for a measurement window before it started ran after its wait: its startTime is moved by it', () => {
  const at = (s: number) => new Date(Date.UTC(2026, 11, 1) + s * 1000).toISOString();
  const spec = (file: string, r: ReturnType<typeof result>) => ({ title: file, file, specs: [{ title: 't', file, tests: [{ projectName: 'e2e', results: [r] }] }] });
  // a: 0-100; b: asked at 50, waited 60 s, ran 20 s: 110-130, after a, alone
  const t = testTimings({ suites: [spec('a', result(at(0), 100)), spec('b', result(at(50), 20, 'passed', [{ type: WINDOW_WAIT, description: `${BEFORE_THE_TEST}: 60.0 s` }]))] });
  expect(t.files.map((f) => [f.file, f.span, f.testSeconds, f.alone, f.windowWait])).toEqual([
    ['a', 100, 100, 100, 0],
    ['b', 20, 20, 20, 60],
  ]);
});
