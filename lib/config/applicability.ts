// Checks that belong to one configuration only (an offline-only check on the
// online path, the ipvs table when another proxy mode was asked for, a
// node-level check on a cluster that is not ours). Such a check is not
// registered where it does not apply, so it is never a skip; the lab report
// lists it as not applicable, with the reason. A check that applies but that
// the host cannot run is another matter: it skips with its reason, and
// --strict turns that skip into a failure (fixtures/cluster.ts skipOrFail).
import type { ClusterRecord } from '../cluster/cluster.ts';
import type { HarnessOptions, ImageSource, IngressController, ProxyMode } from '../core/options.ts';

/**
 * The run's facts: what a run is checking, decided once the cluster is up
 * (scripts/test.ts passes it on as HARNESS_RUN_CONFIG), or given by hand to
 * `npm run rehearse`. Every expectation that depends on the configuration is
 * derived from these (lib/config/expectations.ts), never assumed.
 */
export interface RunConfig {
  offline: boolean;
  /** the proxy mode asked for (the cluster may run another where the host cannot: see hostSkips) */
  requestedProxyMode: ProxyMode;
  /** the proxy mode kube-proxy runs in */
  proxyMode: ProxyMode;
  /** a cluster the harness did not create (--allow-foreign-context) */
  foreign: boolean;
  /** the ingress controller the cluster runs */
  ingress: IngressController;
  /** a Gateway API implementation serves the Gateway edge (8080/8443): Traefik's Gateway provider, beside either controller */
  gateway: boolean;
  /** what runs under the course's public image names: the images built here, or the real ones */
  images: ImageSource;
  /** the Kubernetes version the cluster runs (v1.MINOR.PATCH) */
  kubernetesVersion: string;
  /** checks this host cannot run, with the host's reason (preflight: ipvs on a kernel without IP_VS) */
  hostSkips: Record<string, string>;
}

export interface ConditionalCheck {
  /** the suite file's name without .spec.ts: the lab report's topic */
  suite: string;
  title: string;
  /** why it does not apply to this configuration; undefined when it does */
  notApplicable: (c: RunConfig) => string | undefined;
}

export const CONDITIONAL = {
  offlineImages: {
    suite: 'smoke',
    title: "offline: every image on every node was built on this machine, or pulled from the harness's registry by a digest it holds",
    notApplicable: (c) => (c.offline ? undefined : 'the online path runs the pinned kindest/node image and pulls what it names'),
  },
  proxyModeOnNodes: {
    suite: 'kube-proxy',
    title: 'kube-proxy reports, on every node, the proxy mode the cluster was created with',
    notApplicable: (c) => (c.foreign ? "a foreign cluster's nodes are not kind containers on this host" : undefined),
  },
  gatewayControls: {
    suite: 'negative-controls',
    title: 'Gateway API: the reference and its broken variants (a ReplacePrefixMatch on an Exact match, a missing backend, a hostname no listener accepts, a listener certificate for another host)',
    notApplicable: (c) => (!c.gateway ? 'the cluster has no Gateway API implementation' : undefined),
  },
  iptablesRules: {
    suite: 'kube-proxy-rules',
    title: "kube-proxy's iptables rules: KUBE-SERVICES to KUBE-SVC, one KUBE-SEP per Ready endpoint with probabilities 1/n, 1/(n-1), ..., DNAT to each pod; scaling rewrites them",
    notApplicable: (c) => (c.foreign ? "a foreign cluster's nodes are not kind containers on this host" : c.proxyMode !== 'iptables' ? `kube-proxy runs in ${c.proxyMode} mode: its rules are not iptables chains` : undefined),
  },
  ipvsSwitch: {
    suite: 'kube-proxy-rules',
    title: 'the mode switch to ipvs, where the kernel has IP_VS: "Using ipvs Proxier", the ClusterIP an IPVS virtual server; then back',
    notApplicable: (c) =>
      c.foreign ? "a foreign cluster's kube-proxy is not the harness's to switch" : c.proxyMode === 'ipvs' ? 'the cluster already runs ipvs: the kube-proxy suite checks its table' : undefined,
  },
  ipvsTable: {
    suite: 'kube-proxy',
    title: 'ipvs: every ClusterIP Service of kube-system, default and luffy is an IPVS virtual server per port, its Ready endpoints the real servers',
    notApplicable: (c) =>
      c.foreign ? "a foreign cluster's nodes are not kind containers on this host" : c.requestedProxyMode !== 'ipvs' ? `kube-proxy mode ${c.requestedProxyMode} was asked for (--proxy-mode=ipvs checks ipvs)` : undefined,
  },
} satisfies Record<string, ConditionalCheck>;

