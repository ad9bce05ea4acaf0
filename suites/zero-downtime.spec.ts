// Zero-downtime rolling updates, as the course promises: myblog in luffy is
// rolled v1 -> v2 -> v1, and v1 -> v2 then back by rollback, while
// open-model load runs through the ingress (HTTP with a new connection per
// request, HTTP POST and HTTPS on kept-alive connections) and through the
// NodePort. No request of any kind may fail. The negative control rolls with
// maxUnavailable 100%, which must show failed requests.
import type { TestInfo } from '@playwright/test';
import { expect, test } from '../fixtures/cluster.ts';
import type { Cluster } from '../fixtures/cluster.ts';
import { formatSummary, timelineCsv } from '../fixtures/load.ts';
import { recordMeasurement } from '../fixtures/measure.ts';
import { patchDeployment, replicaSets, rollbackTo } from '../fixtures/rollout.ts';
import { downtime, formatDowntime, LAG_BOUND, myblogStreams, rolloutUnderLoad, scheduleLag, zeroDowntimeProblems, type RolloutUnderLoad } from '../fixtures/rollout-load.ts';
import { applyObjects } from '../scripts/lib/apply.ts';
import { findLab, waitForDeployments } from '../scripts/lib/labs.ts';

test.use({ destructive: true });
// Runs when no other test does: it rolls luffy's myblog under load and judges the load generator's schedule.
test.describe.configure({ lock: '-exclusive-' });
test.setTimeout(10 * 60_000);

/** Requests per second per stream; `npm run bench:rollout` measures how far this can go. */
const STREAMS = myblogStreams(8);

const setImage = (cluster: Cluster, version: string) => () =>
  patchDeployment(cluster.kc, 'luffy', 'myblog', {
    metadata: { annotations: { 'kubernetes.io/change-cause': `myblog ${version}` } },
    spec: { template: { spec: { containers: [{ name: 'myblog', image: `localhost/course-harness/myblog:${version}` }] } } },
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

/** Back to the lab's manifest (v1, the lab's strategy), rolled out. */
test.afterEach(async ({ cluster }) => {
  await applyObjects(cluster.kc, findLab('20-').objects.filter((o) => o.metadata?.name === 'myblog'));
  await waitForDeployments(cluster.kc, 'luffy', ['myblog']);
});

test('v1 -> v2 -> v1 under load through the ingress (HTTP, POST, HTTPS) and the NodePort: no request fails', async ({ cluster, courseStack }, testInfo) => {
  void courseStack;
  const up = await rolloutUnderLoad(cluster.kc, 'luffy', 'myblog', setImage(cluster, 'v2'), STREAMS);
  await attach(testInfo, 'v1 to v2', up);
  expectZeroDowntime(up, 'v1', 'v2');
  const down = await rolloutUnderLoad(cluster.kc, 'luffy', 'myblog', setImage(cluster, 'v1'), STREAMS);
  await attach(testInfo, 'v2 to v1', down);
  expectZeroDowntime(down, 'v2', 'v1');
});

test('v1 -> v2, then rollback to the previous revision, under load: no request fails', async ({ cluster, courseStack }, testInfo) => {
  void courseStack;
  const up = await rolloutUnderLoad(cluster.kc, 'luffy', 'myblog', setImage(cluster, 'v2'), STREAMS);
  await attach(testInfo, 'v1 to v2', up);
  expectZeroDowntime(up, 'v1', 'v2');
  const previous = (await replicaSets(cluster.kc, 'luffy', 'myblog'))[1];
  const revision = Number(previous.metadata?.annotations?.['deployment.kubernetes.io/revision']);
  const undo = await rolloutUnderLoad(cluster.kc, 'luffy', 'myblog', () => rollbackTo(cluster.kc, 'luffy', 'myblog', revision), STREAMS);
  await attach(testInfo, 'rollback', undo);
  expectZeroDowntime(undo, 'v2', 'v1');
});

test('negative control: with maxUnavailable 100% every old pod goes at once, and the load sees failed requests', async ({ cluster, courseStack }, testInfo) => {
  void courseStack;
  const outcome = await rolloutUnderLoad(cluster.kc, 'luffy', 'myblog', () =>
    patchDeployment(cluster.kc, 'luffy', 'myblog', {
      spec: {
        strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: '100%' } },
        template: { spec: { containers: [{ name: 'myblog', image: 'localhost/course-harness/myblog:v2' }] } },
      },
    }),
    STREAMS,
  );
  await attach(testInfo, 'maxUnavailable 100%', outcome);
  expect(outcome.rollout.minAvailable, 'no pod was available for a while').toBe(0);
  for (const s of outcome.streams) {
    expect(s.result.summary.errorCount, `${s.name}: the check must see the outage`).toBeGreaterThan(0);
  }
  const problems = zeroDowntimeProblems(outcome, 'v1', 'v2').join('\n');
  expect(problems).toMatch(/^requests failed: new connection per request: .*failing from \d+\.\d\ds to \d+\.\d\ds after the change; kept-alive connections: /m);
});

test('negative control: a generator paused for a second during a rollout fails on its schedule lag, though no request failed', async ({ cluster, courseStack }, testInfo) => {
  void courseStack;
  const outcome = await rolloutUnderLoad(cluster.kc, 'luffy', 'myblog', async () => {
    await setImage(cluster, 'v2')();
    // The event loop that sends the requests is blocked, as by a long GC pause or a starved CPU.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
  }, STREAMS);
  await attach(testInfo, 'generator paused 1 s', outcome);
  const lag = scheduleLag(outcome);
  expect(lag.maxMs, 'the pause shows as schedule lag').toBeGreaterThan(LAG_BOUND.maxMs);
  const problems = zeroDowntimeProblems(outcome, 'v1', 'v2');
  expect(problems.join('\n')).toContain(`over the bound (p99 ${LAG_BOUND.p99Ms}ms, max ${LAG_BOUND.maxMs}ms): the generator stalled, so its requests may have missed an outage`);
  expect(problems.filter((p) => p.startsWith('requests failed')), 'the rollout itself lost nothing: only the lag fails it').toEqual([]);
});
