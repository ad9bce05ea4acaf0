import { mkdirSync, writeFileSync } from 'node:fs';
import { tempDir } from './temp.ts';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { loadLabs } from '../lib/course/labs.ts';
import { GradeMap, gradeId, mapObject, readSubmission, recordedHostPaths } from '../lib/grading/submission.ts';

test('GradeMap: namespaces get the run id, edge classes the slot\'s, and messages get the original names back', () => {
  const map = new GradeMap('abc123');
  expect(map.namespace('luffy')).toBe('gabc123-luffy');
  expect(map.namespace()).toBe('gabc123-default');
  expect(map.unmap('no Ingress rule routes myblog.luffy.com/ in gabc123-luffy')).toBe('no Ingress rule routes myblog.luffy.com/ in luffy');
  // The classes the course's controller serves become the slot's; another stays unserved, as on the course's cluster.
  expect(map.edgeClass(undefined, ['nginx'])).toBe('gabc123');
  expect(map.edgeClass('nginx', ['nginx'])).toBe('gabc123');
  expect(map.edgeClass('haproxy', ['nginx'])).toBe('haproxy-gabc123');
});

test('gradeId: the one npm test gives, else one derived from the folder', () => {
  expect(gradeId('/x', { HARNESS_GRADE_ID: 'f00d01' })).toBe('f00d01');
  expect(gradeId('/x', {})).toMatch(/^[0-9a-f]{6}$/);
  expect(gradeId('/x', {})).toBe(gradeId('/x', {}));
});

test('mapObject: namespace, edge class and hostPath folders made the slot\'s, hosts as written, fixed nodePort dropped, the original untouched', () => {
  const map = new GradeMap('abc123');
  const ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'myblog', namespace: 'luffy', annotations: { 'kubernetes.io/ingress.class': 'nginx', 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' } },
    spec: { rules: [{ host: 'myblog.luffy.com' }, { http: {} }, { host: '*.luffy.com' }], tls: [{ hosts: ['*.luffy.com'], secretName: 'tls-myblog' }] },
  } as KubernetesObject;
  expect(mapObject(ingress, map)).toEqual({
    ...ingress,
    metadata: { name: 'myblog', namespace: 'gabc123-luffy', annotations: { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false' } },
    spec: { ...(ingress as { spec: object }).spec, ingressClassName: 'gabc123' },
  });
  expect(ingress).toMatchObject({ metadata: { namespace: 'luffy', annotations: { 'kubernetes.io/ingress.class': 'nginx' } } });
  expect(ingress).not.toHaveProperty('spec.ingressClassName');
  const service = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'np' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } } as KubernetesObject;
  expect(mapObject(service, map)).toMatchObject({ metadata: { namespace: 'gabc123-default' }, spec: { ports: [{ port: 80 }] } });
  expect((mapObject(service, map) as { spec: { ports: object[] } }).spec.ports[0]).not.toHaveProperty('nodePort');
  const mysql = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'mysql', namespace: 'luffy' },
    spec: { template: { spec: { volumes: [{ name: 'data', hostPath: { path: '/opt/mysql/data/' } }, { name: 'tmp', emptyDir: {} }] } } },
  } as KubernetesObject;
  expect(mapObject(mysql, map)).toMatchObject({ spec: { template: { spec: { volumes: [{ hostPath: { path: '/opt/mysql/data-gabc123' } }, { emptyDir: {} }] } } } });
  expect(map.unmap('mkdir /opt/mysql/data-gabc123: denied')).toBe('mkdir /opt/mysql/data/: denied');
  const namespace = mapObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'luffy' } }, map);
  expect(namespace.metadata).toEqual({ name: 'gabc123-luffy', labels: { 'course-harness/test': 'true', 'course-harness/grade': 'abc123' } });
});

