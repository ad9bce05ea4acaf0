// The harness's options: every flag, its HARNESS_* variable, its default and
// its check (a bad value is a UsageError with one line). Parsed by
// command-line.ts, where flags override variables, which override defaults.
import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';

export type ProxyMode = 'ipvs' | 'iptables' | 'nftables';
export type IngressController = 'nginx' | 'traefik';
export type OfflineMode = 'on' | 'off' | 'auto';
/** what answers for the course's public images (mysql:5.7, istio's bookinfo): the images built here, or the real ones pulled */
export type ImageSource = 'built' | 'upstream';

export interface HarnessOptions {
  clusterName: string;
  kubernetesVersion: string; // always "v1.MINOR.PATCH"
  kindVersion: string; // always "v0.MINOR.PATCH"
  proxyMode: ProxyMode;
  ingress: IngressController;
  offline: OfflineMode;
  images: ImageSource;
  strict: boolean; // skips (e.g. ipvs on a kernel without IP_VS) become failures
  /** leave out the suites that must run alone and the long ones that say so (lib/config/runs-alone.ts) */
  quick: boolean;
  keepCluster: boolean; // keep the cluster after `npm test`
  rebuild: boolean; // ignore the offline build cache
  allowForeignContext: boolean;
  /** a submitted manifests folder to grade instead of running the suites ('' = none) */
  manifests: string;
  /** every --manifests given: several make a class */
  manifestsList: string[];
  /** a folder of submissions, one subfolder each: a class to grade ('' = none) */
  submissions: string;
  /** submissions graded at once (0: chosen from the cluster's free CPU and memory) */
  parallel: number;
  /** the class grading rubric ('' = manifests/rubric.yaml) */
  rubric: string;
  /** grade again the submissions that already have a report */
  regrade: boolean;
  /** "K/N": grade every N-th submission, starting at the K-th ('' = all) */
  shard: string;
  /** check what is deployed in the cluster of --kubeconfig/--context, read-only, instead of the harness's own */
  live: boolean;
  /** the kubeconfig of --live ('' = $KUBECONFIG's first file, else ~/.kube/config) */
  kubeconfig: string;
  /** the context of --live ('' = the kubeconfig's current context) */
  context: string;
  /** addresses to reach NodePorts at, instead of every node's InternalIP (nodes behind NAT) */
  nodeAddresses: string[];
  /** HOST[:HTTP_PORT[:HTTPS_PORT]] of the ingress controller, instead of the node its pod runs on ('' = found) */
  ingressAddress: string;
  /** the namespace --live finds the course's luffy labs in (a shared cluster gives each student their own) */
  namespace: string;
  /** --live: the checks only a pod can make, from one client pod in namespace course-probe */
  probePod: boolean;
  /** the probe pod's image (a busybox: its nslookup and nc) */
  probeImage: string;
}

export const DEFAULTS: HarnessOptions = {
  clusterName: 'course-harness',
  kubernetesVersion: 'v1.34.0',
  kindVersion: 'v0.30.0',
  proxyMode: 'ipvs',
  ingress: 'nginx',
  offline: 'auto',
  images: 'built',
  strict: false,
  quick: false,
  keepCluster: true,
  rebuild: false,
  allowForeignContext: false,
  manifests: '',
  manifestsList: [],
  submissions: '',
  parallel: 0,
  rubric: '',
  regrade: false,
  shard: '',
  live: false,
  kubeconfig: '',
  context: '',
  nodeAddresses: [],
  ingressAddress: '',
  namespace: 'luffy',
  probePod: false,
  probeImage: 'busybox:1.35',
};

export class UsageError extends Error {}

export interface FlagSpec {
  key: keyof HarnessOptions;
  env: string;
  parse: (raw: string, name: string) => HarnessOptions[keyof HarnessOptions];
  /** value used when a boolean-like flag is given without "=value" */
  bare?: string;
  help: string;
}

const oneOf =
  <T extends string>(...allowed: T[]) =>
  (raw: string, name: string): T => {
    if ((allowed as string[]).includes(raw)) return raw as T;
    throw new UsageError(`${name}: "${raw}" is not one of ${allowed.join(', ')}`);
  };

const bool = (raw: string, name: string): boolean => {
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new UsageError(`${name}: "${raw}" is not a boolean (use true or false)`);
};

/** Accepts "1.34.0" or "v1.34.0"; returns "v1.34.0". */
export function parseKubernetesVersion(raw: string, name = '--k8s-version'): string {
  const m = /^v?1\.(\d+)\.(\d+)$/.exec(raw.trim());
  if (!m) throw new UsageError(`${name}: "${raw}" is not a Kubernetes version like v1.34.0`);
  const minor = Number(m[1]);
  if (minor < 31 || minor > 37) {
    throw new UsageError(`${name}: ${raw} is outside the supported range v1.31 to v1.37`);
  }
  return `v1.${m[1]}.${m[2]}`;
}

