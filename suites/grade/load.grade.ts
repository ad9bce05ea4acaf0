// Grading, the last step: an update of the student's own myblog (v1 to v2)
// under open-model load through their Ingress and NodePort must lose no
// request. It loads the machine, and a rollout measured beside another's is
// not a measurement: a class runs this row one submission at a time.
import type { V1Deployment } from '@kubernetes/client-node';
import { evidenceOnFailure, harnessOptions, test, type Cluster } from '../../fixtures/cluster.ts';
import { patchDeployment } from '../../fixtures/rollout.ts';
import { edgeStreams, formatDowntime, downtime, rolloutUnderLoad, scheduleLag, zeroDowntimeProblems } from '../../fixtures/rollout-load.ts';
import { loadLabs } from '../../scripts/lib/labs.ts';
import { GradeMap, gradeId, readGradeState, readSubmission } from '../../scripts/lib/submission.ts';

const DIR = harnessOptions().manifests;
const map = new GradeMap(gradeId(DIR));
readSubmission(DIR, loadLabs(), map); // teaches map the renamed hosts and folders, for messages
const LUFFY = map.namespace('luffy');

evidenceOnFailure(LUFFY);
test.use({ destructive: true });

/** The student's Deployment, or a "not run" failure naming why (an earlier step failed, or there is none). */
async function deploymentOrNotRun(cluster: Cluster, name: string): Promise<V1Deployment> {
  const errors = readGradeState(map.id).errors['20-deployments ready'] ?? readGradeState(map.id).errors['20-deployments apply'];
  if (errors?.length) throw new Error(`not run: lab 20-deployments did not roll out (${map.unmap(errors[0])})`);
  return cluster.apps.readNamespacedDeployment({ name, namespace: LUFFY }).catch(() => {
    throw new Error(`not run: Deployment ${name} does not exist in luffy`);
  });
}

/** What the Deployment does about a rolling update, in the words of its spec. */
function strategyText(d: V1Deployment): string {
  const s = d.spec?.strategy;
  const c = d.spec?.template.spec?.containers[0];
  const rolling = s?.type === 'Recreate' ? 'Recreate' : `RollingUpdate maxSurge ${s?.rollingUpdate?.maxSurge ?? '25%'} maxUnavailable ${s?.rollingUpdate?.maxUnavailable ?? '25%'}`;
  return `strategy ${rolling}; readinessProbe ${c?.readinessProbe ? 'set' : 'none'}; preStop ${c?.lifecycle?.preStop ? 'set' : 'none'}`;
}

const graded = async (check: () => Promise<void>) =>
  check().catch((err: Error) => {
    throw new Error(map.unmap(err.message));
  });

test('lab 20-deployments: myblog rolls from v1 to v2 under load through its Ingress and NodePort without losing a request', async ({ cluster }, testInfo) => {
  test.setTimeout(8 * 60_000);
  await graded(async () => {
    const myblog = await deploymentOrNotRun(cluster, 'myblog');
    const np = await cluster.core.readNamespacedService({ name: 'myblog-np', namespace: LUFFY }).catch(() => undefined);
    const node = (await cluster.core.listNode()).items.find((n) => !('node-role.kubernetes.io/control-plane' in (n.metadata?.labels ?? {})));
    const address = node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    const port = np?.spec?.ports?.[0]?.nodePort;
    const streams = edgeStreams({ host: map.host('myblog.luffy.com'), path: '/blog/index/', nodePort: address && port ? { address, port } : undefined, rate: 8 });
    const images = (myblog.spec?.template.spec?.containers ?? []).map((c, i) => ({ i, image: c.image ?? '' })).filter((c) => /course-harness\/myblog:/.test(c.image));
    if (!images.length) throw new Error('not run: no container of Deployment myblog runs the course image myblog (nothing to update to v2)');
    const change = () =>
      patchDeployment(cluster.kc, LUFFY, 'myblog', { spec: { template: { spec: { containers: myblog.spec!.template.spec!.containers.map((c) => ({ name: c.name, image: c.image?.replace(/myblog:v1$/, 'myblog:v2') })) } } } });
    const outcome = await rolloutUnderLoad(cluster.kc, LUFFY, 'myblog', change, streams, { warm: 10, after: 10 });
    const lag = scheduleLag(outcome);
    testInfo.annotations.push({ type: 'measurement', description: `rollout ${(outcome.rollout.durationMs / 1000).toFixed(1)} s; schedule lag p99 ${lag.p99Ms.toFixed(0)} ms; ${formatDowntime(downtime(outcome))}` });
    const problems = zeroDowntimeProblems(outcome, 'v1', 'v2');
    if (problems.length) throw new Error(`Deployment myblog loses requests in a rolling update (${strategyText(myblog)}): ${problems.join('; ')}`);
  });
});
