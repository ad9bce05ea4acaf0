// 工作负载 (the workload kinds the course's chapter lists), each from
// manifests/workloads in a namespace of its own, observed by watch from
// before each change: a ReplicaSet alone keeps its count; a DaemonSet runs
// exactly one pod on each schedulable node and, with a nodeSelector, follows
// a node label as it comes and goes; a Job runs to completion once; a
// CronJob creates Jobs on its schedule (a suspended one does not); a
// StatefulSet's pods get stable names, in order.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Job, V1Node, V1Pod } from '@kubernetes/client-node';
import { expect, test } from '../fixtures/cluster.ts';
import type { Cluster } from '../fixtures/cluster.ts';
import { applyObjects, parseManifests } from '../lib/kube/apply.ts';
import { isReady, observe, waitFor, WaitTimeout } from '../lib/kube/kube.ts';
import { MANIFESTS } from '../lib/course/labs.ts';

// Each test a job of its own, on any worker: the CronJob's wait for its minute would otherwise end a chain
// of the file's tests on one worker, often the run's last before the files that run alone.
test.describe.configure({ mode: 'parallel' });

const load = (file: string) => parseManifests(readFileSync(join(MANIFESTS, 'workloads', file), 'utf8'), `manifests/workloads/${file}`);
const podsPath = (ns: string) => `/api/v1/namespaces/${ns}/pods`;
const live = (pods: V1Pod[]) => pods.filter((p) => !p.metadata?.deletionTimestamp);
const names = (pods: V1Pod[]) => pods.map((p) => p.metadata!.name!).sort();

/** Exactly `count` live pods with the label, all Ready. */
const readyPods = (cluster: Cluster, ns: string, selector: string, count: number, what: string) =>
  waitFor<V1Pod>({
    kc: cluster.kc,
    path: podsPath(ns),
    labelSelector: selector,
    what,
    until: (pods) => live(pods).length === count && live(pods).every(isReady),
    describe: (pods) => pods.map((p) => `${p.metadata?.name} on ${p.spec?.nodeName ?? '-'}${isReady(p) ? ' Ready' : ''}${p.metadata?.deletionTimestamp ? ' terminating' : ''}`).join(', ') || 'none',
    timeoutMs: 90_000,
  }).then(live);

/** The nodes a pod without tolerations may run on: no NoSchedule or NoExecute taint. */
function schedulable(nodes: V1Node[]): string[] {
  return nodes.filter((n) => !(n.spec?.taints ?? []).some((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !n.spec?.unschedulable).map((n) => n.metadata!.name!);
}

test('ReplicaSet: alone it keeps its count: a deleted pod is replaced, a surplus pod with its labels is removed; a bare pod is replaced by nothing', async ({ cluster, ns }) => {
  await applyObjects(cluster.kc, load('replicaset.yaml'), ns);
  const before = await readyPods(cluster, ns, 'app=echo-rs', 2, 'the ReplicaSet echo at 2 Ready pods');
  await cluster.core.deleteNamespacedPod({ namespace: ns, name: before[0].metadata!.name! });
  const after = await readyPods(cluster, ns, 'app=echo-rs', 2, 'a replacement for the deleted pod');
  expect(names(after).filter((n) => !names(before).includes(n)), 'one new pod replaced the deleted one').toHaveLength(1);
  // A third pod with the ReplicaSet's labels: it is adopted and, being one too many, removed.
  const podSpec = (load('replicaset.yaml')[0] as unknown as { spec: { template: { spec: V1Pod['spec'] } } }).spec.template.spec;
  await cluster.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'surplus', labels: { app: 'echo-rs' } }, spec: podSpec } });
  const settled = await readyPods(cluster, ns, 'app=echo-rs', 2, 'the ReplicaSet back at 2 pods');
  expect(settled.length).toBe(2);
  // The control: a pod no controller owns, deleted, stays gone.
  await cluster.core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'bare', labels: { app: 'bare' } }, spec: podSpec } });
  await readyPods(cluster, ns, 'app=bare', 1, 'the bare pod Ready');
  const bare = await observe<V1Pod>({ kc: cluster.kc, path: podsPath(ns), labelSelector: 'app=bare' });
  try {
    await cluster.core.deleteNamespacedPod({ namespace: ns, name: 'bare', gracePeriodSeconds: 0 });
    await bare.until((pods) => pods.length === 0, 'the bare pod gone', 60_000);
    // The ReplicaSet replaced its pod within seconds; in 10 s nothing replaces the bare one.
    const replaced = await bare.until((pods) => pods.length > 0, 'a replacement of the bare pod', 10_000).then(
      (pods) => pods.map((p) => p.metadata?.name),
      (err: unknown) => {
        if (err instanceof WaitTimeout) return [];
        throw err;
      },
    );
    expect(replaced, 'nothing replaced the bare pod within 10 s').toEqual([]);
  } finally {
    bare.stop();
  }
});

