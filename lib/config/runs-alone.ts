// The suites that must run alone, wholly or in part: a file that names
// Playwright's exclusive lock ('-exclusive-', alone or in a list), for the
// whole file (test.describe.configure) or for its tests that measure or
// disturb (a test's { lock }). The lock is the one place that says it.
// `npm test -- --quick` leaves such files out, and the files that say so in a
// line of their own ("// --quick leaves this file out: <why>", a long file
// that runs beside the others); the lab report lists each as not run.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const SUITES = resolve(import.meta.dirname, '../../suites');

// On a line that is not a comment.
const EXCLUSIVE = /^(?!\s*\/\/).*\block:\s*(?:'-exclusive-'|\[[^\]]*'-exclusive-')/m;
const LEFT_OUT = /^\/\/ --quick leaves this file out: (.+)$/m;

/** Whether a suite file's text declares the exclusive lock, for the whole file or for some of its tests. */
export const runsAlone = (text: string): boolean => EXCLUSIVE.test(text);

const suiteFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.spec.ts')).sort();

/** The suite files (names) under `dir` that run alone. */
export function suitesRunningAlone(dir = SUITES): string[] {
  return suiteFiles(dir).filter((f) => runsAlone(readFileSync(join(dir, f), 'utf8')));
}

/** Why --quick leaves a suite file out, by its text: it runs alone, or it says why; undefined when --quick runs it. */
export function whyLeftOutOfQuick(text: string): string | undefined {
  if (runsAlone(text)) return 'it must run alone';
  return LEFT_OUT.exec(text)?.[1];
}

/** The suite files (names) under `dir` that --quick leaves out, with why. */
export function suitesLeftOutOfQuick(dir = SUITES): { file: string; why: string }[] {
  return suiteFiles(dir).flatMap((file) => {
    const why = whyLeftOutOfQuick(readFileSync(join(dir, file), 'utf8'));
    return why ? [{ file, why }] : [];
  });
}
