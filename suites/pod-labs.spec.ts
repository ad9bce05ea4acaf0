// The course's pod-level labs from manifests/pods/, each in its own test
// namespace (hostPath folders moved per namespace so nothing touches the
// course stack's MySQL data), checked against what the course says happens.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Pod } from '@kubernetes/client-node';
import { expect, test } from '../fixtures/cluster.ts';
import { eventFor } from '../lib/checks/events.ts';
import { unschedulable } from '../lib/checks/pods.ts';
import { consecutively } from '../lib/checks/poll.ts';
import type { Cluster } from '../fixtures/cluster.ts';
import { applyObjects, parseManifests } from '../lib/kube/apply.ts';
import { execInPod, isReady, waitFor } from '../lib/kube/kube.ts';
import { findLab, inNamespace, MANIFESTS } from '../lib/course/labs.ts';
import { tryOnNode } from '../lib/cluster/nodes.ts';

// MySQL on the host network of the component=mysql node holds its port 3306:
// only this file's labs 05 and 06 and class-isolation's host-network test
// bind it (the course stack's MySQL has no hostNetwork), so those three
// tests take this lock; the rest runs beside everything.
const HOST_PORT_3306 = { lock: 'host-port-3306-on-the-mysql-node' };
// Each test a job of its own: Playwright gives a file's tests, and so their locks, to one job otherwise.
test.describe.configure({ mode: 'parallel' });

/**
 * A pod lab's objects (or only those of `files`) in namespace ns, its hostPath
 * folders made private to ns and its placeholders (MYSQL_NODE_IP) filled in.
 */
async function applyPodLab(cluster: Cluster, lab: string, ns: string, { files, values = {} }: { files?: string[]; values?: Record<string, string> } = {}): Promise<void> {
  const dir = join(MANIFESTS, 'pods', lab);
  const fill = (text: string) => Object.entries(values).reduce((t, [k, v]) => t.replaceAll(k, v), text.replace(/path: (\/opt\/mysql\/data|\/tmp\/loap)\b/g, `path: $1-${ns}`));
  const objects = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && (!files || files.includes(f)))
    .sort()
    .flatMap((f) => parseManifests(fill(readFileSync(join(dir, f), 'utf8')), `${lab}/${f}`));
  await applyObjects(cluster.kc, inNamespace(objects, ns));
}

/** The InternalIP of the node labelled component=mysql, where the labs' host-network MySQL runs. */
async function mysqlNodeIp(cluster: Cluster): Promise<{ node: string; ip: string }> {
  const [node] = (await cluster.core.listNode({ labelSelector: 'component=mysql' })).items;
  const ip = node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!ip) throw new Error('no node labelled component=mysql with an InternalIP');
  return { node: node.metadata!.name!, ip };
}

/** The blog list, asked from inside the myblog container. */
async function blogList(cluster: Cluster, ns: string, pod = 'myblog'): Promise<string> {
  const get = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8002/blog/index/').read().decode())";
  return (await execInPod(cluster.kc, ns, pod, ['python3', '-c', get], 'myblog')).stdout;
}

/**
 * Deletes the lab's pods and waits until they are gone: the host-network
 * MySQL holds the node's port 3306, which the next lab needs.
 */
async function removePods(cluster: Cluster, ns: string, node: string): Promise<void> {
  await cluster.core.deleteCollectionNamespacedPod({ namespace: ns, gracePeriodSeconds: 0 });
  await waitFor<V1Pod>({ kc: cluster.kc, path: `/api/v1/namespaces/${ns}/pods`, what: 'the lab\'s pods gone', until: (pods) => pods.length === 0, timeoutMs: 60_000 });
  await tryOnNode(node, ['rm', '-rf', `/opt/mysql/data-${ns}`]);
}

/**
 * As the course: exec into the myblog container and run migrate. MySQL has no
 * probe in these labs, so migrate is retried a second apart, 90 s at most.
 */
