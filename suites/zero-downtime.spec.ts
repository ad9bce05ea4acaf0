// Zero-downtime rolling updates, as the course promises: myblog in luffy is
// rolled to a new image, then back by rollback, while open-model load runs
// through the ingress (HTTP with a new connection per request, HTTP POST and
// HTTPS on kept-alive connections) and through the NodePort. No request of
// any kind may fail. The negative controls roll with maxUnavailable 100%,
// which must show failed requests, and with the generator paused, which must
// fail on its schedule lag. Each test rolls from the version it finds to the
// other one (v1 and v2 are the same blog), so no test pays a rollout only to
// put v1 back; v1 is restored after the file (after a failure, when the
// worker that ran it stops).
import type { TestInfo } from '@playwright/test';
import type { V1Deployment } from '@kubernetes/client-node';
import { expect, test } from '../fixtures/cluster.ts';
import type { Cluster } from '../fixtures/cluster.ts';
import { formatSummary, timelineCsv } from '../lib/checks/load-stats.ts';
import { recordMeasurement } from '../fixtures/measure.ts';
import { patchDeployment, replicaSets, rollbackTo } from '../lib/checks/rollout.ts';
import { downtime, formatDowntime, LAG_BOUND, myblogStreams, rolloutUnderLoad, scheduleLag, zeroDowntimeProblems, type RolloutUnderLoad } from '../lib/checks/rollout-load.ts';
import { applyObjects } from '../lib/kube/apply.ts';
import { findLab, waitForDeployments } from '../lib/course/labs.ts';
import { COURSE_MYBLOG } from '../lib/cluster/app-images.ts';

test.use({ destructive: true });
// Runs when no other test does: it rolls luffy's myblog under load and judges the load generator's schedule.
test.describe.configure({ lock: '-exclusive-' });
test.setTimeout(10 * 60_000);

/** Requests per second per stream; `npm run bench:rollout` measures how far this can go. */
const STREAMS = myblogStreams(8);

// The course's registry's name: each version is pulled by the nodes from the harness's registry, as the course's update does.
const IMAGE = `${COURSE_MYBLOG}:`;

const setImage = (cluster: Cluster, version: string) => () =>
  patchDeployment(cluster.kc, 'luffy', 'myblog', {
    metadata: { annotations: { 'kubernetes.io/change-cause': `myblog ${version}` } },
    spec: { template: { spec: { containers: [{ name: 'myblog', image: `${IMAGE}${version}` }] } } },
  });

/** The report keeps each stream's summary and timeline, the measured times, the schedule lag and what failed. */
async function attach(testInfo: TestInfo, label: string, outcome: RolloutUnderLoad): Promise<void> {
  recordMeasurement(testInfo, `${label}: rollout`, outcome.rollout.durationMs);
  const lag = scheduleLag(outcome);
  testInfo.annotations.push({
    type: 'measurement',
    description: `${label}: schedule lag p99 ${lag.p99Ms.toFixed(0)} ms, max ${lag.maxMs.toFixed(0)} ms; ${formatDowntime(downtime(outcome))}`,
  });
  const text = outcome.streams.map((s) => `## ${s.name}\n${formatSummary(s.result.summary)}`).join('\n\n');
  const marks = `change at ${(outcome.marks.change / 1000).toFixed(1)}s, rollout complete at ${(outcome.marks.done / 1000).toFixed(1)}s, old pods gone at ${(outcome.marks.gone / 1000).toFixed(1)}s`;
  await testInfo.attach(`${label} load summary.txt`, { body: `${marks}\n${formatDowntime(downtime(outcome))}\n\n${text}`, contentType: 'text/plain' });
  for (const s of outcome.streams) await testInfo.attach(`${label} ${s.name} timeline.csv`, { body: timelineCsv(s.result.records), contentType: 'text/csv' });
}

/** Zero failures, the rate held, the generator on schedule, only `from` before and only `to` after, every new pod served. */
function expectZeroDowntime(outcome: RolloutUnderLoad, from: string, to: string): void {
  expect(zeroDowntimeProblems(outcome, from, to), 'what keeps this rollout from proving zero downtime').toEqual([]);
}

/** The version myblog's pods run now, and the other one. */
async function versions(cluster: Cluster): Promise<{ from: string; to: string }> {
  const d = await cluster.apps.readNamespacedDeployment({ name: 'myblog', namespace: 'luffy' });
  const from = d.spec?.template.spec?.containers[0].image?.replace(IMAGE, '') ?? '';
  if (from !== 'v1' && from !== 'v2') throw new Error(`Deployment luffy/myblog runs ${d.spec?.template.spec?.containers[0].image}, not ${IMAGE}v1 or v2`);
  return { from, to: from === 'v1' ? 'v2' : 'v1' };
}

