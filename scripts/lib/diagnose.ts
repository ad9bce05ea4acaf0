// Likely causes, in plain words, for a Service or Ingress that does not work,
// read from the objects themselves. Pure functions of the objects, so each
// cause is unit-tested; the suites attach them to failures.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { CoreV1Event, V1ContainerStateTerminated, V1ContainerStatus, V1Ingress, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import type { Gateway, HTTPPathMatch, HTTPRoute, HTTPRouteRule, ParentRef, ReferenceGrant } from './gateway-api.ts';
import { isReady } from './kube.ts';

const selectorText = (selector: Record<string, string>) =>
  Object.entries(selector)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

const matches = (selector: Record<string, string>, labels: Record<string, string> = {}) => Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Why a Service may not reach its pods: a selector matching nothing, a targetPort nobody listens on. */
export function serviceCauses(service: V1Service, pods: V1Pod[]): string[] {
  const name = service.metadata?.name;
  const selector = service.spec?.selector ?? {};
  const selected = pods.filter((p) => matches(selector, p.metadata?.labels));
  if (selected.length === 0) {
    const near = pods.map((p) => selectorText(p.metadata?.labels ?? {})).filter(Boolean);
    return [`Service ${name} selects ${selectorText(selector)}: no pod matches${near.length ? ` (pods have ${[...new Set(near)].join('; ')})` : ''}`];
  }
  const causes: string[] = [];
  const containerPorts = selected.flatMap((p) => p.spec?.containers.flatMap((c) => c.ports ?? []) ?? []);
  for (const port of service.spec?.ports ?? []) {
    const target = port.targetPort ?? port.port;
    const listening = containerPorts.map((c) => c.containerPort);
    if (typeof target === 'number' && containerPorts.length > 0 && !listening.includes(target)) {
      causes.push(`Service ${name} targetPort ${target} but the container declares port ${[...new Set(listening)].join(', ')}`);
    }
    if (typeof target === 'string' && /\D/.test(target) && !containerPorts.some((c) => c.name === target)) {
      causes.push(`Service ${name} targetPort "${target}" names no container port of the selected pods`);
    }
  }
  return causes;
}

function hostMatches(ruleHost: string | undefined, host: string): boolean {
  if (!ruleHost) return true;
  if (ruleHost.startsWith('*.')) return host.endsWith(ruleHost.slice(1)) && !host.slice(0, host.length - ruleHost.length + 1).includes('.');
  return ruleHost === host;
}

function pathMatches(rulePath: string, pathType: string | undefined, path: string): boolean {
  if (pathType === 'Exact') return rulePath === path;
  if (pathType === 'ImplementationSpecific' && /[()[\]*+?|^$\\]/.test(rulePath)) return new RegExp(`^${rulePath}`).test(path);
  const prefix = rulePath.replace(/\/+$/, '');
  return prefix === '' || path === prefix || path.startsWith(prefix + '/');
}

/** The Ingresses with a rule for host + path, each with that rule's backend Service. */
export function matchingRoutes(ingresses: V1Ingress[], host: string, path: string): { ingress: V1Ingress; service?: string }[] {
  return ingresses.flatMap((ingress) =>
    (ingress.spec?.rules ?? []).flatMap((r) =>
      (r.http?.paths ?? []).filter((p) => hostMatches(r.host, host) && pathMatches(p.path ?? '/', p.pathType, path)).map((p) => ({ ingress, service: p.backend.service?.name })),
    ),
  );
}

/** Why host + path may not be routed: no Ingress rule covers them (the rules are listed, so a typo shows). */
export function ingressRouteCauses(ingresses: V1Ingress[], host: string, path: string): string[] {
  if (matchingRoutes(ingresses, host, path).length) return [];
  const rules = ingresses.flatMap((i) => (i.spec?.rules ?? []).flatMap((r) => (r.http?.paths ?? []).map((p) => ({ host: r.host, path: p.path ?? '/' }))));
  const listed = rules.map((r) => `${r.host ?? '*'}${r.path}`);
  return [`no Ingress rule routes ${host}${path}${listed.length ? ` (the rules are ${[...new Set(listed)].join(', ')})` : ' (there is no Ingress)'}`];
}