async function migrateWhenMysqlIsUp(cluster: Cluster, ns: string, pod: string): Promise<void> {
  const migrate = () => execInPod(cluster.kc, ns, pod, ['python3', 'manage.py', 'migrate', '--noinput'], 'myblog');
  await consecutively(migrate, (r) => r.exitCode === 0, 'python3 manage.py migrate', { times: 1, timeoutMs: 90_000, pauseMs: 1000, describe: (r) => r.stderr.trim().split('\n').pop() ?? '' });
}

/** Waits, by watch, until pod `name` has all its containers running (and, if asked, is Ready). */
async function running(cluster: Cluster, ns: string, name: string, ready = false): Promise<V1Pod> {
  const [pod] = await waitFor<V1Pod>({
    kc: cluster.kc,
    path: `/api/v1/namespaces/${ns}/pods`,
    fieldSelector: `metadata.name=${name}`,
    what: `pod ${name} running${ready ? ' and Ready' : ''}`,
    until: (pods) => pods.length === 1 && (pods[0].status?.containerStatuses ?? []).every((c) => c.state?.running) && (pods[0].status?.containerStatuses?.length ?? 0) > 0 && (!ready || isReady(pods[0])),
    timeoutMs: 120_000,
  });
  return pod;
}

const terminated = (p: V1Pod) => p.status?.containerStatuses?.[0]?.state?.terminated ?? p.status?.containerStatuses?.[0]?.lastState?.terminated;

test('two-container pod: myblog and mysql share the pod; after migrate, the blog list is served on 8002', async ({ cluster, ns }) => {
  await applyPodLab(cluster, '01-two-container-pod', ns);
  await running(cluster, ns, 'myblog');
  await migrateWhenMysqlIsUp(cluster, ns, 'myblog');
  expect(await blogList(cluster, ns)).toContain('我的博客列表');
  const mysql = await execInPod(cluster.kc, ns, 'myblog', ['mysql', '-p123456', '-h', '127.0.0.1', '-e', 'SHOW TABLES FROM myblog'], 'mysql');
  expect(mysql.stdout, 'mysql, reached over the pod\'s localhost, has the tables migrate made').toContain('blog_article');
  // Each container's log, read through the API as `kubectl logs -c`.
  const log = (container: string) => cluster.core.readNamespacedPodLog({ name: 'myblog', namespace: ns, container });
  expect(await log('myblog')).toContain('Listening at: http://0.0.0.0:8002');
  expect(await log('mysql')).toMatch(/ready for connections/);
});

test('hostPath lab without a node labelled for it: the pod stays Pending and the scheduler says why', async ({ cluster, ns }) => {
  await applyPodLab(cluster, '02-hostpath-persistence', ns, { values: { 'component: mysql': 'component: mysql-missing' } });
  const { phase, message } = await unschedulable(cluster, ns, 'myblog');
  expect(phase).toBe('Pending');
  expect(message).toMatch(/2 node\(s\) didn't match Pod's node affinity\/selector/);
});

test('hostPath persistence: on the component=mysql node, the tables migrate made survive deleting and recreating the pod', async ({ cluster, ns }) => {
  await applyPodLab(cluster, '02-hostpath-persistence', ns);
  const pod = await running(cluster, ns, 'myblog');
  const node = await cluster.core.readNode({ name: pod.spec!.nodeName! });
  expect(node.metadata?.labels?.component, 'scheduled by the nodeSelector').toBe('mysql');
  await migrateWhenMysqlIsUp(cluster, ns, 'myblog');
  await cluster.core.deleteNamespacedPod({ name: 'myblog', namespace: ns });
  await waitFor<V1Pod>({ kc: cluster.kc, path: `/api/v1/namespaces/${ns}/pods`, what: 'pod myblog gone', until: (pods) => pods.length === 0, timeoutMs: 60_000 });
  await applyPodLab(cluster, '02-hostpath-persistence', ns);
  await running(cluster, ns, 'myblog');
  // No migrate this time: the course checks the data is still there.
  const showTables = async () => (await execInPod(cluster.kc, ns, 'myblog', ['mysql', '-p123456', '-h', '127.0.0.1', '-e', 'SHOW TABLES FROM myblog'], 'mysql')).stdout;
  const tables = await consecutively(showTables, (t) => t.includes('blog_article'), 'the tables after re-creating the pod', { times: 1, timeoutMs: 90_000, pauseMs: 1000 });
  expect(tables.at(-1), 'the tables are on the node, not in the pod').toContain('blog_article');
  await tryOnNode(pod.spec!.nodeName!, ['rm', '-rf', `/opt/mysql/data-${ns}`]);
});

