// The course's route checks (Ingress and Gateway, HTTP and TLS), each in two halves. The traffic decides: the status,
// the answering pod (it must belong to the expected Service), what the
// backend says it received, the body, and for TLS the certificate presented
// (it must be the one in the Secret the Ingress names, three handshakes in a
// row). The objects explain: read and diagnosed (lib/checks/diagnose-*.ts), so
// that a failure names its likely cause in the user's own names; a cause the
// diagnosis finds never turns a right answer into a failure. A negative case
// (a host or path no route names) is judged only once the route that must
// refuse it is shown in place by its sibling case. What the harness cannot
// judge is "not judged", never a verdict. The negative controls prove each
// half can fail on its own; grading, live mode and the suites use the same
// functions.
import { CustomObjectsApi, NetworkingV1Api, type V1Ingress } from '@kubernetes/client-node';
import { get, untilConsecutive, type Exchange } from './http.ts';
import { pollTimeout } from './poll.ts';
import { backendRefCauses, gatewayRewriteNote, gatewayRouteCauses, listenersFor, matchingHttpRoutes } from './diagnose-gateway.ts';
import { ingressRouteCauses, matchingRoutes, rewriteCauses, secretTlsCauses, serviceCauses, tlsCauses } from './diagnose-ingress.ts';
import { GATEWAY_GROUP, type Gateway, type HTTPRoute, type ReferenceGrant } from '../cluster/gateway-api.ts';
import { apiStatus, waitFor } from '../kube/kube.ts';
import { PORTS } from '../cluster/kind-config.ts';
import type { Cluster } from './target.ts';
import { expectCertificate, type ExpectedCertificate } from './certificates.ts';
import { rootCauses, workloadPods, endpointPods, serviceOfPod } from './services.ts';
import { CheckFailure, NotJudged, fail } from './verdict.ts';
/** The ingress controllers' own 404 page (Traefik's; ingress-nginx's, with or without its version; the older default backend's), not a backend's. */
export const edgeNotFound = (e: Exchange) => e.status === 404 && /^404 page not found|<center>nginx(\/[\d.]+)?<\/center>|^default backend - 404/.test(e.body);


/** One route: what a client sends, and what must answer. */
export interface RouteCase {
  host: string;
  path: string;
  scheme: 'http' | 'https';
  /** the Service whose pods must answer; none: the edge itself must answer, no backend */
  backend?: string;
  /** the status of the answer (default 200) */
  status?: number;
  /** the path the backend must say it received (the stand-ins and myblog report it) */
  received?: string;
  /** text the answer's body must hold */
  contains?: string;
  /**
   * A case without a backend (one the edge must refuse) is judged only once
   * this sibling case answers right: it shows the route that must refuse the
   * request is in place (an edge without the course refuses everything).
   */
  whenRouted?: RouteCase;
}

const routeUrl = (c: RouteCase) => `${c.scheme}://${c.host}${c.path}`;

/** What the objects of an edge say of a route: the likely causes it fails, where they send it, and the TLS Secret the edge must present. */
interface EdgeView {
  causes: string[];
  /** "Ingress web sends it to Service other", to explain an answer from the wrong backend */
  routedTo: string[];
  /** what the routing objects do to the path ("HTTPRoute r rewrites /a/7 to /b/7"), to set beside a wrong received path */
  rewrites: string[];
  tls?: ExpectedCertificate;
}

/** A way into the cluster for the course's routes: the Ingress controller, or the Gateway. */
export interface Edge {
  name: 'Ingress' | 'Gateway';
  /** where it is reached: 127.0.0.1 (kind's port mappings), a grading slot's NodePorts, or a live cluster's node */
  address: string;
  ports: { http: number; https: number };
  /** the namespaces whose routing objects this edge reads beside the case's (a submission's set: its routes may sit in either) */
  namespaces?: string[];
  inspect(cluster: Cluster, ns: string, c: RouteCase, edge: Edge): Promise<EdgeView>;
}

