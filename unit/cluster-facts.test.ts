import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { V1Pod } from '@kubernetes/client-node';
import { parseManifests } from '../lib/kube/apply.ts';
import { configuredMode, controllerKind, proxyModeVerdict, versionOf } from '../lib/live/cluster-facts.ts';
import { labelSelector } from '../lib/kube/kube.ts';
import { MANIFESTS } from '../lib/course/labs.ts';

const pod = (labels: Record<string, string> = {}): V1Pod => ({ metadata: { labels } });

test('the ingress controller by image (upstream, the course\'s quay.io 0.30, a mirror), by program, or by label; its version from the tag, not a digest', () => {
  const kind = (image: string, args?: string[], labels?: Record<string, string>) => controllerKind({ name: 'c', image, args }, pod(labels));
  expect(kind('registry.k8s.io/ingress-nginx/controller:v1.15.1@sha256:594ceea7')).toBe('ingress-nginx');
  expect(kind('quay.io/kubernetes-ingress-controller/nginx-ingress-controller:0.30.0')).toBe('ingress-nginx');
  expect(kind('registry.cn-hangzhou.aliyuncs.com/google_containers/nginx-ingress-controller:v1.8.1')).toBe('ingress-nginx');
  expect(kind('example.com/mirror/anything:1', ['/nginx-ingress-controller', '--election-id=x'])).toBe('ingress-nginx');
  expect(kind('example.com/mirror/anything:1', undefined, { 'app.kubernetes.io/name': 'ingress-nginx' })).toBe('ingress-nginx');
  expect(kind('localhost/course-harness/traefik:v3.7.9')).toBe('Traefik');
  expect(kind('localhost/course-harness/traefik:v3.7.9', ['--providers.kubernetesingressnginx=true', '--providers.kubernetesgateway=true'])).toBe('Traefik');
  // Not ingress controllers: Traefik serving the Gateway only (beside ingress-nginx), and a grading slot's edge.
  expect(kind('localhost/course-harness/traefik:v3.7.9', ['--providers.kubernetesgateway=true'])).toBeUndefined();
  expect(kind('localhost/course-harness/traefik:v3.7.9', ['--providers.kubernetesingressnginx=true'], { 'course-harness/grade': 'a1b2c3' })).toBeUndefined();
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

test('kube-proxy in ipvs: configured and running passes; configured but running another mode fails naming both; a rotated log is named, the ConfigMap decides', () => {
  expect(proxyModeVerdict('ipvs', [{ name: 'kp-a', mode: 'ipvs' }, { name: 'kp-b', mode: 'ipvs' }])).toEqual({ result: 'pass', detail: 'ConfigMap kube-proxy mode "ipvs"; 2 kube-proxy pod(s) log "Using ipvs Proxier"' });
  expect(proxyModeVerdict('ipvs', [{ name: 'kp-a', mode: 'ipvs' }, { name: 'kp-b', mode: 'iptables' }])).toEqual({
    result: 'fail',
    detail: 'configured ipvs, running ipvs and iptables: ConfigMap kube-proxy mode "ipvs"; 2 kube-proxy pod(s) log "Using ipvs Proxier", "Using iptables Proxier"',
  });
  expect(proxyModeVerdict('ipvs', [{ name: 'kp-a' }, { name: 'kp-b', unreadable: 'unreadable: container "kube-proxy" is waiting to start' }])).toEqual({
    result: 'pass',
    detail: 'ConfigMap kube-proxy mode "ipvs"; 2 kube-proxy pod(s); kp-a has no "Using … Proxier" line (its log may have rotated); kp-b unreadable: container "kube-proxy" is waiting to start',
  });
  expect(proxyModeVerdict('iptables', [{ name: 'kp-a' }]).detail).toMatch(/^configured iptables, running iptables \(as configured\): /);
});

test('a label selector as a query: matchLabels and every matchExpressions operator', () => {
  expect(labelSelector({ matchLabels: { app: 'mysql' } })).toBe('app=mysql');
  expect(
    labelSelector({
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

test("the verifier (manifests/verifier/rbac.yaml) is read-only: only get, list and watch; Secrets and ConfigMaps only the course's, by name; logs only in kube-system", () => {
  const objects = parseManifests(readFileSync(join(MANIFESTS, 'verifier', 'rbac.yaml'), 'utf8'), 'manifests/verifier/rbac.yaml');
  const rules = objects
    .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')
    .flatMap((o) => ((o as { rules?: { resources?: string[]; verbs: string[]; resourceNames?: string[] }[] }).rules ?? []).map((r) => ({ ...r, kind: o.kind, namespace: o.metadata?.namespace })));
  expect(rules.length).toBeGreaterThan(0);
  for (const r of rules) {
    expect(r.verbs.every((v) => ['get', 'list', 'watch'].includes(v)), `${r.kind} rule on ${r.resources}: verbs ${r.verbs}`).toBe(true);
    expect(r.resources).not.toContain('*');
    for (const [resource, names] of [
      ['secrets', ['myblog', 'tls-myblog']],
      ['configmaps', r.kind === 'Role' ? ['kube-proxy'] : ['myblog']],
    ] as const) {
      if (!r.resources?.includes(resource)) continue;
      expect(r.resources, `${resource} in a rule of their own`).toEqual([resource]);
      expect(r.resourceNames, `${resource} only by name`).toEqual(names);
      // A list or watch is allowed only with a metadata.name field selector naming one of them: it shows no other (the board watches them so).
    }
    if (r.resources?.includes('pods/log')) expect([r.kind, r.namespace]).toEqual(['Role', 'kube-system']);
  }
});

test("the probe's Role (manifests/verifier/probe-rbac.yaml) writes only pods, only in namespace course-probe, only for the verifier", () => {
  const objects = parseManifests(readFileSync(join(MANIFESTS, 'verifier', 'probe-rbac.yaml'), 'utf8'), 'manifests/verifier/probe-rbac.yaml');
  expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(['Namespace/course-probe', 'Role/course-verifier-probe', 'RoleBinding/course-verifier-probe']);
  for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata?.namespace, `${o.kind} ${o.metadata?.name}`).toBe('course-probe');
  const role = objects.find((o) => o.kind === 'Role') as unknown as { rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] };
  expect(role.rules).toEqual([
    { apiGroups: [''], resources: ['pods'], verbs: ['create', 'list', 'watch', 'delete'] },
    { apiGroups: [''], resources: ['pods/exec'], verbs: ['create', 'get'] },
  ]);
  const binding = objects.find((o) => o.kind === 'RoleBinding') as unknown as { subjects: unknown[] };
  expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'verifier', namespace: 'course-verifier' }]);
});
