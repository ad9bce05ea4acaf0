// Probes, as the course's myblog/mysql pods use them: a failing liveness
// probe restarts the container (the event says why); a failing readiness
// probe only takes the pod out of service. All three probe kinds: httpGet,
// exec and tcpSocket.
import type { V1Pod } from '@kubernetes/client-node';
import { expect, test } from '../fixtures/cluster.ts';
import type { Cluster } from '../fixtures/cluster.ts';
import { eventFor } from '../lib/checks/events.ts';
import { busyboxPod, echoPod, runPods } from '../lib/checks/pods.ts';
import { execInPod, isReady, waitFor } from '../lib/kube/kube.ts';

async function podUntil(cluster: Cluster, ns: string, name: string, what: string, until: (p: V1Pod) => boolean): Promise<V1Pod> {
  const [pod] = await waitFor<V1Pod>({
    kc: cluster.kc,
    path: `/api/v1/namespaces/${ns}/pods`,
    fieldSelector: `metadata.name=${name}`,
    what: `pod ${name}: ${what}`,
    until: (pods) => pods.length === 1 && until(pods[0]),
    describe: (pods) => pods.map((p) => `${p.status?.phase} ready=${isReady(p)} restarts=${p.status?.containerStatuses?.[0]?.restartCount}`).join(''),
    timeoutMs: 120_000,
  });
  return pod;
}

const restarts = (p: V1Pod) => p.status?.containerStatuses?.[0]?.restartCount ?? 0;

test('liveness httpGet: a failing /healthz restarts the container, and the events say why', async ({ cluster, ns }) => {
  const pod = echoPod('web');
  pod.spec!.containers[0].livenessProbe = { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1, failureThreshold: 2 };
  await runPods(cluster, ns, [pod]);
  await execInPod(cluster.kc, ns, 'web', ['/echo', 'get', 'http://127.0.0.1:8080/readiness/fail']);
  await eventFor(cluster, ns, 'web', 'Unhealthy', /^Liveness probe failed: HTTP probe failed with statuscode: 503/);
  await eventFor(cluster, ns, 'web', 'Killing', /Container echo failed liveness probe, will be restarted/);
  // The restarted process starts healthy again.
  const restarted = await podUntil(cluster, ns, 'web', 'restarted and Ready again', (p) => restarts(p) >= 1 && isReady(p));
  expect(restarted.status?.containerStatuses?.[0]?.lastState?.terminated, 'the previous container was terminated').toBeTruthy();
});

test('liveness exec: removing the file the probe cats restarts the container', async ({ cluster, ns }) => {
  const pod = busyboxPod('liveness-exec', 'touch /tmp/healthy; sleep 3600', { livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, periodSeconds: 1, failureThreshold: 2 } });
  await cluster.core.createNamespacedPod({ namespace: ns, body: pod });
  await podUntil(cluster, ns, 'liveness-exec', 'running', (p) => !!p.status?.containerStatuses?.[0]?.state?.running);
  await execInPod(cluster.kc, ns, 'liveness-exec', ['rm', '/tmp/healthy']);
  await eventFor(cluster, ns, 'liveness-exec', 'Unhealthy', /^Liveness probe failed: cat: can't open '\/tmp\/healthy'/);
  await podUntil(cluster, ns, 'liveness-exec', 'restarted', (p) => restarts(p) >= 1);
});

test('readiness tcpSocket: when nothing listens any more the pod turns NotReady and is not restarted', async ({ cluster, ns }) => {
  const pod = busyboxPod('readiness-tcp', 'httpd -p 8080; sleep 3600', { readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } });
  await cluster.core.createNamespacedPod({ namespace: ns, body: pod });
  await podUntil(cluster, ns, 'readiness-tcp', 'Ready', isReady);
  await execInPod(cluster.kc, ns, 'readiness-tcp', ['killall', 'httpd']);
  const notReady = await podUntil(cluster, ns, 'readiness-tcp', 'NotReady', (p) => !isReady(p));
  await eventFor(cluster, ns, 'readiness-tcp', 'Unhealthy', /^Readiness probe failed: dial tcp .*:8080: connect: connection refused/);
  expect(restarts(notReady), 'readiness failures never restart').toBe(0);
  expect(notReady.status?.phase).toBe('Running');
});