/** Why the backends these objects send the route to cannot serve it: each Service read in its own namespace. */
async function backendCauses(cluster: Cluster, backends: { namespace: string; name: string }[], what: string): Promise<string[]> {
  const causes: string[] = [];
  const seen = new Set<string>();
  for (const b of backends) {
    if (seen.has(`${b.namespace}/${b.name}`)) continue;
    seen.add(`${b.namespace}/${b.name}`);
    const service = await cluster.core.readNamespacedService({ name: b.name, namespace: b.namespace }).catch((err: unknown) => (apiStatus(err) === 404 ? undefined : Promise.reject(err)));
    if (!service) causes.push(`the ${what} backend Service ${b.name} does not exist in ${b.namespace}`);
    else causes.push(...serviceCauses(service, await workloadPods(cluster, b.namespace)));
  }
  return causes;
}

/** The Ingress controller on 127.0.0.1:80/443: the Ingresses of the case's namespace. */
export const INGRESS: Edge = {
  name: 'Ingress',
  address: '127.0.0.1',
  ports: { http: PORTS.http, https: PORTS.https },
  async inspect(cluster, ns, c) {
    const ingresses = (await cluster.kc.makeApiClient(NetworkingV1Api).listNamespacedIngress({ namespace: ns })).items;
    const routes = matchingRoutes(ingresses, c.host, c.path);
    const causes = ingressRouteCauses(ingresses, c.host, c.path);
    for (const ingress of new Set(routes.map((r) => r.ingress))) causes.push(...rewriteCauses(ingress));
    causes.push(...(await backendCauses(cluster, routes.map((r) => ({ namespace: ns, name: r.service ?? '' })), 'Ingress')));
    const routedTo = routes.map((r) => `Ingress ${r.ingress.metadata?.name} sends it to Service ${r.service}`);
    const rewrites = [...new Set(routes.map((r) => r.ingress))].flatMap((i) => {
      const target = i.metadata?.annotations?.['nginx.ingress.kubernetes.io/rewrite-target'];
      return target ? [`Ingress ${i.metadata?.name} rewrites the path to ${target}`] : [];
    });
    if (c.scheme !== 'https') return { causes, routedTo, rewrites };
    // Reported with the routing causes: one broken part must not hide another.
    const namesHost = (i: V1Ingress) => (i.spec?.tls ?? []).some((t) => t.hosts?.includes(c.host));
    const ingress = routes.map((r) => r.ingress).find(namesHost) ?? ingresses.find(namesHost);
    if (!ingress) return { causes: [...causes, `no Ingress in ${ns} has a tls entry for ${c.host}`], routedTo, rewrites };
    // Only the Secret the Ingress names is read (the live verifier may read no other).
    const secret = ingress.spec!.tls!.find((t) => t.hosts?.includes(c.host))!.secretName ?? '';
    const refused = `Ingress ${ingress.metadata?.name} names TLS Secret ${secret}, which the verifier may not read (manifests/verifier/rbac.yaml lets it read tls-myblog)`;
    const secrets = secret ? await cluster.core.readNamespacedSecret({ name: secret, namespace: ns }).then((x) => [x], (err: unknown) => (apiStatus(err) === 404 ? [] : apiStatus(err) === 403 ? refused : Promise.reject(err))) : [];
    if (typeof secrets === 'string') return { causes: [...causes, secrets], routedTo, rewrites };
    causes.push(...tlsCauses(ingress, c.host, secrets));
    return { causes, routedTo, rewrites, tls: { namespace: ns, secret, namedBy: `Ingress ${ingress.metadata?.name}` } };
  },
};

const gatewayApi = (cluster: Cluster) => cluster.kc.makeApiClient(CustomObjectsApi);

/** The HTTPRoutes of a namespace, once the controller has written a status on each (at most 20 s). */
async function httpRoutes(cluster: Cluster, ns: string): Promise<HTTPRoute[]> {
  return waitFor<HTTPRoute>({
    kc: cluster.kc,
    path: `/apis/${GATEWAY_GROUP.group}/${GATEWAY_GROUP.version}/namespaces/${ns}/httproutes`,
    what: `the HTTPRoutes of ${ns} with a status`,
    until: (items) => items.every((r) => (r.status?.parents ?? []).length > 0),
    timeoutMs: 20_000,
  }).catch(async () => ((await gatewayApi(cluster).listNamespacedCustomObject({ ...GATEWAY_GROUP, namespace: ns, plural: 'httproutes' })) as { items: HTTPRoute[] }).items);
}

