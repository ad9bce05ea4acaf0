import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { tempDir } from './temp.ts';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';

import { artifactDir, cached, isCached } from '../lib/offline/cache.ts';

test.beforeEach(() => {
  process.env.HARNESS_HOME = tempDir('cache-test-');
});
test.afterEach(() => {
  delete process.env.HARNESS_HOME;
});

test('an artifact is built once, then served from the cache', async () => {
  let builds = 0;
  const build = async (dir: string) => {
    builds++;
    writeFileSync(join(dir, 'bin'), 'x');
  };
  const first = await cached('tool', 'v1', false, build);
  const second = await cached('tool', 'v1', false, build);
  expect([first.built, second.built, builds]).toEqual([true, false, 1]);
  expect(existsSync(join(first.dir, 'bin'))).toBe(true);
  expect((await cached('tool', 'v1', true, build)).built).toBe(true); // --rebuild
  expect(builds).toBe(2);
});

test('a failed build leaves nothing that looks complete, and the error comes through', async () => {
  await expect(
    cached('broken', 'v1', false, async (dir) => {
      writeFileSync(join(dir, 'half'), 'x');
      throw new Error('compile failed');
    }),
  ).rejects.toThrow('compile failed');
  expect(isCached('broken', 'v1')).toBe(false);
  expect(existsSync(artifactDir('broken', 'v1'))).toBe(false);
});

test('leftovers of an interrupted build are removed and never used', async () => {
  const leftover = `${artifactDir('tool2', 'v1')}.partial-99999`;
  mkdirSync(leftover, { recursive: true });
  writeFileSync(join(leftover, '.complete'), 'looks done but is not in place');
  expect(isCached('tool2', 'v1')).toBe(false);
  await cached('tool2', 'v1', false, async (dir) => writeFileSync(join(dir, 'bin'), 'x'));
  expect(readdirSync(join(artifactDir('tool2', 'v1'), '..'))).toEqual(['v1']);
});
