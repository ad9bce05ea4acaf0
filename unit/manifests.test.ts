import { expect, test } from '@playwright/test';
import { ManifestError, parseManifests } from '../lib/kube/apply.ts';
import { readFileSync } from 'node:fs';
import { pinToIngressNode, traefikObjects } from '../lib/cluster/ingress.ts';

test('multi-document YAML becomes objects; empty documents are ignored', () => {
  const objects = parseManifests('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: luffy\n---\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: mysql\n', 'lab.yaml');
  expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual(['Namespace/luffy', 'Service/mysql']);
});

test('a YAML error is one line naming the file', () => {
  const bad = () => parseManifests('apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   labels: oops\n', 'manifests/bad.yaml');
  expect(bad).toThrow(ManifestError);
  try {
    bad();
  } catch (err) {
    const message = (err as Error).message;
    expect(message).toMatch(/^manifests\/bad\.yaml: YAML error: /);
    expect(message).not.toContain('\n');
  }
});

test('a document that is not a Kubernetes object is named by its position', () => {
  expect(() => parseManifests('apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\nfoo: bar\n', 'x.yaml')).toThrow(
    'x.yaml: document 2 is not a Kubernetes object (needs apiVersion, kind and metadata.name)',
  );
  expect(() => parseManifests('just a string', 'y.yaml')).toThrow('y.yaml: document 1 is not a Kubernetes object');
});

test('the ingress-nginx controller is pinned to the course ingress node; nothing else changes', () => {
  const objects = parseManifests(
    [
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ingress-nginx-controller\n  namespace: ingress-nginx\nspec:\n  template:\n    spec:\n      nodeSelector:\n        kubernetes.io/os: linux\n',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: other\nspec:\n  template:\n    spec: {}\n',
    ].join('---\n'),
    'deploy.yaml',
  );
  const [controller, other] = pinToIngressNode(objects) as { spec: { template: { spec: { nodeSelector?: Record<string, string> } } } }[];
  expect(controller.spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux', ingress: 'true' });
  expect(other.spec.template.spec.nodeSelector).toBeUndefined();
  expect((objects[0] as unknown as typeof controller).spec.template.spec.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
});

test("Traefik beside ingress-nginx serves the Gateway only: no NGINX provider, no 80/443, no IngressClass nginx (ingress-nginx's); alone it serves both", () => {
  const manifest = readFileSync('offline/ingress/traefik.yaml', 'utf8');
  type Pod = { spec: { template: { spec: { containers: { image: string; args: string[]; ports: { name: string; hostPort?: number }[] }[] } } } };
  const container = (objects: ReturnType<typeof traefikObjects>) => (objects.find((o) => o.kind === 'Deployment') as unknown as Pod).spec.template.spec.containers[0];
  const both = traefikObjects(manifest, 'traefik:built', { ingress: true });
  const gatewayOnly = traefikObjects(manifest, 'traefik:built', { ingress: false });
  expect(container(both).image).toBe('traefik:built');
  expect(both.some((o) => o.kind === 'IngressClass')).toBe(true);
  expect(container(both).args.filter((a) => a.includes('kubernetesingressnginx')).length).toBeGreaterThan(0);
  expect(gatewayOnly.some((o) => o.kind === 'IngressClass')).toBe(false);
  expect(container(gatewayOnly).args.filter((a) => /kubernetesingressnginx|entryPoints\.web(secure)?\./.test(a))).toEqual([]);
  expect(container(gatewayOnly).ports.map((p) => p.hostPort).filter(Boolean)).toEqual([8080, 8443]);
  // Both leave a grading slot's GatewayClass (labelled with its grade) to the slot's own edge.
  for (const objects of [both, gatewayOnly]) expect(container(objects).args).toContain('--providers.kubernetesgateway.labelSelector=!course-harness/grade');
});
