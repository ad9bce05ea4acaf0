// The Service checks, in two halves (the answer decides, the objects explain):
// a Service answers from a client pod in the namespace, selects its Ready
// pods on the port, and a NodePort serves on every node.
import { isIPv4 } from 'node:net';
import { DiscoveryV1Api, type V1Pod } from '@kubernetes/client-node';
import { get, untilConsecutive, type Exchange } from './http.ts';
import { answerText, spread, type Greeting, type InClusterAnswer } from './pods.ts';
import { consecutively, pollTimeout } from './poll.ts';
import { podCauses } from './diagnose-pods.ts';
import { serviceCauses } from './diagnose-ingress.ts';
import { apiStatus } from '../kube/kube.ts';
import type { Cluster } from './target.ts';
import { fail } from './verdict.ts';

/**
 * Why pods of these namespaces are not Ready, root first (a MySQL that never
 * started before the myblog whose probes fail because of it): the causes a
 * failing answer starts with. A reader who may not list pods or events gets none.
 */
export async function rootCauses(cluster: Cluster, namespaces: string[]): Promise<string[]> {
  const per = await Promise.all(
    [...new Set(namespaces)].map(async (namespace) => {
      const [pods, events] = await Promise.all([workloadPods(cluster, namespace), cluster.core.listNamespacedEvent({ namespace }).then((l) => l.items)]);
      return { pods, events };
    }),
  ).catch(() => []);
  return podCauses(
    per.flatMap((p) => p.pods),
    per.flatMap((p) => p.events),
  );
}

/** The namespace's pods but the checks' own `client`, which no cause should mention. */
export async function workloadPods(cluster: Cluster, ns: string): Promise<V1Pod[]> {
  return (await cluster.core.listNamespacedPod({ namespace: ns })).items.filter((p) => p.metadata?.name !== 'client');
}

/** The pods behind a Service's Ready endpoints (what kube-proxy and the ingress controllers route to). */
export async function endpointPods(cluster: Cluster, ns: string, service: string): Promise<string[]> {
  const slices = await cluster.kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: ns, labelSelector: `kubernetes.io/service-name=${service}` });
  return slices.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).map((e) => e.targetRef?.name ?? '')).filter(Boolean);
}

/** The Service in ns that selects `pod`, for "answered by a pod of Service X" causes. */
export async function serviceOfPod(cluster: Cluster, ns: string, pod: string): Promise<string | undefined> {
  const p = (await workloadPods(cluster, ns)).find((x) => x.metadata?.name === pod);
  if (!p) return undefined;
  const services = (await cluster.core.listNamespacedService({ namespace: ns })).items;
  return services.find((s) => s.spec?.selector && Object.entries(s.spec.selector).every(([k, v]) => p.metadata?.labels?.[k] === v))?.metadata?.name;
}

async function readService(cluster: Cluster, ns: string, name: string, what = `Service ${name} does not serve`) {
  try {
    return await cluster.core.readNamespacedService({ name, namespace: ns });
  } catch (err) {
    if (apiStatus(err) !== 404) throw err;
    const others = (await cluster.core.listNamespacedService({ namespace: ns })).items.map((s) => s.metadata?.name);
    return fail(what, [`Service ${name} does not exist in namespace ${ns}${others.length ? ` (Services there: ${others.join(', ')})` : ' (it has no Service)'}`]);
  }
}

const asExchange = (url: string, host: string) => (a: InClusterAnswer): Exchange => ({ url, host, status: a.status, pod: a.pod, received: a.received, error: a.error, body: a.body ?? '', ms: 0 });

/**
 * Service `name` answers from the namespace's `client` pod (or `send`'s) through its
 * ClusterIP: 5 requests on fresh connections, twice in a row, each answered
 * with a 2xx by a pod the Service selects (when the backend names itself),
 * with `contains` in the body when given. Returns the answers as a transcript.
 */