test('mapObject: an HTTPRoute, a Gateway and a ReferenceGrant get the namespaces they refer to and the slot\'s GatewayClass; hostnames as written', () => {
  const map = new GradeMap('abc123');
  const route = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'bookstore', namespace: 'default' },
    spec: { parentRefs: [{ name: 'course', namespace: 'luffy' }], hostnames: ['bookstore.luffy.com'], rules: [{ backendRefs: [{ name: 'reviews', namespace: 'luffy', port: 9080 }] }] },
  } as KubernetesObject;
  expect(mapObject(route, map)).toMatchObject({
    metadata: { namespace: 'gabc123-default' },
    spec: { parentRefs: [{ name: 'course', namespace: 'gabc123-luffy' }], hostnames: ['bookstore.luffy.com'], rules: [{ backendRefs: [{ name: 'reviews', namespace: 'gabc123-luffy', port: 9080 }] }] },
  });
  const gateway = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'course', namespace: 'luffy' },
    spec: { gatewayClassName: 'traefik', listeners: [{ name: 'http', hostname: '*.luffy.com' }, { name: 'https', hostname: 'myblog.luffy.com', tls: { certificateRefs: [{ name: 'tls-myblog', namespace: 'luffy' }] } }] },
  } as KubernetesObject;
  expect(mapObject(gateway, map)).toMatchObject({
    metadata: { namespace: 'gabc123-luffy' },
    spec: { gatewayClassName: 'gabc123', listeners: [{ hostname: '*.luffy.com' }, { hostname: 'myblog.luffy.com', tls: { certificateRefs: [{ name: 'tls-myblog', namespace: 'gabc123-luffy' }] } }] },
  });
  const grant = { apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', metadata: { name: 'from-default', namespace: 'luffy' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'default' }], to: [{ group: '', kind: 'Service' }] } } as KubernetesObject;
  expect(mapObject(grant, map)).toMatchObject({ metadata: { namespace: 'gabc123-luffy' }, spec: { from: [{ namespace: 'gabc123-default' }] } });
});

test('readSubmission: objects sorted into the reference labs wherever their files are; the rest, broken files and kinds not allowed apart; pods on the host network named', () => {
  const dir = tempDir('submission-');
  mkdirSync(join(dir, 'nested'));
  writeFileSync(join(dir, 'all.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: luffy\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: mysql\n  namespace: luffy\nspec: {}\n');
  writeFileSync(
    join(dir, 'nested', 'extra.yml'),
    [
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes',
      'apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv',
      'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: mine',
      'apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata:\n  name: hook',
      'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: mysql\n  namespace: luffy\nspec:\n  template:\n    spec:\n      hostNetwork: true\n      containers: []',
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    ports:\n    - containerPort: 80\n      hostPort: 8088',
    ].join('\n---\n'),
  );
  writeFileSync(join(dir, 'broken.yaml'), 'kind: Service\n  metadata: x\n');
  writeFileSync(join(dir, 'notes.yaml'), 'just: text\n');
  const { labs, refused, hostNetwork } = readSubmission(dir, loadLabs(), new GradeMap('abc123'));
  const names = (prefix: string) => labs.find((l) => l.name.startsWith(prefix))!.objects.map((o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`);
  expect(names('01-')).toEqual(['Namespace//gabc123-luffy']);
  expect(names('30-')).toEqual(['Service/gabc123-luffy/mysql']);
  expect(names('20-')).toEqual(['Deployment/gabc123-luffy/mysql']);
  expect(names('other')).toEqual(['ConfigMap/gabc123-default/notes', 'Pod/gabc123-default/web']);
  expect(refused).toEqual(['PersistentVolume/pv', 'GatewayClass/mine', 'ValidatingWebhookConfiguration/hook']);
  expect(hostNetwork).toEqual(['Deployment/mysql', 'Pod/web']);
});

test('recordedHostPaths: the renamed folders of a grading and of a class, and nothing the renaming did not name', () => {
  const dir = tempDir('state-');
  writeFileSync(join(dir, 'grade-state.json'), JSON.stringify({ id: 'a1b2c3', errors: {}, hostPaths: ['/opt/mysql/data-ga1b2c3'] }));
  mkdirSync(join(dir, 'students', 'bob'), { recursive: true });
  mkdirSync(join(dir, 'students', 'carol'), { recursive: true });
  writeFileSync(join(dir, 'students', 'bob', 'grade-state.json'), JSON.stringify({ id: 'd4e5f6', errors: {}, hostPaths: ['/data/db-gd4e5f6', '/', '/opt/mysql'] }));
  expect(recordedHostPaths(dir)).toEqual(['/opt/mysql/data-ga1b2c3', '/data/db-gd4e5f6']);
  expect(recordedHostPaths(join(dir, 'nothing-here'))).toEqual([]);
});
