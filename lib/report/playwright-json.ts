// Reading Playwright's JSON report (a run's reports/results.json, or the
// `--list --reporter=json` of a rehearsal): one entry per test, with its
// project, file, title, outcome, first error and annotations.
import { existsSync, readFileSync } from 'node:fs';

interface JsonResult {
  status: string;
  startTime?: string;
  duration?: number;
  error?: { message?: string };
  annotations?: Annotation[];
}

interface JsonSuite {
  title: string;
  file?: string;
  specs?: { title: string; file?: string; tests: { projectName: string; annotations?: Annotation[]; results: JsonResult[] }[] }[];
  suites?: JsonSuite[];
}

export interface JsonReport {
  suites: JsonSuite[];
  errors?: { message?: string }[];
}

export interface Annotation {
  type: string;
  description?: string;
}

export interface TestEntry {
  project: string;
  file: string;
  /** with its describe blocks' titles, joined by " › " */
  title: string;
  /** the last attempt's outcome; "listed" when the report is a --list */
  status: 'passed' | 'failed' | 'timedOut' | 'skipped' | 'interrupted' | 'listed';
  /** the last attempt's error message */
  message: string;
  /** the test's own annotations and its last attempt's */
  annotations: Annotation[];
}

export function testEntries(report: JsonReport): TestEntry[] {
  const visit = (suites: JsonSuite[], titles: string[]): TestEntry[] =>
    suites.flatMap((s) => {
      // A describe block's title belongs in its tests' titles; a file's does not.
      const own = s.file && s.title !== s.file ? [...titles, s.title] : titles;
      const mine = (s.specs ?? []).flatMap((spec) =>
        spec.tests.map((t): TestEntry => {
          const last = t.results.at(-1);
          return {
            project: t.projectName,
            file: spec.file ?? s.file ?? s.title,
            title: [...own, spec.title].join(' › '),
            status: (last?.status ?? 'listed') as TestEntry['status'],
            message: last?.error?.message ?? '',
            // Playwright lists a runtime annotation both on the test and on its result: each once.
            annotations: [...new Map([...(t.annotations ?? []), ...(last?.annotations ?? [])].map((a) => [`${a.type}\u0000${a.description}`, a])).values()],
          };
        }),
      );
      return [...mine, ...visit(s.suites ?? [], own)];
    });
  return visit(report.suites, []);
}

/** The report in `file`; undefined when the run wrote none. */
export function readJsonReport(file: string): JsonReport | undefined {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as JsonReport) : undefined;
}

/** The description of a test's first annotation of this type ('' when none). */
export const annotation = (t: TestEntry, type: string) => t.annotations.find((a) => a.type === type)?.description ?? '';
