// Pod驱逐策略 (eviction): every pod gets the default not-ready and
// unreachable tolerations of 300 s; the kubelet's own eviction thresholds,
// read from its live configuration; and node loss for real: a worker's node
// container is paused (reversible), the node goes NotReady (after the node
// controller's node-monitor-grace-period, 50 s since v1.32) and is tainted
// unreachable (the course's pod-eviction-timeout flag is gone since v1.27;
// taints and tolerations decide), the test Deployment's pod there (tolerationSeconds 5)
// is evicted after its toleration and replaced on the other worker; unpaused,
// the node is Ready again. The node is always unpaused: in `finally`, and by
// npm test's sweep after an interrupted run.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { expect, skipOrFail, test } from '../fixtures/cluster.ts';
import { recordMeasurement } from '../fixtures/measure.ts';
import { echoPod, runPods } from '../lib/checks/pods.ts';
import { apiGet, isReady, observe, type Observation } from '../lib/kube/kube.ts';
import { applyObjects } from '../lib/kube/apply.ts';
import { waitForDeployments } from '../lib/course/labs.ts';
import { NODE_LABELS } from '../lib/cluster/kind-config.ts';
import { attempt } from '../lib/core/exec.ts';

test.use({ destructive: true });
// Each test a job of its own: Playwright gives a file's tests, and so their locks, to one job otherwise.
test.describe.configure({ mode: 'parallel' });

test('Pod驱逐策略: a pod gets the default not-ready and unreachable tolerations of 300 s; the kubelet reports its eviction thresholds', async ({ cluster, ns }, testInfo) => {
  const [pod] = await runPods(cluster, ns, [echoPod('plain')]);
  const tolerations = (pod.spec?.tolerations ?? []).map((t) => `${t.key}:${t.effect}:${t.tolerationSeconds}`).sort();
  expect(tolerations).toEqual(['node.kubernetes.io/not-ready:NoExecute:300', 'node.kubernetes.io/unreachable:NoExecute:300']);
  const node = pod.spec!.nodeName!;
  const configz = (await apiGet(cluster.kc, `/api/v1/nodes/${node}/proxy/configz`)) as { kubeletconfig?: { evictionHard?: Record<string, string>; evictionPressureTransitionPeriod?: string } };
  const hard = configz.kubeletconfig?.evictionHard;
  expect(Object.keys(hard ?? {}), 'the kubelet has hard eviction thresholds').not.toEqual([]);
  testInfo.annotations.push({ type: 'measurement', description: `kubelet on ${node}: evictionHard ${Object.entries(hard ?? {}).map(([k, v]) => `${k}<${v}`).join(', ')}; pressure transition period ${configz.kubeletconfig?.evictionPressureTransitionPeriod}` });
  for (const signal of Object.keys(hard ?? {})) expect(['memory.available', 'nodefs.available', 'nodefs.inodesFree', 'imagefs.available', 'imagefs.inodesFree', 'pid.available']).toContain(signal);
});

/** Runs `docker pause`/`unpause` on a kind node container. */
const docker = (verb: 'pause' | 'unpause', node: string) => attempt('docker', [verb, node]);