/** Capturing groups of a regular expression: "(" not escaped, not in a [class], not "(?:" or a lookaround ("(?<name>" captures). */
export function captureGroups(pattern: string): number {
  let groups = 0;
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (inClass) inClass = c !== ']';
    else if (c === '[') inClass = true;
    else if (c === '(' && (pattern[i + 1] !== '?' || /^\?<[A-Za-z]/.test(pattern.slice(i + 1, i + 4)))) groups++;
  }
  return groups;
}

/**
 * The rewrite-target of an Ingress against the capture groups of each of its
 * paths: "$2" needs two groups in every path the annotation applies to.
 * One cause per path that lacks them.
 */
export function rewriteGroupCauses(name: string, target: string | undefined, paths: string[]): string[] {
  const referenced = Math.max(0, ...[...(target ?? '').matchAll(/\$(\d)/g)].map((m) => Number(m[1])));
  if (!referenced) return [];
  return paths
    .map((p) => ({ p, groups: captureGroups(p) }))
    .filter(({ groups }) => groups < referenced)
    .map(({ p, groups }) => `Ingress ${name}: rewrite-target ${target} uses $${referenced} but path ${p} has ${groups ? `only ${groups} capture group${groups > 1 ? 's' : ''}` : 'no capture group'}`);
}

/** A rewrite-target that refers to capture groups the Ingress's paths do not have. */
export function rewriteCauses(ingress: V1Ingress): string[] {
  const paths = (ingress.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []).map((p) => p.path ?? '');
  return rewriteGroupCauses(ingress.metadata?.name ?? '?', ingress.metadata?.annotations?.['nginx.ingress.kubernetes.io/rewrite-target'], paths);
}

/** The certificate (and key) of a TLS Secret, decoded; undefined fields when absent. */
export function secretCertificate(secret: V1Secret): { cert?: X509Certificate; key?: string } {
  const read = (k: string) => (secret.data?.[k] ? Buffer.from(secret.data[k], 'base64').toString() : secret.stringData?.[k]);
  const pem = read('tls.crt');
  let cert: X509Certificate | undefined;
  try {
    cert = pem ? new X509Certificate(pem) : undefined;
  } catch {
    cert = undefined;
  }
  return { cert, key: read('tls.key') };
}

/** The names a certificate is for: its DNS names, else its subject. */
export const certificateNames = (cert: X509Certificate) => cert.subjectAltName?.replace(/DNS:/g, '') ?? cert.subject.replace(/\n/g, ', ');

/** Why the TLS Secret an Ingress names for `host` cannot serve it: missing, no certificate, another host, a key that does not fit. */
export function tlsCauses(ingress: V1Ingress, host: string, secrets: V1Secret[]): string[] {
  const entry = (ingress.spec?.tls ?? []).find((t) => (t.hosts ?? []).includes(host));
  if (!entry) return [`Ingress ${ingress.metadata?.name} has no tls entry for ${host}`];
  return secretTlsCauses(entry.secretName ?? '', secrets.find((s) => s.metadata?.name === entry.secretName), host, 'Ingress host is');
}

/** Why a TLS Secret cannot serve `host` (`namedAs` says what names the host: "Ingress host is"). */
export function secretTlsCauses(name: string, secret: V1Secret | undefined, host: string, namedAs: string): string[] {
  if (!secret) return [`TLS secret ${name} does not exist`];
  const { cert, key } = secretCertificate(secret);
  if (!cert) return [`TLS secret ${name} has no readable certificate in tls.crt`];
  if (!cert.checkHost(host)) return [`TLS secret ${name} is for ${certificateNames(cert)}, ${namedAs} ${host}`];
  if (!key) return [`TLS secret ${name} has no tls.key`];
  try {
    if (!cert.checkPrivateKey(createPrivateKey(key))) return [`TLS secret ${name}: tls.key is not the key of the certificate in tls.crt`];
  } catch {
    return [`TLS secret ${name}: tls.key is not a readable private key`];
  }
  return [];
}

/** A hostname pattern of Gateway API (exact, or "*." and one or more labels) against a host. */
export function gatewayHostMatches(pattern: string | undefined, host: string): boolean {
  if (!pattern) return true;
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return pattern === host;
}

/** A path match as Gateway API defines it: PathPrefix by whole segments (the default, "/"), Exact, RegularExpression. The query is not part of the path. */
export function gatewayPathMatches(m: HTTPPathMatch | undefined, path: string): boolean {
  const type = m?.type ?? 'PathPrefix';
  const value = m?.value ?? '/';
  const p = path.split('?')[0];
  if (type === 'Exact') return p === value;
  if (type === 'RegularExpression') return new RegExp(`^(?:${value})$`).test(p);
  const prefix = value.replace(/\/+$/, '');
  return prefix === '' || p === prefix || p.startsWith(prefix + '/');
}

