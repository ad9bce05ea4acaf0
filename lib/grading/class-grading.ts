// Grading a class: every submission through the grading projects in a
// Playwright run of its own (its own namespaces, edge, report folder,
// timeouts and log), several at once, each as if it were alone: what it
// applies is its slot's (submission.ts, slot-edge.ts); what cannot be kept
// apart, pods on a node's host network, is graded one such submission at a
// time, and the report says so. The rollout under load, which loads the
// machine, runs one submission at a time. Each submission's namespaces,
// edge and node folders are removed as soon as it is graded, and waited
// for. Then the scores (rubric.ts) and the class report: class.html
// (students by labs, each cell the lab's score, linking to the student's lab
// report), class.csv for a gradebook, class.json for merging shards.
import { cpus } from 'node:os';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { INTERRUPTED, labRow, writeLabReportFiles, type LabRow } from '../report/lab-report.ts';
import { readJsonReport, testEntries, type TestEntry } from '../report/playwright-json.ts';
import { doing, info, step, warn } from '../core/log.ts';
import { loadLabs } from '../course/labs.ts';
import { hint, score, type Rubric, type StudentScore } from './rubric.ts';
import { loadTurns, type Window } from './load-turns.ts';
import { removeSlot } from './slot-edge.ts';
import { GradeMap, gradeId, readSubmission, type GradeState } from './submission.ts';
import { removeFromNodes } from '../cluster/nodes.ts';
import { spawn } from '../core/exec.ts';
import { escapeHtml } from '../core/html.ts';

export interface Submission {
  name: string;
  dir: string;
}

/** Every folder under `dir` is one student's submission (a folder of manifests, or a git checkout). */
export function findSubmissions(dir: string): Submission[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && statSync(join(dir, n)).isDirectory())
    .sort()
    .map((name) => ({ name, dir: resolve(dir, name) }));
}

/** Every N-th submission, starting at the K-th (`--shard K/N`): the share of one of N machines. */
export function shardOf<T>(items: T[], shard?: { k: number; n: number }): T[] {
  return shard ? items.filter((_, i) => i % shard.n === shard.k - 1) : items;
}

/** CPU (millicores) and memory (bytes) one graded submission asks for: the reference labs' requests, 50m/64Mi for a container without. */
export const SUBMISSION_REQUESTS = { cpu: 300, memory: 700 * 2 ** 20 };

const cpuMillis = (q?: string) => (!q ? 0 : q.endsWith('m') ? Number(q.slice(0, -1)) : Number(q) * 1000);
const bytes = (q?: string) => {
  const m = /^(\d+(?:\.\d+)?)([KMGT]i?)?$/.exec(q ?? '');
  if (!m) return 0;
  const unit = { K: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 }[m[2] ?? ''] ?? 1;
  return Number(m[1]) * unit;
};

/**
 * How many submissions to grade at once: what the cluster has left after
 * its pods' requests, over what a submission asks for, at least 1 and at
 * most 4. The harness's kind nodes all share this machine, so its CPUs
 * bound the cluster's.
 */
export async function chooseParallel(kc: KubeConfig, sharedHost: boolean): Promise<{ parallel: number; why: string }> {
  const core = kc.makeApiClient(CoreV1Api);
  const nodes = (await core.listNode()).items;
  const pods = (await core.listPodForAllNamespaces()).items.filter((p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? ''));
  const requested = (r: 'cpu' | 'memory') => pods.flatMap((p) => p.spec?.containers ?? []).reduce((n, c) => n + (r === 'cpu' ? cpuMillis(c.resources?.requests?.cpu) : bytes(c.resources?.requests?.memory)), 0);
  const allocatable = (r: 'cpu' | 'memory') => nodes.reduce((n, node) => n + (r === 'cpu' ? cpuMillis(node.status?.allocatable?.cpu) : bytes(node.status?.allocatable?.memory)), 0);
  const cpuTotal = sharedHost ? Math.min(allocatable('cpu'), cpus().length * 1000) : allocatable('cpu');
  const memTotal = sharedHost ? Math.min(allocatable('memory'), bytes(nodes[0]?.status?.allocatable?.memory)) : allocatable('memory');
  const freeCpu = Math.max(0, cpuTotal - requested('cpu'));
  const freeMem = Math.max(0, memTotal - requested('memory'));
  const fit = Math.min(Math.floor(freeCpu / SUBMISSION_REQUESTS.cpu), Math.floor(freeMem / SUBMISSION_REQUESTS.memory));
  const parallel = Math.max(1, Math.min(4, fit));
  return { parallel, why: `${freeCpu}m CPU and ${(freeMem / 2 ** 30).toFixed(1)} GiB free (a submission asks about ${SUBMISSION_REQUESTS.cpu}m and ${SUBMISSION_REQUESTS.memory / 2 ** 20} MiB)` };
}

