import { expect, test } from '@playwright/test';
import { AUDIT, kindConfig, kindConfigText } from '../lib/cluster/kind-config.ts';

const base = { clusterName: 'course-harness', kubernetesVersion: 'v1.34.0', nodeImage: 'img:1', cgroupVersion: 2 as const };
type Node = { role: string; image: string; labels?: Record<string, string>; extraPortMappings?: Record<string, unknown>[] };

test('one control plane and two workers, all on the given node image', () => {
  const nodes = kindConfig({ ...base, proxyMode: 'ipvs' }).nodes as Node[];
  expect(nodes.map((n) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
  expect(new Set(nodes.map((n) => n.image))).toEqual(new Set(['img:1']));
});

for (const proxyMode of ['ipvs', 'iptables', 'nftables'] as const) {
  test(`kubeProxyMode follows the proxy-mode option (${proxyMode})`, () => {
    expect(kindConfig({ ...base, proxyMode }).networking).toEqual({ kubeProxyMode: proxyMode });
  });
}

test('ports 80, 443 (Ingress), 8080, 8443 (Gateway) and the NodePort are mapped on 127.0.0.1 only, on the ingress node', () => {
  const [cp, w1, w2] = kindConfig({ ...base, proxyMode: 'ipvs' }).nodes as Node[];
  expect(cp.extraPortMappings).toEqual([
    { containerPort: 80, hostPort: 80, listenAddress: '127.0.0.1', protocol: 'TCP' },
    { containerPort: 443, hostPort: 443, listenAddress: '127.0.0.1', protocol: 'TCP' },
    { containerPort: 8080, hostPort: 8080, listenAddress: '127.0.0.1', protocol: 'TCP' },
    { containerPort: 8443, hostPort: 8443, listenAddress: '127.0.0.1', protocol: 'TCP' },
    { containerPort: 30080, hostPort: 30080, listenAddress: '127.0.0.1', protocol: 'TCP' },
  ]);
  expect(cp.labels).toMatchObject({ ingress: 'true' });
  expect(w1.labels).toEqual({ component: 'mysql' });
  expect(w2.labels).toBeUndefined();
  expect(w1.extraPortMappings).toBeUndefined();
});

test('host ports can be moved while the node ports stay', () => {
  const [cp] = kindConfig({ ...base, proxyMode: 'iptables', ports: { http: 8000, https: 8001, gatewayHttp: 8002, gatewayHttps: 8003, nodePort: 31080 } }).nodes as Node[];
  expect(cp.extraPortMappings!.map((m) => [m.containerPort, m.hostPort])).toEqual([
    [80, 8000],
    [443, 8001],
    [8080, 8002],
    [8443, 8003],
    [30080, 31080],
  ]);
});

test('cgroup v1 hosts get failCgroupV1=false from Kubernetes 1.35 on, not before', () => {
  expect(kindConfig({ ...base, proxyMode: 'ipvs', cgroupVersion: 1 }).kubeadmConfigPatches).toBeUndefined();
  const patches = kindConfig({ ...base, kubernetesVersion: 'v1.35.0', proxyMode: 'ipvs', cgroupVersion: 1 }).kubeadmConfigPatches as string[];
  expect(patches.join()).toContain('failCgroupV1: false');
  expect(kindConfig({ ...base, kubernetesVersion: 'v1.35.0', proxyMode: 'ipvs', cgroupVersion: 2 }).kubeadmConfigPatches).toBeUndefined();
});

test('the config text is what kind reads (JSON is YAML)', () => {
  const text = kindConfigText({ ...base, proxyMode: 'ipvs' });
  expect(JSON.parse(text)).toMatchObject({ kind: 'Cluster', apiVersion: 'kind.x-k8s.io/v1alpha4', name: 'course-harness' });
});

test('with an audit folder: the control plane mounts it and the API server logs the verifier\'s requests there', () => {
  const config = kindConfig({ ...base, proxyMode: 'ipvs', auditDir: '/cache/audit' });
  const [cp, w1] = config.nodes as (Node & { extraMounts?: unknown[] })[];
  expect(cp.extraMounts).toEqual([{ hostPath: '/cache/audit', containerPath: '/etc/kubernetes/audit', readOnly: true }]);
  expect(w1.extraMounts).toBeUndefined();
  const [patch] = config.kubeadmConfigPatches as string[];
  expect(patch).toContain('audit-policy-file: /etc/kubernetes/audit/policy.yaml');
  expect(patch).toContain('audit-log-path: /var/log/kubernetes/audit/audit.log');
  expect(AUDIT.policy).toContain('userGroups: ["system:serviceaccounts:course-verifier"]');
  expect(kindConfig({ ...base, proxyMode: 'ipvs' }).kubeadmConfigPatches).toBeUndefined();
});

test("every node's containerd reads each registry host's hosts.toml (the harness's registry: lib/cluster/registry.ts)", () => {
  expect(kindConfig({ clusterName: 'h', kubernetesVersion: 'v1.34.0', proxyMode: 'iptables', nodeImage: 'n', cgroupVersion: 2 }).containerdConfigPatches).toEqual(['[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n']);
});

test("online, Docker's login is every kubelet's (kind's private-registry pattern): the nodes' pulls from Docker Hub are not anonymous", () => {
  const config = kindConfig({ clusterName: 'h', kubernetesVersion: 'v1.34.0', proxyMode: 'iptables', nodeImage: 'n', cgroupVersion: 2, dockerConfig: '/home/u/.docker/config.json' });
  const mounts = (config.nodes as { extraMounts?: { containerPath: string }[] }[]).map((n) => (n.extraMounts ?? []).map((m) => m.containerPath));
  expect(mounts).toEqual([['/var/lib/kubelet/config.json'], ['/var/lib/kubelet/config.json'], ['/var/lib/kubelet/config.json']]);
  expect((kindConfig({ clusterName: 'h', kubernetesVersion: 'v1.34.0', proxyMode: 'iptables', nodeImage: 'n', cgroupVersion: 2 }).nodes as { extraMounts?: unknown }[]).every((n) => !n.extraMounts)).toBe(true);
});