type Listener = Gateway['spec']['listeners'][number];
type GatewayName = { name: string; namespace: string };

const refersTo = (ref: ParentRef, routeNs: string, gateway: GatewayName) =>
  (ref.kind ?? 'Gateway') === 'Gateway' && ref.name === gateway.name && (ref.namespace ?? routeNs) === gateway.namespace;

/** A parentRef attaches to one of `listeners` of the Gateway: its sectionName and port, when given, name one of them. Without `listeners`, to the Gateway. */
const attachesTo = (ref: ParentRef, routeNs: string, gateway: GatewayName, listeners?: Pick<Listener, 'name' | 'port'>[]) =>
  refersTo(ref, routeNs, gateway) && (!listeners || listeners.some((l) => (!ref.sectionName || ref.sectionName === l.name) && (ref.port === undefined || ref.port === l.port)));

/** The listeners of a Gateway that take host over `scheme` (HTTP or HTTPS, the hostname covering the host). */
export function listenersFor(gateway: Gateway, host: string, scheme: 'http' | 'https'): Listener[] {
  const protocol = scheme === 'https' ? 'HTTPS' : 'HTTP';
  return gateway.spec.listeners.filter((l) => l.protocol === protocol && gatewayHostMatches(l.hostname, host));
}

/** Gateway API precedence among the matches that take a path: Exact, then the longest PathPrefix, then RegularExpression. */
const precedence = (m: { path?: HTTPPathMatch }) => {
  const type = m.path?.type ?? 'PathPrefix';
  return type === 'Exact' ? -1e6 : type === 'PathPrefix' ? -(m.path?.value ?? '/').replace(/\/+$/, '').length : 1;
};

/**
 * The rules of the HTTPRoutes attached to `gateway` that take host + path,
 * each with its route and the match that took the path, first the one that
 * serves it (Gateway API precedence). With `listeners` (listenersFor), a
 * parentRef whose sectionName or port names another listener does not count.
 */
export function matchingHttpRoutes(
  routes: HTTPRoute[],
  gateway: GatewayName,
  host: string,
  path: string,
  listeners?: Pick<Listener, 'name' | 'port'>[],
): { route: HTTPRoute; rule: HTTPRouteRule; match: { path?: HTTPPathMatch } }[] {
  return routes
    .filter((r) => (r.spec.parentRefs ?? []).some((p) => attachesTo(p, r.metadata?.namespace ?? '', gateway, listeners)))
    .filter((r) => !r.spec.hostnames?.length || r.spec.hostnames.some((h) => gatewayHostMatches(h, host)))
    .flatMap((route) =>
      (route.spec.rules ?? []).flatMap((rule) => {
        const taking = (rule.matches?.length ? rule.matches : [{}]).filter((m) => gatewayPathMatches(m.path, path)).sort((a, b) => precedence(a) - precedence(b));
        return taking.length ? [{ route, rule, match: taking[0] }] : [];
      }),
    )
    .sort((a, b) => precedence(a.match) - precedence(b.match));
}

const falseConditions = (conditions: { type: string; status: string; reason?: string; message?: string }[] = []) =>
  conditions.filter((c) => c.status === 'False').map((c) => `${c.type} False (${c.reason ?? 'no reason'}${c.message ? `: ${c.message}` : ''})`);

const gatewayName = (g: Gateway): GatewayName => ({ name: g.metadata?.name ?? '?', namespace: g.metadata?.namespace ?? 'default' });

/**
 * parentRefs that name a listener the Gateway does not have (sectionName,
 * port): the controller attaches the route nowhere and says little more
 * than NoMatchingParent. Refs to Gateways not given are left to the caller.
 */
