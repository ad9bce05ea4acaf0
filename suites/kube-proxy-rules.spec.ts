// The kube-proxy chapter on a live node: the iptables rules the course shows
// with `iptables-save` (KUBE-SERVICES, KUBE-SVC-*, one KUBE-SEP-* per Ready
// endpoint with statistic probabilities 1/n, 1/(n-1), ..., DNAT to each pod),
// and how scaling rewrites them; the interview question "can you ping a
// ClusterIP?" answered per mode; and the course's mode switch (edit the
// kube-proxy ConfigMap's mode, recreate the kube-proxy pods, read "Using ...
// Proxier" in their logs, see the rules) run for real to nftables (which
// Kubernetes now recommends; ipvs is deprecated since v1.35) and to ipvs where
// the kernel has IP_VS, then back.
import type { V1DaemonSet, V1Pod } from '@kubernetes/client-node';
import { expect, requireHostSupport, runFacts, skipOrFail, test, type Cluster } from '../fixtures/cluster.ts';
import { clusterIpPing } from '../lib/config/expectations.ts';
import { echoPod, expectTrafficTo, runPods } from '../lib/checks/pods.ts';
import { consecutively } from '../lib/checks/poll.ts';
import { patchDeployment } from '../lib/checks/rollout.ts';
import { applies, CONDITIONAL } from '../lib/config/applicability.ts';
import { rulesProblems, serviceRules } from '../lib/kube/iptables-rules.ts';
import { parseIpVs } from '../lib/kube/ipvs.ts';
import { execInPod, isReady, waitFor } from '../lib/kube/kube.ts';
import { waitForDeployments } from '../lib/course/labs.ts';
import type { ProxyMode } from '../lib/core/options.ts';
import { tryOnNode } from '../lib/cluster/nodes.ts';

test.use({ destructive: true });
// Each test a job of its own: Playwright gives a file's tests, and so their locks, to one job otherwise.
test.describe.configure({ mode: 'parallel' });

const onNode = async (node: string, command: string[]) => String((await tryOnNode(node, command)).stdout);

/** A Deployment `web` of `replicas` echo pods behind Service web (80 -> 8080), and a client pod. */
async function web(cluster: Cluster, ns: string, replicas: number): Promise<string> {
  const pod = echoPod('x', { app: 'web' });
  await cluster.apps.createNamespacedDeployment({
    namespace: ns,
    body: { metadata: { name: 'web' }, spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: pod.spec } } },
  });
  await cluster.core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } } });
  await waitForDeployments(cluster.kc, ns, ['web'], 120_000);
  await runPods(cluster, ns, [echoPod('client', { role: 'client' })]);
  return (await cluster.core.readNamespacedService({ name: 'web', namespace: ns })).spec!.clusterIP!;
}

/** The Ready endpoints of Service web, as ip:port. */
async function endpoints(cluster: Cluster, ns: string): Promise<string[]> {
  const pods = (await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items.filter((p) => !p.metadata?.deletionTimestamp);
  return pods.filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).map((p) => `${p.status!.podIP}:8080`);
}

const natRules = async (node: string) => (await onNode(node, ['iptables-nft-save', '-t', 'nat'])) + (await onNode(node, ['iptables-legacy-save', '-t', 'nat']));

