// Locks between processes, made of files: Playwright's own test locks keep
// whole tests apart; these keep apart moments inside tests, across workers
// and the child runs of a class grading.
//   withFileMutex          one holder: a file created with O_EXCL, the
//                          holder's pid in it (deploying the course stack)
//   withSharedLock /       a readers-writer lock: a folder with a `writer`
//   withExclusiveLock      file, one file per reader, one per reader parked
//                          by a writer (measurement windows:
//                          fixtures/measurement-window.ts)
// A holder that died is found by its pid and its files removed.
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, watch, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

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

/** Takes the file `path` (O_EXCL, this pid in it), waiting for its holder to let go or to be gone. */
async function take(path: string): Promise<void> {
  while (!create(path)) {
    removeIfAbandoned(path);
    await change(dirname(path));
  }
}

/** Runs fn while holding the mutex that the file `path` is. */
export async function withFileMutex<T>(path: string, fn: () => Promise<T>): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  await take(path);
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

let holdCount = 0;

/**
 * A readers-writer lock's files: `writer` holds or claims it; readers/<pid>-<n>
 * are the shared holds; parked/<pid>-<n> the readers waiting for a writer.
 */
const rwPaths = (dir: string) => ({ writer: join(dir, 'writer'), readers: join(dir, 'readers'), parked: join(dir, 'parked') });

/** A writer that holds or waits for the lock (not one whose process is gone). */
function writerPresent(dir: string): boolean {
  const { writer } = rwPaths(dir);
  removeIfAbandoned(writer);
  return existsSync(writer);
}

/** The files in `folder` named for live processes (<pid>-<n>); a dead process's are removed. */
function live(folder: string): string[] {
  return readdirSync(folder).filter((name) => {
    const pid = Number(name.split('-')[0]);
    if (pid && alive(pid)) return true;
    rmSync(join(folder, name), { force: true });
    return false;
  });
}

/**
 * Runs fn holding the lock `dir` shared: beside other shared holders, never
 * while a writer holds it. A writer that is waiting keeps new readers out:
 * else, with tests starting one after another on every worker, it would wait
 * for a moment with no test running, which comes only at the end of a run.
 * The readers it parked go before the next writer (else back-to-back
 * writers would keep them out for good).
 */
export async function withSharedLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const { readers, parked } = rwPaths(dir);
  mkdirSync(readers, { recursive: true });
  mkdirSync(parked, { recursive: true });
  const name = `${process.pid}-${++holdCount}`;
  const [mine, waiting] = [join(readers, name), join(parked, name)];
  try {
    for (;;) {
      while (writerPresent(dir)) {
        create(waiting); // false once it is there
        await change(dir);
      }
      create(mine);
      // A writer that came between the look and the file: it may have seen no reader, so step back.
      if (!writerPresent(dir)) break;
      rmSync(mine, { force: true });
    }
  } finally {
    rmSync(waiting, { force: true });
  }
  try {
    return await fn();
  } finally {
    rmSync(mine, { force: true });
  }
}

/**
 * Runs fn holding the lock `dir` alone: once the readers parked by an earlier
 * writer are in, it claims the lock (new readers wait), then waits for the
 * readers in it to leave.
 */
export async function withExclusiveLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const { writer, readers, parked } = rwPaths(dir);
  mkdirSync(readers, { recursive: true });
  mkdirSync(parked, { recursive: true });
  while (live(parked).length) await change(parked);
  await take(writer);
  try {
    while (live(readers).length) await change(readers);
    return await fn();
  } finally {
    rmSync(writer, { force: true });
  }
}