test('DaemonSet: exactly one pod on each schedulable node; with a nodeSelector it follows the label as it is added and removed', async ({ cluster, ns }, testInfo) => {
  const nodes = (await cluster.core.listNode()).items;
  const targets = schedulable(nodes);
  await applyObjects(cluster.kc, load('daemonset.yaml'), ns);
  const agents = await readyPods(cluster, ns, 'app=node-agent', targets.length, `one node-agent pod on each of ${targets.join(', ')}`);
  expect(agents.map((p) => p.spec!.nodeName!).sort(), 'one pod per schedulable node, none elsewhere').toEqual([...targets].sort());
  testInfo.annotations.push({ type: 'placement', description: `node-agent on ${agents.map((p) => p.spec?.nodeName).join(', ')}; not on ${nodes.map((n) => n.metadata!.name!).filter((n) => !targets.includes(n)).join(', ') || '-'} (tainted)` });

  const node = targets[0];
  const label = (value: string | null) => cluster.core.patchNode({ name: node, body: [{ op: value === null ? 'remove' : 'add', path: '/metadata/labels/monitor', ...(value === null ? {} : { value }) }] });
  const labelled = await observe<V1Pod>({ kc: cluster.kc, path: podsPath(ns), labelSelector: 'app=labelled-agent' });
  try {
    expect(live(labelled.items()), 'no node is labelled yet: no pod').toEqual([]);
    await label('true');
    const on = await labelled.until((pods) => live(pods).length === 1 && live(pods)[0].spec?.nodeName === node && isReady(live(pods)[0]), `a labelled-agent pod on ${node}`, 60_000);
    expect(live(on).map((p) => p.spec?.nodeName)).toEqual([node]);
    await label(null);
    await labelled.until((pods) => pods.length === 0, `the labelled-agent pod gone from ${node}`, 60_000);
  } finally {
    labelled.stop();
    await label(null).catch(() => undefined);
  }
});

test('Job: runs its pod to completion once, not again; a failing one stops at its backoffLimit with the reason', async ({ cluster, ns }) => {
  const jobs = `/apis/batch/v1/namespaces/${ns}/jobs`;
  const [job] = load('job.yaml') as V1Job[];
  const failing: V1Job = structuredClone(job);
  failing.metadata!.name = 'fails';
  failing.spec!.backoffLimit = 1;
  failing.spec!.template.spec!.containers[0].args = ['/bin/sh', '-c', 'exit 3'];
  await applyObjects(cluster.kc, [job, failing], ns);
  const done = (j?: V1Job, type = 'Complete') => j?.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;
  const ended = await waitFor<V1Job>({ kc: cluster.kc, path: jobs, what: 'both Jobs ended', until: (items) => done(items.find((j) => j.metadata?.name === 'once')) && done(items.find((j) => j.metadata?.name === 'fails'), 'Failed'), timeoutMs: 120_000 });
  const once = ended.find((j) => j.metadata?.name === 'once')!;
  expect(once.status?.succeeded).toBe(1);
  const pods = (await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: 'job-name=once' })).items;
  expect(pods.map((p) => [p.status?.phase, p.status?.containerStatuses?.[0]?.restartCount]), 'one pod, Succeeded, never restarted').toEqual([['Succeeded', 0]]);
  const failed = ended.find((j) => j.metadata?.name === 'fails')!;
  expect(failed.status?.conditions?.find((c) => c.type === 'Failed')?.reason).toBe('BackoffLimitExceeded');
  expect((await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: 'job-name=fails' })).items, 'backoffLimit 1: the first try and one retry').toHaveLength(2);
});