if (applies(CONDITIONAL.iptablesRules)) {
  test(CONDITIONAL.iptablesRules.title, async ({ cluster, ns }, testInfo) => {
    skipOrFail(cluster.record?.proxyMode !== 'iptables', `kube-proxy runs in ${cluster.record?.proxyMode} mode`);
    await web(cluster, ns, 3);
    const node = `${cluster.record!.name}-worker`;
    // No watch shows a node's rules: kube-proxy writes them shortly after the EndpointSlice changes.
    const rulesMatch = async (what: string) =>
      consecutively(async () => rulesProblems(serviceRules(await natRules(node), ns, 'web', 80), await endpoints(cluster, ns), `${ns}/web:80`), (p) => p.length === 0, what, {
        times: 2,
        timeoutMs: 30_000,
        describe: (p) => p.join('; '),
      });
    await rulesMatch('the rules of 3 endpoints');
    const three = serviceRules(await natRules(node), ns, 'web', 80)!;
    testInfo.annotations.push({ type: 'rules', description: `${three.chain}: ${three.endpoints.map((e) => `${e.chain} p=${e.probability ?? '(rest)'} -> ${e.to}`).join(', ')}` });
    await patchDeployment(cluster.kc, ns, 'web', { spec: { replicas: 2 } });
    await waitFor<V1Pod>({ kc: cluster.kc, path: `/api/v1/namespaces/${ns}/pods`, labelSelector: 'app=web', what: '2 web pods', until: (pods) => pods.length === 2, timeoutMs: 60_000 });
    await rulesMatch('the rules of 2 endpoints after scaling to 2');
    expect(serviceRules(await natRules(node), ns, 'web', 80)!.endpoints.map((e) => e.probability), 'two endpoints: 1/2, then the rest').toEqual([0.5, undefined]);
  });
}

test('ping a ClusterIP from a pod: an echo reply only where the run\'s kube-proxy answers one (ipvs before v1.26; since, KUBE-IPVS-FILTER rejects it, where the course shows a reply); a pod IP always answers', async ({ cluster, ns }, testInfo) => {
  const clusterIP = await web(cluster, ns, 1);
  const [podIP] = (await endpoints(cluster, ns)).map((e) => e.split(':')[0]);
  // busybox has ping (the echo image has none); the control: a pod IP answers it.
  await runPods(cluster, ns, [{ metadata: { name: 'pinger' }, spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'ping', image: 'localhost/course-harness/busybox:1.35', imagePullPolicy: 'Never', args: ['/bin/sh', '-c', 'sleep 3600'] }] } }]);
  const pingFrom = async (ip: string) => (await execInPod(cluster.kc, ns, 'pinger', ['ping', '-c', '2', '-W', '2', ip])).exitCode === 0;
  expect(await pingFrom(podIP), `the control: pod IP ${podIP} answers ping`).toBe(true);
  const expected = clusterIpPing(runFacts(cluster));
  testInfo.annotations.push({ type: 'expectation', description: `echo reply ${expected.value ? 'expected' : 'not expected'}: ${expected.because}` });
  expect(await pingFrom(clusterIP), `ClusterIP ${clusterIP}: ${expected.because}`).toBe(expected.value);
});

