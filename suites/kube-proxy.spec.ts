// kube-proxy: the mode the cluster was configured with is the one it runs;
// in ipvs mode, the kernel's IPVS table holds every Service.
import { DiscoveryV1Api } from '@kubernetes/client-node';
import { expect, requireHostSupport, runFacts, skipOrFail, test } from '../fixtures/cluster.ts';
import { applies, CONDITIONAL } from '../lib/config/applicability.ts';
import { consecutively, pollTimeout } from '../lib/checks/poll.ts';
import { ipvsMismatches, parseIpVs } from '../lib/kube/ipvs.ts';
import { onNode } from '../lib/cluster/nodes.ts';

if (applies(CONDITIONAL.proxyModeOnNodes)) {
  test(CONDITIONAL.proxyModeOnNodes.title, async ({ cluster }) => {
    skipOrFail(cluster.foreign, "the cluster is foreign: its nodes are not kind containers on this host");
    const expected = runFacts(cluster).proxyMode;
    const config = await cluster.core.readNamespacedConfigMap({ name: 'kube-proxy', namespace: 'kube-system' });
    expect(config.data?.['config.conf'], 'kube-proxy ConfigMap').toMatch(new RegExp(`^mode: ${expected}$`, 'm'));
    for (const node of (await cluster.core.listNode()).items) {
      const mode = await onNode(node.metadata!.name!, ['curl', '-sf', 'http://127.0.0.1:10249/proxyMode']);
      expect(mode, `kube-proxy /proxyMode on ${node.metadata!.name}`).toBe(expected);
    }
  });
}

if (applies(CONDITIONAL.ipvsTable)) {
  test(CONDITIONAL.ipvsTable.title, async ({ cluster }) => {
    requireHostSupport(cluster, 'kube-proxy ipvs');
    const mode = runFacts(cluster).proxyMode;
    skipOrFail(mode !== 'ipvs', `the cluster runs kube-proxy in ${mode} mode (--proxy-mode=ipvs checks ipvs)`);
    // The cluster's and the course's Services (not the other tests' namespaces, whose Services come and go); a rule
    // can still lag an endpoint by a moment, so the table and the API are read again until they agree.
    const discovery = cluster.kc.makeApiClient(DiscoveryV1Api);
    const read = async () => {
      const namespaces = ['kube-system', 'default', 'luffy'];
      const services = (await Promise.all(namespaces.map((namespace) => cluster.core.listNamespacedService({ namespace })))).flatMap((l) => l.items);
      const slices = (await Promise.all(namespaces.map((namespace) => discovery.listNamespacedEndpointSlice({ namespace })))).flatMap((l) => l.items);
      // The node's own network namespace is kube-proxy's (hostNetwork); cat is on every node image.
      const table = parseIpVs(await onNode(`${cluster.record!.name}-worker`, ['cat', '/proc/net/ip_vs']));
      const ready = slices.flatMap((x) => x.endpoints ?? []).filter((e) => e.conditions?.ready).length;
      return { services: services.length, ready, problems: ipvsMismatches(services, slices, table) };
    };
    const agreed = await consecutively(read, (r) => r.problems.length === 0, 'the IPVS table against every ClusterIP Service', { times: 1, timeoutMs: 30_000, pauseMs: 1000, describe: (r) => r.problems.join('; ') }).catch((err: unknown) => {
      throw new Error(pollTimeout<{ problems: string[] }>(err).attempts.at(-1)!.problems.join('\n'));
    });
    expect(agreed.at(-1)!.services, 'Services compared (kube-dns and kubernetes at least)').toBeGreaterThanOrEqual(2);
    expect(agreed.at(-1)!.ready, 'Ready endpoints among them (CoreDNS, the API server)').toBeGreaterThan(0);
  });
}