/** The lab's manifest of myblog, with `version`'s image: its strategy put back without a rollout when the image is the one running. */
async function restore(cluster: Cluster, version: string): Promise<void> {
  const objects = structuredClone(findLab('20-').objects.filter((o) => o.metadata?.name === 'myblog')) as V1Deployment[];
  for (const d of objects) {
    d.spec!.template.spec!.containers[0].image = `${IMAGE}${version}`;
    d.metadata!.annotations = { ...d.metadata?.annotations, 'kubernetes.io/change-cause': `myblog ${version}` };
  }
  await applyObjects(cluster.kc, objects);
  await waitForDeployments(cluster.kc, 'luffy', ['myblog']);
}

/** The cluster the tests rolled myblog on (afterAll has no test fixtures). */
let rolledOn: Cluster | undefined;
/** Back to the lab's strategy, keeping the image the Deployment now names. */
test.afterEach(async ({ cluster }) => {
  rolledOn = cluster;
  await restore(cluster, (await versions(cluster)).from);
});
/** Back to the lab's manifest as it is (v1) for the suites after this file: no rollout when the tests ended on v1, as they do in this order. */
test.afterAll(async () => {
  if (rolledOn) await restore(rolledOn, 'v1');
});

test('a new image, then rollback to the previous revision, under load through the ingress (HTTP, POST, HTTPS) and the NodePort: no request fails', async ({ cluster, courseStack }, testInfo) => {
  void courseStack;
  const { from, to } = await versions(cluster);
  const up = await rolloutUnderLoad(cluster.kc, 'luffy', 'myblog', setImage(cluster, to), STREAMS);
  await attach(testInfo, `${from} to ${to}`, up);
  expectZeroDowntime(up, from, to);
  const previous = (await replicaSets(cluster.kc, 'luffy', 'myblog'))[1];
  const revision = Number(previous.metadata?.annotations?.['deployment.kubernetes.io/revision']);
  const undo = await rolloutUnderLoad(cluster.kc, 'luffy', 'myblog', () => rollbackTo(cluster.kc, 'luffy', 'myblog', revision), STREAMS);
  await attach(testInfo, `rollback to ${from}`, undo);
  expectZeroDowntime(undo, to, from);
});

test('negative control: with maxUnavailable 100% every old pod goes at once, and the load sees failed requests', async ({ cluster, courseStack }, testInfo) => {
  void courseStack;
  const { from, to } = await versions(cluster);
  const outcome = await rolloutUnderLoad(cluster.kc, 'luffy', 'myblog', () =>
    patchDeployment(cluster.kc, 'luffy', 'myblog', {
      spec: {
        strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '100%' } },
        template: { spec: { containers: [{ name: 'myblog', image: `${IMAGE}${to}` }] } },
      },
    }),
    STREAMS,
  );
  await attach(testInfo, 'maxUnavailable 100%', outcome);
  expect(outcome.rollout.minAvailable, 'no pod was available for a while').toBe(0);
  for (const s of outcome.streams) {
    expect(s.result.summary.errorCount, `${s.name}: the check must see the outage`).toBeGreaterThan(0);
  }
  const problems = zeroDowntimeProblems(outcome, from, to).join('\n');
  expect(problems).toMatch(/^requests failed: new connection per request: .*failing from \d+\.\d\ds to \d+\.\d\ds after the change; kept-alive connections: /m);
});

test('negative control: a generator paused for a second during a rollout fails on its schedule lag, though no request failed', async ({ cluster, courseStack }, testInfo) => {
  void courseStack;
  const { from, to } = await versions(cluster);
  const outcome = await rolloutUnderLoad(cluster.kc, 'luffy', 'myblog', async () => {
    await setImage(cluster, to)();
    // The event loop that sends the requests is blocked, as by a long GC pause or a starved CPU.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  }, STREAMS);
  await attach(testInfo, 'generator paused 1 s', outcome);
  const lag = scheduleLag(outcome);
  expect(lag.maxMs, 'the pause shows as schedule lag').toBeGreaterThan(LAG_BOUND.maxMs);
  const problems = zeroDowntimeProblems(outcome, from, to);
  expect(problems.join('\n')).toContain(`over the bound (p99 ${LAG_BOUND.p99Ms}ms, max ${LAG_BOUND.maxMs}ms): the generator stalled, so its requests may have missed an outage`);
  expect(problems.filter((p) => p.startsWith('requests failed')), 'the rollout itself lost nothing: only the lag fails it').toEqual([]);
});