export function parentRefCauses(routes: HTTPRoute[], gateways: Gateway[]): string[] {
  const causes: string[] = [];
  for (const r of routes) {
    const routeNs = r.metadata?.namespace ?? 'default';
    for (const ref of r.spec.parentRefs ?? []) {
      const gateway = gateways.find((g) => refersTo(ref, routeNs, gatewayName(g)));
      if (!gateway) continue;
      const gw = gatewayName(gateway);
      const listeners = gateway.spec.listeners;
      if (ref.sectionName && !listeners.some((l) => l.name === ref.sectionName)) {
        causes.push(`HTTPRoute ${r.metadata?.name} parentRef sectionName ${ref.sectionName} matches no listener of Gateway ${gw.namespace}/${gw.name} (its listeners: ${listeners.map((l) => l.name).join(', ')})`);
      } else if (ref.port !== undefined && !listeners.some((l) => l.port === ref.port && (!ref.sectionName || l.name === ref.sectionName))) {
        causes.push(`HTTPRoute ${r.metadata?.name} parentRef port ${ref.port} matches no listener of Gateway ${gw.namespace}/${gw.name}${ref.sectionName ? ` named ${ref.sectionName}` : ''} (its listeners: ${listeners.map((l) => `${l.name} ${l.port}`).join(', ')})`);
      }
    }
  }
  return causes;
}

/**
 * Why a Gateway would not take host + path over `scheme`: no listener for the
 * host, a listener or the Gateway itself not Accepted or Programmed, an
 * HTTPS listener that names no certificate, a parentRef naming no listener
 * or only listeners that do not take this scheme and host, an HTTPRoute for
 * the host not Accepted or with unresolved refs (the conditions' reasons and
 * messages, as the controller wrote them), no rule for the path. Backends
 * are diagnosed by the caller (backendRefCauses, then the Services' pods).
 */
export function gatewayRouteCauses(gateway: Gateway, routes: HTTPRoute[], host: string, path: string, scheme: 'http' | 'https'): string[] {
  const gw = gatewayName(gateway);
  const causes: string[] = [];
  if (!gateway.status?.conditions?.length) causes.push(`Gateway ${gw.namespace}/${gw.name} has no status: no controller of GatewayClass ${gateway.spec.gatewayClassName} has taken it`);
  causes.push(...falseConditions(gateway.status?.conditions).map((c) => `Gateway ${gw.namespace}/${gw.name}: ${c}`));
  const protocol = scheme === 'https' ? 'HTTPS' : 'HTTP';
  const listeners = listenersFor(gateway, host, scheme);
  if (!listeners.length) {
    const all = gateway.spec.listeners.map((l) => `${l.name} ${l.protocol} ${l.hostname ?? '*'}:${l.port}`).join(', ');
    causes.push(`Gateway ${gw.namespace}/${gw.name} has no ${protocol} listener for ${host} (listeners: ${all})`);
  }
  for (const l of listeners) {
    const status = gateway.status?.listeners?.find((s) => s.name === l.name);
    causes.push(...falseConditions(status?.conditions).map((c) => `Gateway ${gw.namespace}/${gw.name} listener ${l.name}: ${c}`));
    // Without one, the certificate presented would be checked against nothing: the controller's default passes no check.
    if (scheme === 'https' && !l.tls?.certificateRefs?.length) causes.push(`Gateway ${gw.namespace}/${gw.name} listener ${l.name} names no certificate (tls.certificateRefs) for ${host}`);
  }
  const forHost = (r: HTTPRoute) => !r.spec.hostnames?.length || r.spec.hostnames.some((h) => gatewayHostMatches(h, host));
  causes.push(...parentRefCauses(routes.filter(forHost), [gateway]));
  // With no listener for the request, that is the cause: the routes are judged against the Gateway as a whole.
  const within = listeners.length ? listeners : undefined;
  const attaches = (r: HTTPRoute) => (r.spec.parentRefs ?? []).some((p) => attachesTo(p, r.metadata?.namespace ?? '', gw, within));
  for (const r of routes.filter((x) => forHost(x) && !attaches(x))) {
    // Refers to this Gateway, but only to listeners that exist and take something else (an HTTPS-only route checked over HTTP).
    const elsewhere = (r.spec.parentRefs ?? []).filter((p) => attachesTo(p, r.metadata?.namespace ?? '', gw, gateway.spec.listeners));
    const names = [...new Set(gateway.spec.listeners.filter((l) => elsewhere.some((p) => attachesTo(p, r.metadata?.namespace ?? '', gw, [l]))).map((l) => l.name))];
    if (names.length && within) {
      causes.push(`HTTPRoute ${r.metadata?.name} attaches only to listener ${names.join(', ')} of Gateway ${gw.namespace}/${gw.name} (its parentRef's sectionName or port), and ${scheme}://${host} is taken by listener ${within.map((l) => l.name).join(', ')}`);
    }
  }
  const attached = routes.filter(attaches);
  const matched = matchingHttpRoutes(routes, gw, host, path, within);
  for (const r of attached.filter(forHost)) {
    const parents = (r.status?.parents ?? []).filter((p) => attachesTo(p.parentRef, r.metadata?.namespace ?? '', gw, within));
    if (!parents.length) {
      causes.push(`HTTPRoute ${r.metadata?.name} has no status from Gateway ${gw.namespace}/${gw.name}'s controller: it was not taken up`);
      continue;
    }
    // Refs are resolved per route, served per rule: an unresolved backend of another rule does not stop this path.
    const ownBackends = matched.filter((m) => m.route === r).flatMap((m) => (m.rule.backendRefs ?? []).map((b) => b.name));
    const relevant = (c: { type: string; message?: string }) => c.type !== 'ResolvedRefs' || ownBackends.some((b) => (c.message ?? '').includes(b));
    const conditions = parents.flatMap((p) => p.conditions ?? []).filter(relevant);
    causes.push(...new Set(falseConditions(conditions).map((c) => `HTTPRoute ${r.metadata?.name}: ${c}`)));
  }
  if (!matched.length) {
    const listed = attached.flatMap((r) => (r.spec.hostnames?.length ? r.spec.hostnames : ['*']).flatMap((h) => (r.spec.rules ?? []).flatMap((rule) => (rule.matches ?? [{}]).map((m) => `${h}${m.path?.value ?? '/'} (${m.path?.type ?? 'PathPrefix'})`))));
    causes.push(`no HTTPRoute attached to Gateway ${gw.namespace}/${gw.name} routes ${host}${path}${listed.length ? ` (the routes are ${[...new Set(listed)].join(', ')})` : ' (no HTTPRoute is attached to it)'}`);
  }
  return causes;
}