test('probes and resources (pod-completed): NotReady until migrate, then Ready by the httpGet probe, requests and limits applied', async ({ cluster, ns }) => {
  await applyPodLab(cluster, '03-probes-resources', ns);
  const pod = await running(cluster, ns, 'myblog');
  expect(pod.spec?.containers.map((c) => c.resources?.limits)).toEqual([
    { cpu: '100m', memory: '500Mi' },
    { cpu: '100m', memory: '500Mi' },
  ]);
  // Not Ready by the probe's verdict, not because no probe has run yet (the first runs 10 s after the start).
  const failed = await eventFor(cluster, ns, 'myblog', 'Unhealthy', /^Readiness probe failed: HTTP probe failed with statuscode: 500/);
  expect(failed.involvedObject?.fieldPath, 'the myblog container\'s probe').toBe('spec.containers{myblog}');
  const notReady = await cluster.core.readNamespacedPod({ name: 'myblog', namespace: ns });
  expect(isReady(notReady), 'without the tables /blog/index/ answers 500, so the readiness probe cannot pass').toBe(false);
  await migrateWhenMysqlIsUp(cluster, ns, 'myblog');
  const ready = await running(cluster, ns, 'myblog', true);
  expect(ready.status?.containerStatuses?.every((c) => c.ready)).toBe(true);
  await tryOnNode(pod.spec!.nodeName!, ['rm', '-rf', `/opt/mysql/data-${ns}`]);
});

test('split pods (lab 05): MySQL on the host network of the component=mysql node, myblog reaching it by the node\'s IP', HOST_PORT_3306, async ({ cluster, ns }) => {
  const { node, ip } = await mysqlNodeIp(cluster);
  await applyPodLab(cluster, '05-split-pods', ns, { values: { MYSQL_NODE_IP: ip } });
  const mysql = await running(cluster, ns, 'mysql', true);
  expect(mysql.spec?.nodeName).toBe(node);
  expect(mysql.status?.podIP, 'host network: the pod has the node\'s address').toBe(ip);
  await running(cluster, ns, 'myblog');
  await migrateWhenMysqlIsUp(cluster, ns, 'myblog');
  expect(await blogList(cluster, ns)).toContain('我的博客列表');
  await removePods(cluster, ns, node);
});

