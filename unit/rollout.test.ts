import { expect, test } from '@playwright/test';
import { boundViolations, rolloutBounds, strategyBounds } from '../lib/checks/rollout.ts';
import { isMeasurementProblem } from '../lib/checks/rollout-load.ts';

test('rolloutBounds: maxSurge rounds up, maxUnavailable rounds down, as the deployment controller', () => {
  expect(rolloutBounds(2, '25%', '25%')).toEqual({ maxTotal: 3, minAvailable: 2 });
  expect(rolloutBounds(4, '25%', '25%')).toEqual({ maxTotal: 5, minAvailable: 3 });
  expect(rolloutBounds(10, '25%', '25%')).toEqual({ maxTotal: 13, minAvailable: 8 });
  expect(rolloutBounds(3, 1, 0)).toEqual({ maxTotal: 4, minAvailable: 3 });
  expect(rolloutBounds(2, 0, '100%')).toEqual({ maxTotal: 2, minAvailable: 0 });
});

test('rolloutBounds: defaults are 25%/25%; both zero allows one unavailable', () => {
  expect(rolloutBounds(2)).toEqual({ maxTotal: 3, minAvailable: 2 });
  expect(rolloutBounds(1, 0, 0)).toEqual({ maxTotal: 1, minAvailable: 0 });
  expect(rolloutBounds(3, '0%', '10%')).toEqual({ maxTotal: 3, minAvailable: 2 });
});

test('boundViolations: every snapshot over the surge or under the availability bound is one line', () => {
  const snapshots = [
    { atMs: -50, event: 'LIST', sets: [{ name: 'web-a', want: 2, available: 2 }] },
    { atMs: 120, event: 'MODIFIED', sets: [{ name: 'web-b', want: 1, available: 0 }, { name: 'web-a', want: 2, available: 2 }] },
    { atMs: 2400, event: 'MODIFIED', sets: [{ name: 'web-b', want: 1, available: 1 }, { name: 'web-a', want: 1, available: 1 }] },
  ];
  expect(boundViolations(snapshots, { maxTotal: 3, minAvailable: 2 })).toEqual([]);
  expect(boundViolations(snapshots, { maxTotal: 2, minAvailable: 2 })).toEqual(['0.1s MODIFIED: web-b=1/0 web-a=2/2: ReplicaSets want 3 pods, more than replicas + maxSurge = 2']);
  expect(boundViolations(snapshots, { maxTotal: 3, minAvailable: 3 })).toEqual([
    '-0.1s LIST: web-a=2/2: 2 available, fewer than replicas - maxUnavailable = 3',
    '0.1s MODIFIED: web-b=1/0 web-a=2/2: 2 available, fewer than replicas - maxUnavailable = 3',
    '2.4s MODIFIED: web-b=1/1 web-a=1/1: 2 available, fewer than replicas - maxUnavailable = 3',
  ]);
});

test('strategyBounds: Recreate never surges and may drop to zero; RollingUpdate reads the Deployment as changed', () => {
  expect(strategyBounds({ spec: { replicas: 1, selector: {}, template: {}, strategy: { type: 'Recreate' } } })).toEqual({ maxTotal: 1, minAvailable: 0 });
  expect(strategyBounds({ spec: { replicas: 2, selector: {}, template: {}, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: '100%' } } } })).toEqual({ maxTotal: 2, minAvailable: 0 });
  expect(strategyBounds({ spec: { replicas: 2, selector: {}, template: {} } })).toEqual({ maxTotal: 3, minAvailable: 2 });
});

test('isMeasurementProblem: a lagging or slow generator is the machine, lost requests are the rollout', () => {
  expect(isMeasurementProblem('schedule lag p99 640ms, max 950ms, over the bound (p99 100ms, max 500ms): the generator stalled, so its requests may have missed an outage')).toBe(true);
  expect(isMeasurementProblem('ingress HTTP GET myblog.luffy.com, new connection each: achieved 7.2/s of 8/s')).toBe(true);
  expect(isMeasurementProblem('requests failed: ingress HTTP GET myblog.luffy.com, new connection each: 12 of 400, failing from 2.10s to 3.30s after the change')).toBe(false);
  expect(isMeasurementProblem('new pods that never served a request: myblog-7c9-abcde')).toBe(false);
});
