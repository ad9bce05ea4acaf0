// Grading, step three: the course's behaviour on the student's own objects,
// not the reference's, after the checks of the stack: an update of their
// mysql must never run two MySQL pods on its hostPath data; a frozen myblog
// pod must leave the Service (readiness) and be restarted (liveness).
import type { V1Pod } from '@kubernetes/client-node';
import { evidenceOnFailure, test } from '../../fixtures/cluster.ts';
import { expectRecreate, patchDeployment } from '../../lib/checks/rollout.ts';
import { isReady, labelSelector, observe } from '../../lib/kube/kube.ts';
import { deploymentOrNotRun, graded, LUFFY } from './student.ts';
import { onNode } from '../../lib/cluster/nodes.ts';

evidenceOnFailure(LUFFY);
test.use({ destructive: true });

test('lab 20-deployments: mysql is updated without two MySQL pods on its hostPath data', async ({ cluster }, testInfo) => {
  test.setTimeout(6 * 60_000);
  await graded(testInfo, async () => {
    const mysql = await deploymentOrNotRun(cluster, 'mysql');
    const volumes = (mysql.spec?.template.spec?.volumes ?? []).filter((v) => v.hostPath).map((v) => `hostPath ${v.hostPath!.path}`);
    await expectRecreate(cluster.kc, LUFFY, 'mysql', () => patchDeployment(cluster.kc, LUFFY, 'mysql', { spec: { template: { metadata: { annotations: { 'course-harness/restartedAt': new Date().toISOString() } } } } })).catch(
      (err: Error) => {
        throw new Error(`${err.message}${volumes.length ? `; both would mount ${volumes.join(', ')}` : ''}`);
      },
    );
  });
});

/**
 * Freezes a pod's container: SIGSTOP, from its node, to every process in the
 * container's PID namespace (from inside, PID 1 ignores it; stopping only some
 * processes would let gunicorn's master replace its workers or the workers go
 * on serving). Only the kubelet can bring it back, by a restart.
 */
async function hang(pod: V1Pod, container: string): Promise<void> {
  const id = pod.status?.containerStatuses?.find((c) => c.name === container)?.containerID?.replace(/^\w+:\/\//, '');
  const node = pod.spec?.nodeName;
  if (!id || !node) throw new Error(`not run: pod ${pod.metadata?.name} has no running container ${container}`);
  const pid = await onNode(node, ['crictl', 'inspect', '--output', 'go-template', '--template', '{{.info.pid}}', id]);
  const freeze = `ns=$(readlink /proc/${pid}/ns/pid); for p in /proc/[0-9]*; do [ "$(readlink $p/ns/pid 2>/dev/null)" = "$ns" ] && kill -STOP \${p#/proc/}; done; true`;
  await onNode(node, ['sh', '-c', freeze]);
}

test('lab 20-deployments: a hung myblog pod leaves the Service (readinessProbe) and is restarted (livenessProbe)', async ({ cluster }, testInfo) => {
  test.setTimeout(5 * 60_000);
  await graded(testInfo, async () => {
    const myblog = await deploymentOrNotRun(cluster, 'myblog');
    const container = myblog.spec!.template.spec!.containers.find((c) => /myblog/.test(c.image ?? '')) ?? myblog.spec!.template.spec!.containers[0];
    const missing = [!container.readinessProbe && 'no readinessProbe: a hung pod stays in the Service', !container.livenessProbe && 'no livenessProbe: a hung pod is never restarted'].filter(Boolean);
    if (missing.length) throw new Error(`Deployment myblog container ${container.name}: ${missing.join('; ')}`);
    const pods = await observe<V1Pod>({ kc: cluster.kc, path: `/api/v1/namespaces/${LUFFY}/pods`, labelSelector: labelSelector(myblog.spec?.selector) });
    try {
      const victim = pods.items().find((p) => isReady(p) && !p.metadata?.deletionTimestamp);
      if (!victim) throw new Error('not run: no Ready myblog pod to hang');
      const name = victim.metadata!.name!;
      const status = (p?: V1Pod) => p?.status?.containerStatuses?.find((c) => c.name === container.name);
      const restarts = (p?: V1Pod) => status(p)?.restartCount ?? 0;
      const before = restarts(victim);
      const frozen = status(victim)?.containerID;
      const started = Date.now();
      let notReadyAt: number | undefined;
      await hang(victim, container.name);
      await pods
        .until(
          (items) => {
            const p = items.find((x) => x.metadata?.name === name);
            // Only the hung container's own NotReady is the readinessProbe's: the one after the restart is the livenessProbe's doing.
            if (p && !isReady(p) && status(p)?.containerID === frozen && status(p)?.state?.running) notReadyAt ??= Date.now() - started;
            return !!p && restarts(p) > before && isReady(p);
          },
          `pod ${name} restarted and Ready again`,
          4 * 60_000,
        )
        .catch((err: Error) => {
          const p = pods.items().find((x) => x.metadata?.name === name);
          const ready = notReadyAt === undefined ? 'stayed Ready while hung (the readinessProbe did not take it out)' : `went NotReady after ${(notReadyAt / 1000).toFixed(0)} s`;
          throw new Error(`a hung myblog pod ${ready} and ${restarts(p) > before ? 'was restarted, but is not Ready again' : 'was not restarted (the livenessProbe did not fire)'}: ${err.message.split(';')[0]}`);
        });
      const readyAgain = (Date.now() - started) / 1000;
      if (notReadyAt === undefined) throw new Error(`a hung myblog pod stayed Ready while hung: the readinessProbe did not take it out of the Service before the livenessProbe restarted it (Ready again after ${readyAgain.toFixed(0)} s)`);
      testInfo.annotations.push({ type: 'measurement', description: `hung pod: NotReady after ${(notReadyAt / 1000).toFixed(1)} s, restarted and Ready after ${readyAgain.toFixed(1)} s` });
    } finally {
      pods.stop();
    }
  });
});
