// Progress output and one-line failures for the harness's commands.
import { AsyncLocalStorage } from 'node:async_hooks';
import { UsageError } from './options.ts';

/** An expected failure: printed as one line (plus the log file), never a stack trace. */
export class HarnessError extends Error {
  constructor(
    message: string,
    readonly logFile?: string,
  ) {
    super(message);
  }
}

const t0 = Date.now();
const clock = () => `[${((Date.now() - t0) / 1000).toFixed(1).padStart(6)}s]`;

export function info(message: string): void {
  clearHeartbeat();
  console.log(`${clock()} ${message}`);
}

export function warn(message: string): void {
  clearHeartbeat();
  console.log(`${clock()} WARNING: ${message}`);
}

// The heartbeat: while a step runs, its elapsed time and what it is doing (the
// last line its command printed, or what it waits for), every second on one
// updating line in a terminal, every 30 s as a plain line in a CI log.
interface Running {
  name: string;
  start: number;
  activity: string;
  parent?: Running;
}
const running: Running[] = [];
let beat: NodeJS.Timeout | undefined;
let lineShown = false;
const tty = Boolean(process.stdout.isTTY);
const every = Number(process.env.HARNESS_HEARTBEAT_MS) || (tty ? 1000 : 30_000);

// The step a piece of code runs in: steps may run side by side (Traefik's
// build beside the node image's), and each one's commands report to it.
const inStep = new AsyncLocalStorage<Running>();

/** What the running step is doing, for its heartbeat ('' clears it). */
export function doing(what: string): void {
  // A callback that outlived its step reports to the innermost running one.
  const own = inStep.getStore();
  const current = own && running.includes(own) ? own : running[running.length - 1];
  // Colour codes and carriage-return progress bars would garble the one line.
  if (current) current.activity = (what.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').split(/[\r\n]/).map((l) => l.trim()).filter(Boolean).pop() ?? '').slice(0, 200);
}

// The heartbeat shows the innermost steps: one, or each of those running side by side.
function heartbeat(): void {
  const innermost = running.filter((r) => !running.some((o) => o.parent === r));
  if (!innermost.length) return;
  const line = innermost.map((r) => `  ${r.name}: ${Math.round((Date.now() - r.start) / 1000)}s${r.activity ? ` · ${r.activity}` : ''}`).join(' |');
  if (tty) {
    process.stdout.write(`\r\u001b[K${line.slice(0, (process.stdout.columns || 120) - 1)}`);
    lineShown = true;
  } else console.log(`${clock()} ${line}`);
}

function clearHeartbeat(): void {
  if (!lineShown) return;
  process.stdout.write('\r\u001b[K');
  lineShown = false;
}

function startBeat(name: string): Running {
  const entry = { name, start: Date.now(), activity: '', parent: inStep.getStore() };
  running.push(entry);
  if (!beat) {
    beat = setInterval(heartbeat, every);
    beat.unref();
  }
  return entry;
}

function stopBeat(entry: Running): void {
  const i = running.indexOf(entry);
  if (i >= 0) running.splice(i, 1);
  clearHeartbeat();
  if (!running.length && beat) {
    clearInterval(beat);
    beat = undefined;
  }
}

/** Returned by a step that found its artifact already built. */
export const CACHED = Symbol('cached');

/** Runs one named step, printing its start, its end and its duration. */
export async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  info(`> ${name}`);
  const beating = startBeat(name);
  try {
    const result = await inStep.run(beating, fn);
    if (result === CACHED) {
      info(`  ${name}: cached`);
      return result;
    }
    info(`  ${name}: done in ${((Date.now() - start) / 1000).toFixed(1)}s`);
    return result;
  } catch (err) {
    if (err instanceof HarnessError && !err.message.startsWith(name)) {
      throw new HarnessError(`${name}: ${err.message}`, err.logFile);
    }
    throw err;
  } finally {
    stopBeat(beating);
  }
}

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, ' ').trim();

/** Entry point wrapper for scripts: expected errors become one line and an exit code. */
export function main(fn: () => Promise<number | void>): void {
  fn().then(
    (code) => process.exit(code ?? 0),
    (err: unknown) => {
      if (err instanceof UsageError) {
        console.error(`error: ${oneLine(err.message)}`);
        process.exit(2);
      }
      if (err instanceof HarnessError) {
        console.error(`error: ${oneLine(err.message)}${err.logFile ? ` (log: ${err.logFile})` : ''}`);
        process.exit(1);
      }
      if (process.env.HARNESS_DEBUG) console.error(err);
      else console.error(`error: ${oneLine(err instanceof Error ? err.message : String(err))} (HARNESS_DEBUG=1 shows the stack)`);
      process.exit(1);
    },
  );
}