/** A Gateway API list in a namespace; a kind the cluster does not serve is none. */
async function listGatewayApi<T>(cluster: Cluster, ns: string, plural: string, version: string = GATEWAY_GROUP.version): Promise<T[]> {
  return ((await gatewayApi(cluster).listNamespacedCustomObject({ group: GATEWAY_GROUP.group, version, namespace: ns, plural }).catch((err: unknown) => (apiStatus(err) === 404 ? { items: [] } : Promise.reject(err)))) as { items: T[] }).items;
}

/**
 * The Gateway edge on 127.0.0.1:8080/8443 (or a grading slot's): the
 * HTTPRoutes of the case's namespace and of the edge's other namespaces, the
 * Gateways they attach to, the Services and ReferenceGrants their backendRefs
 * name, in each one's own namespace.
 */
export const GATEWAY: Edge = {
  name: 'Gateway',
  address: '127.0.0.1',
  ports: { http: PORTS.gatewayHttp, https: PORTS.gatewayHttps },
  async inspect(cluster, ns, c, edge) {
    const namespaces = [...new Set([ns, ...(edge.namespaces ?? [])])];
    const routes = (await Promise.all(namespaces.map((n) => httpRoutes(cluster, n)))).flat();
    const parents = [...new Map(routes.flatMap((r) => (r.spec.parentRefs ?? []).map((p) => [`${p.namespace ?? r.metadata?.namespace}/${p.name}`, { name: p.name, namespace: p.namespace ?? r.metadata?.namespace ?? ns }] as const))).values()];
    if (!parents.length) return { causes: [`no HTTPRoute in ${namespaces.join(' or ')} attaches to a Gateway${routes.length ? '' : ' (there is no HTTPRoute)'}`], routedTo: [], rewrites: [] };
    const causes: string[] = [];
    const routedTo: string[] = [];
    const rewrites: string[] = [];
    let tls: EdgeView['tls'];
    for (const p of parents) {
      const gateway = (await gatewayApi(cluster)
        .getNamespacedCustomObject({ ...GATEWAY_GROUP, namespace: p.namespace, plural: 'gateways', name: p.name })
        .catch((err: unknown) => (apiStatus(err) === 404 ? undefined : Promise.reject(err)))) as Gateway | undefined;
      if (!gateway) {
        causes.push(`Gateway ${p.namespace}/${p.name}, which HTTPRoutes of ${namespaces.join(' or ')} attach to, does not exist`);
        continue;
      }
      causes.push(...gatewayRouteCauses(gateway, routes, c.host, c.path, c.scheme));
      const listeners = listenersFor(gateway, c.host, c.scheme);
      const matched = matchingHttpRoutes(routes, p, c.host, c.path, listeners.length ? listeners : undefined);
      const refs = matched.flatMap((m) => (m.rule.backendRefs ?? []).map((b) => ({ namespace: b.namespace ?? m.route.metadata?.namespace ?? ns, name: b.name })));
      const refNamespaces = [...new Set(refs.map((r) => r.namespace))];
      const services = (await Promise.all(refNamespaces.map((n) => cluster.core.listNamespacedService({ namespace: n })))).flatMap((l) => l.items);
      const grants = (await Promise.all(refNamespaces.map(async (n) => [...(await listGatewayApi<ReferenceGrant>(cluster, n, 'referencegrants', 'v1beta1')), ...(await listGatewayApi<ReferenceGrant>(cluster, n, 'referencegrants'))]))).flat();
      causes.push(...backendRefCauses(matched, services, grants));
      causes.push(...(await backendCauses(cluster, refs.filter((r) => services.some((x) => x.metadata?.name === r.name && x.metadata?.namespace === r.namespace)), 'HTTPRoute')));
      routedTo.push(...matched.flatMap((m) => (m.rule.backendRefs ?? []).map((b) => `HTTPRoute ${m.route.metadata?.name} sends it to Service ${b.name}`)));
      if (matched[0]) rewrites.push(gatewayRewriteNote(matched[0].route, matched[0].rule, c.path));
      const listener = listeners.find((l) => l.protocol === 'HTTPS');
      const ref = listener?.tls?.certificateRefs?.[0];
      if (c.scheme === 'https' && listener && ref) {
        const secretNs = ref.namespace ?? p.namespace;
        const secret = (await cluster.core.listNamespacedSecret({ namespace: secretNs })).items.find((x) => x.metadata?.name === ref.name);
        causes.push(...secretTlsCauses(ref.name, secret, c.host, `the host listener ${listener.name} serves is`));
        tls = { namespace: secretNs, secret: ref.name, namedBy: `Gateway ${p.namespace}/${p.name} listener ${listener.name}` };
      }
    }
    return { causes: [...new Set(causes)], routedTo, rewrites, tls };
  },
};

