// Generates the kind cluster configuration from typed options. kind reads
// YAML, and JSON is YAML, so the config is written as JSON.
import { minorOf, type ProxyMode } from '../core/options.ts';

/** Host ports the harness maps on 127.0.0.1 (the control-plane node holds them): the Ingress edge, the Gateway edge, the NodePort. */
export const PORTS = { http: 80, https: 443, gatewayHttp: 8080, gatewayHttps: 8443, nodePort: 30080 } as const;

/** Bumped when the cluster's shape (its kind config) changes, so that an older cluster is recreated. */
export const CLUSTER_LAYOUT = 4;

/** Labels the course manifests select on. */
export const NODE_LABELS = {
  ingress: { ingress: 'true', 'ingress-ready': 'true' }, // course mandatory.yaml / kind ingress provider
  mysql: { component: 'mysql' }, // hostPath MySQL lab
} as const;

export interface KindConfigInput {
  clusterName: string;
  kubernetesVersion: string;
  proxyMode: ProxyMode;
  nodeImage: string;
  cgroupVersion: 1 | 2;
  ports?: { http: number; https: number; gatewayHttp: number; gatewayHttps: number; nodePort: number };
  /** a host folder holding AUDIT.policyFile, mounted into the control-plane node for the API server's audit log */
  auditDir?: string;
  /** Docker's config.json with a login (online, after `docker login`): every kubelet pulls with it (kind's "private registries" pattern), so the nodes' pulls from Docker Hub are not anonymous */
  dockerConfig?: string;
}

/**
 * The API server's audit log: what the read-only verifier's identity asked
 * for (its namespace's ServiceAccounts, course-verifier), at Metadata level;
 * nothing else is logged. Live mode's proof reads it to show the verifier
 * wrote nothing.
 */
export const AUDIT = {
  policyFile: 'policy.yaml',
  /** where the API server writes it, inside the control-plane node */
  log: '/var/log/kubernetes/audit/audit.log',
  policy: [
    'apiVersion: audit.k8s.io/v1',
    'kind: Policy',
    'omitStages: [RequestReceived]',
    'rules:',
    '  - level: Metadata',
    '    userGroups: ["system:serviceaccounts:course-verifier"]',
    '  - level: None',
    '',
  ].join('\n'),
} as const;

const auditPatch = [
  'kind: ClusterConfiguration',
  'apiServer:',
  '  extraArgs:',
  `    audit-policy-file: /etc/kubernetes/audit/${AUDIT.policyFile}`,
  `    audit-log-path: ${AUDIT.log}`,
  '    audit-log-maxsize: "20"',
  '    audit-log-maxbackup: "1"',
  '  extraVolumes:',
  '    - { name: audit-policy, hostPath: /etc/kubernetes/audit, mountPath: /etc/kubernetes/audit, readOnly: true, pathType: Directory }',
  '    - { name: audit-log, hostPath: /var/log/kubernetes/audit, mountPath: /var/log/kubernetes/audit, pathType: DirectoryOrCreate }',
  '',
].join('\n');

export function kindConfig(input: KindConfigInput): Record<string, unknown> {
  const ports = input.ports ?? PORTS;
  const mapping = (containerPort: number, hostPort: number) => ({
    containerPort,
    hostPort,
    listenAddress: '127.0.0.1',
    protocol: 'TCP',
  });
  const login = input.dockerConfig ? [{ hostPath: input.dockerConfig, containerPath: '/var/lib/kubelet/config.json', readOnly: true }] : [];
  const config: Record<string, unknown> = {
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    name: input.clusterName,
    networking: { kubeProxyMode: input.proxyMode },
    nodes: [
      {
        role: 'control-plane',
        image: input.nodeImage,
        labels: NODE_LABELS.ingress,
        ...(input.auditDir || login.length ? { extraMounts: [...(input.auditDir ? [{ hostPath: input.auditDir, containerPath: '/etc/kubernetes/audit', readOnly: true }] : []), ...login] } : {}),
        extraPortMappings: [
          mapping(80, ports.http),
          mapping(443, ports.https),
          mapping(PORTS.gatewayHttp, ports.gatewayHttp),
          mapping(PORTS.gatewayHttps, ports.gatewayHttps),
          mapping(PORTS.nodePort, ports.nodePort),
        ],
      },
      { role: 'worker', image: input.nodeImage, labels: NODE_LABELS.mysql, ...(login.length ? { extraMounts: login } : {}) },
      { role: 'worker', image: input.nodeImage, ...(login.length ? { extraMounts: login } : {}) },
    ],
  };
  const patches: string[] = [];
  if (input.auditDir) patches.push(auditPatch);
  // Kubernetes 1.35+ kubelets refuse to start on cgroup v1 unless told to.
  if (input.cgroupVersion === 1 && minorOf(input.kubernetesVersion) >= 35) {
    patches.push('kind: KubeletConfiguration\napiVersion: kubelet.config.k8s.io/v1beta1\nfailCgroupV1: false\n');
  }
  if (patches.length) config.kubeadmConfigPatches = patches;
  // Each registry host's hosts.toml (lib/cluster/registry.ts): where the course's registry and, offline, docker.io are pulled from.
  config.containerdConfigPatches = ['[plugins."io.containerd.grpc.v1.cri".registry]\n  config_path = "/etc/containerd/certs.d"\n'];
  return config;
}

export function kindConfigText(input: KindConfigInput): string {
  return JSON.stringify(kindConfig(input), null, 2) + '\n';
}
