// 核心组件 (the architecture chapter): the components the course names run
// where it says, healthy by their own endpoints now that `kubectl get cs`
// (ComponentStatus, deprecated since v1.19) no longer tells; and 工作流程
// (the workflow): a new pod's path as the course draws it, seen by watch from
// before it is created: no node at first, bound by default-scheduler, then
// the kubelet's events in order.
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { expect, skipOrFail, test } from '../fixtures/cluster.ts';
import { echoPod } from '../lib/checks/pods.ts';
import { apiGet, observe } from '../lib/kube/kube.ts';
import { tryOnNode } from '../lib/cluster/nodes.ts';

const CONTROL_PLANE = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'];

/** A GET on the control-plane node itself (the components' health ports listen on its loopback). */
async function onControlPlane(node: string, url: string): Promise<{ status: string; body: string }> {
  const r = await tryOnNode(node, ['curl', '-sk', '-o', '/dev/stdout', '-w', '\\n%{http_code}', url]);
  const lines = String(r.stdout).split('\n');
  return { status: lines.pop() ?? '', body: lines.join('\n').trim() };
}

test('核心组件: etcd, kube-apiserver, kube-controller-manager and kube-scheduler run on the control-plane node, kubelet and kube-proxy on every node, CoreDNS Ready', async ({ cluster }, testInfo) => {
  const nodes = (await cluster.core.listNode()).items;
  const controlPlane = nodes.filter((n) => 'node-role.kubernetes.io/control-plane' in (n.metadata?.labels ?? {})).map((n) => n.metadata!.name!);
  expect(controlPlane, 'one control-plane node').toHaveLength(1);
  const pods = (await cluster.core.listNamespacedPod({ namespace: 'kube-system' })).items;
  const running = (p: V1Pod) => p.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.ready);
  for (const component of CONTROL_PLANE) {
    const found = pods.filter((p) => p.metadata?.labels?.component === component);
    expect(found.map((p) => `${p.spec?.nodeName} ${running(p) ? 'running' : p.status?.phase}`), component).toEqual([`${controlPlane[0]} running`]);
  }
  const proxies = pods.filter((p) => p.metadata?.labels?.['k8s-app'] === 'kube-proxy');
  expect(proxies.filter(running).map((p) => p.spec?.nodeName).sort(), 'kube-proxy on every node').toEqual(nodes.map((n) => n.metadata!.name!).sort());
  // The version the harness built, or (a cluster it did not create) the API server's own.
  const version = cluster.record?.kubernetesVersion ?? (await apiGet<{ gitVersion: string }>(cluster.kc, '/version')).gitVersion;
  for (const n of nodes) expect(n.status?.nodeInfo?.kubeletVersion, `kubelet on ${n.metadata?.name}`).toBe(version);
  const dns = pods.filter((p) => p.metadata?.labels?.['k8s-app'] === 'kube-dns');
  expect(dns.length, 'CoreDNS pods').toBeGreaterThan(0);
  expect(dns.every(running), 'CoreDNS Ready').toBe(true);
  testInfo.annotations.push({ type: 'placement', description: `control plane on ${controlPlane[0]}; kube-proxy on ${proxies.map((p) => p.spec?.nodeName).join(', ')}; CoreDNS on ${dns.map((p) => p.spec?.nodeName).join(', ')}` });
});

test('核心组件: each component healthy by its own endpoint: the API server /livez and /readyz, the scheduler and controller-manager /healthz, etcd /health', async ({ cluster }) => {
  expect(await apiGet(cluster.kc, '/livez')).toBe('ok');
  const readyz = String(await apiGet(cluster.kc, '/readyz', { verbose: 'true' }));
  expect(readyz, 'every readiness check of the API server passes').toContain('readyz check passed');
  expect(readyz).toContain('[+]etcd ok');
  skipOrFail(cluster.foreign, 'the cluster is foreign: its control-plane node is not a container on this host');
  const node = `${cluster.record!.name}-control-plane`;
  for (const [component, url, expected] of [
    ['kube-scheduler', 'https://127.0.0.1:10259/healthz', 'ok'],
    ['kube-controller-manager', 'https://127.0.0.1:10257/healthz', 'ok'],
    ['etcd', 'http://127.0.0.1:2381/health', '"health":"true"'],
  ]) {
    const r = await onControlPlane(node, url);
    expect(r.status, `${component} ${url}`).toBe('200');
    expect(r.body, `${component} ${url}`).toContain(expected);
  }
  // The controls: a check the API server does not have is a 404, a port nothing listens on no answer, so "200 ok" above is not any answer.
  expect(await apiGet(cluster.kc, '/readyz/no-such-check').then(() => 'answered', (e: { status?: number }) => e.status)).toBe(404);
  expect((await onControlPlane(node, 'http://127.0.0.1:2399/health')).status, 'nothing on port 2399').toBe('000');
});

test('工作流程: a new pod is created without a node, bound by default-scheduler, then the kubelet pulls (or finds) its image, creates and starts the container, in that order', async ({ cluster, ns }, testInfo) => {
  const seen: string[] = [];
  const started = Date.now();
  const at = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  const pods = await observe<V1Pod>({
    kc: cluster.kc,
    path: `/api/v1/namespaces/${ns}/pods`,
    fieldSelector: 'metadata.name=flow',
    onChange: ([p], event) => {
      if (!p || event === 'LIST') return;
      const step = !p.spec?.nodeName ? 'created, no node' : p.status?.containerStatuses?.[0]?.state?.running ? 'running' : `bound to ${p.spec.nodeName}`;
      if (seen.at(-1) !== step) seen.push(step);
    },
  });
  const events = await observe<CoreV1Event>({ kc: cluster.kc, path: `/api/v1/namespaces/${ns}/events`, fieldSelector: 'involvedObject.name=flow' });
  try {
    await cluster.core.createNamespacedPod({ namespace: ns, body: echoPod('flow') });
    await pods.until(([p]) => !!p?.status?.containerStatuses?.[0]?.state?.running, 'pod flow running', 60_000);
    const reasons = (items: CoreV1Event[]) => items.map((e) => e.reason ?? '');
    const all = await events.until((items) => ['Scheduled', 'Pulled', 'Created', 'Started'].every((r) => reasons(items).includes(r)), 'the Scheduled, Pulled, Created and Started events', 30_000);
    const ordered = [...all].sort((a, b) => Number(a.metadata?.resourceVersion) - Number(b.metadata?.resourceVersion));
    testInfo.annotations.push({ type: 'measurement', description: `workflow: ${seen.join(' -> ')} (running by ${at()}); events ${ordered.map((e) => `${e.reason} (${e.source?.component ?? e.reportingComponent})`).join(', ')}` });
    expect(seen.slice(0, 2), 'the pod exists before it has a node').toEqual(['created, no node', expect.stringMatching(/^bound to /)]);
    expect(reasons(ordered).filter((r) => ['Scheduled', 'Pulled', 'Created', 'Started'].includes(r))).toEqual(['Scheduled', 'Pulled', 'Created', 'Started']);
    const scheduled = ordered.find((e) => e.reason === 'Scheduled')!;
    expect(scheduled.reportingComponent || scheduled.source?.component, 'bound by the default scheduler').toBe('default-scheduler');
    expect(scheduled.message).toContain(`Successfully assigned ${ns}/flow to ${pods.items()[0].spec?.nodeName}`);
    expect(ordered.find((e) => e.reason === 'Pulled')?.message, 'the image was loaded beforehand: found, not pulled').toMatch(/already present on machine/);
  } finally {
    pods.stop();
    events.stop();
  }
});
