// The suites that must run alone: a file whose test.describe.configure
// names Playwright's exclusive lock ('-exclusive-', alone or in a list).
// `npm test -- --quick` leaves them out (playwright.config.ts) and the lab
// report lists them as not run. The lock is the one place that says it.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const SUITES = resolve(import.meta.dirname, '../../suites');

const EXCLUSIVE = /test\.describe\.configure\(\{[^}]*\block:\s*(?:'-exclusive-'|\[[^\]]*'-exclusive-')/;

/** Whether a suite file's text declares the exclusive lock for the whole file. */
export const runsAlone = (text: string): boolean => EXCLUSIVE.test(text);

/** The suite files (names) under `dir` that run alone. */
export function suitesRunningAlone(dir = SUITES): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.spec.ts') && runsAlone(readFileSync(join(dir, f), 'utf8')))
    .sort();
}
