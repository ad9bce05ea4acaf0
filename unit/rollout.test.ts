import { expect, test } from '@playwright/test';
import { rolloutBounds } from '../fixtures/rollout.ts';

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