// Runs when no other test does: it pauses a worker node (the tolerations check above runs with the others).
test('Pod驱逐策略: a paused worker goes NotReady and is tainted unreachable; its pod is evicted after tolerationSeconds and replaced on the other worker; unpaused, the node is Ready again', { lock: '-exclusive-' }, async ({ cluster, ns }, testInfo) => {
  test.setTimeout(6 * 60_000);
  skipOrFail(cluster.foreign, 'the cluster is foreign: its nodes are not containers on this host');
  const workers = (await cluster.core.listNode()).items.filter((n) => !('node-role.kubernetes.io/control-plane' in (n.metadata?.labels ?? {})));
  skipOrFail(workers.length < 2, `the cluster has ${workers.length} worker(s): a pod evicted from one needs another to go to`);
  // The worker without the MySQL label: the course's hostPath MySQL stays untouched.
  const victim = workers.find((n) => !Object.keys(NODE_LABELS.mysql).some((k) => k in (n.metadata?.labels ?? {})))!.metadata!.name!;
  const other = workers.map((n) => n.metadata!.name!).find((n) => n !== victim)!;
  const toleration = (key: string) => ({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 5 });
  await applyObjects(cluster.kc, [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'evictee', namespace: ns },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'evictee' } },
        template: {
          metadata: { labels: { app: 'evictee' } },
          spec: {
            ...echoPod('x').spec,
            tolerations: [toleration('node.kubernetes.io/unreachable'), toleration('node.kubernetes.io/not-ready')],
            // On the victim first (preferred), never on the control plane: the replacement can only go to the other worker.
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'DoesNotExist' }] }] },
                preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, preference: { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [victim] }] } }],
              },
            },
          },
        },
      },
    } as never,
  ]);
  await waitForDeployments(cluster.kc, ns, ['evictee'], 120_000);
  const before = (await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=evictee' })).items;
  const onVictim = before.find((p) => p.spec?.nodeName === victim);
  expect(onVictim, `a pod of evictee on ${victim}`).toBeDefined();

  const marks: Record<string, number> = {};
  const started = Date.now();
  const mark = (what: string) => (marks[what] ??= Date.now() - started);
  const nodeReady = (n?: V1Node) => n?.status?.conditions?.find((c) => c.type === 'Ready')?.status;
  // One try for everything that must be undone: the node unpaused, the watches stopped.
  let node: Observation<V1Node> | undefined;
  let pods: Observation<V1Pod> | undefined;
  let paused = false;
  try {
    node = await observe<V1Node>({
      kc: cluster.kc,
      path: '/api/v1/nodes',
      fieldSelector: `metadata.name=${victim}`,
      onChange: ([n]) => {
        if (nodeReady(n) && nodeReady(n) !== 'True') mark('NotReady');
        if (n?.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable' && t.effect === 'NoExecute')) mark('tainted unreachable');
      },
    });
    pods = await observe<V1Pod>({
      kc: cluster.kc,
      path: `/api/v1/namespaces/${ns}/pods`,
      labelSelector: 'app=evictee',
      onChange: (items) => {
        if (items.find((p) => p.metadata?.uid === onVictim!.metadata?.uid)?.metadata?.deletionTimestamp) mark('evicted');
        if (items.some((p) => !before.some((b) => b.metadata?.uid === p.metadata?.uid) && p.spec?.nodeName === other && isReady(p))) mark('replacement Ready');
      },
    });
    const pause = await docker('pause', victim);
    paused = pause.exitCode === 0;
    expect(pause.exitCode, `docker pause ${victim}: ${pause.stderr}`).toBe(0);
    await node.until(([n]) => nodeReady(n) !== 'True', `${victim} NotReady`, 150_000);
    await node.until(([n]) => !!n?.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/unreachable'), `${victim} tainted unreachable`, 60_000);
    await pods.until(() => marks['replacement Ready'] !== undefined && marks.evicted !== undefined, `the pod on ${victim} evicted and replaced on ${other}`, 120_000);
    const unpause = await docker('unpause', victim);
    paused = unpause.exitCode !== 0;
    expect(unpause.exitCode, `docker unpause ${victim}: ${unpause.stderr}`).toBe(0);
    await node.until(([n]) => nodeReady(n) === 'True', `${victim} Ready again`, 120_000);
    mark('Ready again');
  } finally {
    if (paused) await docker('unpause', victim);
    node?.stop();
    pods?.stop();
  }
  for (const [what, ms] of Object.entries(marks)) recordMeasurement(testInfo, `node loss: ${what}`, ms);
  expect(marks.evicted - marks['tainted unreachable'], 'evicted after its tolerationSeconds (5 s), not before').toBeGreaterThanOrEqual(4_000);
  const after = (await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=evictee' })).items.filter((p) => !p.metadata?.deletionTimestamp && isReady(p));
  expect(after.map((p) => p.spec?.nodeName), 'the replacement Ready on the other worker').toEqual([other]);
});