const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';

/**
 * Whether a ReferenceGrant in `to.namespace` lets objects of `fromKind`
 * (Gateway API's group) in `fromNamespace` refer to `to` (a core object,
 * group "": a Service by default). Same-namespace refs need none.
 */
export function referenceGranted(grants: ReferenceGrant[], fromNamespace: string, to: { namespace: string; name: string; kind?: string }, fromKind = 'HTTPRoute'): boolean {
  if (fromNamespace === to.namespace) return true;
  return grants.some(
    (g) =>
      (g.metadata?.namespace ?? 'default') === to.namespace &&
      g.spec.from.some((f) => f.group === GATEWAY_API_GROUP && f.kind === fromKind && f.namespace === fromNamespace) &&
      g.spec.to.some((t) => (t.group ?? '') === '' && t.kind === (to.kind ?? 'Service') && (!t.name || t.name === to.name)),
  );
}

/**
 * Why the Service backends of the rules that take a request (from
 * matchingHttpRoutes) cannot be reached: a Service that does not exist, a
 * port it does not have, a Service in another namespace that no
 * ReferenceGrant there opens to the route's namespace. `services` and
 * `grants` are those of every namespace the refs name (a Service in a
 * namespace not listed would be taken for missing). Other kinds of backend
 * are not judged.
 */
export function backendRefCauses(matched: { route: HTTPRoute; rule: HTTPRouteRule }[], services: V1Service[], grants: ReferenceGrant[]): string[] {
  const causes: string[] = [];
  for (const { route, rule } of matched) {
    const routeNs = route.metadata?.namespace ?? 'default';
    for (const ref of rule.backendRefs ?? []) {
      if ((ref.group ?? '') !== '' || (ref.kind ?? 'Service') !== 'Service') continue;
      const ns = ref.namespace ?? routeNs;
      const named = ns === routeNs ? ref.name : `${ns}/${ref.name}`;
      const sends = `HTTPRoute ${route.metadata?.name} sends to Service ${named}`;
      if (!referenceGranted(grants, routeNs, { namespace: ns, name: ref.name })) {
        causes.push(`${sends} in another namespace, and no ReferenceGrant in ${ns} allows HTTPRoutes of ${routeNs} to refer to it`);
      }
      const service = services.find((s) => s.metadata?.name === ref.name && (s.metadata?.namespace ?? routeNs) === ns);
      const ports = (service?.spec?.ports ?? []).map((p) => p.port);
      if (!service) causes.push(`${sends}, which does not exist${ns === routeNs ? ` in ${ns}` : ''}`);
      else if (ref.port !== undefined && !ports.includes(ref.port)) causes.push(`${sends} port ${ref.port}, which it does not have (its ports: ${ports.join(', ') || 'none'})`);
    }
  }
  return [...new Set(causes)];
}

