// Likely causes, in plain words, for a Service or Ingress that does not work,
// read from the objects themselves. Pure functions of the objects, so each
// cause is unit-tested; the suites attach them to failures.
import { X509Certificate } from 'node:crypto';
import type { CoreV1Event, V1Ingress, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
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

/** A rewrite-target that refers to capture groups the paths do not have. */
export function rewriteCauses(ingress: V1Ingress): string[] {
  const target = ingress.metadata?.annotations?.['nginx.ingress.kubernetes.io/rewrite-target'];
  const group = target?.match(/\$(\d)/)?.[0];
  if (!group) return [];
  const paths = (ingress.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []).map((p) => p.path ?? '');
  if (paths.some((p) => p.includes('('))) return [];
  return [`Ingress ${ingress.metadata?.name}: rewrite-target uses ${group} but the path has no capture group (${paths.join(', ')})`];
}

/** A TLS secret whose certificate does not cover the Ingress host. */
export function tlsCauses(ingress: V1Ingress, host: string, secrets: V1Secret[]): string[] {
  const entry = (ingress.spec?.tls ?? []).find((t) => (t.hosts ?? []).includes(host));
  if (!entry) return [`Ingress ${ingress.metadata?.name} has no tls entry for ${host}`];
  const secret = secrets.find((s) => s.metadata?.name === entry.secretName);
  if (!secret) return [`TLS secret ${entry.secretName} does not exist`];
  const pem = secret.data?.['tls.crt'] ? Buffer.from(secret.data['tls.crt'], 'base64').toString() : secret.stringData?.['tls.crt'];
  if (!pem) return [`TLS secret ${entry.secretName} has no tls.crt`];
  const cert = new X509Certificate(pem);
  if (cert.checkHost(host)) return [];
  const names = cert.subjectAltName?.replace(/DNS:/g, '') ?? cert.subject.replace(/\n/g, ', ');
  return [`TLS secret ${entry.secretName} is for ${names}, Ingress host is ${host}`];
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
