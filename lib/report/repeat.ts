// Pass counts of each check over repeated runs (npm run test:repeat).
import type { TestEntry } from './playwright-json.ts';

export interface PassCount {
  file: string;
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  /** runs whose report does not have the check (interrupted, or filtered out) */
  missing: number;
}

/** One row per check, those that failed at least once first. */
export function passCounts(runs: TestEntry[][]): PassCount[] {
  const rows = new Map<string, PassCount>();
  for (const tests of runs) {
    for (const t of tests) {
      const key = `${t.file}\u0000${t.title}`;
      const row = rows.get(key) ?? { file: t.file, name: t.title, passed: 0, failed: 0, skipped: 0, missing: 0 };
      row[t.status === 'passed' ? 'passed' : t.status === 'failed' || t.status === 'timedOut' ? 'failed' : 'skipped']++;
      rows.set(key, row);
    }
  }
  for (const row of rows.values()) row.missing = runs.length - row.passed - row.failed - row.skipped;
  return [...rows.values()].sort((a, b) => Number(b.failed > 0) - Number(a.failed > 0));
}