/**
 * The path the backend receives for `path` through `rule`, after its
 * URLRewrite filter: ReplaceFullPath replaces the whole path;
 * ReplacePrefixMatch replaces the part `match` (a PathPrefix) matched, by
 * whole segments, a trailing "/" of either ignored ("/foo/bar" with prefix
 * "/foo" and "/xyz" gives "/xyz/bar", "/foo" gives "/xyz", with "" gives
 * "/bar"), as the v1.5 spec's table. Without `match`, the rule's match that
 * takes the path. The query is kept. Unchanged without a rewrite, or when
 * the match does not take the path.
 */
export function rewrittenPath(rule: HTTPRouteRule, match: { path?: HTTPPathMatch } | undefined, path: string): string {
  const modifier = rule.filters?.find((f) => f.type === 'URLRewrite' && f.urlRewrite?.path)?.urlRewrite?.path;
  const [pathOnly, query] = [path.split('?')[0], path.includes('?') ? path.slice(path.indexOf('?')) : ''];
  const m = match ?? (rule.matches?.length ? rule.matches : [{}]).find((x) => gatewayPathMatches(x.path, pathOnly));
  if (!modifier || !m || !gatewayPathMatches(m.path, pathOnly)) return path;
  if (modifier.type === 'ReplaceFullPath') return (modifier.replaceFullPath ?? '/') + query;
  if (modifier.type !== 'ReplacePrefixMatch' || (m.path?.type ?? 'PathPrefix') !== 'PathPrefix') return path;
  const prefix = (m.path?.value ?? '/').replace(/\/+$/, '');
  const rest = pathOnly.slice(prefix.length);
  return ((modifier.replacePrefixMatch ?? '').replace(/\/+$/, '') + rest || '/') + query;
}

/** What a route's rule does to `path`, in words, to set beside what the backend received: "HTTPRoute r rewrites /a/7 to /b/7", or "HTTPRoute r passes /a/7 unchanged". */
export function gatewayRewriteNote(route: HTTPRoute, rule: HTTPRouteRule, path: string): string {
  const to = rewrittenPath(rule, undefined, path);
  return to === path ? `HTTPRoute ${route.metadata?.name} passes ${path} unchanged` : `HTTPRoute ${route.metadata?.name} rewrites ${path} to ${to}`;
}

/** The events of a pod (by name, and by uid and namespace when both sides have them). */
const podEvents = (p: V1Pod, events: CoreV1Event[]) =>
  events.filter((e) => {
    const o = e.involvedObject;
    const same = (a?: string, b?: string) => !a || !b || a === b;
    return o.name === p.metadata?.name && same(o.kind, 'Pod') && same(o.uid, p.metadata?.uid) && same(o.namespace, p.metadata?.namespace);
  });

/** An event about container `name`: its fieldPath names it (spec.containers{name}); an event about the whole pod (FailedMount) concerns each. */
const aboutContainer = (e: CoreV1Event, name: string) => !e.involvedObject.fieldPath || /\{(.*)\}$/.exec(e.involvedObject.fieldPath)?.[1] === name;

/** Repeats the waiting reason and adds nothing ("Error: ErrImagePull", "Back-off restarting failed container"). */
const restatesReason = (e: CoreV1Event) => e.reason === 'BackOff' || /^Error: [A-Za-z]+$/.test(e.message ?? '');

/** The warning events' messages (with their reasons: "Unhealthy: Readiness probe failed: …"), each once. */
const warningsOf = (events: CoreV1Event[], name?: string, withReason = false) => [
  ...new Set(
    events
      .filter((e) => e.type === 'Warning' && (name === undefined || aboutContainer(e, name)) && !restatesReason(e))
      .map((e) => (withReason && e.reason ? `${e.reason}: ` : '') + oneLine(e.message ?? e.reason ?? '')),
  ),
];

/** Messages on one line, in full (a termination message may hold a log's last lines). */
const oneLine = (text: string) => text.trim().replace(/\s*\n\s*/g, '; ');

