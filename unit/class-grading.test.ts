import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tempDir } from './temp.ts';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { findSubmissions, shardOf, studentResult, writeClassReport } from '../lib/grading/class-grading.ts';
import { MANIFESTS } from '../lib/course/labs.ts';
import { parseArgs } from '../lib/core/command-line.ts';
import { UsageError } from '../lib/core/options.ts';
import { hint, loadRubric, score, type GradedRow } from '../lib/grading/rubric.ts';

const rubric = loadRubric(join(MANIFESTS, 'rubric.yaml'));

test('score: partial credit per lab; a check that did not run scores 0 and says so; a missing row is named', () => {
  const rows: GradedRow[] = [
    { title: 'lab 30-services: the folder defines Service/myblog-np, Service/myblog, Service/mysql, and the API server accepts them', result: 'pass', detail: '' },
    { title: 'lab 30-services: Service myblog serves the blog list from inside the namespace', result: 'fail', detail: 'Service myblog does not serve: Service myblog selects app=myblg: no pod matches' },
    { title: 'lab 30-services: Service mysql selects the Ready mysql pod on its port', result: 'fail', detail: 'not run: lab 20-deployments did not roll out' },
    { title: 'files: a.yaml is Kubernetes YAML without audit findings', result: 'fail', detail: 'a.yaml:1: YAML error' },
  ];
  const s = score(rows, rubric);
  const services = s.labs.find((l) => l.lab === '30-services')!;
  expect([services.earned, services.points]).toEqual([1, 6]);
  expect(services.checks.map((c) => [c.check, c.outcome, c.earned])).toEqual([
    ['the folder defines', 'pass', 1],
    ['Service myblog serves the blog list', 'fail', 0],
    ['Service mysql selects the Ready mysql pod', 'not run', 0],
    ['NodePort Service myblog-np serves the blog list', 'missing', 0],
  ]);
  expect(services.checks[2].cause).toBe('not run: lab 20-deployments did not roll out');
  expect(s.unscored).toEqual(['files: a.yaml is Kubernetes YAML without audit findings']);
  expect(hint(rubric, '30-services')).toBe("see the course's section Service 服务访问");
});

test('score: a row the harness could not judge scores no points and costs none: the total shrinks by its points, and says so', () => {
  const title = (check: string) => `lab 50-bookstore: ${check}`;
  const rows: GradedRow[] = [
    { title: title('bookstore.luffy.com/details/0 reaches details with the path unchanged'), result: 'pass', detail: '' },
    { title: title('the rewrite keeps deeper segments: /api/reviews/0/extra reaches reviews'), result: 'skipped', detail: "not judged: http://bookstore.luffy.com/api/reviews/0/extra: Service reviews's answer (HTTP 404) names no pod" },
    { title: title('bookstore.luffy.com/reviews/0 reaches reviews with the path unchanged'), result: 'skipped', detail: 'the folder answers with nothing' },
  ];
  const s = score(rows, rubric);
  const lab = s.labs.find((l) => l.lab === '50-bookstore')!;
  const full = rubric['50-bookstore'].checks.reduce((n, c) => n + c.points, 0);
  const deeper = rubric['50-bookstore'].checks.find((c) => c.check.startsWith('the rewrite keeps deeper segments'))!.points;
  expect(lab.checks.find((c) => c.check.startsWith('the rewrite keeps'))).toMatchObject({ outcome: 'not judged', earned: 0, cause: expect.stringMatching(/^not judged: /) });
  // A plain skip is the student's: not run, 0 of its points.
  expect(lab.checks.find((c) => c.check.startsWith('bookstore.luffy.com/reviews/0'))).toMatchObject({ outcome: 'not run', earned: 0 });
  expect([lab.points, lab.notJudged]).toEqual([full - deeper, deeper]);
  expect(s.notJudged).toBe(deeper);
  expect(s.points).toBe(Object.values(rubric).reduce((n, l) => n + l.checks.reduce((m, c) => m + c.points, 0), 0) - deeper);
});

test('a rubric with a mistake is one line naming the file and the place', () => {
  const dir = tempDir('rubric-');
  const bad = (text: string) => {
    writeFileSync(join(dir, 'r.yaml'), text);
    return () => loadRubric(join(dir, 'r.yaml'));
  };
  expect(bad('labs:\n  10-config:\n    checks:\n      - check: x\n        points: -1\n')).toThrow(new UsageError(`rubric ${join(dir, 'r.yaml')}: labs.10-config.checks[0].points must be a number >= 0`));
  expect(bad('nothing: here\n')).toThrow(/needs a "labs" map/);
  expect(bad('labs: [\n')).toThrow(/^rubric .*r\.yaml: /);
});

