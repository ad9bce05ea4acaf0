// Smoke: the cluster itself works. A pod on each worker, a ClusterIP Service
// across both, reached by name through CoreDNS from a third pod.
import type { V1Pod } from '@kubernetes/client-node';
import { expect, test } from '../fixtures/cluster.ts';
import { execInPod } from '../fixtures/kube.ts';
import { isReady, waitFor } from '../scripts/lib/kube.ts';

const ECHO = 'localhost/course-harness/echo:v1';

function echoPod(name: string, node: string, labels: Record<string, string>): V1Pod {
  return {
    metadata: { name, labels },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': node },
      containers: [
        {
          name: 'echo',
          image: ECHO,
          imagePullPolicy: 'Never',
          env: [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 1 },
        },
      ],
    },
  };
}

test('nodes: three nodes are Ready, and every kube-system pod runs', async ({ cluster }) => {
  const nodes = await cluster.core.listNode();
  expect(nodes.items.map((n) => n.metadata?.name).sort()).toHaveLength(3);
  for (const node of nodes.items) expect(isReady(node), `${node.metadata?.name} Ready`).toBe(true);
  const pods = await cluster.core.listNamespacedPod({ namespace: 'kube-system' });
  const notRunning = pods.items.filter((p) => p.status?.phase !== 'Running').map((p) => `${p.metadata?.name}=${p.status?.phase}`);
  expect(notRunning).toEqual([]);
});

test('a ClusterIP Service with a pod on each worker is reached by name through CoreDNS', async ({ cluster, ns }) => {
  const workers = (await cluster.core.listNode()).items
    .filter((n) => !('node-role.kubernetes.io/control-plane' in (n.metadata?.labels ?? {})))
    .map((n) => n.metadata!.name!)
    .sort();
  expect(workers).toHaveLength(2);

  for (const [i, node] of workers.entries()) {
    await cluster.core.createNamespacedPod({ namespace: ns, body: echoPod(`echo-${i}`, node, { app: 'echo' }) });
  }
  await cluster.core.createNamespacedPod({ namespace: ns, body: echoPod('client', workers[0], { app: 'client' }) });
  await cluster.core.createNamespacedService({
    namespace: ns,
    body: { metadata: { name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 8080 }] } },
  });

  const pods = await waitFor<V1Pod>({
    kc: cluster.kc,
    path: `/api/v1/namespaces/${ns}/pods`,
    what: 'the three pods Ready',
    until: (items) => items.length === 3 && items.every(isReady),
    describe: (items) => items.map((p) => `${p.metadata?.name}@${p.spec?.nodeName}=${p.status?.phase}${isReady(p) ? '/Ready' : ''}`).join(', '),
    timeoutMs: 120_000,
  });
  const byName = Object.fromEntries(pods.map((p) => [p.metadata!.name!, p]));
  expect(byName['echo-0'].spec?.nodeName).toBe(workers[0]);
  expect(byName['echo-1'].spec?.nodeName).toBe(workers[1]);

  const service = await cluster.core.readNamespacedService({ name: 'echo', namespace: ns });
  const clusterIP = service.spec!.clusterIP!;
  for (const name of ['echo', `echo.${ns}`, `echo.${ns}.svc.cluster.local`]) {
    const r = await execInPod(cluster.kc, ns, 'client', ['/echo', 'resolve', name]);
    expect(r.stderr, `resolve ${name}`).toBe('');
    expect(r.stdout.trim(), `${name} resolves to the ClusterIP`).toBe(clusterIP);
  }

  // Pod to pod across nodes, by pod IP: kindnet-lite's routes.
  const remote = await execInPod(cluster.kc, ns, 'client', ['/echo', 'get', `http://${byName['echo-1'].status!.podIP}:8080/direct`]);
  expect(JSON.parse(remote.stdout)).toMatchObject({ pod: 'echo-1', path: '/direct' });

  // Through the Service by name: every request answers, and both pods answer.
  const seen = new Set<string>();
  for (let i = 0; i < 40 && seen.size < 2; i++) {
    const r = await execInPod(cluster.kc, ns, 'client', ['/echo', 'get', `http://echo/req-${i}`]);
    expect(r.exitCode, `request ${i}: ${r.stderr}`).toBe(0);
    const body = JSON.parse(r.stdout) as { pod: string; path: string };
    expect(body.path).toBe(`/req-${i}`);
    seen.add(body.pod);
  }
  expect([...seen].sort()).toEqual(['echo-0', 'echo-1']);
});