const exited = (t: V1ContainerStateTerminated) => `exited with code ${t.exitCode} (${t.reason ?? 'no reason'})${t.message ? `: ${oneLine(t.message)}` : ''}`;

/**
 * Data stores the course's apps connect to. Their pods' causes come first:
 * myblog failing its probes is a symptom when MySQL never started. Matched
 * on the pod's app label, the first word of its name (mysql-7d9f…) or an
 * image's name (mysql:5.7, …/mariadb:10.11). A fixed list, because who
 * connects to whom is often not in the pods (MYSQL_HOST comes from a
 * ConfigMap), and the course has one such dependency.
 */
export const DEPENDED_ON = ['mysql', 'mariadb', 'postgres', 'redis', 'mongo'];

const imageName = (image?: string) => image?.split('@')[0].split('/').at(-1)?.split(':')[0];
const dependedOn = (p: V1Pod) =>
  [p.metadata?.labels?.app, p.metadata?.labels?.['app.kubernetes.io/name'], p.metadata?.name?.split('-')[0], ...(p.spec?.containers ?? []).map((c) => imageName(c.image))].some(
    (n) => n !== undefined && DEPENDED_ON.includes(n),
  );

/**
 * Why pods are not Ready, one line per container (or per pod, when it has
 * none to blame), root causes first: pods that never started (waiting:
 * a missing Secret or ConfigMap key, an image that cannot be pulled,
 * CrashLoopBackOff with its last exit; unschedulable with the scheduler's
 * message; init containers not done), then pods that run but are not Ready
 * (probe failures); within each, the pods of data stores others depend on
 * (DEPENDED_ON) first. Each line begins with the pod, the container and the
 * reason, then the warning events' messages in full, e.g. "pod mysql-1:
 * container mysql CreateContainerConfigError: Error: couldn't find key
 * MYSQL_PASSWD in Secret luffy/myblog". Ready pods give no line.
 */
export function podCauses(pods: V1Pod[], events: CoreV1Event[]): string[] {
  const lines: { text: string; running: boolean; first: boolean }[] = [];
  for (const p of pods.filter((x) => !isReady(x))) {
    const own = podEvents(p, events);
    const out = (text: string, running = false) => lines.push({ text: `pod ${p.metadata?.name}: ${text}`, running, first: dependedOn(p) });
    const waitingLine = (kind: string, c: V1ContainerStatus) => {
      const w = c.state!.waiting!;
      const why = warningsOf(own, c.name);
      // The event says it as the kubelet did ("Error: couldn't find key …"); the waiting message, when no event does (events expire).
      // A crash loop's own message is only the back-off; its last exit says why.
      const crashed = w.reason === 'CrashLoopBackOff';
      const said = [
        ...(crashed && c.lastState?.terminated ? [`last ${exited(c.lastState.terminated)}`] : []),
        ...(why.length ? why : w.message && !crashed ? [oneLine(w.message)] : []),
      ];
      return `${kind} ${c.name} ${w.reason ?? 'Waiting'}${said.length ? `: ${said.join('; ')}` : ''}`;
    };
    const before = lines.length;

    const scheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False') {
      const message = scheduled.message ?? own.filter((e) => e.reason === 'FailedScheduling').at(-1)?.message;
      out(`${scheduled.reason ?? 'Unschedulable'}${message ? `: ${oneLine(message)}` : ''}`);
    }

    // An init container not done holds the others in PodInitializing: it is the cause.
    const sidecar = (name: string) => p.spec?.initContainers?.find((c) => c.name === name)?.restartPolicy === 'Always';
    const initPending = (p.status?.initContainerStatuses ?? []).filter((c) => !(c.state?.terminated?.exitCode === 0 || (sidecar(c.name) && c.started)));
    for (const c of initPending) {
      const why = warningsOf(own, c.name);
      if (c.state?.waiting) out(waitingLine('init container', c));
      else if (c.state?.terminated) out(`init container ${c.name} ${exited(c.state.terminated)}${why.length ? `: ${why.join('; ')}` : ''}`);
      else out(`init container ${c.name} has not finished (${c.state?.running ? 'running' : 'not started'})${why.length ? `: ${why.join('; ')}` : ''}`);
    }

    for (const c of p.status?.containerStatuses ?? []) {
      if (c.state?.waiting) {
        if (c.state.waiting.reason !== 'PodInitializing' || !initPending.length) out(waitingLine('container', c));
      } else if (c.state?.terminated) {
        out(`container ${c.name} ${exited(c.state.terminated)}`);
      } else if (c.state?.running && !c.ready) {
        // Probe failures first: they are why a running container is not Ready.
        const why = warningsOf(own, c.name, true);
        const restarts = c.restartCount ? [`restarted ${times(c.restartCount)}${c.lastState?.terminated ? `, last ${exited(c.lastState.terminated)}` : ''}`] : [];
        const all = [...why, ...restarts];
        out(`container ${c.name} not Ready${all.length ? ` (${all.join('; ')})` : ''}`, true);
      }
    }

    if (lines.length === before) {
      // Nothing to blame on a container: the pod's phase, its reason (Evicted) and its warnings.
      const status = p.status?.reason ? `, ${p.status.reason}${p.status.message ? `: ${oneLine(p.status.message)}` : ''}` : '';
      const why = warningsOf(own);
      out(`not Ready (phase ${p.status?.phase ?? 'unknown'}${status}${why.length ? `; ${why.join('; ')}` : ''})`, p.status?.phase === 'Running');
    }
  }
  // Stable: within the same rank, the order of the pods given.
  const rank = (l: (typeof lines)[number]) => (l.running ? 2 : 0) + (l.first ? 0 : 1);
  return lines.sort((a, b) => rank(a) - rank(b)).map((l) => l.text);
}

