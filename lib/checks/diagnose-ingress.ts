// Likely causes, in plain words, for a Service, an Ingress or its TLS Secret
// that does not work, read from the objects themselves. Pure functions of
// the objects, so each cause is unit-tested; the checks attach them to
// failures (lib/checks/services.ts, routes.ts).
import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { V1Ingress, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';

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