/**
 * `c.host` + `c.path` through an edge at its address (HTTPS with SNI
 * `c.host`). The answer decides: over HTTPS the certificate presented must be
 * the one in the Secret the edge names, three handshakes in a row; then three
 * answers in a row come with `c.status` (200) from pods of Service
 * `c.backend`, the backend must have received `c.received`, and the body must
 * hold `c.contains`. The edge's objects are diagnosed too: their causes
 * explain a wrong answer, never make a right one wrong (with a cause found,
 * the answers are waited for 10 s, not 30). Without a backend, the case is
 * one the edge must refuse: once its sibling case (`c.whenRouted`) answers
 * right, showing the route that must refuse it is in place, three answers
 * in a row come from the edge itself. Returns the HTTP transcript.
 */
export async function expectRoute(cluster: Cluster, ns: string, c: RouteCase, edge: Edge = INGRESS): Promise<Exchange[]> {
  const url = routeUrl(c);
  const port = c.scheme === 'https' ? edge.ports.https : edge.ports.http;
  const send = () => get(port, c.host, c.path, c.scheme, edge.address);
  const want = c.status ?? 200;
  if (!c.backend) {
    // A refusal counts only from a route in place: an edge with no route at all refuses everything.
    const sibling = c.whenRouted ? await expectRoute(cluster, ns, c.whenRouted, edge).catch((err: unknown) => {
      if (err instanceof CheckFailure) fail(`${url} is not shown refused`, [`the route that must refuse it is not in place: ${err.message}`], err.transcript);
      throw err;
    }) : [];
    // No route is meant to take it: the edge itself answers (its own 404 page: a backend that names no pod is not taken for it).
    const fromEdge = (e: Exchange) => !e.pod && (want !== 404 || edgeNotFound(e));
    const refused = await untilConsecutive(send, (e) => e.status === want && fromEdge(e), url, { timeoutMs: 30_000 }).catch((err: unknown) => {
      const e = pollTimeout<Exchange>(err);
      const last = e.attempts.at(-1);
      const other = last?.status === want && !last.pod ? `answered HTTP ${want} with a body that is not the ${edge.name} edge's own 404 page: a backend answered (${JSON.stringify(last.body.slice(0, 80))})` : undefined;
      return fail(`${url} should reach no backend`, [last?.error ? `no answer: ${last.error}` : (other ?? `answered HTTP ${last?.status}${last?.pod ? ` from pod ${last.pod}` : ''}, not ${want} from the ${edge.name} edge itself`)], [...sibling, ...e.attempts]);
    });
    return [...sibling, ...refused];
  }
  const view = await edge.inspect(cluster, ns, c, edge);
  const trafficMs = view.causes.length ? 10_000 : 30_000;
  // Over HTTPS the certificate comes first: the answer is only as good as the channel it came on. Without a Secret named for the host, there is none to be presented.
  if (c.scheme === 'https') {
    if (!view.tls) fail(`${url} is not routed`, view.causes, [await send()]);
    await expectCertificate(cluster, c.host, { address: edge.address, port }, view.tls!, view.causes);
  }

  const backend = c.backend;
  let backendPods = new Set(await endpointPods(cluster, ns, backend));
  const reread = new Set<string>();
  // Which pod answered, when the backend names itself (the harness's images do); else the backend's own text in its answer.
  const fromBackend = (e: Exchange) => (e.pod ? backendPods.has(e.pod) : c.contains !== undefined && e.body.includes(c.contains));
  const unjudgeable = (e?: Exchange) => !!e && e.status === want && !e.pod && c.contains === undefined && !edgeNotFound(e);
  const transcript = await untilConsecutive(
    async () => {
      const e = await send();
      // A pod the Service's endpoints did not list: they are read again, once for each such pod (its EndpointSlice may have lagged its Ready pod).
      if (e.pod && !backendPods.has(e.pod) && !reread.has(e.pod)) {
        reread.add(e.pod);
        backendPods = new Set(await endpointPods(cluster, ns, backend));
      }
      if (unjudgeable(e)) throw new NotJudged(`${url}: Service ${backend}'s answer (HTTP ${e.status}) names no pod (its image sends no X-Pod-Name) and the case has no text of the backend's own to tell it by`);
      return e;
    },
    (e) => e.status === want && fromBackend(e),
    url,
    { timeoutMs: trafficMs },
  ).catch(async (err: unknown) => {
    if (err instanceof NotJudged) throw err;
    const e = pollTimeout<Exchange>(err);
    backendPods = new Set(await endpointPods(cluster, ns, backend));
    const last = e.attempts.at(-1);
    let cause = e.message.split('\n')[0];
    if (last?.error) cause = `no answer: ${last.error}`;
    else if (last && last.status !== want) cause = `answered HTTP ${last.status}${want !== 200 ? ` (not ${want})` : ''}${last.pod ? ` from pod ${last.pod}` : ' (no backend pod named itself)'}`;
    else if (last && edgeNotFound(last)) cause = `answered with the ${edge.name} edge's own 404 page: no rule sends it to Service ${c.backend}${view.routedTo.length ? ` (${view.routedTo.join('; ')})` : ''}`;
    else if (last && !fromBackend(last)) {
      const owner = last.pod ? await serviceOfPod(cluster, ns, last.pod) : undefined;
      cause = `answered by ${last.pod ? `pod ${last.pod}${owner ? ` of Service ${owner}` : ''}` : 'a backend that does not name itself'}, not by a pod of Service ${c.backend} (${[...backendPods].join(', ') || 'it has no Ready endpoint'})${view.routedTo.length ? `: ${view.routedTo.join('; ')}` : ''}`;
    }
    // The pods that are not Ready first (the root), then the objects' causes, then what a client got.
    const roots = await rootCauses(cluster, [ns]);
    return fail(`${url} is not routed to Service ${c.backend}`, [...roots, ...view.causes, view.causes.length || roots.length ? `the answer: ${cause}` : cause], e.attempts);
  });
  const last = transcript[transcript.length - 1];
  const who = last.pod ? `pod ${last.pod}` : `Service ${c.backend}'s backend`;
  if (c.received !== undefined) {
    // The path the backend reports; else the product id the upstream bookinfo images echo from it.
    // Neither: a path left as it came is judged by the page the backend serves for it; a rewrite cannot be judged.
    if (last.received === undefined && last.id === undefined && (c.received !== c.path || c.contains === undefined)) {
      throw new NotJudged(`${url}: ${who} does not report the path it received, nor echo an id from it (its image sends no X-Received-Path)`);
    }
    const rewrites = view.rewrites.length ? ` (${view.rewrites.join('; ')})` : '';
    if (last.received !== undefined && last.received !== c.received) fail(`${url} is not routed as expected`, [`Service ${c.backend} received ${last.received}, not ${c.received}${rewrites}`], transcript);
    if (last.received === undefined && last.id !== undefined && c.received.split('/').pop() !== last.id) fail(`${url} is not routed as expected`, [`Service ${c.backend} answered for id ${last.id}, not for ${c.received}${rewrites}`], transcript);
  }
  if (c.contains !== undefined && !last.body.includes(c.contains)) fail(`${url} does not answer as expected`, [`${who} answered ${last.status} without "${c.contains}"`], transcript);
  return transcript;
}