const times = (n: number) => `${n} time${n === 1 ? '' : 's'}`;

/** The restart counts of the pods' containers now, keyed "pod uid/container": the baseline restartCauses takes. */
export function restartBaseline(pods: V1Pod[]): Record<string, number> {
  return Object.fromEntries(
    pods.flatMap((p) => [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].map((c) => [`${p.metadata?.uid}/${c.name}`, c.restartCount] as const)),
  );
}

/**
 * One line per container that restarted since `since` (the restartCount
 * then, keyed by pod uid, or "uid/container" as restartBaseline gives; a pod
 * not in it counts all its restarts), with why: OOMKilled, a liveness or
 * startup probe that failed (the Killing event, with the Unhealthy events'
 * messages), else the last termination's reason and exit code. E.g. "pod
 * myblog-1 container myblog restarted 2 times: the livenessProbe failed
 * (Liveness probe failed: HTTP probe failed with statuscode: 404)".
 */
export function restartCauses(pods: V1Pod[], events: CoreV1Event[], since?: Record<string /* pod uid */, number /* restartCount then */>): string[] {
  return pods.flatMap((p) => {
    const own = podEvents(p, events);
    return [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].flatMap((c) => {
      const uid = p.metadata?.uid ?? '';
      const restarts = c.restartCount - (since?.[`${uid}/${c.name}`] ?? since?.[uid] ?? 0);
      if (restarts <= 0) return [];
      return [`pod ${p.metadata?.name} container ${c.name} restarted ${times(restarts)}: ${restartReason(c, own)}`];
    });
  });
}

function restartReason(c: V1ContainerStatus, events: CoreV1Event[]): string {
  const last = c.lastState?.terminated;
  const exit = (t: V1ContainerStateTerminated) => `${t.reason ?? 'terminated'} (exit code ${t.exitCode})${t.message ? `: ${oneLine(t.message)}` : ''}`;
  // The last termination is the latest word: an OOM kill after earlier probe kills is an OOM kill.
  if (last?.reason === 'OOMKilled') return exit(last);
  const about = (e: CoreV1Event) => (e.involvedObject.fieldPath ? aboutContainer(e, c.name) : (e.message ?? '').startsWith(`Container ${c.name} `) || e.reason === 'Unhealthy');
  const killed = events.find((e) => e.reason === 'Killing' && about(e) && /failed (liveness|startup) probe/.test(e.message ?? ''));
  if (killed) {
    const probe = /failed (liveness|startup) probe/.exec(killed.message ?? '')![1];
    const Probe = probe[0].toUpperCase() + probe.slice(1);
    const failures = [...new Set(events.filter((e) => e.reason === 'Unhealthy' && about(e) && (e.message ?? '').startsWith(`${Probe} probe failed`)).map((e) => oneLine(e.message ?? '')))];
    return `the ${probe}Probe failed${failures.length ? ` (${failures.join('; ')})` : ''}`;
  }
  return last ? exit(last) : 'no last termination recorded';
}
