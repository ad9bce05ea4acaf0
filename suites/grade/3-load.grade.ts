// Grading, the last step: an update of the student's own myblog (v1 to v2)
// under open-model load through their own edge (their Ingress, or their
// Gateway where they answer with Gateway API only) and NodePort must lose no
// request. It loads the machine, and a rollout measured beside another's is
// not a measurement: a class runs this row one submission at a time.
import type { V1Deployment } from '@kubernetes/client-node';
import { NotJudged } from '../../lib/checks/verdict.ts';
import { evidenceOnFailure, test } from '../../fixtures/cluster.ts';
import { patchDeployment } from '../../lib/checks/rollout.ts';
import { edgeStreams, formatDowntime, downtime, isMeasurementProblem, rolloutUnderLoad, scheduleLag, zeroDowntimeProblems } from '../../lib/checks/rollout-load.ts';
import { isCourseMyblog } from '../../lib/cluster/app-images.ts';
import { deploymentOrNotRun, graded, LUFFY, slotEdges, submission } from './student.ts';

evidenceOnFailure(LUFFY);
test.use({ destructive: true });

/** What the Deployment does about a rolling update, in the words of its spec. */
function strategyText(d: V1Deployment): string {
  const s = d.spec?.strategy;
  const c = d.spec?.template.spec?.containers[0];
  const rolling = s?.type === 'Recreate' ? 'Recreate' : `RollingUpdate maxSurge ${s?.rollingUpdate?.maxSurge ?? '25%'} maxUnavailable ${s?.rollingUpdate?.maxUnavailable ?? '25%'}`;
  return `strategy ${rolling}; readinessProbe ${c?.readinessProbe ? 'set' : 'none'}; preStop ${c?.lifecycle?.preStop ? 'set' : 'none'}`;
}

test('lab 20-deployments: myblog rolls from v1 to v2 under load through its Ingress (or Gateway) and NodePort without losing a request', async ({ cluster }, testInfo) => {
  test.setTimeout(8 * 60_000);
  await graded(testInfo, async () => {
    const myblog = await deploymentOrNotRun(cluster, 'myblog');
    const np = await cluster.core.readNamespacedService({ name: 'myblog-np', namespace: LUFFY }).catch(() => undefined);
    const node = (await cluster.core.listNode()).items.find((n) => !('node-role.kubernetes.io/control-plane' in (n.metadata?.labels ?? {})));
    const address = node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    const port = np?.spec?.ports?.[0]?.nodePort;
    // Without a NodePort the row still measures the Ingress, and says why it could not do the rest.
    const noNodePort = !np ? `Service myblog-np not found in namespace ${LUFFY}` : !port ? `Service myblog-np has no nodePort (type ${np.spec?.type ?? 'ClusterIP'})` : !address ? 'no worker node has an InternalIP' : undefined;
    // Through the edge the submission answers with: its Ingress, else its Gateway (lab 60 alone).
    const slot = slotEdges();
    const edge = submission.labs.some((l) => l.objects.some((o) => o.kind === 'Ingress')) || !submission.labs.some((l) => l.objects.some((o) => o.kind === 'HTTPRoute')) ? slot.ingress : slot.gateway;
    const streams = edgeStreams({ host: 'myblog.luffy.com', path: '/blog/index/', edge: { name: edge.name, address: edge.address, port: edge.ports.http }, nodePort: noNodePort ? undefined : { address: address!, port: port!, service: 'myblog-np' }, rate: 8 });
    // The course's myblog: ours (localhost/course-harness/myblog), or under the class registry's name, whose v2 this cluster has too.
    const course = (myblog.spec?.template.spec?.containers ?? []).filter((c) => isCourseMyblog(c.image ?? ''));
    if (!course.length) throw new Error('not run: no container of Deployment myblog runs the course image myblog (nothing to update to v2)');
    const notV1 = course.filter((c) => !/myblog:v1$/.test(c.image ?? ''));
    if (notV1.length) throw new Error(`not run: Deployment myblog container ${notV1[0].name} runs ${notV1[0].image}, not myblog:v1 (the check updates v1 to v2)`);
    const change = () =>
      patchDeployment(cluster.kc, LUFFY, 'myblog', { spec: { template: { spec: { containers: myblog.spec!.template.spec!.containers.map((c) => ({ name: c.name, image: c.image?.replace(/myblog:v1$/, 'myblog:v2') })) } } } });
    const outcome = await rolloutUnderLoad(cluster.kc, LUFFY, 'myblog', change, streams, { warm: 10, after: 10 });
    const lag = scheduleLag(outcome);
    testInfo.annotations.push({ type: 'measurement', description: `rollout ${(outcome.rollout.durationMs / 1000).toFixed(1)} s; schedule lag p99 ${lag.p99Ms.toFixed(0)} ms; ${formatDowntime(downtime(outcome))}` });
    const problems = zeroDowntimeProblems(outcome, 'v1', 'v2');
    // A generator that could not keep its schedule measured the machine, not the student's rollout: not judged, no verdict either way.
    if (problems.length && problems.every(isMeasurementProblem)) throw new NotJudged(`the machine was too busy to measure the rollout (${problems.join('; ')}); grade this submission again with --regrade and fewer at once (--parallel 1)`);
    const ingressOnly = noNodePort ? ` (through the ${edge.name} only: ${noNodePort})` : '';
    if (problems.length) throw new Error(`Deployment myblog loses requests in a rolling update (${strategyText(myblog)}): ${problems.join('; ')}${ingressOnly}`);
    if (noNodePort) throw new Error(`not run through the NodePort: ${noNodePort}; through the ${edge.name} the rolling update lost no request`);
  });
});
