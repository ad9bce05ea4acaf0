// Progress output and one-line failures for the harness's commands.
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
  console.log(`${clock()} ${message}`);
}

export function warn(message: string): void {
  console.log(`${clock()} WARNING: ${message}`);
}

/** Returned by a step that found its artifact already built. */
export const CACHED = Symbol('cached');

/** Runs one named step, printing its start, its end and its duration. */
export async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const start = Date.now();
  info(`> ${name}`);
  try {
    const result = await fn();
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