export function parseKindVersion(raw: string, name = '--kind-version'): string {
  const m = /^v?0\.(\d+)\.(\d+)$/.exec(raw.trim());
  if (!m) throw new UsageError(`${name}: "${raw}" is not a kind version like v0.30.0`);
  if (Number(m[1]) < 30) throw new UsageError(`${name}: ${raw} is older than v0.30.0, the oldest supported`);
  return `v0.${m[1]}.${m[2]}`;
}

/** A folder that exists, as an absolute path. */
const folder = (raw: string, name: string): string => {
  const path = resolve(raw);
  if (!existsSync(path)) throw new UsageError(`${name}: ${raw} does not exist`);
  if (!statSync(path).isDirectory()) throw new UsageError(`${name}: ${raw} is not a folder`);
  return path;
};

export const FLAGS: Record<string, FlagSpec> = {
  '--cluster-name': {
    key: 'clusterName',
    env: 'HARNESS_CLUSTER_NAME',
    parse: (raw, name) => {
      if (/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/.test(raw)) return raw;
      throw new UsageError(`${name}: "${raw}" is not a valid cluster name (lowercase letters, digits, dashes)`);
    },
    help: 'kind cluster name',
  },
  '--k8s-version': { key: 'kubernetesVersion', env: 'HARNESS_K8S_VERSION', parse: parseKubernetesVersion, help: 'Kubernetes version' },
  '--kind-version': { key: 'kindVersion', env: 'HARNESS_KIND_VERSION', parse: parseKindVersion, help: 'kind version' },
  '--proxy-mode': {
    key: 'proxyMode',
    env: 'HARNESS_PROXY_MODE',
    parse: oneOf<ProxyMode>('ipvs', 'iptables', 'nftables'),
    help: 'kube-proxy mode: ipvs | iptables | nftables',
  },
  '--ingress': { key: 'ingress', env: 'HARNESS_INGRESS', parse: oneOf<IngressController>('nginx', 'traefik'), help: 'ingress controller: nginx | traefik' },
  '--offline': {
    key: 'offline',
    env: 'HARNESS_OFFLINE',
    parse: oneOf<OfflineMode>('on', 'off', 'auto'),
    bare: 'on',
    help: 'build everything locally: on | off | auto (auto: when the node image cannot be pulled)',
  },
  '--images': {
    key: 'images',
    env: 'HARNESS_IMAGES',
    parse: oneOf<ImageSource>('built', 'upstream'),
    help: "the course's public images (mysql:5.7, istio's bookinfo): built (served by the images built here) | upstream (pulled by the nodes; online only)",
  },
  '--strict': { key: 'strict', env: 'HARNESS_STRICT', parse: bool, bare: 'true', help: 'turn skips into failures' },
  '--quick': {
    key: 'quick',
    env: 'HARNESS_QUICK',
    parse: bool,
    bare: 'true',
    help: 'leave out the suites that must run alone (load, timing, a paused node, a class graded) and the long class-isolation: a quicker loop, reported as not run',
  },
  '--keep-cluster': { key: 'keepCluster', env: 'HARNESS_KEEP_CLUSTER', parse: bool, bare: 'true', help: 'keep the cluster after the run (default)' },
  '--rebuild': { key: 'rebuild', env: 'HARNESS_REBUILD', parse: bool, bare: 'true', help: 'rebuild offline artifacts even when cached' },
  '--allow-foreign-context': {
    key: 'allowForeignContext',
    env: 'HARNESS_ALLOW_FOREIGN_CONTEXT',
    parse: bool,
    bare: 'true',
    help: 'run read-only suites against a cluster the harness did not create',
  },
  '--manifests': { key: 'manifests', env: 'HARNESS_MANIFESTS', parse: folder, help: "grade a submitted manifests folder (a student's) instead of running the suites; several make a class" },
  '--submissions': { key: 'submissions', env: 'HARNESS_SUBMISSIONS', parse: folder, help: 'grade a class: every subfolder of this folder is one submission' },
  '--parallel': {
    key: 'parallel',
    env: 'HARNESS_PARALLEL',
    parse: (raw, name) => {
      if (/^[1-9]\d?$/.test(raw)) return Number(raw);
      throw new UsageError(`${name}: "${raw}" is not a number of submissions from 1 to 99`);
    },
    help: 'submissions graded at once (default: from the cluster\'s free CPU and memory)',
  },
  '--rubric': {
    key: 'rubric',
    env: 'HARNESS_RUBRIC',
    parse: (raw, name) => {
      const path = resolve(raw);
      if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`${name}: ${raw} is not a file`);
      return path;
    },
    help: 'the class grading rubric (default manifests/rubric.yaml)',
  },
  '--regrade': { key: 'regrade', env: 'HARNESS_REGRADE', parse: bool, bare: 'true', help: 'grade again the submissions that already have a report' },
  '--shard': {
    key: 'shard',
    env: 'HARNESS_SHARD',
    parse: (raw, name) => {
      const m = /^(\d+)\/(\d+)$/.exec(raw);
      if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new UsageError(`${name}: "${raw}" is not K/N with 1 <= K <= N`);
      return raw;
    },
    help: 'K/N: grade every N-th submission, starting at the K-th (one of N machines)',
  },
  '--live': { key: 'live', env: 'HARNESS_LIVE', parse: bool, bare: 'true', help: "check the course as deployed in the cluster of --kubeconfig/--context, read-only (no kind, no Docker)" },
  '--kubeconfig': {
    key: 'kubeconfig',
    env: 'HARNESS_KUBECONFIG',
    parse: (raw, name) => {
      const path = resolve(raw);
      if (!existsSync(path) || !statSync(path).isFile()) throw new UsageError(`${name}: ${raw} is not a file`);
      return path;
    },
    help: 'the kubeconfig of --live (default $KUBECONFIG, else ~/.kube/config)',
  },
  '--context': { key: 'context', env: 'HARNESS_CONTEXT', parse: (raw) => raw, help: "the context of --live (default the kubeconfig's current one)" },
  '--node-address': {
    key: 'nodeAddresses',
    env: 'HARNESS_NODE_ADDRESS',
    parse: (raw, name) => {
      const list = raw.split(',').map((a) => a.trim());
      const bad = list.find((a) => !(isIP(a) || /^[\w.-]+$/.test(a)));
      if (bad !== undefined) throw new UsageError(`${name}: "${bad}" is not a host name or IP address (a NodePort is reached on its own port: give the address only)`);
      return list;
    },
    help: "--live: where NodePorts are reached (comma-separated; default every node's InternalIP)",
  },
  '--ingress-address': {
    key: 'ingressAddress',
    env: 'HARNESS_INGRESS_ADDRESS',
    parse: (raw, name) => {
      parseHostPort(raw, name);
      return raw;
    },
    help: "--live: HOST[:HTTP_PORT[:HTTPS_PORT]] of the ingress controller (default the node its pod runs on, 80 and 443)",
  },
  '--namespace': {
    key: 'namespace',
    env: 'HARNESS_NAMESPACE',
    parse: (raw, name) => {
      if (/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(raw)) return raw;
      throw new UsageError(`${name}: "${raw}" is not a namespace name`);
    },
    help: "--live: the namespace of the course's luffy labs (a shared cluster's student namespace, say)",
  },
  '--probe-pod': {
    key: 'probePod',
    env: 'HARNESS_PROBE_POD',
    parse: bool,
    bare: 'true',
    help: '--live: check CoreDNS and a ClusterIP from one client pod in namespace course-probe (manifests/verifier/probe-rbac.yaml)',
  },
  '--probe-image': {
    key: 'probeImage',
    env: 'HARNESS_PROBE_IMAGE',
    parse: (raw, name) => {
      if (/^[\w.\/:@-]+$/.test(raw)) return raw;
      throw new UsageError(`${name}: "${raw}" is not an image reference`);
    },
    help: "the probe pod's image: a busybox (its nslookup and nc)",
  },
};

/** HOST[:HTTP_PORT[:HTTPS_PORT]] (ports 80 and 443 by default; an IPv6 address is not taken). */
export function parseHostPort(raw: string, name: string): { host: string; http: number; https: number } {
  const m = /^([\w.-]+)(?::(\d{1,5}))?(?::(\d{1,5}))?$/.exec(raw);
  const port = (p: string | undefined, fallback: number) => (p === undefined ? fallback : Number(p));
  const ok = (n: number) => n >= 1 && n <= 65535;
  if (!m || !ok(port(m[2], 80)) || !ok(port(m[3], 443))) throw new UsageError(`${name}: "${raw}" is not HOST[:HTTP_PORT[:HTTPS_PORT]]`);
  return { host: m[1], http: port(m[2], 80), https: port(m[3], 443) };
}

/** `--no-keep-cluster` style negations for the boolean flags. */
export const NEGATIONS: Record<string, string> = {
  '--no-keep-cluster': '--keep-cluster',
  '--delete-cluster': '--keep-cluster',
  '--no-strict': '--strict',
};

export function minorOf(version: string): number {
  return Number(version.split('.')[1]);
}
