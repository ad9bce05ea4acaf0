// npm run bench:rollout: what a rolling update of myblog (luffy) survives on
// this machine, under the zero-downtime suite's open-model load.
//   1. the course's own manifest (no preStop pause), v1 -> v2 with the
//      suite's four streams: the failed requests it loses, by stream;
//   2. the lab's manifest (with the pause), one route at a time (ingress
//      HTTP, NodePort), rates stepped up, one rollout per step alternating
//      v1 -> v2 and back: the highest rate with no failed request and the
//      target rate held (>= 99%).
// Needs the harness cluster (npm run cluster:up); leaves myblog at the lab's
// manifest. Results: reports/bench-rollout.json and a table.
import { mkdirSync, writeFileSync } from 'node:fs';
import { myblogStreams, rolloutUnderLoad, type RolloutUnderLoad } from '../lib/checks/rollout-load.ts';
import { patchDeployment, rollOut } from '../lib/checks/rollout.ts';
import { applyObjects } from '../lib/kube/apply.ts';
import { readRecord } from '../lib/cluster/cluster.ts';
import { loadKubeconfig } from '../lib/kube/kube.ts';
import { deployCourseStack, findLab, waitForDeployments } from '../lib/course/labs.ts';
import { HarnessError, info, main } from '../lib/core/log.ts';
import { parseCommandLine } from '../lib/core/command-line.ts';
import { COURSE_MYBLOG } from '../lib/cluster/app-images.ts';

const RATES = [10, 20, 40, 60, 80, 120];
const ROUTES = ['ingress HTTP GET, new connection each', 'NodePort GET, new connection each'];

const image = (version: string) => ({ spec: { template: { spec: { containers: [{ name: 'myblog', image: `${COURSE_MYBLOG}:${version}` }] } } } });

function line(o: RolloutUnderLoad): string {
  return o.streams
    .map((s) => `${s.name}: ${s.result.summary.errorCount} failed ${JSON.stringify(s.result.summary.errors)} of ${s.result.summary.sent}, achieved ${s.result.summary.achievedRate.toFixed(1)}/${s.result.summary.targetRate}/s, p99 ${s.result.summary.latencyMs.p99.toFixed(0)} ms`)
    .join('\n  ');
}

main(async () => {
  const options = parseCommandLine('npm run bench:rollout --');
  if (!options) return;
  const record = readRecord(options.clusterName);
  if (!record) throw new HarnessError(`no harness cluster "${options.clusterName}": run npm run cluster:up first`);
  const kc = loadKubeconfig(record.kubeconfigPath);
  await deployCourseStack(kc, { gateway: false }); // the rollout needs only myblog
  const lab = findLab('20-').objects.filter((o) => o.metadata?.name === 'myblog');
  const restore = async () => {
    await applyObjects(kc, lab);
    await waitForDeployments(kc, 'luffy', ['myblog']);
  };

  // 1. The course's manifest: the same Deployment without the preStop pause.
  info('course manifest (no preStop): v1 -> v2 under the suite\'s load (4 streams x 8/s)');
  await rollOut(kc, 'luffy', 'myblog', () => patchDeployment(kc, 'luffy', 'myblog', { spec: { template: { spec: { containers: [{ name: 'myblog', lifecycle: null }] } } } }));
  const course = await rolloutUnderLoad(kc, 'luffy', 'myblog', () => patchDeployment(kc, 'luffy', 'myblog', image('v2')), myblogStreams(8));
  info(`  ${line(course)}`);
  await restore();

  // 2. The lab's manifest, one route at a time, rates stepped up.
  const steps: { route: string; rate: number; failed: number; achieved: number; p99Ms: number; ok: boolean }[] = [];
  let version = 'v1';
  for (const route of ROUTES) {
    for (const rate of RATES) {
      version = version === 'v1' ? 'v2' : 'v1';
      info(`${route} at ${rate}/s: rollout to ${version}`);
      const stream = myblogStreams(rate).filter((s) => s.name === route);
      const o = await rolloutUnderLoad(kc, 'luffy', 'myblog', () => patchDeployment(kc, 'luffy', 'myblog', image(version)), stream);
      const { summary } = o.streams[0].result;
      const ok = summary.errorCount === 0 && summary.achievedRate >= 0.99 * rate;
      steps.push({ route, rate, failed: summary.errorCount, achieved: summary.achievedRate, p99Ms: summary.latencyMs.p99, ok });
      info(`  ${line(o)}${ok ? '' : '  <- limit'}`);
      if (!ok) break;
    }
  }
  await restore();

  const best = ROUTES.map((route) => ({ route, maxErrorFreeRate: Math.max(0, ...steps.filter((s) => s.route === route && s.ok).map((s) => s.rate)) }));
  const results = {
    date: new Date().toISOString(),
    courseManifest: course.streams.map((s) => ({ stream: s.name, sent: s.result.summary.sent, failed: s.result.summary.errorCount, errors: s.result.summary.errors })),
    steps,
    best,
  };
  mkdirSync('reports', { recursive: true });
  writeFileSync('reports/bench-rollout.json', JSON.stringify(results, null, 2));
  console.log('\nroute                                  highest error-free rate during a rollout');
  for (const b of best) console.log(`${b.route.padEnd(38)} ${b.maxErrorFreeRate} req/s`);
  console.log(`course manifest without preStop: ${results.courseManifest.map((c) => `${c.stream} ${c.failed}/${c.sent} failed`).join('; ')}`);
  info('written: reports/bench-rollout.json');
});