/** kube-proxy's ConfigMap mode set to `mode`, its pods recreated and Ready, the logs saying which Proxier runs. */
async function switchProxyMode(cluster: Cluster, mode: ProxyMode): Promise<string[]> {
  const cm = await cluster.core.readNamespacedConfigMap({ name: 'kube-proxy', namespace: 'kube-system' });
  const conf = cm.data!['config.conf'].replace(/^mode: .*$/m, `mode: ${mode}`);
  await cluster.core.patchNamespacedConfigMap({ name: 'kube-proxy', namespace: 'kube-system', body: [{ op: 'replace', path: '/data/config.conf', value: conf }] });
  const old = (await cluster.core.listNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-proxy' })).items.map((p) => p.metadata!.uid!);
  await cluster.core.deleteCollectionNamespacedPod({ namespace: 'kube-system', labelSelector: 'k8s-app=kube-proxy', gracePeriodSeconds: 0 });
  const [ds] = await waitFor<V1DaemonSet>({
    kc: cluster.kc,
    path: '/apis/apps/v1/namespaces/kube-system/daemonsets',
    fieldSelector: 'metadata.name=kube-proxy',
    what: 'kube-proxy recreated and Ready on every node',
    until: ([ds]) => !!ds && ds.status?.numberReady === ds.status?.desiredNumberScheduled && ds.status?.updatedNumberScheduled === ds.status?.desiredNumberScheduled,
    timeoutMs: 120_000,
  });
  const pods = await waitFor<V1Pod>({
    kc: cluster.kc,
    path: '/api/v1/namespaces/kube-system/pods',
    labelSelector: 'k8s-app=kube-proxy',
    what: `only new kube-proxy pods, one per node (${ds.status?.desiredNumberScheduled}), all Ready`,
    until: (items) => items.length === ds.status?.desiredNumberScheduled && items.every((p) => !old.includes(p.metadata!.uid!) && isReady(p)),
    timeoutMs: 120_000,
  });
  // kube-proxy has no readiness probe: Ready as soon as it starts; its log says which Proxier once it has chosen.
  const logs = () => Promise.all(pods.map(async (p) => String(await cluster.core.readNamespacedPodLog({ namespace: 'kube-system', name: p.metadata!.name! }))));
  const attempts = await consecutively(logs, (all) => all.every((l) => /Using \w+ Proxier/.test(l)), `kube-proxy's log naming its Proxier (mode ${mode})`, {
    times: 1,
    timeoutMs: 60_000,
    describe: (all) => all.map((l) => l.trim().split('\n').at(-1)).join(' | '),
  });
  return attempts.at(-1)!;
}

// The mode switches run when no other test does: they recreate every kube-proxy pod, so every Service's rules are
// rewritten under the other tests' traffic (the rules and ping checks above only read, and run with the others).
const ALONE = { lock: '-exclusive-' };

test('the course\'s mode switch, run for real: ConfigMap mode nftables, kube-proxy pods recreated, "Using nftables Proxier", the Service in the kube-proxy nftables table, traffic through the ClusterIP; then back', ALONE, async ({ cluster, ns }, testInfo) => {
  test.setTimeout(6 * 60_000);
  skipOrFail(cluster.foreign, 'the cluster is foreign: its kube-proxy is not the harness\'s to switch');
  requireHostSupport(cluster, 'kube-proxy nftables');
  const original = cluster.record!.proxyMode;
  const clusterIP = await web(cluster, ns, 2);
  const pods = (await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items.map((p) => p.metadata!.name!);
  const node = `${cluster.record!.name}-worker`;
  const started = Date.now();
  try {
    const logs = await switchProxyMode(cluster, 'nftables');
    for (const log of logs) expect(log, 'each kube-proxy says which Proxier it runs').toContain('Using nftables Proxier');
    testInfo.annotations.push({ type: 'measurement', description: `switch to nftables: kube-proxy Ready again in ${((Date.now() - started) / 1000).toFixed(1)} s` });
    await consecutively(async () => onNode(node, ['nft', 'list', 'table', 'ip', 'kube-proxy']), (t) => t.includes(clusterIP) && t.includes(`${ns}/web/tcp/`), `Service ${ns}/web in the nftables table kube-proxy`, { times: 2, timeoutMs: 30_000, describe: (t) => t.slice(0, 200) });
    await expectTrafficTo(cluster, ns, 'http://web/', pods, 'the ClusterIP under nftables');
  } finally {
    const back = await switchProxyMode(cluster, original);
    for (const log of back) expect(log).toContain(`Using ${original} Proxier`);
  }
  await expectTrafficTo(cluster, ns, 'http://web/', pods, `the ClusterIP back under ${original}`);
});

if (applies(CONDITIONAL.ipvsSwitch)) {
  test(CONDITIONAL.ipvsSwitch.title, ALONE, async ({ cluster, ns }) => {
    test.setTimeout(6 * 60_000);
    requireHostSupport(cluster, 'kube-proxy ipvs');
    const original = cluster.record!.proxyMode;
    const clusterIP = await web(cluster, ns, 2);
    const pods = (await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=web' })).items.map((p) => p.metadata!.name!);
    try {
      for (const log of await switchProxyMode(cluster, 'ipvs')) expect(log).toContain('Using ipvs Proxier');
      const table = async () => parseIpVs(await onNode(`${cluster.record!.name}-worker`, ['cat', '/proc/net/ip_vs']));
      await consecutively(table, (t) => t.some((s) => s.address === `${clusterIP}:80` && s.reals.length === 2), `${clusterIP}:80 an IPVS virtual server with 2 real servers`, { times: 2, timeoutMs: 30_000 });
      await expectTrafficTo(cluster, ns, 'http://web/', pods, 'the ClusterIP under ipvs');
    } finally {
      await switchProxyMode(cluster, original);
    }
  });
}