export function runConfig(options: HarnessOptions, record: ClusterRecord | undefined): RunConfig | undefined {
  const asked = { requestedProxyMode: options.proxyMode, images: options.images, kubernetesVersion: options.kubernetesVersion };
  // A foreign cluster's facts are what was asked for: the harness neither made nor can see its nodes.
  if (options.allowForeignContext) return { ...asked, offline: false, proxyMode: options.proxyMode, foreign: true, ingress: options.ingress, gateway: false, hostSkips: {} };
  if (!record) return undefined;
  return {
    ...asked,
    offline: record.offline,
    proxyMode: record.proxyMode,
    foreign: false,
    ingress: record.ingress,
    // Every harness cluster runs Traefik's Gateway provider beside its controller (lib/cluster/ingress.ts).
    gateway: true,
    images: record.requested.images ?? 'built',
    kubernetesVersion: record.kubernetesVersion,
    hostSkips: record.skips,
  };
}

/** The run's configuration as scripts/test.ts decided it; undefined when Playwright was started some other way. */
export function currentRunConfig(env: NodeJS.ProcessEnv = process.env): RunConfig | undefined {
  return env.HARNESS_RUN_CONFIG ? (JSON.parse(env.HARNESS_RUN_CONFIG) as RunConfig) : undefined;
}

/**
 * Whether to register the check. Without a known configuration (Playwright
 * run directly) every check is registered and decides when it runs.
 */
export function applies(check: ConditionalCheck, config = currentRunConfig()): boolean {
  return !config || check.notApplicable(config) === undefined;
}

/** The checks not registered for this configuration, with the reason. */
export function notApplicable(config = currentRunConfig()): (ConditionalCheck & { reason: string })[] {
  if (!config) return [];
  return Object.values(CONDITIONAL as Record<string, ConditionalCheck>).flatMap((c) => {
    const reason = c.notApplicable(config);
    return reason ? [{ ...c, reason }] : [];
  });
}

/**
 * What a live run (npm test -- --live) cannot show, and why: it never
 * writes to the cluster it checks, and it reaches the cluster only from
 * outside. The harness cluster's suites check these on the reference.
 */
export const LIVE_NOT_APPLICABLE: { lab: string; check: string; reason: string; withoutProbe?: true }[] = [
  { lab: '20-deployments', check: 'myblog rolls from v1 to v2 under load with no failed request', reason: 'a rollout changes the Deployment, and --live never writes' },
  { lab: '20-deployments', check: 'mysql is updated without two MySQL pods on its hostPath data', reason: 'an update changes the Deployment, and --live never writes' },
  { lab: '20-deployments', check: 'a hung myblog pod is restarted by its liveness probe and leaves the endpoints', reason: 'freezing a pod needs exec into it, and --live never writes' },
  { lab: '30-services', check: 'CoreDNS resolves the course\'s Services by name from a pod', reason: 'a DNS query from inside the cluster needs a client pod: --probe-pod', withoutProbe: true },
  { lab: '30-services', check: 'Service myblog serves the blog list through its ClusterIP from inside the cluster', reason: 'a ClusterIP is reached from inside the cluster, which needs a client pod: --probe-pod', withoutProbe: true },
  { lab: '30-services', check: 'Service mysql answers as MySQL by its name from inside the cluster', reason: "a Service's name is resolved and reached from inside the cluster, which needs a client pod: --probe-pod", withoutProbe: true },
  { lab: '60-gateway-api', check: 'the routes on Gateway API', reason: "the course's clusters route with Ingress; the harness cluster checks the Gateway API migration" },
];

/** What a live run lists as not applicable: with --probe-pod, the client pod's checks run. */
export const liveNotApplicable = (probePod: boolean) => LIVE_NOT_APPLICABLE.filter((c) => !(probePod && c.withoutProbe));
