// Deployments as the course runs them (manifests/20-deployments), each test
// in its own namespace with the lab's ConfigMap and Secret; myblog reads the
// course stack's database through mysql.luffy. Self-healing, scaling, the
// rolling update v1 -> v2 under the lab's maxSurge/maxUnavailable, rollback
// to a revision, and mysql's Recreate strategy, all observed by watch.
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { expect, test } from '../fixtures/cluster.ts';
import type { Cluster } from '../fixtures/cluster.ts';
import { recordMeasurement } from '../fixtures/measure.ts';
import { expectRecreate, patchDeployment, rollbackTo, rollOut, rolloutHistory } from '../lib/checks/rollout.ts';
import { COURSE_MYBLOG } from '../lib/cluster/app-images.ts';
import { applyObjects } from '../lib/kube/apply.ts';
import { execInPod, isReady, waitFor } from '../lib/kube/kube.ts';
import { findLab, inNamespace, waitForDeployments } from '../lib/course/labs.ts';
import { tryOnNode } from '../lib/cluster/nodes.ts';

// Each test a job of its own, on any worker: they share nothing but the stack's database, and the file's
// minutes of rollouts would otherwise be one chain on one worker.
test.describe.configure({ mode: 'parallel' });

const MYBLOG_V2 = `${COURSE_MYBLOG}:v2`;

/** The lab's ConfigMap, Secret and `name` Deployment in ns; MYSQL_HOST is the stack's mysql Service. */
async function deployLab(cluster: Cluster, ns: string, name: 'myblog' | 'mysql'): Promise<void> {
  const config = findLab('10-').objects.map((o) => (o.kind === 'ConfigMap' ? { ...o, data: { ...(o as { data: object }).data, MYSQL_HOST: 'mysql.luffy.svc.cluster.local' } } : o));
  // mysql's hostPath folder is made private to ns: the stack's data stays untouched.
  const deployment = findLab('20-')
    .objects.filter((o) => o.metadata?.name === name)
    .map((o) => JSON.parse(JSON.stringify(o).replaceAll('"/opt/mysql/data"', `"/opt/mysql/data-${ns}"`)) as KubernetesObject);
  await applyObjects(cluster.kc, inNamespace([...config, ...deployment], ns));
  await waitForDeployments(cluster.kc, ns, [name]);
}

const podsPath = (ns: string) => `/api/v1/namespaces/${ns}/pods`;
const live = (pods: V1Pod[]) => pods.filter((p) => !p.metadata?.deletionTimestamp);
const names = (pods: V1Pod[]) => pods.map((p) => p.metadata!.name!);

async function readyPods(cluster: Cluster, ns: string, app: string, count: number): Promise<V1Pod[]> {
  return waitFor<V1Pod>({
    kc: cluster.kc,
    path: podsPath(ns),
    labelSelector: `app=${app}`,
    what: `exactly ${count} Ready ${app} pods`,
    until: (pods) => pods.length === count && pods.every(isReady),
    describe: (pods) => pods.map((p) => `${p.metadata?.name}${isReady(p) ? ' Ready' : ''}${p.metadata?.deletionTimestamp ? ' terminating' : ''}`).join(', '),
    timeoutMs: 120_000,
  });
}

/** The X-App-Version each myblog pod answers with, asked inside the pod. */
async function versions(cluster: Cluster, ns: string, pods: V1Pod[]): Promise<string[]> {
  const ask = "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:8002/blog/index/').headers['X-App-Version'])";
  return Promise.all(pods.map(async (p) => (await execInPod(cluster.kc, ns, p.metadata!.name!, ['python3', '-c', ask])).stdout.trim()));
}

test('self-healing: a deleted myblog pod is replaced by its ReplicaSet while the other stays Ready', async ({ cluster, ns, courseStack }, testInfo) => {
  void courseStack;
  await deployLab(cluster, ns, 'myblog');
  const before = await readyPods(cluster, ns, 'myblog', 2);
  const [victim, survivor] = names(before);
  const started = Date.now();
  let createdAfter: number | undefined;
  let fewestReady = before.length;
  let replacements = 0;
  await cluster.core.deleteNamespacedPod({ name: victim, namespace: ns });
  const after = await waitFor<V1Pod>({
    kc: cluster.kc,
    path: podsPath(ns),
    labelSelector: 'app=myblog',
    what: 'a Ready replacement for the deleted pod',
    timeoutMs: 120_000,
    onChange: (pods) => {
      const fresh = live(pods).filter((p) => !before.some((b) => b.metadata?.name === p.metadata?.name));
      if (fresh.length && createdAfter === undefined) createdAfter = Date.now() - started;
      replacements = Math.max(replacements, fresh.length);
      fewestReady = Math.min(fewestReady, live(pods).filter(isReady).length);
    },
    until: (pods) => live(pods).filter(isReady).length === 2 && live(pods).every((p) => p.metadata?.name !== victim),
  });
  const readyAfter = Date.now() - started;
  recordMeasurement(testInfo, 'self-healing: replacement pod created', createdAfter ?? readyAfter);
  recordMeasurement(testInfo, 'self-healing: replacement pod Ready', readyAfter);
  expect(names(live(after))).toContain(survivor);
  expect(replacements, 'the ReplicaSet creates exactly one replacement').toBe(1);
  expect(fewestReady, 'only the deleted pod was ever missing').toBeGreaterThanOrEqual(1);
});

