// Every expected value that depends on the run's configuration, derived from
// its facts (RunConfig: proxy mode, ingress controller, offline or online,
// images, Kubernetes version, what the host cannot run), each with its
// reason. The suites take their expectations from here, never from what is
// true on the machine they were written on; `npm run rehearse` prints them
// for any configuration without a cluster, `npm test` at the start of a run,
// and unit/expectations.test.ts holds each derivation for every combination.
import type { RunConfig } from './applicability.ts';
import { COURSE_ROUTES } from '../course/routes.ts';
import { FACTS } from '../live/cluster-facts.ts';

export interface Derived<T> {
  value: T;
  because: string;
}

const minor = (version: string) => Number(/^v?1\.(\d+)\./.exec(version)?.[1] ?? NaN);

/** The first Kubernetes release whose kube-proxy ipvs mode has the KUBE-IPVS-FILTER chain (pkg/proxy/ipvs/proxier.go; kubernetes pull request 108460). */
export const IPVS_FILTER_SINCE = 26;

/** Whether a ping from a pod to a ClusterIP gets an echo reply. */
export function clusterIpPing(c: RunConfig): Derived<boolean> {
  if (c.foreign) return { value: false, because: "a foreign cluster's proxy mode is taken as asked; no mode of a supported Kubernetes answers it" };
  switch (c.proxyMode) {
    case 'ipvs':
      return minor(c.kubernetesVersion) < IPVS_FILTER_SINCE
        ? { value: true, because: `ipvs before v1.${IPVS_FILTER_SINCE}: the ClusterIP is an address of the node's kube-ipvs0 interface, which answers (as the course shows)` }
        : {
            value: false,
            because: `ipvs since v1.${IPVS_FILTER_SINCE}: KUBE-IPVS-FILTER rejects a new packet to a Service IP that matches no Service (IP, port), and an echo request has no port (the course, written for an older kube-proxy, shows a reply)`,
          };
    case 'nftables':
      return { value: false, because: "nftables: kube-proxy rejects packets to a ClusterIP's ports no Service serves (port unreachable)" };
    case 'iptables':
      return { value: false, because: 'iptables: the rules match protocol and port only, and the address is on no interface' };
  }
}

/** What a client's connection to a Service without endpoints gives. */
export function serviceWithoutEndpoints(c: RunConfig): Derived<RegExp> {
  if (c.foreign) return { value: /connection refused|timeout|no route/i, because: "a foreign cluster's proxy mode is unknown to the harness: refused or dropped" };
  if (c.proxyMode === 'ipvs') return { value: /connection refused|timeout|no route/i, because: 'ipvs: a virtual server without real servers, which may drop the connection or have it refused' };
  return { value: /connection refused/i, because: `${c.proxyMode}: kube-proxy installs a reject rule for a Service port without endpoints` };
}

/** The edges the course's routes are checked through: the Ingress controller, and the Gateway where the cluster has an implementation. */
export function edges(c: RunConfig): Derived<('Ingress' | 'Gateway')[]> {
  return c.gateway
    ? { value: ['Ingress', 'Gateway'], because: `ingress ${ingressName(c).value} on 80/443, and Traefik's Gateway provider on 8080/8443` }
    : { value: ['Ingress'], because: c.foreign ? 'a cluster the harness did not make: its Gateway API, if any, is not the harness\'s' : 'the cluster has no Gateway API implementation' };
}

/** How the reports name the ingress controller. */
export function ingressName(c: RunConfig): Derived<string> {
  return c.ingress === 'nginx' ? { value: 'ingress-nginx', because: '--ingress=nginx, online' } : { value: 'Traefik', because: c.offline ? 'offline: Traefik is the only controller built here' : '--ingress=traefik' };
}

/**
 * The rows of `npm test -- --live` that fail on the harness cluster taken
 * for a course cluster (the course deployed as the reference has it): only
 * the course's kube-proxy mode, where the cluster runs another.
 */
export function liveFailures(c: RunConfig): Derived<string[]> {
  const row = FACTS('luffy').proxyMode;
  return c.proxyMode === 'ipvs'
    ? { value: [], because: 'kube-proxy runs in ipvs mode, the course\'s: every row passes' }
    : { value: [row], because: `kube-proxy runs in ${c.proxyMode} mode${c.hostSkips['kube-proxy ipvs'] ? ` (${c.hostSkips['kube-proxy ipvs']})` : ''}, not the course's ipvs` };
}

/** The course's route rows a backend cannot tell enough for: judged "not judged", never passed or failed. */
export function unjudgedRoutes(c: RunConfig): Derived<string[]> {
  if (c.images !== 'upstream') return { value: [], because: 'the images built here report the pod and the path they received' };
  const deeper = COURSE_ROUTES.find((r) => r.title.startsWith('the rewrite keeps deeper segments'))!;
  return { value: [deeper.title], because: "--images=upstream: the real istio reviews answers a path it does not serve with a 404 that names no pod and reports no path" };
}

/** The checks this host cannot run: skipped with the host's reason, or failed under --strict. */
export function hostSkips(c: RunConfig): Derived<string[]> {
  const skips = Object.entries(c.hostSkips).map(([check, why]) => `${check}: ${why}`);
  return { value: skips, because: skips.length ? 'preflight found what this host lacks' : 'the host runs every check' };
}

/** Every expectation for this configuration, as the table rehearse and npm test print. */
export function expectationTable(c: RunConfig): { name: string; value: string; because: string }[] {
  const show = (v: unknown) => (Array.isArray(v) ? (v.length ? v.join('; ') : 'none') : v instanceof RegExp ? String(v) : String(v));
  const rows: [string, Derived<unknown>][] = [
    ['ping from a pod to a ClusterIP gets an echo reply', clusterIpPing(c)],
    ['a connection to a Service without endpoints', serviceWithoutEndpoints(c)],
    ["the edges the course's routes are checked through", edges(c)],
    ['the ingress controller, as the reports name it', ingressName(c)],
    ['--live rows that fail on the harness cluster taken for a course cluster', liveFailures(c)],
    ['route rows not judged (the backend tells too little)', unjudgedRoutes(c)],
    ['checks this host cannot run (skipped; failed under --strict)', hostSkips(c)],
  ];
  return rows.map(([name, d]) => ({ name, value: show(d.value), because: d.because }));
}
