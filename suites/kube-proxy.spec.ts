// kube-proxy: the mode the cluster was configured with is the one it runs.
import { execa } from 'execa';
import { expect, requireHostSupport, test } from '../fixtures/cluster.ts';

/** Runs a command on a kind node (a container on the kind network). */
async function onNode(node: string, command: string[]): Promise<string> {
  return String((await execa('docker', ['exec', node, ...command])).stdout).trim();
}

test('kube-proxy reports, on every node, the proxy mode the cluster was created with', async ({ cluster }) => {
  test.skip(cluster.foreign, 'skipped because the cluster is foreign: its nodes are not kind containers on this host');
  const expected = cluster.record!.proxyMode;
  const config = await cluster.core.readNamespacedConfigMap({ name: 'kube-proxy', namespace: 'kube-system' });
  expect(config.data?.['config.conf'], 'kube-proxy ConfigMap').toMatch(new RegExp(`^mode: ${expected}$`, 'm'));
  for (const node of (await cluster.core.listNode()).items) {
    const mode = await onNode(node.metadata!.name!, ['curl', '-sf', 'http://127.0.0.1:10249/proxyMode']);
    expect(mode, `kube-proxy /proxyMode on ${node.metadata!.name}`).toBe(expected);
  }
});

test('ipvs: every Service ClusterIP is an IPVS virtual server with the pod IPs as real servers', async ({ cluster }) => {
  requireHostSupport(cluster, 'kube-proxy ipvs');
  test.skip(cluster.record?.proxyMode !== 'ipvs', `skipped because the cluster runs kube-proxy in ${cluster.record?.proxyMode} mode (--proxy-mode=ipvs to check ipvs)`);
  const dns = await cluster.core.readNamespacedService({ name: 'kube-dns', namespace: 'kube-system' });
  const slices = await cluster.kc.makeApiClient((await import('@kubernetes/client-node')).DiscoveryV1Api).listNamespacedEndpointSlice({
    namespace: 'kube-system',
    labelSelector: 'kubernetes.io/service-name=kube-dns',
  });
  const podIPs = slices.items.flatMap((s) => s.endpoints.flatMap((e) => e.addresses));
  const table = await onNode(`${cluster.record!.name}-worker`, ['ipvsadm', '-Ln']);
  expect(table).toContain(`${dns.spec!.clusterIP}:53`);
  for (const ip of podIPs) expect(table).toContain(`${ip}:53`);
});
