import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { withExclusiveLock, withFileMutex, withSharedLock } from '../lib/core/file-locks.ts';
import { tempDir } from './temp.ts';
import { run, spawn } from '../lib/core/exec.ts';

// Three processes, each holding the mutex three times: no two holds overlap.
test('file mutex: across processes, one holder at a time', async () => {
  const dir = tempDir('file-locks-');
  const events = join(dir, 'events.log');
  const script = join(dir, 'worker.mts');
  writeFileSync(
    script,
    `import { appendFileSync } from 'node:fs';\nimport { withFileMutex } from '${process.cwd()}/lib/core/file-locks.ts';\n` +
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
  const dir = tempDir('file-locks-');
  const lock = join(dir, 'm.lock');
  const gone = spawn('true', []);
  await gone;
  writeFileSync(lock, String(gone.pid));
  expect(await withFileMutex(lock, async () => 'ran')).toBe('ran');
  await expect(withFileMutex(lock, async () => Promise.reject(new Error('deploy failed')))).rejects.toThrow('deploy failed');
  expect(await withFileMutex(lock, async () => 'again')).toBe('again');
});

// Three processes: two readers and a writer, each holding the lock several times with pauses between: the writer's holds overlap nothing.
test('readers-writer lock: across processes, a writer holds it alone, readers together', async () => {
  const dir = tempDir('file-locks-');
  const events = join(dir, 'events.log');
  const script = join(dir, 'holder.mts');
  writeFileSync(
    script,
    `import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';\nimport { withExclusiveLock, withSharedLock } from '${process.cwd()}/lib/core/file-locks.ts';\n` +
      `const [lock, log, kind, times, ready] = process.argv.slice(2);\n` +
      // All three loaded before any holds: else one may be done before another has started.
      `writeFileSync(\`\${ready}/\${process.pid}\`, '');\n` +
      `while (readdirSync(ready).length < 3) await new Promise((r) => setTimeout(r, 10));\n` +
      `const hold = kind === 'writer' ? withExclusiveLock : withSharedLock;\n` +
      `for (let i = 0; i < Number(times); i++) {\n` +
      `  await hold(lock, async () => {\n` +
      `    appendFileSync(log, \`start \${kind} \${process.pid} \${Date.now()}\\n\`);\n` +
      `    await new Promise((r) => setTimeout(r, kind === 'writer' ? 200 : 80));\n` +
      `    appendFileSync(log, \`end \${kind} \${process.pid} \${Date.now()}\\n\`);\n` +
      `  });\n` +
      `  await new Promise((r) => setTimeout(r, 30));\n}\n`,
  );
  const lock = join(dir, 'window');
  const ready = join(dir, 'ready');
  mkdirSync(ready);
  await Promise.all([
    run('npx', ['tsx', script, lock, events, 'reader', '8', ready]),
    run('npx', ['tsx', script, lock, events, 'reader', '8', ready]),
    run('npx', ['tsx', script, lock, events, 'writer', '3', ready]),
  ]);
  // Replayed in order: who holds the lock at each line.
  const holding = new Set<string>();
  let writerHolds = 0;
  for (const line of readFileSync(events, 'utf8').trim().split('\n')) {
    const [what, kind, pid] = line.split(' ');
    if (what === 'end') {
      holding.delete(`${kind} ${pid}`);
      continue;
    }
    if (kind === 'writer') {
      writerHolds++;
      expect([...holding], `the writer started while these held the lock: ${line}`).toEqual([]);
    } else {
      expect([...holding].filter((h) => h.startsWith('writer')), `a reader started while the writer held the lock: ${line}`).toEqual([]);
    }
    holding.add(`${kind} ${pid}`);
  }
  expect(writerHolds).toBe(3);
});

test('readers-writer lock: a waiting writer keeps new readers out; dead holders do not block', async () => {
  const dir = tempDir('file-locks-');
  const lock = join(dir, 'window');
  const order: string[] = [];
  let endFirst = () => {};
  const first = withSharedLock(lock, async () => {
    order.push('reader 1');
    await new Promise<void>((resolve) => (endFirst = resolve));
  });
  await new Promise((r) => setTimeout(r, 50));
  const writer = withExclusiveLock(lock, async () => order.push('writer'));
  await new Promise((r) => setTimeout(r, 50));
  const second = withSharedLock(lock, async () => order.push('reader 2'));
  await new Promise((r) => setTimeout(r, 200));
  expect(order, 'the writer waits for the reader inside; the reader after it waits for the writer').toEqual(['reader 1']);
  endFirst();
  await Promise.all([first, writer, second]);
  expect(order).toEqual(['reader 1', 'writer', 'reader 2']);

  // A writer and a reader whose processes are gone.
  const gone = spawn('true', []);
  await gone;
  mkdirSync(join(lock, 'readers'), { recursive: true });
  writeFileSync(join(lock, 'readers', `${gone.pid}-1`), String(gone.pid));
  expect(await withExclusiveLock(lock, async () => 'writer ran')).toBe('writer ran');
  writeFileSync(join(lock, 'writer'), String(gone.pid));
  expect(await withSharedLock(lock, async () => 'reader ran')).toBe('reader ran');
});

test('readers-writer lock: the readers a writer parked go before the next writer', async () => {
  const lock = join(tempDir('file-locks-'), 'window');
  const order: string[] = [];
  const gate = () => {
    let open = () => {};
    return { wait: new Promise<void>((resolve) => (open = resolve)), open: () => open() };
  };
  const [w1, r] = [gate(), gate()];
  const first = withExclusiveLock(lock, async () => {
    order.push('writer 1');
    await w1.wait;
  });
  await new Promise((res) => setTimeout(res, 50));
  const reader = withSharedLock(lock, async () => {
    order.push('reader');
    await r.wait;
  });
  await new Promise((res) => setTimeout(res, 50));
  const second = withExclusiveLock(lock, async () => order.push('writer 2'));
  await new Promise((res) => setTimeout(res, 200));
  expect(order).toEqual(['writer 1']);
  w1.open();
  await first;
  await expect.poll(() => order).toEqual(['writer 1', 'reader']);
  r.open();
  await Promise.all([reader, second]);
  expect(order, 'the parked reader went in before the second writer, which waited for it to end').toEqual(['writer 1', 'reader', 'writer 2']);
});