test('CronJob: creates a Job on its schedule (every minute) and the Job completes; a suspended one creates none meanwhile', async ({ cluster, ns }, testInfo) => {
  test.setTimeout(3 * 60_000);
  const [cron] = load('cronjob.yaml');
  const suspended = structuredClone(cron) as typeof cron & { spec: { suspend?: boolean } };
  suspended.metadata!.name = 'suspended';
  suspended.spec.suspend = true;
  const jobs = await observe<V1Job>({ kc: cluster.kc, path: `/apis/batch/v1/namespaces/${ns}/jobs` });
  const started = Date.now();
  try {
    await applyObjects(cluster.kc, [cron, suspended], ns);
    const owner = (j: V1Job) => j.metadata?.ownerReferences?.find((o) => o.kind === 'CronJob')?.name;
    // A schedule of "* * * * *" fires at the next minute: at most 60 s, with the controller's sync on top.
    const created = await jobs.until((items) => items.some((j) => owner(j) === 'every-minute' && j.status?.succeeded === 1), 'a Job of every-minute completed', 150_000);
    testInfo.annotations.push({ type: 'measurement', description: `CronJob: first Job completed ${((Date.now() - started) / 1000).toFixed(1)} s after the CronJob was created` });
    expect(created.filter((j) => owner(j) === 'suspended'), 'the suspended CronJob created no Job').toEqual([]);
  } finally {
    jobs.stop();
  }
});

test('StatefulSet: pods web-0, web-1, web-2 created in order, each once the one before is Ready; a deleted pod comes back under its name; Parallel creates them at once', async ({ cluster, ns }) => {
  const created: { name: string; readyBefore: string[] }[] = [];
  const pods = await observe<V1Pod>({
    kc: cluster.kc,
    path: podsPath(ns),
    labelSelector: 'app=web-sts',
    onChange: (items, event) => {
      if (event !== 'ADDED') return;
      for (const p of items.filter((x) => !created.some((c) => c.name === x.metadata?.name))) created.push({ name: p.metadata!.name!, readyBefore: items.filter(isReady).map((x) => x.metadata!.name!) });
    },
  });
  try {
    await applyObjects(cluster.kc, load('statefulset.yaml'), ns);
    await pods.until((items) => live(items).filter(isReady).length === 3, 'web-0..2 Ready', 120_000);
    expect(created.map((c) => c.name), 'stable, ordinal names, created in order').toEqual(['web-0', 'web-1', 'web-2']);
    expect(created.map((c) => c.readyBefore.sort().join(',')), 'each pod created only once the ones before it were Ready').toEqual(['', 'web-0', 'web-0,web-1']);
    const uid = pods.items().find((p) => p.metadata?.name === 'web-1')!.metadata!.uid;
    await cluster.core.deleteNamespacedPod({ namespace: ns, name: 'web-1' });
    const back = await pods.until((items) => items.some((p) => p.metadata?.name === 'web-1' && p.metadata.uid !== uid && isReady(p)), 'web-1 back', 120_000);
    expect(names(live(back)), 'the same names after the deletion').toEqual(['web-0', 'web-1', 'web-2']);
  } finally {
    pods.stop();
  }
  // The control: with podManagementPolicy Parallel the same check sees pods created before the ones before them were Ready.
  const parallel = load('statefulset.yaml').map((o) => (o.kind === 'StatefulSet' ? { ...o, metadata: { ...o.metadata, name: 'par' }, spec: { ...(o as { spec: object }).spec, podManagementPolicy: 'Parallel', selector: { matchLabels: { app: 'par' } }, template: { ...(o as { spec: { template: object } }).spec.template, metadata: { labels: { app: 'par' } } } } } : o)).filter((o) => o.kind === 'StatefulSet');
  const seen: string[][] = [];
  const par = await observe<V1Pod>({ kc: cluster.kc, path: podsPath(ns), labelSelector: 'app=par', onChange: (items, event) => event === 'ADDED' && seen.push(items.filter(isReady).map((p) => p.metadata!.name!)) });
  try {
    await applyObjects(cluster.kc, parallel, ns);
    await par.until((items) => items.length === 3, 'par-0..2 created', 60_000);
    expect(seen.filter((ready) => ready.length === 0).length, 'Parallel: more than one pod created before any was Ready').toBeGreaterThan(1);
  } finally {
    par.stop();
  }
});