test('scaling: two Ready pods placed by the scheduler; 3 replicas add one, back to 2 removes one', async ({ cluster, ns, courseStack }, testInfo) => {
  void courseStack;
  await deployLab(cluster, ns, 'myblog');
  const two = await readyPods(cluster, ns, 'myblog', 2);
  testInfo.annotations.push({ type: 'placement', description: two.map((p) => `${p.metadata?.name} on ${p.spec?.nodeName}`).join(', ') });
  await patchDeployment(cluster.kc, ns, 'myblog', { spec: { replicas: 3 } });
  const three = await readyPods(cluster, ns, 'myblog', 3);
  expect(names(three)).toEqual(expect.arrayContaining(names(two)));
  await patchDeployment(cluster.kc, ns, 'myblog', { spec: { replicas: 2 } });
  const back = await readyPods(cluster, ns, 'myblog', 2);
  expect(names(three).filter((n) => !names(back).includes(n)), 'scaling down removes one pod').toHaveLength(1);
});

test('rolling update v1 -> v2 keeps maxSurge/maxUnavailable on every event and records the change-cause; undo to revision 1 restores v1', async ({ cluster, ns, courseStack }, testInfo) => {
  void courseStack;
  await deployLab(cluster, ns, 'myblog');
  const v1Pods = await readyPods(cluster, ns, 'myblog', 2);

  const update = await rollOut(cluster.kc, ns, 'myblog', () =>
    patchDeployment(cluster.kc, ns, 'myblog', {
      metadata: { annotations: { 'kubernetes.io/change-cause': 'myblog v2' } },
      spec: { template: { spec: { containers: [{ name: 'myblog', image: MYBLOG_V2 }] } } },
    }),
  );
  recordMeasurement(testInfo, 'rolling update v1 -> v2', update.durationMs);
  // 2 replicas, 25%/25%: maxSurge rounds up to 1, maxUnavailable down to 0.
  expect(update.bounds).toEqual({ maxTotal: 3, minAvailable: 2 });
  expect(update.violations, 'rollout invariants on every watch event').toEqual([]);
  expect(update.maxTotal, 'the surge pod was used').toBe(3);
  expect(update.scaledDown, 'the old ReplicaSet was scaled to 0').toHaveLength(1);
  const v2Pods = await readyPods(cluster, ns, 'myblog', 2);
  expect(names(v2Pods).filter((n) => names(v1Pods).includes(n)), 'no v1 pod is left').toEqual([]);
  expect(await versions(cluster, ns, v2Pods)).toEqual(['v2', 'v2']);
  expect(await rolloutHistory(cluster.kc, ns, 'myblog')).toEqual([
    [1, 'myblog v1'],
    [2, 'myblog v2'],
  ]);

  const undo = await rollOut(cluster.kc, ns, 'myblog', () => rollbackTo(cluster.kc, ns, 'myblog', 1));
  recordMeasurement(testInfo, 'rollback to revision 1', undo.durationMs);
  expect(undo.violations, 'rollout invariants on every watch event').toEqual([]);
  expect(undo.newReplicaSet, 'the revision-1 ReplicaSet runs the pods again').toBe(update.scaledDown[0]);
  const restored = await readyPods(cluster, ns, 'myblog', 2);
  expect(await versions(cluster, ns, restored)).toEqual(['v1', 'v1']);
  expect(restored.every((p) => p.spec?.containers[0].image === `${COURSE_MYBLOG}:v1`)).toBe(true);
  expect(await rolloutHistory(cluster.kc, ns, 'myblog'), 'revision 1 becomes revision 3').toEqual([
    [2, 'myblog v2'],
    [3, 'myblog v1'],
  ]);
});

test('Recreate (mysql): every old pod is gone before a new one is created', async ({ cluster, ns, courseStack }, testInfo) => {
  void courseStack;
  await deployLab(cluster, ns, 'mysql');
  const [old] = await readyPods(cluster, ns, 'mysql', 1);
  try {
    // As `kubectl rollout restart`: a new template, same image. Watched from before the change.
    const restart = await expectRecreate(cluster.kc, ns, 'mysql', () =>
      patchDeployment(cluster.kc, ns, 'mysql', { spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': new Date().toISOString() } } } } }),
    );
    recordMeasurement(testInfo, 'Recreate rollout of mysql', restart.durationMs);
    recordMeasurement(testInfo, 'Recreate: old pod gone', restart.oldGoneMs ?? 0);
    recordMeasurement(testInfo, 'Recreate: first new pod created', restart.firstNewMs ?? 0);
    expect(restart.firstNewMs!, 'the new pod came after the old one was gone').toBeGreaterThanOrEqual(restart.oldGoneMs!);
  } finally {
    await tryOnNode(old.spec!.nodeName!, ['rm', '-rf', `/opt/mysql/data-${ns}`]);
  }
});
