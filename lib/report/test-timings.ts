// Where a run's wall time goes, from Playwright's JSON report
// (reports/results.json): each project's wall time, from its first test's
// start to its last test's end (hooks and fixtures included, as a user
// waits for them), each file's (its span, its tests' seconds, and the
// seconds it ran alone: no other file's test running, as under an exclusive
// lock, or because nothing else was left; the seconds its tests waited for
// measurement windows, or a window of its waited for the running tests:
// fixtures/measurement-window.ts), and the slowest tests.
export interface TestTiming {
  project: string;
  file: string;
  title: string;
  seconds: number;
  status: string;
}

export interface ProjectTiming {
  project: string;
  seconds: number;
  tests: number;
}

export interface FileTiming {
  project: string;
  file: string;
  /** first test's start to last test's end */
  span: number;
  /** the sum of its tests' durations (retries included) */
  testSeconds: number;
  /** the seconds in which a test of this file ran and no test of another file did */
  alone: number;
  /** the seconds its tests waited at measurement windows (annotations "window wait") */
  windowWait: number;
}

interface JsonSuite {
  title: string;
  file?: string;
  specs?: { title: string; file?: string; tests: { projectName: string; results: { startTime: string; duration: number; status: string; annotations?: { type: string; description?: string }[] }[] }[] }[];
  suites?: JsonSuite[];
}

interface Run {
  project: string;
  file: string;
  title: string;
  start: number;
  end: number;
  status: string;
  /** ms waited at measurement windows */
  windowWait: number;
}

/** The annotation a wait at a measurement window leaves: "what: 12.3 s". */
export const WINDOW_WAIT = 'window wait';
/**
 * What a test's wait before it started is called: Playwright's startTime is
 * taken before the fixtures and its duration leaves out a fixture with a
 * timeout of its own, so the test ran from startTime plus this wait.
 */
export const BEFORE_THE_TEST = 'before the test';

/** The waits at measurement windows, in ms: all of them, and the one before the test. */
function windowWaits(annotations: { type: string; description?: string }[] = []): { all: number; before: number } {
  const waits = annotations
    .filter((a) => a.type === WINDOW_WAIT)
    .map((a) => ({ before: a.description?.startsWith(`${BEFORE_THE_TEST}:`) ?? false, ms: 1000 * Number(/([\d.]+) s$/.exec(a.description ?? '')?.[1] ?? 0) }));
  return { all: waits.reduce((sum, w) => sum + w.ms, 0), before: waits.filter((w) => w.before).reduce((sum, w) => sum + w.ms, 0) };
}

function runs(suites: JsonSuite[], titles: string[] = []): Run[] {
  return suites.flatMap((s) => {
    // A describe block's title belongs in its tests' titles; a file's does not.
    const own = s.file && s.title !== s.file ? [...titles, s.title] : titles;
    const mine = (s.specs ?? []).flatMap((spec) =>
      spec.tests.flatMap((t) =>
        t.results.map((r) => {
          const waits = windowWaits(r.annotations);
          const start = Date.parse(r.startTime) + waits.before;
          return { project: t.projectName, file: spec.file ?? s.file ?? s.title, title: [...own, spec.title].join(' › '), start, end: start + r.duration, status: r.status, windowWait: waits.all };
        }),
      ),
    );
    return [...mine, ...runs(s.suites ?? [], own)];
  });
}

/** Per file: its span, its tests' seconds, and the seconds it ran with no other file's test running, by a sweep over every start and end. */
function fileTimings(all: Run[]): FileTiming[] {
  const keyOf = (r: Run) => `${r.project}\u0000${r.file}`;
  const alone = new Map<string, number>();
  const edges = [...new Set(all.flatMap((r) => [r.start, r.end]))].sort((a, b) => a - b);
  for (let i = 0; i + 1 < edges.length; i++) {
    const running = new Set(all.filter((r) => r.start <= edges[i] && r.end >= edges[i + 1]).map(keyOf));
    if (running.size === 1) {
      const [key] = running;
      alone.set(key, (alone.get(key) ?? 0) + edges[i + 1] - edges[i]);
    }
  }
  const files = [...new Map(all.map((r) => [keyOf(r), r])).entries()];
  return files
    .map(([key, { project, file }]) => {
      const mine = all.filter((r) => keyOf(r) === key);
      return {
        project,
        file,
        span: round((Math.max(...mine.map((r) => r.end)) - Math.min(...mine.map((r) => r.start))) / 1000),
        testSeconds: round(mine.reduce((sum, r) => sum + r.end - r.start, 0) / 1000),
        alone: round((alone.get(key) ?? 0) / 1000),
        windowWait: round(mine.reduce((sum, r) => sum + r.windowWait, 0) / 1000),
      };
    })
    .sort((a, b) => b.alone - a.alone || b.testSeconds - a.testSeconds);
}

export function testTimings(report: { suites: JsonSuite[] }, slowest = 10): { projects: ProjectTiming[]; files: FileTiming[]; slowest: TestTiming[] } {
  const all = runs(report.suites);
  const projects = [...new Set(all.map((r) => r.project))].map((project) => {
    const mine = all.filter((r) => r.project === project);
    return { project, seconds: round((Math.max(...mine.map((r) => r.end)) - Math.min(...mine.map((r) => r.start))) / 1000), tests: mine.length };
  });
  const tests = all
    .map((r) => ({ project: r.project, file: r.file, title: r.title, seconds: round((r.end - r.start) / 1000), status: r.status }))
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, slowest);
  return { projects, files: fileTimings(all), slowest: tests };
}

const round = (n: number) => Math.round(n * 10) / 10;
