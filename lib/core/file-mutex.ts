// A mutex between processes: a file created with O_EXCL holds it, with the
// holder's pid in it. Playwright's own test locks keep tests apart; this keeps
// apart the one thing two workers may both start inside their tests: deploying
// the course stack (fixtures/cluster.ts).
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, watch, writeSync } from 'node:fs';
import { dirname } from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Creates the file with this process's pid, or returns false if it exists. */
function create(path: string): boolean {
  try {
    const fd = openSync(path, 'wx');
    writeSync(fd, String(process.pid));
    closeSync(fd);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Removes the file if its holder is gone (a worker that died holding it).
 * Another waiter may have done so and taken it in between: reading the pid
 * again just before removing narrows that window to a few microseconds; it
 * cannot close it (it needs a worker dead mid-deploy and two waiters).
 */
function removeIfAbandoned(path: string): void {
  const holder = () => {
    try {
      return Number(readFileSync(path, 'utf8'));
    } catch {
      return undefined;
    }
  };
  const pid = holder();
  // An empty file is one being written this instant.
  if (!pid || alive(pid)) return;
  if (holder() === pid) rmSync(path, { force: true });
}

/** Resolves at the folder's next change, or after a second (a watch may miss one, or be unavailable). */
function change(dir: string): Promise<void> {
  return new Promise((resolve) => {
    let watcher: ReturnType<typeof watch> | undefined;
    const done = () => {
      clearTimeout(timer);
      watcher?.close();
      resolve();
    };
    const timer = setTimeout(done, 1000);
    try {
      watcher = watch(dir, done);
    } catch {
      // no watch: the timer alone
    }
  });
}

/** Runs fn while holding the mutex that the file `path` is. */
export async function withFileMutex<T>(path: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  while (!create(path)) {
    removeIfAbandoned(path);
    await change(dirname(path));
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}
