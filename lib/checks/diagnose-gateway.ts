// Likely causes, in plain words, for a Gateway API route that does not work:
// listeners, parentRefs, hostnames and matches, backendRefs and their
// ReferenceGrants, rewrites. Pure functions of the objects, unit-tested.
import type { V1Service } from '@kubernetes/client-node';
import type { Gateway, HTTPPathMatch, HTTPRoute, HTTPRouteRule, ParentRef, ReferenceGrant } from '../cluster/gateway-api.ts';

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
