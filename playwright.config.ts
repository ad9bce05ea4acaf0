import { defineConfig } from '@playwright/test';
import { parseArgs } from './lib/core/command-line.ts';
import { suitesLeftOutOfQuick } from './lib/config/runs-alone.ts';

// Creates or reuses the cluster; may build everything offline on a cold machine.
const cluster = { name: 'cluster', testDir: 'suites', testMatch: /cluster\.setup\.ts$/, timeout: 85 * 60_000 };

// Reports: a list on the terminal, HTML for people, JUnit for CI, JSON (the
// timings), and the lab report (reports/labs.md and labs.html), all under reports/.
// HARNESS_REPORT_DIR: where a run's reports go (a student's folder when a class is graded).
const reports = process.env.HARNESS_REPORT_DIR || 'reports';
const options = parseArgs([], process.env).options;

export default defineConfig<{ pausesForWindows: boolean }>({
  outputDir: `${reports}/test-results`,
  reporter: [
    [process.env.CI ? 'line' : 'list'],
    ['html', { outputFolder: `${reports}/html`, open: 'never' }],
    ['junit', { outputFile: `${reports}/junit.xml` }],
    // Each test's start and duration: npm run bench:test reads where the time goes.
    ['json', { outputFile: `${reports}/results.json` }],
    ['./lib/report/lab-report.ts'],
  ],
  forbidOnly: !!process.env.CI,
  // The HTML report's header links the lab report. It renders only its `ci`
  // entry as a link (a pull request's, normally), hence this shape.
  metadata: { ci: { prTitle: 'Lab report: one row per lab and check, with causes (reports/labs.html)', prHref: '../labs.html' } },
  projects: options.live
    ? // A course cluster as deployed (npm test -- --live): read-only checks, lab by lab; no harness cluster.
      [{ name: 'live', testDir: 'suites/live', testMatch: /\.live\.ts$/, timeout: 3 * 60_000 }]
    : process.env.HARNESS_MANIFESTS
    ? [
        cluster,
        // Grading a submitted folder (npm test -- --manifests DIR): deployed once, then checked lab by lab.
        { name: 'grade-setup', testDir: 'suites/grade', testMatch: /deploy\.setup\.ts$/, dependencies: ['cluster'], timeout: 15 * 60_000 },
        // The checks, lab by lab (1-stack), then the behaviour rows on the student's objects
        // (2-updates: mysql's update, a frozen pod's probes...; 3-load: the rolling update
        // under load, which a class runs one submission at a time). One worker runs the files
        // in name order; none depends on another, so one file's failure drops no other's rows.
        { name: 'grade', testDir: 'suites/grade', testMatch: /\d-[\w-]+\.grade\.ts$/, dependencies: ['grade-setup'], timeout: 8 * 60_000, workers: 1 },
      ]
    : [
        // The harness's own logic; needs no cluster.
        { name: 'unit', testDir: 'unit', testMatch: /.*\.test\.ts$/, timeout: 30_000, fullyParallel: true },
        cluster,
        // The suites, against the cluster, on five workers: each file's tests
        // in order on one worker (a file in mode 'parallel': each test on
        // any), each test in its own namespace. What changes
        // what others read, claims what one test alone can hold, or measures
        // timing under load declares Playwright's exclusive lock, with its
        // reason: the whole file (test.describe.configure({ lock: '-exclusive-' }))
        // or only the tests that do, in a file of mode 'parallel' with no
        // beforeAll/afterAll (a file's tests are otherwise one job, or a few,
        // holding every lock any of them names).
        // It runs only when nothing else does. A test that only measures
        // in moments (class grading's rollouts under load) opens measurement
        // windows instead (fixtures/measurement-window.ts): the e2e tests
        // pause for them. What holds a thing only others
        // of its kind want takes a lock named for it (labs 05 and 06 of
        // pod-labs and class-isolation's host-network test: MySQL's host
        // port; the verifier's files) and runs beside the rest.
        // --quick: without the files that run alone, and the long ones that say so (the lab report lists them as not run).
        {
          name: 'e2e',
          testDir: 'suites',
          testMatch: /.*\.spec\.ts$/,
          testIgnore: options.quick ? suitesLeftOutOfQuick().map((s) => `**/${s.file}`) : [],
          dependencies: ['cluster'],
          timeout: 5 * 60_000,
          fullyParallel: false,
          use: { pausesForWindows: true },
        },
      ],
  // Five on two cores: the suites mostly wait on the cluster (probe periods,
  // rollouts); with four, the CPU was still idle 39% of a warm run (vmstat
  // every 10 s), and the gradings beside the shared suites (class grading,
  // class-isolation's two tests, grading.spec) hold up to four workers for
  // minutes at a time.
  workers: 5,
});