test('config pods (lab 06): the env myblog sees equals the ConfigMap and the decoded Secret, and the blog list is served', HOST_PORT_3306, async ({ cluster, ns }) => {
  const { node, ip } = await mysqlNodeIp(cluster);
  const config = findLab('10-').objects.map((o) => (o.kind === 'ConfigMap' ? { ...o, data: { ...(o as { data: object }).data, MYSQL_HOST: ip } } : o));
  await applyObjects(cluster.kc, inNamespace(config, ns));
  await applyPodLab(cluster, '06-config-pods', ns);
  await running(cluster, ns, 'mysql', true);
  await running(cluster, ns, 'myblog');
  const configMap = await cluster.core.readNamespacedConfigMap({ name: 'myblog', namespace: ns });
  const secret = await cluster.core.readNamespacedSecret({ name: 'myblog', namespace: ns });
  const want: Record<string, string> = { ...configMap.data };
  for (const [k, v] of Object.entries(secret.data ?? {})) want[k] = Buffer.from(v, 'base64').toString();
  const env = Object.fromEntries(
    (await execInPod(cluster.kc, ns, 'myblog', ['env'], 'myblog')).stdout
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  // Key names only in the message: Secret values never reach the report.
  const mismatched = Object.keys(want).filter((k) => env[k] !== want[k]);
  expect(mismatched, 'env keys that differ from the ConfigMap/decoded Secret').toEqual([]);
  expect(Object.keys(want).sort()).toEqual(['MYSQL_HOST', 'MYSQL_PASSWD', 'MYSQL_PORT', 'MYSQL_USER']);
  await migrateWhenMysqlIsUp(cluster, ns, 'myblog');
  expect(await blogList(cluster, ns)).toContain('我的博客列表');
  await removePods(cluster, ns, node);
});

test('restart policies: exit 0 and exit 1 under Always, OnFailure and Never give the course table', async ({ cluster, ns }) => {
  await applyPodLab(cluster, '04-restart-policy', ns);
  type Want = { phase?: string; restarted: boolean; reason: 'Completed' | 'Error' };
  const want: Record<string, Want> = {
    'restart-always-exit-0': { phase: 'Running', restarted: true, reason: 'Completed' },
    'restart-always-exit-1': { phase: 'Running', restarted: true, reason: 'Error' },
    'restart-onfailure-exit-0': { phase: 'Succeeded', restarted: false, reason: 'Completed' },
    'restart-onfailure-exit-1': { phase: 'Running', restarted: true, reason: 'Error' },
    'restart-never-exit-0': { phase: 'Succeeded', restarted: false, reason: 'Completed' },
    'restart-never-exit-1': { phase: 'Failed', restarted: false, reason: 'Error' },
  };
  const state = (p: V1Pod) => `${p.metadata?.name}: ${p.status?.phase} restarts=${p.status?.containerStatuses?.[0]?.restartCount ?? 0} last=${terminated(p)?.reason ?? '-'}`;
  const pods = await waitFor<V1Pod>({
    kc: cluster.kc,
    path: `/api/v1/namespaces/${ns}/pods`,
    what: 'every restart-policy pod in its course state',
    until: (items) =>
      Object.entries(want).every(([name, w]) => {
        const p = items.find((i) => i.metadata?.name === name);
        const restarts = p?.status?.containerStatuses?.[0]?.restartCount ?? 0;
        return p !== undefined && terminated(p)?.reason === w.reason && (w.restarted ? restarts >= 1 : restarts === 0) && (!w.phase || p.status?.phase === w.phase);
      }),
    describe: (items) => items.map(state).join('; '),
    timeoutMs: 120_000,
  });
  for (const [name, w] of Object.entries(want)) {
    const p = pods.find((i) => i.metadata?.name === name)!;
    expect(terminated(p)?.exitCode, name).toBe(w.reason === 'Completed' ? 0 : 1);
  }
});

test('pod lifecycle: the timing file shows INIT, then START and POST-START, then the readiness probe, and PRE-STOP on delete', async ({ cluster, ns }) => {
  await applyPodLab(cluster, '07-pod-lifecycle', ns);
  const [pod] = await waitFor<V1Pod>({
    kc: cluster.kc,
    path: `/api/v1/namespaces/${ns}/pods`,
    what: 'pod-lifecycle running and Ready (readiness probe ran)',
    until: (pods) => pods.length === 1 && !!pods[0].status?.containerStatuses?.[0]?.state?.running && pods[0].status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true,
    timeoutMs: 120_000,
  });
  const node = pod.spec!.nodeName!;
  const timing = async () => String((await tryOnNode(node, ['cat', `/tmp/loap-${ns}/timing`])).stdout);
  await cluster.core.deleteNamespacedPod({ name: 'pod-lifecycle', namespace: ns });
  await waitFor<V1Pod>({ kc: cluster.kc, path: `/api/v1/namespaces/${ns}/pods`, what: 'pod-lifecycle gone', until: (pods) => pods.length === 0, timeoutMs: 60_000 });
  const events = (await timing()).split('\n').map((l) => l.split(': ')[1]).filter(Boolean);
  const first = (e: string) => events.indexOf(e);
  expect(events[0], `timing: ${events.join(', ')}`).toBe('INIT');
  expect(first('START')).toBeGreaterThan(first('INIT'));
  expect(first('POST-START')).toBeGreaterThan(first('INIT'));
  expect(first('READINESS')).toBeGreaterThan(first('START'));
  expect(events.lastIndexOf('PRE-STOP'), `the preStop hook ran when the pod was deleted: ${events.join(', ')}`).toBeGreaterThan(events.lastIndexOf('START'));
  await tryOnNode(node, ['rm', '-rf', `/tmp/loap-${ns}`]);
});
