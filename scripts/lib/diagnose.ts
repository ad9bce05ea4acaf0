// Likely causes, in plain words, for a Service or Ingress that does not work,
// read from the objects themselves. Pure functions of the objects, so each
// cause is unit-tested; the suites attach them to failures.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { CoreV1Event, V1Ingress, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import type { Gateway, HTTPPathMatch, HTTPRoute, HTTPRouteRule } from './gateway-api.ts';
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
      causes.push(`Service ${name} targetPort ${target} but the container listens on ${[...new Set(listening)].join(', ')}`);
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

/** A path match as Gateway API defines it: PathPrefix by whole segments (the default, "/"), Exact, RegularExpression. */
export function gatewayPathMatches(m: HTTPPathMatch | undefined, path: string): boolean {
  const type = m?.type ?? 'PathPrefix';
  const value = m?.value ?? '/';
  if (type === 'Exact') return path === value;
  if (type === 'RegularExpression') return new RegExp(`^(?:${value})$`).test(path);
  const prefix = value.replace(/\/+$/, '');
  return prefix === '' || path === prefix || path.startsWith(prefix + '/');
}

const refersTo = (ref: { name: string; namespace?: string }, routeNs: string, gateway: { name: string; namespace: string }) => ref.name === gateway.name && (ref.namespace ?? routeNs) === gateway.namespace;

/** The rules of the HTTPRoutes attached to `gateway` that take host + path, with the route each belongs to. */
export function matchingHttpRoutes(routes: HTTPRoute[], gateway: { name: string; namespace: string }, host: string, path: string): { route: HTTPRoute; rule: HTTPRouteRule }[] {
  return routes
    .filter((r) => (r.spec.parentRefs ?? []).some((p) => refersTo(p, r.metadata?.namespace ?? '', gateway)))
    .filter((r) => !r.spec.hostnames?.length || r.spec.hostnames.some((h) => gatewayHostMatches(h, host)))
    .flatMap((route) => (route.spec.rules ?? []).filter((rule) => (rule.matches?.length ? rule.matches : [{}]).some((m) => gatewayPathMatches(m.path, path))).map((rule) => ({ route, rule })));
}

const falseConditions = (conditions: { type: string; status: string; reason?: string; message?: string }[] = []) =>
  conditions.filter((c) => c.status === 'False').map((c) => `${c.type} False (${c.reason ?? 'no reason'}${c.message ? `: ${c.message}` : ''})`);

/**
 * Why a Gateway would not take host + path over `scheme`: no listener for the
 * host, a listener or the Gateway itself not Accepted or Programmed, an
 * HTTPS listener that names no certificate, an HTTPRoute for the host not
 * Accepted or with unresolved refs (the conditions' reasons and messages, as
 * the controller wrote them), no rule for the path. Backends are diagnosed
 * by the caller (it has the pods).
 */
export function gatewayRouteCauses(gateway: Gateway, routes: HTTPRoute[], host: string, path: string, scheme: 'http' | 'https'): string[] {
  const gw = { name: gateway.metadata?.name ?? '?', namespace: gateway.metadata?.namespace ?? 'default' };
  const causes: string[] = [];
  if (!gateway.status?.conditions?.length) causes.push(`Gateway ${gw.namespace}/${gw.name} has no status: no controller of GatewayClass ${gateway.spec.gatewayClassName} has taken it`);
  causes.push(...falseConditions(gateway.status?.conditions).map((c) => `Gateway ${gw.namespace}/${gw.name}: ${c}`));
  const protocol = scheme === 'https' ? 'HTTPS' : 'HTTP';
  const listeners = gateway.spec.listeners.filter((l) => l.protocol === protocol && gatewayHostMatches(l.hostname, host));
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
  const attached = routes.filter((r) => (r.spec.parentRefs ?? []).some((p) => refersTo(p, r.metadata?.namespace ?? '', gw)));
  const matched = matchingHttpRoutes(routes, gw, host, path);
  for (const r of attached.filter((x) => !x.spec.hostnames?.length || x.spec.hostnames.some((h) => gatewayHostMatches(h, host)))) {
    const parent = r.status?.parents?.find((p) => refersTo(p.parentRef, r.metadata?.namespace ?? '', gw));
    if (!parent) {
      causes.push(`HTTPRoute ${r.metadata?.name} has no status from Gateway ${gw.namespace}/${gw.name}'s controller: it was not taken up`);
      continue;
    }
    // Refs are resolved per route, served per rule: an unresolved backend of another rule does not stop this path.
    const ownBackends = matched.filter((m) => m.route === r).flatMap((m) => (m.rule.backendRefs ?? []).map((b) => b.name));
    const relevant = (c: { type: string; message?: string }) => c.type !== 'ResolvedRefs' || ownBackends.some((b) => (c.message ?? '').includes(b));
    causes.push(...falseConditions((parent.conditions ?? []).filter(relevant)).map((c) => `HTTPRoute ${r.metadata?.name}: ${c}`));
  }
  if (!matched.length) {
    const listed = attached.flatMap((r) => (r.spec.hostnames?.length ? r.spec.hostnames : ['*']).flatMap((h) => (r.spec.rules ?? []).flatMap((rule) => (rule.matches ?? [{}]).map((m) => `${h}${m.path?.value ?? '/'} (${m.path?.type ?? 'PathPrefix'})`))));
    causes.push(`no HTTPRoute attached to Gateway ${gw.namespace}/${gw.name} routes ${host}${path}${listed.length ? ` (the routes are ${[...new Set(listed)].join(', ')})` : ' (no HTTPRoute is attached to it)'}`);
  }
  return causes;
}

/**
 * Why pods are not Ready, one line each: the container's waiting or last
 * termination reason and the pod's warning events (probe failures, image
 * errors, a missing ConfigMap key, scheduling). Ready pods give no line.
 */
export function podCauses(pods: V1Pod[], events: CoreV1Event[]): string[] {
  return pods
    .filter((p) => !isReady(p))
    .map((p) => {
      const states = (p.status?.containerStatuses ?? []).flatMap((c) => {
        const waiting = c.state?.waiting;
        const last = c.lastState?.terminated;
        return [
          ...(waiting?.reason ? [`${c.name} ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`] : []),
          ...(last ? [`${c.name} last exited ${last.exitCode} (${last.reason ?? 'no reason'})`] : []),
        ];
      });
      const warnings = events.filter((e) => e.involvedObject.name === p.metadata?.name && e.type === 'Warning').map((e) => `${e.reason}: ${e.message}`);
      const why = [...states, ...new Set(warnings)];
      return `pod ${p.metadata?.name} not Ready${why.length ? ` (${why.join('; ')})` : ` (phase ${p.status?.phase ?? 'unknown'})`}`;
    });
}