export interface ClassOptions {
  submissions: Submission[];
  rubric: Rubric;
  /** where the class report and the students' folders go */
  reportDir: string;
  parallel: number;
  regrade: boolean;
  /** the harness's HARNESS_* variables for the grading runs */
  env: Record<string, string>;
  clusterName: string;
  kc: KubeConfig;
  /** a submission's checks are stopped after this long (default 20 min), its rollout under load after LOAD_BUDGET_MS from its turn; the rows they miss score 0 */
  budgetMs?: number;
  /** aborted: no further submission is started (the running ones finish, and their reports are written) */
  stop?: AbortSignal;
  /** aborted: the running grading runs are interrupted too, as by Ctrl-C (a terminal's Ctrl-C reaches them by itself) */
  cancel?: AbortSignal;
  /** the grading files after the deploy step (default: the stack's checks and the updates; a proof may take fewer) */
  checks?: string[];
  /** the rollout under load after them (default true) */
  load?: boolean;
  /** holds the rollouts under load apart from other work (the harness's suites: fixtures/measurement-window.ts), those ready back to back (up to `parallel`) in one hold; a class alone needs none */
  window?: Window;
}

/** The rollout under load gets this long from its turn on, however long it waited for it. */
export const LOAD_BUDGET_MS = 10 * 60_000;

export interface StudentResult {
  name: string;
  score: StudentScore;
  rows: LabRow[];
  /** graded in this run (not reused from an earlier one) */
  graded: boolean;
  seconds?: number;
  /** why it was graded apart from some others (pods on the host's network), if it was */
  alone?: string;
}

const studentDir = (o: { reportDir: string }, name: string) => join(o.reportDir, 'students', name);

/**
 * A Playwright run of these grading files for one submission (the setup
 * project deploys it first unless `deploy` is false): its reports (lab
 * report, HTML, JUnit) in the student's folder, its output in run.log. Stopped (as by Ctrl-C, so it tears down and reports) on timeout
 * or when the class is cancelled.
 */
async function gradingRun(o: ClassOptions, s: Submission, files: string[], deploy: boolean, sub: string, timeoutMs: number): Promise<'done' | 'timed out' | 'cancelled'> {
  const dir = join(studentDir(o, s.name), sub);
  mkdirSync(dir, { recursive: true });
  const projects = deploy ? ['--project=grade-setup', '--project=grade'] : ['--project=grade', '--no-deps'];
  const r = await spawn('playwright', ['test', ...projects, ...files.map((f) => `suites/grade/${f}`)], {
    preferLocal: true,
    env: {
      ...o.env,
      HARNESS_MANIFESTS: s.dir,
      HARNESS_GRADE_ID: gradeId(s.dir),
      HARNESS_REPORT_DIR: dir,
      HARNESS_GRADE_STATE: join(studentDir(o, s.name), 'grade-state.json'),
    },
    all: true,
    timeout: timeoutMs,
    cancelSignal: o.cancel,
    killSignal: 'SIGINT',
    forceKillAfterDelay: 60_000,
  });
  writeFileSync(join(dir, 'run.log'), String(r.all ?? ''));
  if (r.isCanceled) return 'cancelled';
  if (!r.timedOut) {
    // A verdict needs the run's report without a test cut short: a Ctrl-C in a terminal reaches Playwright itself.
    const rows = reportRows(dir);
    return rows && !rows.some((row) => row.detail === INTERRUPTED) ? 'done' : 'cancelled';
  }
  writeFileSync(join(dir, 'timed-out'), `the grading was stopped after ${(timeoutMs / 60_000).toFixed(0)} min\n`);
  return 'timed out';
}

/** Written once both phases of a submission ended (a timeout included: it is a verdict); an interrupted grading has none. */
export const completeMarker = (o: { reportDir: string }, name: string) => join(studentDir(o, name), 'complete');

/** A submission's namespaces, edge and node folders, gone (the namespaces waited for: its host ports are free once its pods are). */
async function cleanUp(o: ClassOptions, s: Submission): Promise<void> {
  const id = gradeId(s.dir);
  await removeSlot(o.kc, id);
  const state = join(studentDir(o, s.name), 'grade-state.json');
  const hostPaths = existsSync(state) ? ((JSON.parse(readFileSync(state, 'utf8')) as GradeState).hostPaths ?? []) : [];
  await removeFromNodes(o.clusterName, hostPaths.filter((p) => p.endsWith(`-g${id}`)));
}

