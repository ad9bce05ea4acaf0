// Gateway API: the standard-channel CRDs of the version the installed Traefik
// implements, taken from the Go module sigs.k8s.io/gateway-api (served by the
// Go module proxy, checked by Go's checksum database) on both paths, and
// pinned again by the sha256 of the files applied.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import { applyObjects, parseManifests } from '../kube/apply.ts';
import { waitFor } from '../kube/kube.ts';
import { HarnessError } from '../core/log.ts';
import { goModuleSource } from '../offline/go-build.ts';

export const GATEWAY_API = {
  module: 'sigs.k8s.io/gateway-api',
  /** the version Traefik v3.7.9's Gateway provider implements (its go.mod, its documentation) */
  version: 'v1.5.1',
  /** sha256 of config/crd/standard/*.yaml, concatenated in name order */
  sha256: '9a05d3fb57a51a9646ee4ebe3e522621bd31640135de2d011b7c1c7dce690318',
  channel: 'standard',
} as const;

/** The standard-channel install (CRDs and the safe-upgrades admission policy), checked against the pin. */
export async function gatewayApiObjects(): Promise<KubernetesObject[]> {
  const dir = join(await goModuleSource(GATEWAY_API.module, GATEWAY_API.version), 'config/crd', GATEWAY_API.channel);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  const texts = files.map((f) => readFileSync(join(dir, f), 'utf8'));
  const sum = createHash('sha256').update(texts.join('')).digest('hex');
  if (sum !== GATEWAY_API.sha256) throw new HarnessError(`${GATEWAY_API.module}@${GATEWAY_API.version} ${GATEWAY_API.channel} CRDs have sha256 ${sum}, the harness pins ${GATEWAY_API.sha256}`);
  return texts.flatMap((t, i) => parseManifests(t, `${GATEWAY_API.module}@${GATEWAY_API.version}/config/crd/${GATEWAY_API.channel}/${files[i]}`));
}

type Crd = KubernetesObject & { status?: { conditions?: { type: string; status: string }[] } };

/** Applies the CRDs and waits, by watch, until every one is Established. */
export async function installGatewayApi(kc: KubeConfig): Promise<void> {
  const objects = await gatewayApiObjects();
  await applyObjects(kc, objects);
  const names = objects.filter((o) => o.kind === 'CustomResourceDefinition').map((o) => o.metadata!.name!);
  await waitFor<Crd>({
    kc,
    path: '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
    what: `Gateway API ${GATEWAY_API.version} CRDs Established`,
    until: (items) => names.every((n) => items.some((c) => c.metadata?.name === n && c.status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'))),
    describe: (items) => names.filter((n) => !items.some((c) => c.metadata?.name === n)).join(', ') || 'all present',
    timeoutMs: 60_000,
  });
}

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** The parts of a Gateway the checks read. */
export interface Gateway extends KubernetesObject {
  spec: {
    gatewayClassName: string;
    listeners: { name: string; protocol: string; port: number; hostname?: string; tls?: { certificateRefs?: { name: string; namespace?: string; kind?: string }[]; options?: Record<string, string> } }[];
  };
  status?: { conditions?: Condition[]; listeners?: { name: string; conditions?: Condition[] }[] };
}

export interface HTTPPathMatch {
  type?: 'Exact' | 'PathPrefix' | 'RegularExpression';
  value?: string;
}

export interface HTTPRouteRule {
  matches?: { path?: HTTPPathMatch }[];
  filters?: { type: string; urlRewrite?: { path?: { type: string; replacePrefixMatch?: string; replaceFullPath?: string } }; requestRedirect?: Record<string, unknown> }[];
  /** group "" and kind Service by default; the namespace defaults to the route's */
  backendRefs?: { name: string; namespace?: string; port?: number; kind?: string; group?: string }[];
}

/** A route's reference to a Gateway, or to one listener of it (sectionName, port). */
export interface ParentRef {
  name: string;
  namespace?: string;
  sectionName?: string;
  port?: number;
  kind?: string;
  group?: string;
}

/** The parts of an HTTPRoute the checks read. */
export interface HTTPRoute extends KubernetesObject {
  spec: { parentRefs?: ParentRef[]; hostnames?: string[]; rules?: HTTPRouteRule[] };
  status?: { parents?: { parentRef: ParentRef; controllerName: string; conditions?: Condition[] }[] };
}

/**
 * The parts of a ReferenceGrant the checks read: in its own namespace, it
 * lets the kinds of `from` (in their namespaces) refer to the kinds of `to`
 * (all of a kind when `name` is absent). Group "" is the core API (Service).
 */
export interface ReferenceGrant extends KubernetesObject {
  spec: { from: { group: string; kind: string; namespace: string }[]; to: { group: string; kind: string; name?: string }[] };
}

export const GATEWAY_GROUP = { group: 'gateway.networking.k8s.io', version: 'v1' } as const;
