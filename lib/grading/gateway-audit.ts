// The audit of Gateway API objects: what the standard channel of the
// version the controller implements does not have (a kind or apiVersion it
// does not serve, a field that is experimental or misspelled, read from the
// CRDs' own schemas), and what the specification says no controller will
// accept (a ReplacePrefixMatch without exactly one PathPrefix match, a route
// that attaches to no Gateway). The schemas come from the Go module in Go's
// module cache (npm test downloads it); without it the fields go unchecked,
// and the audit says so.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { GATEWAY_API, type HTTPRouteRule } from '../cluster/gateway-api.ts';

type Schema = { properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean; 'x-kubernetes-preserve-unknown-fields'?: boolean };
type Crd = { spec: { names: { kind: string }; group: string; versions: { name: string; served: boolean; schema?: { openAPIV3Schema?: Schema } }[] } };

let schemas: Map<string, Schema> | undefined;

/** "group/version Kind" -> schema, for every served version of the standard CRDs; null when the module is not in Go's module cache. */
function standardSchemas(): Map<string, Schema> | null {
  if (schemas) return schemas;
  try {
    const cache = execFileSync('go', ['env', 'GOMODCACHE'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dir = join(cache, `${GATEWAY_API.module}@${GATEWAY_API.version}`, 'config/crd', GATEWAY_API.channel);
    if (!existsSync(dir)) return null;
    const found = new Map<string, Schema>();
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.yaml'))) {
      for (const doc of loadAll(readFileSync(join(dir, f), 'utf8')) as (Crd & { kind?: string })[]) {
        if (doc?.kind !== 'CustomResourceDefinition') continue;
        for (const v of doc.spec.versions.filter((x) => x.served)) found.set(`${doc.spec.group}/${v.name} ${doc.spec.names.kind}`, v.schema?.openAPIV3Schema ?? {});
      }
    }
    schemas = found;
    return schemas;
  } catch {
    return null;
  }
}

/** Field paths of `value` that `schema` does not define. */
export function unknownFields(value: unknown, schema: Schema, path = ''): string[] {
  if (!value || typeof value !== 'object' || schema['x-kubernetes-preserve-unknown-fields']) return [];
  if (Array.isArray(value)) return schema.items ? value.flatMap((v, i) => unknownFields(v, schema.items!, `${path}[${i}]`)) : [];
  if (!schema.properties) return typeof schema.additionalProperties === 'object' ? Object.entries(value).flatMap(([k, v]) => unknownFields(v, schema.additionalProperties as Schema, `${path}.${k}`)) : [];
  return Object.entries(value).flatMap(([k, v]) => {
    const p = path ? `${path}.${k}` : k;
    const child = schema.properties![k];
    return child ? unknownFields(v, child, p) : [p];
  });
}

/** The problems of one Gateway API object, as finding messages with the key to find their line by. */
export function gatewayApiProblems(o: KubernetesObject & { spec?: unknown }, what: string): { message: string; key: string }[] {
  const problems: { message: string; key: string }[] = [];
  const known = standardSchemas();
  if (known) {
    const schema = known.get(`${o.apiVersion} ${o.kind}`);
    if (!schema) {
      const served = [...known.keys()].filter((k) => k.endsWith(` ${o.kind}`)).map((k) => k.split(' ')[0]);
      problems.push({
        key: 'apiVersion',
        message: served.length
          ? `${what}: ${o.apiVersion} is not served by Gateway API ${GATEWAY_API.version} (${GATEWAY_API.channel} channel); use ${served.join(' or ')}`
          : `${what}: ${o.kind} is not in Gateway API ${GATEWAY_API.version}'s ${GATEWAY_API.channel} channel (experimental only, or no such kind)`,
      });
    } else {
      for (const field of unknownFields({ spec: o.spec }, schema)) {
        problems.push({ key: field.split('.').pop()!.replace(/\[\d+\]$/, ''), message: `${what}: ${field} is not a field of ${o.kind} in Gateway API ${GATEWAY_API.version}'s ${GATEWAY_API.channel} channel (experimental only, or misspelled)` });
      }
    }
  }
  if (o.kind === 'HTTPRoute') {
    const spec = (o.spec ?? {}) as { parentRefs?: unknown[]; rules?: HTTPRouteRule[] };
    if (!spec.parentRefs?.length) problems.push({ key: 'spec', message: `${what}: no parentRefs: the route attaches to no Gateway, so nothing serves it` });
    (spec.rules ?? []).forEach((rule, i) => {
      const replaces = (rule.filters ?? []).some((f) => f.urlRewrite?.path?.type === 'ReplacePrefixMatch' || (f.requestRedirect as { path?: { type?: string } } | undefined)?.path?.type === 'ReplacePrefixMatch');
      const prefixOnly = rule.matches?.length === 1 && (rule.matches[0].path?.type ?? 'PathPrefix') === 'PathPrefix';
      if (replaces && !prefixOnly) {
        problems.push({ key: 'replacePrefixMatch', message: `${what}: rules[${i}] uses ReplacePrefixMatch without exactly one PathPrefix match (${(rule.matches ?? []).map((m) => `${m.path?.type ?? 'PathPrefix'} ${m.path?.value ?? '/'}`).join(', ') || 'no match'}): the API server refuses it` });
      }
    });
  }
  return problems;
}

/** Whether the field checks ran: the schemas were found. */
export const gatewaySchemasKnown = () => standardSchemas() !== null;