/**
 * A grading run's rows, from its one record of outcomes (Playwright's JSON
 * report, as strict mode and timings read it), made rows as the lab report
 * makes them; undefined when the run ended no test.
 */
function reportRows(dir: string): LabRow[] | undefined {
  const report = readJsonReport(join(dir, 'results.json'));
  const rows = (report ? testEntries(report) : [])
    .filter((t) => t.status !== 'listed')
    .map((t) => labRow(t.file, t.title, t.status as Exclude<TestEntry['status'], 'listed'>, t.annotations, t.message || undefined));
  // A run that ended no test (a grading file that did not load, say) has no verdict: as when the lab report wrote none.
  return rows.length ? rows : undefined;
}

/** The rows of a student's graded runs (both phases). */
function studentRows(o: { reportDir: string }, name: string): LabRow[] {
  return ['', 'load'].flatMap((sub) => reportRows(join(studentDir(o, name), sub)) ?? []);
}

/** A grading's row titles are "lab NN-name: check" or "files: ..."; the lab report files them under "Submission: ...". */
const titled = (r: LabRow) => `${r.topic.replace(/^Submission: /, '')}: ${r.check}`;

/** Why a submission must be graded apart from the others of its kind: its pods use a node's host network (one port, one node), or undefined. */
export function gradedAlone(s: Submission): string | undefined {
  const { hostNetwork } = readSubmission(s.dir, loadLabs(), new GradeMap(gradeId(s.dir)));
  return hostNetwork.length ? `graded one at a time with the other submissions on a node's host network (${hostNetwork.join(', ')}: hostNetwork or hostPort, which two submissions cannot share)` : undefined;
}

/** Written beside a student's reports: why they were graded apart (the class report says so). */
export const aloneMarker = (o: { reportDir: string }, name: string) => join(studentDir(o, name), 'graded-alone');

/** Grades the class (the submissions not completely graded yet, or all with `regrade`), then writes the class report. */
export async function gradeClass(o: ClassOptions): Promise<StudentResult[]> {
  const todo = o.submissions.filter((s) => o.regrade || !existsSync(completeMarker(o, s.name)));
  // Pods on a node's host network cannot be kept apart: such submissions take turns, from deploy to clean-up.
  let hostTurn = Promise.resolve();
  const reused = o.submissions.length - todo.length;
  info(`grading ${todo.length} submission(s), ${o.parallel} at a time${reused ? `; ${reused} graded before, reused (--regrade grades them again)` : ''}; the rollouts under load one submission at a time`);
  const budget = o.budgetMs ?? 20 * 60_000;
  const seconds = new Map<string, number>();
  const loadTurn = loadTurns(o.window, o.parallel);
  let next = 0;
  // What each submission in flight is doing, for the step's heartbeat.
  const phase = new Map<string, string>();
  const now = (name: string, what?: string) => {
    if (what) phase.set(name, what);
    else phase.delete(name);
    const names = new Map<string, string[]>();
    for (const [n, w] of phase) names.set(w, [...(names.get(w) ?? []), n]);
    doing([...names].map(([w, ns]) => `${w}: ${ns.join(', ')}`).join('; '));
  };
  const worker = async () => {
    while (next < todo.length && !o.stop?.aborted) {
      const s = todo[next++];
      const started = Date.now();
      rmSync(studentDir(o, s.name), { recursive: true, force: true });
      const alone = gradedAlone(s);
      let release = () => {};
      if (alone) {
        now(s.name, "waiting for the node's host network");
        const previous = hostTurn;
        hostTurn = new Promise<void>((resolve) => (release = resolve));
        await previous;
        mkdirSync(studentDir(o, s.name), { recursive: true });
        writeFileSync(aloneMarker(o, s.name), `${alone}\n`);
      }
      info(`  ${s.name}: deploying and checking${alone ? ` (${alone})` : ''}`);
      now(s.name, 'deploying and checking');
      try {
        const first = await gradingRun(o, s, ['deploy.setup.ts', ...(o.checks ?? ['1-stack.grade.ts', '2-updates.grade.ts'])], true, '', budget);
        // A submission that ran out of time keeps its "not run" rows, and does not hold the load turn for another 10 minutes.
        let complete = first === 'timed out';
        if (first === 'done' && o.load === false) complete = true;
        else if (first === 'done') {
          // One submission at a time: rollouts under load beside each other would disturb each other's measurements.
          now(s.name, 'waiting for its turn of the rollouts under load');
          const load = await loadTurn(`${s.name}'s rollout under load`, async () => {
            if (o.stop?.aborted) return undefined;
            now(s.name, 'rollouts under load');
            return gradingRun(o, s, ['3-load.grade.ts'], false, 'load', LOAD_BUDGET_MS);
          });
          complete = load === 'done' || load === 'timed out';
        }
        if (complete) writeFileSync(completeMarker(o, s.name), `${new Date().toISOString()}\n`);
      } catch (err) {
        warn(`${s.name}: ${(err as Error).message}`);
      } finally {
        // Pods on the host's network hold their ports until they are gone: the next such submission waits for the deletion.
        // Any other's namespaces go while the next submission starts (its own, under another id); the class waits for them at its end.
        const removed = cleanUp(o, s).catch((err: Error) => warn(`${s.name}: clean-up incomplete: ${err.message}`));
        if (alone) await removed;
        else removals.push(removed);
        release();
        seconds.set(s.name, (Date.now() - started) / 1000);
        now(s.name);
        info(`  ${s.name}: graded in ${seconds.get(s.name)!.toFixed(0)} s`);
      }
    }
  };
  const removals: Promise<void>[] = [];
  await step(`grading ${todo.length} submission(s)`, () => Promise.all(Array.from({ length: Math.min(o.parallel, Math.max(1, todo.length)) }, worker)));
  await step('the graded submissions\' namespaces deleted', () => Promise.all(removals));

  const results = o.submissions.map((s) => ({ ...studentResult(o, s.name), graded: todo.includes(s), seconds: seconds.get(s.name) }));
  writeClassReport(o.reportDir, results, o.rubric);
  return results;
}

