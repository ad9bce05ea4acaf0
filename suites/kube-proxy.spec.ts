// kube-proxy: the mode the cluster was configured with is the one it runs;
// in ipvs mode, the kernel's IPVS table holds every Service.
import { DiscoveryV1Api } from '@kubernetes/client-node';
import { execa } from 'execa';
import { expect, requireHostSupport, skipOrFail, test } from '../fixtures/cluster.ts';
import { applies, CONDITIONAL } from '../scripts/lib/applicability.ts';
import { parseIpVs } from '../scripts/lib/ipvs.ts';

/** Runs a command on a kind node (a container on the kind network). */
async function onNode(node: string, command: string[]): Promise<string> {
  return String((await execa('docker', ['exec', node, ...command])).stdout).trim();
}

if (applies(CONDITIONAL.proxyModeOnNodes)) {
  test(CONDITIONAL.proxyModeOnNodes.title, async ({ cluster }) => {
    skipOrFail(cluster.foreign, "the cluster is foreign: its nodes are not kind containers on this host");
    const expected = cluster.record!.proxyMode;
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
    skipOrFail(cluster.record?.proxyMode !== 'ipvs', `the cluster runs kube-proxy in ${cluster.record?.proxyMode} mode (--proxy-mode=ipvs checks ipvs)`);
    const dns = await cluster.core.readNamespacedService({ name: 'kube-dns', namespace: 'kube-system' });
    const slices = await cluster.kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: 'kube-system', labelSelector: 'kubernetes.io/service-name=kube-dns' });
    const podIPs = slices.items.flatMap((s) => s.endpoints.filter((e) => e.conditions?.ready).flatMap((e) => e.addresses));
    // The node's own network namespace is kube-proxy's (hostNetwork); cat is on every node image.
    const table = parseIpVs(await onNode(`${cluster.record!.name}-worker`, ['cat', '/proc/net/ip_vs']));
    for (const protocol of ['UDP', 'TCP']) {
      const server = table.find((s) => s.protocol === protocol && s.address === `${dns.spec!.clusterIP}:53`);
      expect(server, `kube-dns ${protocol} ${dns.spec!.clusterIP}:53 in the IPVS table`).toBeDefined();
      expect(server!.reals.map((r) => r.address).sort(), `its real servers are the CoreDNS pods`).toEqual(podIPs.map((ip) => `${ip}:53`).sort());
    }
  });
}
