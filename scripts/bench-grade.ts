// npm run bench:grade -- N [harness flags]: grades a class of N copies of the
// reference labs (manifests/NN-*) and prints the wall time, the time per
// submission, the parallelism used and each copy's score; every copy must
// score full marks (exit 1 otherwise). Results: reports/bench-grade.json.
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConfig } from '../lib/config/applicability.ts';
import { chooseParallel, findSubmissions, gradeClass } from '../lib/grading/class-grading.ts';
import { clusterUp } from '../lib/cluster/cluster.ts';
import { loadKubeconfig } from '../lib/kube/kube.ts';
import { MANIFESTS } from '../lib/course/labs.ts';
import { info, main } from '../lib/core/log.ts';
import { parseCommand } from '../lib/core/command-line.ts';
import { UsageError } from '../lib/core/options.ts';
import { loadRubric } from '../lib/grading/rubric.ts';

main(async () => {
  const parsed = parseCommand('npm run bench:grade --', { positional: 'N' });
  if (!parsed) return;
  const { options, rest } = parsed;
  const n = Number(rest[0]);
  if (rest.length !== 1 || !Number.isInteger(n) || n < 1 || n > 100) throw new UsageError('usage: npm run bench:grade -- N [harness flags] (N from 1 to 100)');
  const { record } = await clusterUp(options);
  const kc = loadKubeconfig(record.kubeconfigPath);
  const work = mkdtempSync(join(tmpdir(), 'bench-grade-'));
  try {
    for (let i = 1; i <= n; i++) for (const lab of readdirSync(MANIFESTS).filter((d) => /^\d\d-/.test(d))) cpSync(join(MANIFESTS, lab), join(work, 'class', `s${String(i).padStart(2, '0')}`, lab), { recursive: true });
    mkdirSync(join(work, 'reports'), { recursive: true });
    const { parallel, why } = options.parallel ? { parallel: options.parallel, why: 'as asked' } : await chooseParallel(kc, true);
    info(`grading ${n} copies of the reference labs, ${parallel} at a time (${why})`);
    const config = runConfig(options, record)!;
    const env = { HARNESS_CLUSTER_NAME: options.clusterName, HARNESS_RUN_CONFIG: JSON.stringify(config), HARNESS_PROXY_MODE: options.proxyMode, HARNESS_INGRESS: options.ingress };
    const started = Date.now();
    const results = await gradeClass({ submissions: findSubmissions(join(work, 'class')), rubric: loadRubric(join(MANIFESTS, 'rubric.yaml')), reportDir: join(work, 'reports'), parallel, regrade: true, env, clusterName: options.clusterName, kc });
    const wall = (Date.now() - started) / 1000;
    const full = results.filter((r) => r.score.earned === r.score.points).length;
    for (const r of results) console.log(`${r.name}  ${r.score.earned}/${r.score.points}  ${r.seconds?.toFixed(0)} s${r.score.earned === r.score.points ? '' : `  lost: ${r.score.labs.flatMap((l) => l.checks.filter((c) => c.outcome !== 'pass').map((c) => `${l.lab} ${c.check}: ${c.cause}`)).join(' | ')}`}`);
    console.log(`\n${n} submissions in ${(wall / 60).toFixed(1)} min: ${(wall / n).toFixed(0)} s a submission, ${parallel} at a time; ${full}/${n} full marks`);
    mkdirSync('reports', { recursive: true });
    writeFileSync('reports/bench-grade.json', JSON.stringify({ n, parallel, wallSeconds: wall, perSubmissionSeconds: wall / n, fullMarks: full, scores: results.map((r) => ({ name: r.name, earned: r.score.earned, points: r.score.points, seconds: r.seconds })) }, null, 2) + '\n');
    return full === n ? 0 : 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