/** A student's score from the reports in their folder; an interrupted grading's rows are not a verdict (no rows: "not graded"). */
export function studentResult(o: { reportDir: string; rubric: Rubric }, name: string): StudentResult {
  const rows = existsSync(completeMarker(o, name)) ? studentRows(o, name) : [];
  const marker = ['', 'load'].map((sub) => join(studentDir(o, name), sub, 'timed-out')).find((f) => existsSync(f));
  const timedOut = marker ? ` (${readFileSync(marker, 'utf8').trim()})` : '';
  const scored = score(
    rows.map((r) => ({ title: titled(r), result: r.result, detail: r.detail })),
    o.rubric,
  );
  if (timedOut) for (const l of scored.labs) for (const c of l.checks.filter((x) => x.outcome === 'missing')) c.cause = `not run${timedOut}`;
  const alone = existsSync(aloneMarker(o, name)) ? readFileSync(aloneMarker(o, name), 'utf8').trim() : undefined;
  return { name, score: scored, rows, graded: false, ...(alone ? { alone } : {}) };
}

/** The course's order of the labs, for the sections of a student's report. */
const labOrder = (rubric: Rubric, topic: string) => {
  const lab = /^Submission: lab (\S+)/.exec(topic)?.[1];
  const i = lab ? Object.keys(rubric).indexOf(lab) : -1;
  return i < 0 ? 1000 : i;
};

/** A student's lab report: a score line per lab at the top, sections in the course's order, failures first, each with its hint. */
function studentReport(dir: string, r: StudentResult, rubric: Rubric): void {
  const rows = [...r.rows]
    .map((row) => {
      const lab = /^Submission: lab (\S+)/.exec(row.topic)?.[1];
      return row.result === 'fail' && lab ? { ...row, detail: `${row.detail} · hint: ${hint(rubric, lab)}` } : row;
    })
    .sort((a, b) => labOrder(rubric, a.topic) - labOrder(rubric, b.topic) || Number(b.result === 'fail') - Number(a.result === 'fail'));
  const summary = r.score.labs.map((l) => `${l.lab} ${l.earned}/${l.points}`).join(', ');
  const notJudged = r.score.notJudged ? `; ${r.score.notJudged} point(s) not judged (the harness's limits, left out of the total)` : '';
  const heading = `${r.name}: ${r.score.earned}/${r.score.points} points (${summary})${notJudged}${r.alone ? `; ${r.alone}` : ''}`;
  writeLabReportFiles(dir, rows, heading);
}

const csvCell = (v: string | number) => {
  const t = String(v);
  return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};

/** A student without a report is not scored 0: their grading did not happen (or did not finish). */
const notGraded = (reportDir: string, name: string) =>
  `not graded: the grading was interrupted or did not start${existsSync(join(studentDir({ reportDir }, name), 'run.log')) ? `; see students/${name}/run.log` : ''}`;

