import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { V1Pod } from '@kubernetes/client-node';
import { parseManifests } from '../scripts/lib/apply.ts';
import { configuredMode, controllerKind, selectorQuery, versionOf } from '../scripts/lib/cluster-facts.ts';
import { MANIFESTS } from '../scripts/lib/labs.ts';

const pod = (labels: Record<string, string> = {}): V1Pod => ({ metadata: { labels } });

test('the ingress controller by image (upstream, the course\'s quay.io 0.30, a mirror), by program, or by label; its version from the tag, not a digest', () => {
  const kind = (image: string, args?: string[], labels?: Record<string, string>) => controllerKind({ name: 'c', image, args }, pod(labels));
  expect(kind('registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:594ceea7')).toBe('ingress-nginx');
  expect(kind('quay.io/kubernetes-ingress-controller/nginx-ingress-controller:0.30.0')).toBe('ingress-nginx');
  expect(kind('registry.cn-hangzhou.aliyuncs.com/google_containers/nginx-ingress-controller:v1.8.1')).toBe('ingress-nginx');
  expect(kind('example.com/mirror/anything:1', ['/nginx-ingress-controller', '--election-id=x'])).toBe('ingress-nginx');
  expect(kind('example.com/mirror/anything:1', undefined, { 'app.kubernetes.io/name': 'ingress-nginx' })).toBe('ingress-nginx');
  expect(kind('localhost/course-harness/traefik:v3.7.9')).toBe('Traefik');
  expect(kind('docker.io/library/nginx:1.27')).toBeUndefined();
  expect(kind('localhost/course-harness/myblog:v1')).toBeUndefined();

  expect(versionOf('registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:594ceea7', pod())).toBe('v1.15.1');
  expect(versionOf('registry.k8s.io/ingress-nginx/controller@sha256:594ceea7', pod({ 'app.kubernetes.io/version': '1.15.1' }))).toBe('1.15.1');
  expect(versionOf('localhost:5000/traefik', pod())).toBe('version unknown');
});

test("kube-proxy's configured mode: quoted, commented, or empty (iptables, the Linux default)", () => {
  expect(configuredMode('kind: KubeProxyConfiguration\nmode: ipvs\n')).toBe('ipvs');
  expect(configuredMode('mode: "ipvs"\n')).toBe('ipvs');
  expect(configuredMode("mode: 'nftables' # switched for the lab\n")).toBe('nftables');
  expect(configuredMode('mode: ""\n')).toBe('iptables');
  expect(configuredMode('ipvs:\n  scheduler: rr\n')).toBe('iptables');
});

test('a label selector as a query: matchLabels and every matchExpressions operator', () => {
  expect(selectorQuery({ matchLabels: { app: 'mysql' } })).toBe('app=mysql');
  expect(
    selectorQuery({
      matchLabels: { app: 'mysql' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['db', 'cache'] },
        { key: 'env', operator: 'NotIn', values: ['test'] },
        { key: 'owner', operator: 'Exists' },
        { key: 'legacy', operator: 'DoesNotExist' },
      ],
    }),
  ).toBe('app=mysql,tier in (db,cache),env notin (test),owner,!legacy');
});

test('the verifier (manifests/verifier/rbac.yaml) is read-only: only get, list and watch; no Secret; a ConfigMap only by name; logs only in kube-system', () => {
  const objects = parseManifests(readFileSync(join(MANIFESTS, 'verifier', 'rbac.yaml'), 'utf8'), 'manifests/verifier/rbac.yaml');
  const rules = objects
    .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')
    .flatMap((o) => ((o as { rules?: { resources?: string[]; verbs: string[]; resourceNames?: string[] }[] }).rules ?? []).map((r) => ({ ...r, kind: o.kind, namespace: o.metadata?.namespace })));
  expect(rules.length).toBeGreaterThan(0);
  for (const r of rules) {
    expect(r.verbs.every((v) => ['get', 'list', 'watch'].includes(v)), `${r.kind} rule on ${r.resources}: verbs ${r.verbs}`).toBe(true);
    expect(r.resources).not.toContain('*');
    expect(r.resources).not.toContain('secrets');
    if (r.resources?.includes('configmaps')) expect(r.resourceNames, 'configmaps only by name').toEqual(['kube-proxy']);
    if (r.resources?.includes('pods/log')) expect([r.kind, r.namespace]).toEqual(['Role', 'kube-system']);
  }
});
