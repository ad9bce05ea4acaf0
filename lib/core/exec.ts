// Running programs, the harness's one way (nothing else imports execa):
// `run` for a command that must succeed (its output to a log file for long
// steps, a failure one line that names the command and the log), `attempt`
// for one whose exit is an answer, `spawn` for a process the caller manages
// (signals, streamed output, cancellation).
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { execa, type Options, type ResultPromise } from 'execa';
import { doing, HarnessError } from './log.ts';

export interface RunOptions {
  /** append stdout and stderr here instead of capturing them */
  log?: string;
  input?: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  /** with `log`: called with each whole line of output (the caller then says what the step is doing) */
  onLine?: (line: string) => void;
}

/**
 * Runs a command and returns its stdout (empty when it goes to a log file);
 * throws a HarnessError naming the command, its exit and its last output line.
 */
export async function run(file: string, args: string[], o: RunOptions = {}): Promise<string> {
  const options: Options = { cwd: o.cwd, env: o.env, input: o.input, timeout: o.timeoutMs, reject: false };
  let logStream: ReturnType<typeof createWriteStream> | undefined;
  if (o.log) {
    mkdirSync(dirname(o.log), { recursive: true });
    logStream = createWriteStream(o.log, { flags: 'a' });
    logStream.write(`\n$ ${file} ${args.join(' ')}\n`);
  }
  const child = execa(file, args, { ...options, all: true, buffer: !o.log });
  doing(`${file} ${args.slice(0, 2).join(' ')}`);
  if (logStream) {
    // Whole lines only, decoded across chunks: the heartbeat shows the last one.
    const decoder = new StringDecoder('utf8');
    let pending = '';
    child.all?.on('data', (chunk: Buffer) => {
      pending += decoder.write(chunk);
      const end = Math.max(pending.lastIndexOf('\n'), pending.lastIndexOf('\r'));
      if (end < 0) return void (pending = pending.slice(-4096));
      if (o.onLine) pending.slice(0, end).split(/[\r\n]/).forEach(o.onLine);
      else if (pending.slice(0, end).trim()) doing(pending.slice(0, end));
      pending = pending.slice(end + 1);
    });
    child.all?.on('end', () => {
      const rest = pending + decoder.end();
      if (o.onLine) rest.split(/[\r\n]/).forEach(o.onLine);
      else if (rest.trim()) doing(rest);
    });
    child.all?.pipe(logStream, { end: false });
  }
  const result = await child;
  if (logStream) await new Promise((resolve) => logStream.end(resolve));
  if (result.failed) {
    if ((result as { code?: string }).code === 'ENOENT') throw new HarnessError(`${file} is not installed`);
    const what = `${file} ${args.slice(0, 3).join(' ')}${args.length > 3 ? ' ...' : ''}`;
    const reason = result.timedOut ? 'timed out' : result.exitCode !== undefined ? `exited ${result.exitCode}` : result.shortMessage;
    const output = o.log ? readFileSync(o.log, 'utf8').slice(-4000) : String(result.all ?? result.stderr ?? '');
    const last = lastLine(output);
    throw new HarnessError(`${what} ${reason}${last ? `: ${last}` : ''}`, o.log);
  }
  return String(result.stdout ?? '').trim();
}

/** What a command did, whatever its exit: the answer of a command whose exit is one. */
export interface Attempt {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved */
  all: string;
  failed: boolean;
  timedOut: boolean;
}

/** Runs a command to its end and returns what it did; never throws for its exit. */
export async function attempt(file: string, args: string[], o: Omit<RunOptions, 'log' | 'onLine'> = {}): Promise<Attempt> {
  const r = await execa(file, args, { cwd: o.cwd, env: o.env, input: o.input, timeout: o.timeoutMs, reject: false, all: true });
  const text = (v: unknown) => (typeof v === 'string' ? v : '');
  // A program that could not start has no exit code: its reason stands in for stderr.
  const reason = r.failed && r.exitCode === undefined ? text((r as { shortMessage?: unknown }).shortMessage) : '';
  return { exitCode: r.exitCode ?? -1, stdout: text(r.stdout), stderr: text(r.stderr) || reason, all: text(r.all), failed: r.failed, timedOut: r.timedOut };
}

/** Runs a command and reports only whether it succeeded. */
export async function succeeds(file: string, args: string[], o: Omit<RunOptions, 'log' | 'onLine'> = {}): Promise<boolean> {
  return !(await attempt(file, args, { timeoutMs: 30_000, ...o })).failed;
}

/** A child process the caller manages (stdio inherited, output streamed, a signal or cancellation): execa's, never rejecting. */
export function spawn(file: string, args: string[], options: Options = {}): ResultPromise {
  return execa(file, args, { ...options, reject: false });
}

export function lastLine(text: string): string {
  const lines = text.trim().split('\n').filter((l) => l.trim());
  return (lines[lines.length - 1] ?? '').trim().slice(0, 300);
}