test('the class report: a student without a report is "not graded", not 0; causes are escaped in the HTML', () => {
  const dir = tempDir('class-report-');
  const rows = [{ topic: 'Submission: lab 30-services', check: 'Service myblog serves the blog list from inside the namespace', result: 'fail' as const, detail: 'Service myblog selects "app=myblg" <none>' }];
  const graded = { name: 'alice', score: score(rows.map((r) => ({ title: `lab 30-services: ${r.check}`, result: r.result, detail: r.detail })), rubric), rows, graded: true };
  const interrupted = { name: 'bob', score: score([], rubric), rows: [], graded: false };
  const notStarted = { name: 'carol', score: score([], rubric), rows: [], graded: false };
  mkdirSync(join(dir, 'students', 'bob'), { recursive: true });
  writeFileSync(join(dir, 'students', 'bob', 'run.log'), 'Running 43 tests');
  writeClassReport(dir, [graded, interrupted, notStarted], rubric);
  const csv = readFileSync(join(dir, 'class.csv'), 'utf8').trim().split('\n');
  expect(csv[1]).toMatch(/^alice,0,\d+,/);
  expect(csv[2]).toMatch(/^bob,,\d+,(,)+not graded: the grading was interrupted or did not start; see students\/bob\/run\.log$/);
  expect(csv[3]).toMatch(/^carol,,\d+,(,)+not graded: the grading was interrupted or did not start$/);
  const html = readFileSync(join(dir, 'class.html'), 'utf8');
  expect(html).toContain('selects &quot;app=myblg&quot; &lt;none&gt;');
  expect(html).toContain('<td>bob</td><td colspan=');
  expect(readFileSync(join(dir, 'students', 'alice', 'labs.md'), 'utf8')).toContain('hint: see the course');
});

test("a student's result: rows only once both phases ended (the complete marker); a timeout names the rows it left unrun", () => {
  const dir = tempDir('class-result-');
  const student = join(dir, 'students', 'dave');
  mkdirSync(join(student, 'load'), { recursive: true });
  // The run's outcomes as Playwright's JSON reporter records them; the row as the lab report makes it.
  const title = 'lab 30-services: Service myblog serves the blog list from inside the namespace';
  const spec = { title, file: '1-stack.grade.ts', tests: [{ projectName: 'grade', annotations: [], results: [{ status: 'passed', annotations: [] }] }] };
  writeFileSync(join(student, 'results.json'), JSON.stringify({ suites: [{ title: '1-stack.grade.ts', file: '1-stack.grade.ts', specs: [spec] }] }));
  const row = { topic: 'Submission: lab 30-services', check: 'Service myblog serves the blog list from inside the namespace', result: 'pass', detail: '' };
  expect(studentResult({ reportDir: dir, rubric }, 'dave').rows, 'interrupted: no verdict').toEqual([]);
  writeFileSync(join(student, 'complete'), 'now');
  writeFileSync(join(student, 'load', 'timed-out'), 'the grading was stopped after 10 min');
  const r = studentResult({ reportDir: dir, rubric }, 'dave');
  expect(r.rows).toEqual([row]);
  const deployments = r.score.labs.find((l) => l.lab === '20-deployments')!;
  expect(deployments.checks.every((c) => c.outcome === 'missing' && c.cause === 'not run (the grading was stopped after 10 min)')).toBe(true);
});

test('a class folder: every subfolder a submission (hidden ones not); --shard K/N takes every N-th from the K-th', () => {
  const dir = tempDir('class-');
  for (const name of ['carol', 'alice', 'bob', '.git']) mkdirSync(join(dir, name));
  writeFileSync(join(dir, 'README.md'), 'not a submission');
  const subs = findSubmissions(dir);
  expect(subs.map((s) => s.name)).toEqual(['alice', 'bob', 'carol']);
  expect(shardOf(subs, { k: 1, n: 2 }).map((s) => s.name)).toEqual(['alice', 'carol']);
  expect(shardOf(subs, { k: 2, n: 2 }).map((s) => s.name)).toEqual(['bob']);
});

test('class options: --manifests several times, --parallel, --shard, --regrade; bad values are one line', () => {
  const { options } = parseArgs(['--manifests', MANIFESTS, '--manifests', join(MANIFESTS, 'pods'), '--parallel', '3', '--shard', '2/3', '--regrade'], {});
  expect(options.manifestsList).toEqual([MANIFESTS, join(MANIFESTS, 'pods')]);
  expect([options.parallel, options.shard, options.regrade]).toEqual([3, '2/3', true]);
  expect(() => parseArgs(['--shard', '4/3'], {})).toThrow('--shard: "4/3" is not K/N with 1 <= K <= N');
  expect(() => parseArgs(['--parallel', '0'], {})).toThrow('--parallel: "0" is not a number of submissions from 1 to 99');
  expect(() => parseArgs(['--rubric', '/no/such/rubric.yaml'], {})).toThrow('--rubric: /no/such/rubric.yaml is not a file');
});