/** The failed checks of a student, with their causes, in one cell. */
const failures = (r: StudentResult) =>
  r.score.labs
    .flatMap((l) => l.checks.filter((c) => c.outcome !== 'pass').map((c) => `${l.lab} ${c.check}: ${c.cause}`))
    .join(' | ');

/** class.html, class.csv, class.json and each student's lab report. */
export function writeClassReport(reportDir: string, results: StudentResult[], rubric: Rubric): void {
  mkdirSync(reportDir, { recursive: true });
  for (const r of results) if (r.rows.length) studentReport(studentDir({ reportDir }, r.name), r, rubric);
  const labs = Object.keys(rubric);
  const csv = [
    ['student', 'total', 'max', 'not judged', ...labs, 'failed checks'].map(csvCell).join(','),
    ...results.map((r) =>
      (r.rows.length ? [r.name, r.score.earned, r.score.points, r.score.notJudged, ...labs.map((l) => r.score.labs.find((x) => x.lab === l)?.earned ?? 0), failures(r)] : [r.name, '', r.score.points, '', ...labs.map(() => ''), notGraded(reportDir, r.name)])
        .map(csvCell)
        .join(','),
    ),
  ];
  writeFileSync(join(reportDir, 'class.csv'), csv.join('\n') + '\n');
  writeFileSync(join(reportDir, 'class.json'), JSON.stringify({ rubric, results: results.map(({ name, score: s, rows, seconds, alone }) => ({ name, score: s, rows, seconds, alone })) }, null, 2) + '\n');
  const color = (earned: number, points: number) => (points === 0 ? '#eee' : earned === points ? '#b7e4c7' : earned === 0 ? '#f4a6a6' : '#ffe08a');
  const head = `<tr><th>student</th><th>total</th>${labs.map((l) => `<th title="${escapeHtml(rubric[l].chapter)}">${escapeHtml(l)}</th>`).join('')}</tr>`;
  const body = results
    .map((r) => {
      if (!r.rows.length) return `<tr><td>${escapeHtml(r.name)}</td><td colspan="${labs.length + 1}">${escapeHtml(notGraded(reportDir, r.name))}</td></tr>`;
      const link = (text: string) => `<a href="students/${encodeURIComponent(r.name)}/labs.html">${text}</a>`;
      const cells = labs.map((l) => {
        const s = r.score.labs.find((x) => x.lab === l);
        const failed = s?.checks.filter((c) => c.outcome !== 'pass').map((c) => `${c.check}: ${c.cause}`).join('\n') ?? '';
        return `<td style="background:${color(s?.earned ?? 0, s?.points ?? 0)}" title="${escapeHtml(failed)}">${link(`${s?.earned ?? 0}/${s?.points ?? 0}`)}</td>`;
      });
      const notes = [r.score.notJudged ? `${r.score.notJudged} point(s) not judged, left out of the total` : '', r.alone ?? ''].filter(Boolean).join('; ');
      return `<tr><td>${link(escapeHtml(r.name))}</td><td title="${escapeHtml(notes)}"><b>${r.score.earned}/${r.score.points}</b>${r.score.notJudged ? '*' : ''}</td>${cells.join('')}</tr>`;
    })
    .join('\n');
  writeFileSync(
    join(reportDir, 'class.html'),
    `<!doctype html><meta charset="utf-8"><title>Class report</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:center}td:first-child{text-align:left}</style>
<h1>Class report</h1><p>${results.length} student(s); each cell is the lab's score, green full, yellow partial, red none; hover for the failed checks, click for the student's lab report. A total marked * leaves out checks the harness could not judge (hover for how many points).</p>
<table>${head}
${body}</table>
`,
  );
}

/** Merges the class.json of several shards into one class report. */
export function mergeClassReports(dirs: string[], reportDir: string): StudentResult[] {
  let rubric: Rubric | undefined;
  const results: StudentResult[] = [];
  for (const dir of dirs) {
    const file = join(dir, 'class.json');
    if (!existsSync(file)) throw new Error(`${dir} has no class.json (grade a shard with npm test -- --submissions DIR --shard K/N first)`);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { rubric: Rubric; results: StudentResult[] };
    rubric ??= doc.rubric;
    mkdirSync(join(reportDir, 'students'), { recursive: true });
    for (const r of doc.results) {
      results.push({ ...r, graded: false });
      const from = join(dir, 'students', r.name);
      if (existsSync(from) && resolve(from) !== resolve(reportDir, 'students', r.name)) cpSync(from, join(reportDir, 'students', r.name), { recursive: true });
    }
  }
  results.sort((a, b) => a.name.localeCompare(b.name));
  writeClassReport(reportDir, results, rubric ?? {});
  return results;
}
