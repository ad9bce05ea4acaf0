// Where a run's wall time goes, from Playwright's JSON report
// (reports/results.json): each project's wall time, from its first test's
// start to its last test's end (hooks and fixtures included, as a user
// waits for them), and the slowest tests.
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

interface JsonSuite {
  title: string;
  file?: string;
  specs?: { title: string; file?: string; tests: { projectName: string; results: { startTime: string; duration: number; status: string }[] }[] }[];
  suites?: JsonSuite[];
}

interface Run {
  project: string;
  file: string;
  title: string;
  start: number;
  end: number;
  status: string;
}

function runs(suites: JsonSuite[], titles: string[] = []): Run[] {
  return suites.flatMap((s) => {
    // A describe block's title belongs in its tests' titles; a file's does not.
    const own = s.file && s.title !== s.file ? [...titles, s.title] : titles;
    const mine = (s.specs ?? []).flatMap((spec) =>
      spec.tests.flatMap((t) =>
        t.results.map((r) => ({
          project: t.projectName,
          file: spec.file ?? s.file ?? s.title,
          title: [...own, spec.title].join(' › '),
          start: Date.parse(r.startTime),
          end: Date.parse(r.startTime) + r.duration,
          status: r.status,
        })),
      ),
    );
    return [...mine, ...runs(s.suites ?? [], own)];
  });
}

export function testTimings(report: { suites: JsonSuite[] }, slowest = 10): { projects: ProjectTiming[]; slowest: TestTiming[] } {
  const all = runs(report.suites);
  const projects = [...new Set(all.map((r) => r.project))].map((project) => {
    const mine = all.filter((r) => r.project === project);
    return { project, seconds: round((Math.max(...mine.map((r) => r.end)) - Math.min(...mine.map((r) => r.start))) / 1000), tests: mine.length };
  });
  const tests = all
    .map((r) => ({ project: r.project, file: r.file, title: r.title, seconds: round((r.end - r.start) / 1000), status: r.status }))
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, slowest);
  return { projects, slowest: tests };
}

const round = (n: number) => Math.round(n * 10) / 10;
