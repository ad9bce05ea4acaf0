// zx for the offline build recipes that are command sequences (start a
// container, exec in it, copy, commit): written as the shell would, each
// argument quoted by zx. Every command and its output go to the step's log
// file, nothing to the screen; a command that fails ends the recipe with one
// line naming it, its exit and its last output line, as lib/core/exec.ts's
// `run` does. Read a command's output with `.stdout`: zx's `lines()` holds
// its stderr too. Single commands with a heartbeat (go build, docker build) stay
// on `run`.
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { $, ProcessOutput, type Shell } from 'zx';
import { lastLine } from '../core/exec.ts';
import { doing, HarnessError } from '../core/log.ts';

/** Runs `recipe` with a zx `$` that logs to `log`; a failed command becomes a HarnessError naming it. */
export async function shellRecipe<T>(log: string, recipe: ($: Shell) => Promise<T>): Promise<T> {
  mkdirSync(dirname(log), { recursive: true });
  const commands = new Map<string, string>();
  let failed = '';
  const sh = $({
    quiet: true,
    log: (entry) => {
      if (entry.kind === 'cmd') {
        commands.set(entry.id, entry.cmd);
        doing(entry.cmd.slice(0, 60));
        appendFileSync(log, `\n$ ${entry.cmd}\n`);
      } else if (entry.kind === 'stdout' || entry.kind === 'stderr') {
        appendFileSync(log, entry.data);
      } else if (entry.kind === 'end' && entry.exitCode !== 0) {
        // The first: a clean-up's failure after it must not take its name.
        failed ||= commands.get(entry.id) ?? '';
      }
    },
  });
  try {
    return await recipe(sh);
  } catch (err) {
    if (!(err instanceof ProcessOutput)) throw err;
    const last = lastLine(err.stderr || err.stdout);
    const how = err.exitCode !== null ? `exited ${err.exitCode}` : err.signal ? `was killed by ${err.signal}` : 'did not start';
    throw new HarnessError(`${failed.length > 80 ? `${failed.slice(0, 80)} ...` : failed} ${how}${last ? `: ${last}` : ''}`, log);
  }
}