export async function expectServiceServes(
  cluster: Cluster,
  ns: string,
  name: string,
  {
    path = '/',
    contains,
    host = name,
    send = (url, n) => spread(cluster, ns, url, n),
  }: {
    path?: string;
    contains?: string;
    /** the name the client asks for (a client in another namespace: name.ns.svc.cluster.local) */
    host?: string;
    /** n GETs of url on new connections from the client (default: the namespace's `client` pod) */
    send?: (url: string, n: number) => Promise<InClusterAnswer[]>;
  } = {},
): Promise<Exchange[]> {
  const service = await readService(cluster, ns, name);
  const pods = await workloadPods(cluster, ns);
  // The likely causes, should the answers be wrong; they decide nothing (a container may listen on a port it does not declare).
  const causes = serviceCauses(service, pods);
  const selected = new Set(pods.filter((p) => Object.entries(service.spec?.selector ?? {}).every(([k, v]) => p.metadata?.labels?.[k] === v)).map((p) => p.metadata!.name!));
  const url = `http://${host}${path}`;
  const problem = (a: InClusterAnswer): string | undefined => {
    if (a.error) return `no answer (${a.error})`;
    if (!a.status || a.status >= 300) return `HTTP ${a.status} from pod ${a.pod || '(not named)'}${a.body ? `: ${JSON.stringify(a.body.slice(0, 80))}` : ''}`;
    if (a.pod && !selected.has(a.pod)) return `answered by pod ${a.pod}, which Service ${name} does not select`;
    if (contains && !a.body?.includes(contains)) return `pod ${a.pod || '(not named)'} answered ${a.status} without "${contains}"`;
    return undefined;
  };
  // kube-proxy programs a new Service's rules shortly after its endpoints appear; with a cause found, a right answer is not expected to come late.
  const attempts = await consecutively(() => send(url, 5), (answers) => answers.length === 5 && answers.every((a) => !problem(a)), `Service ${name}`, {
    times: 2,
    timeoutMs: causes.length ? 10_000 : 30_000,
    pauseMs: 250,
    describe: (answers) => answers.map(answerText).join(', '),
  }).catch((err: unknown) => {
    const e = pollTimeout<InClusterAnswer[]>(err);
    const last = e.attempts.at(-1) ?? [];
    const counts = new Map<string, number>();
    for (const p of last.map(problem).filter((x): x is string => !!x)) counts.set(p, (counts.get(p) ?? 0) + 1);
    const summary = [...counts].map(([p, n]) => `${n} of ${last.length} answers to GET ${url}: ${p}`);
    return rootCauses(cluster, [ns]).then((roots) => fail(`Service ${name} does not serve`, [...roots, ...causes, ...(summary.length ? summary : [e.message])], last.map(asExchange(url, name))));
  });
  return attempts.flat().map(asExchange(url, name));
}

/**
 * Service `name` in ns selects a Ready pod on `port`, the port its clients
 * connect to: its ports, selector and targetPort diagnosed, then a Ready
 * endpoint in its EndpointSlices; with `greet` (a MySQL Service), then the
 * MySQL handshake a client of `host`:`port` gets (`host` defaults to the
 * Service's name), twice in a row.
 */