/**
 * HTTPS with SNI `host` through the Ingress controller presents exactly the
 * certificate of the TLS Secret that the Ingress routing `host` + `path`
 * names, and that certificate covers the host.
 */
export async function expectIngressTls(cluster: Cluster, ns: string, host: string, path = '/'): Promise<void> {
  const view = await INGRESS.inspect(cluster, ns, { host, path, scheme: 'https', backend: '' }, INGRESS);
  const tlsCauses = view.causes.filter((c) => /TLS secret|tls entry/.test(c));
  if (tlsCauses.length) fail(`TLS for ${host} is wrong`, tlsCauses);
  if (!view.tls) fail(`TLS for ${host} is wrong`, [`no Ingress in ${ns} has a tls entry for ${host}`]);
  await expectCertificate(cluster, host, { address: INGRESS.address, port: PORTS.https }, view.tls!);
}

/** One edge's verdict on one case: as expected, the cause, or why it could not be judged. */
export interface EdgeVerdict {
  edge: Edge['name'];
  ok: boolean;
  /** the harness could not judge it on this edge (NotJudged): neither ok nor a failure */
  notJudged?: boolean;
  detail: string;
  transcript: Exchange[];
}

/**
 * One case of the course's routes through each edge (`onEdge` gives an edge
 * its known difference). Every edge is checked, whatever another gave (one
 * that cannot be judged included); any edge that does not answer as the case
 * says fails the case, naming it and each edge's verdict side by side; with
 * none failing, one that could not be judged leaves the case not judged.
 */
