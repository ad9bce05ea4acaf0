import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { withFileMutex } from '../lib/core/file-mutex.ts';
import { tempDir } from './temp.ts';
import { run, spawn } from '../lib/core/exec.ts';

// Three processes, each holding the mutex three times: no two holds overlap.
test('file mutex: across processes, one holder at a time', async () => {
  const dir = tempDir('file-mutex-');
  const events = join(dir, 'events.log');
  const script = join(dir, 'worker.mts');
  writeFileSync(
    script,
    `import { appendFileSync } from 'node:fs';\nimport { withFileMutex } from '${process.cwd()}/lib/core/file-mutex.ts';\n` +
      `const [path, log] = process.argv.slice(2);\n` +
      `for (let i = 0; i < 3; i++) {\n` +
      `  await withFileMutex(path, async () => {\n` +
      `    appendFileSync(log, \`start \${process.pid}\\n\`);\n` +
      `    await new Promise((r) => setTimeout(r, 100));\n` +
      `    appendFileSync(log, \`end \${process.pid}\\n\`);\n` +
      `  });\n}\n`,
  );
  const lock = join(dir, 'locks', 'm.lock');
  await Promise.all([1, 2, 3].map(() => run('npx', ['tsx', script, lock, events])));
  const lines = readFileSync(events, 'utf8').trim().split('\n');
  expect(lines).toHaveLength(18);
  for (let i = 0; i < lines.length; i += 2) {
    const [start, end] = [lines[i].split(' '), lines[i + 1].split(' ')];
    expect([start[0], end[0], end[1]], lines.slice(i, i + 2).join(' / ')).toEqual(['start', 'end', start[1]]);
  }
});

test('file mutex: a holder whose process is gone does not block; a failing fn releases it', async () => {
  const dir = tempDir('file-mutex-');
  const lock = join(dir, 'm.lock');
  const gone = spawn('true', []);
  await gone;
  writeFileSync(lock, String(gone.pid));
  expect(await withFileMutex(lock, async () => 'ran')).toBe('ran');
  await expect(withFileMutex(lock, async () => Promise.reject(new Error('deploy failed')))).rejects.toThrow('deploy failed');
  expect(await withFileMutex(lock, async () => 'again')).toBe('again');
});