export async function expectServiceSelectsReady(
  cluster: Cluster,
  ns: string,
  name: string,
  { port, host = name, greet }: { port: number; host?: string; greet?: (host: string, port: number) => Promise<Greeting> },
): Promise<void> {
  const title = `Service ${name} does not select a Ready pod`;
  const service = await readService(cluster, ns, name, title);
  const ports = (service.spec?.ports ?? []).map((p) => p.port);
  const causes = [...(ports.includes(port) ? [] : [`Service ${name} has no port ${port}, which its clients connect to (its ports: ${ports.join(', ') || 'none'})`]), ...serviceCauses(service, await workloadPods(cluster, ns))];
  const slices = await cluster.kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: ns, labelSelector: `kubernetes.io/service-name=${name}` });
  if (!slices.items.some((s) => s.endpoints?.some((e) => e.conditions?.ready))) causes.push(`Service ${name} has no Ready endpoint: the pod it selects is not Ready`);
  // Without a client to ask (live mode without --probe-pod), the objects are all there is to judge by.
  if (!greet) {
    if (causes.length) fail(title, [...(await rootCauses(cluster, [ns])), ...causes]);
    return;
  }
  // The answer decides: what a client of host:port gets is a MySQL server's handshake (protocol 10); the causes explain a wrong one.
  const address = `${host}:${port}`;
  await consecutively(() => greet(host, port), (g) => g.protocol === 10, `MySQL through ${address}`, {
    times: 2,
    timeoutMs: causes.length ? 10_000 : 30_000,
    pauseMs: 500,
    describe: (g) => JSON.stringify(g),
  }).catch(async (err: unknown) => {
    const last = pollTimeout<Greeting>(err).attempts.at(-1);
    fail(`Service ${name} does not answer as MySQL on port ${port}`, [...(await rootCauses(cluster, [ns])), ...causes, last?.error ? `${address}: ${last.error}` : `${address} sent protocol ${last?.protocol} (${last?.server}), not a MySQL handshake (protocol 10)`]);
  });
}

/**
 * NodePort Service `name` answers on every node (its InternalIP, or the
 * `addresses` given for nodes behind NAT): three answers in a row from each,
 * 200 with `contains` from a pod whose name starts with `podPrefix` (when
 * the backend names its pod).
 */
export async function expectNodePortServes(cluster: Cluster, ns: string, name: string, { path, contains, podPrefix, addresses = [] }: { path: string; contains: string; podPrefix: string; addresses?: string[] }): Promise<Exchange[]> {
  const service = await readService(cluster, ns, name, `NodePort Service ${name} does not serve`);
  const port = service.spec?.ports?.[0]?.nodePort;
  if (service.spec?.type !== 'NodePort' || !port) fail(`NodePort Service ${name} does not serve`, [`Service ${name} is of type ${service.spec?.type}, not NodePort`]);
  // The likely causes, should a node's answers be wrong; they decide nothing.
  const causes = serviceCauses(service, await workloadPods(cluster, ns));
  const targets = addresses.length
    ? addresses.map((a) => ({ where: `${a} (--node-address)`, address: a }))
    : (await cluster.core.listNode()).items.map((n) => {
        // An IPv4 InternalIP where a dual-stack node has both (a URL takes it as it is).
        const ips = (n.status?.addresses ?? []).filter((a) => a.type === 'InternalIP').map((a) => a.address);
        const ip = ips.find((a) => isIPv4(a)) ?? ips[0] ?? '';
        return { where: `${n.metadata?.name} (${ip})`, address: ip };
      });
  // A backend that names no pod (the course's own image) is known by its answer.
  const ok = (e: Exchange) => e.status === 200 && e.body.includes(contains) && (e.pod === undefined || e.pod.startsWith(podPrefix));
  const transcript: Exchange[] = [];
  for (const t of targets) {
    const seen = await untilConsecutive(() => get(port!, t.address, path, 'http', t.address), ok, `NodePort ${port} on ${t.where}`, { timeoutMs: causes.length ? 10_000 : 30_000 }).catch(async (err: unknown) => {
      const attempts = pollTimeout<Exchange>(err).attempts;
      const last = attempts.at(-1);
      const unreachable = last?.error && !addresses.length ? ` (if the nodes are behind NAT, give addresses that reach them with --node-address A,B)` : '';
      return fail(`NodePort Service ${name} does not serve on ${t.where}`, [...(await rootCauses(cluster, [ns])), ...causes, last?.error ? `no answer: ${last.error}${unreachable}` : `answered HTTP ${last?.status}${last?.pod ? ` from pod ${last.pod}` : ''}${last?.status === 200 ? ` without "${contains}"` : ''}`], [...transcript, ...attempts]);
    });
    transcript.push(...seen);
  }
  return transcript;
}
