// ConfigMap and Secret as environment: what a pod sees is fixed when its
// container starts (an update reaches only new pods), and a missing key
// stops the container from being created. Lab 06 (the course's config pods)
// is in the pod-labs suite.
import type { V1Pod } from '@kubernetes/client-node';
import { expect, test } from '../fixtures/cluster.ts';
import type { Cluster } from '../fixtures/cluster.ts';
import { execInPod, isReady, waitFor } from '../lib/kube/kube.ts';

const BUSYBOX = 'localhost/course-harness/busybox:1.35';

function envPod(name: string, key = 'GREETING'): V1Pod {
  return {
    metadata: { name },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'busybox',
          image: BUSYBOX,
          args: ['sleep', '3600'],
          env: [{ name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'greeting', key } } }],
          readinessProbe: { exec: { command: ['true'] }, periodSeconds: 1 },
        },
      ],
    },
  };
}

async function greeting(cluster: Cluster, ns: string, pod: string): Promise<string> {
  await waitFor<V1Pod>({ kc: cluster.kc, path: `/api/v1/namespaces/${ns}/pods`, fieldSelector: `metadata.name=${pod}`, what: `${pod} Ready`, until: (p) => p.length === 1 && isReady(p[0]), timeoutMs: 60_000 });
  const r = await execInPod(cluster.kc, ns, pod, ['sh', '-c', 'echo "$GREETING"']);
  expect(r.exitCode, r.stderr).toBe(0);
  return r.stdout.trim();
}

test('a ConfigMap update does not reach a running pod\'s env; a new pod sees the new value', async ({ cluster, ns }) => {
  await cluster.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'greeting' }, data: { GREETING: 'hello' } } });
  await cluster.core.createNamespacedPod({ namespace: ns, body: envPod('before') });
  expect(await greeting(cluster, ns, 'before')).toBe('hello');
  await cluster.core.replaceNamespacedConfigMap({ name: 'greeting', namespace: ns, body: { metadata: { name: 'greeting' }, data: { GREETING: 'updated' } } });
  await cluster.core.createNamespacedPod({ namespace: ns, body: envPod('after') });
  expect(await greeting(cluster, ns, 'after')).toBe('updated');
  expect(await greeting(cluster, ns, 'before'), 'env is read once, when the container starts').toBe('hello');
});

test('a missing ConfigMap key fails with CreateContainerConfigError naming the key', async ({ cluster, ns }) => {
  await cluster.core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'greeting' }, data: { GREETING: 'hello' } } });
  await cluster.core.createNamespacedPod({ namespace: ns, body: envPod('missing-key', 'GREETNG') });
  const [pod] = await waitFor<V1Pod>({
    kc: cluster.kc,
    path: `/api/v1/namespaces/${ns}/pods`,
    what: 'CreateContainerConfigError',
    until: (pods) => pods[0]?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError',
    timeoutMs: 60_000,
  });
  expect(pod.status?.containerStatuses?.[0]?.state?.waiting?.message).toBe(`couldn't find key GREETNG in ConfigMap ${ns}/greeting`);
});
