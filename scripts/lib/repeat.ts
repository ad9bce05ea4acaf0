// Pass counts of each check over repeated runs (npm run test:repeat).
import type { TestCase } from './junit.ts';

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
export function passCounts(runs: TestCase[][]): PassCount[] {
  const rows = new Map<string, PassCount>();
  for (const cases of runs) {
    for (const c of cases) {
      const key = `${c.file}\u0000${c.name}`;
      const row = rows.get(key) ?? { file: c.file, name: c.name, passed: 0, failed: 0, skipped: 0, missing: 0 };
      row[c.status]++;
      rows.set(key, row);
    }
  }
  for (const row of rows.values()) row.missing = runs.length - row.passed - row.failed - row.skipped;
  return [...rows.values()].sort((a, b) => Number(b.failed > 0) - Number(a.failed > 0));
}