export async function expectRouteOnEdges(cluster: Cluster, ns: string, c: RouteCase & { title: string; onEdge?: Partial<Record<Edge['name'], Partial<RouteCase>>> }, edges: Edge[]): Promise<EdgeVerdict[]> {
  const verdicts: EdgeVerdict[] = [];
  for (const edge of edges) {
    const onEdge = { ...c, ...c.onEdge?.[edge.name] };
    try {
      const transcript = await expectRoute(cluster, ns, onEdge, edge);
      const last = transcript.at(-1);
      const unnamed = onEdge.backend && !last?.pod ? ', judged by its answer: the backend names no pod' : '';
      const byId = onEdge.received !== undefined && last?.received === undefined ? (last?.id !== undefined ? `, the path judged by the id it echoes (${last.id})` : ', the path judged by the page served') : '';
      verdicts.push({ edge: edge.name, ok: true, detail: `${c.onEdge?.[edge.name] ? 'as expected (its known difference)' : 'as expected'}${unnamed}${byId}`, transcript });
    } catch (err) {
      if (err instanceof NotJudged) verdicts.push({ edge: edge.name, ok: false, notJudged: true, detail: err.message, transcript: [] });
      else if (err instanceof CheckFailure) verdicts.push({ edge: edge.name, ok: false, detail: err.message, transcript: err.transcript });
      else throw err;
    }
  }
  const failed = verdicts.filter((v) => !v.ok && !v.notJudged);
  if (verdicts.length === 1 && failed.length) throw new CheckFailure(failed[0].detail, failed[0].transcript, verdicts);
  if (failed.length) {
    throw new CheckFailure(
      `case "${c.title}" differs from the course on ${failed.map((v) => v.edge).join(' and ')}: ${verdicts.map((v) => `${v.edge}: ${v.detail}`).join(' | ')}`,
      verdicts.flatMap((v) => v.transcript),
      verdicts,
    );
  }
  const unjudged = verdicts.filter((v) => v.notJudged);
  if (unjudged.length) throw new NotJudged(unjudged.map((v) => `${verdicts.length > 1 ? `${v.edge}: ` : ''}${v.detail.replace(/^not judged: /, '')}`).join(' | '));
  return verdicts;
}
