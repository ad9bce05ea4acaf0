import { mkdirSync, writeFileSync } from 'node:fs';
import { tempDir } from './temp.ts';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { KubernetesObject } from '@kubernetes/client-node';
import { loadLabs } from '../scripts/lib/labs.ts';
import { GradeMap, gradeId, mapObject, readSubmission, recordedHostPaths } from '../scripts/lib/submission.ts';

test('GradeMap: namespaces and hosts get the run id, and messages get the original names back', () => {
  const map = new GradeMap('abc123');
  expect(map.namespace('luffy')).toBe('gabc123-luffy');
  expect(map.namespace()).toBe('gabc123-default');
  expect(map.host('myblog.luffy.com')).toBe('myblog-gabc123.luffy.com');
  expect(map.host('*.luffy.com')).toBe('*.luffy.com');
  expect(map.unmap('no Ingress rule routes myblog-gabc123.luffy.com/ in gabc123-luffy')).toBe('no Ingress rule routes myblog.luffy.com/ in luffy');
});

test('gradeId: the one npm test gives, else one derived from the folder', () => {
  expect(gradeId('/x', { HARNESS_GRADE_ID: 'f00d01' })).toBe('f00d01');
  expect(gradeId('/x', {})).toMatch(/^[0-9a-f]{6}$/);
  expect(gradeId('/x', {})).toBe(gradeId('/x', {}));
});

test('mapObject: namespace, Ingress hosts, TLS hosts and hostPath folders renamed, fixed nodePort dropped, the original untouched', () => {
  const map = new GradeMap('abc123');
  const ingress = {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: { name: 'myblog', namespace: 'luffy' },
    spec: { rules: [{ host: 'myblog.luffy.com' }], tls: [{ hosts: ['myblog.luffy.com'], secretName: 'tls-myblog' }] },
  } as KubernetesObject;
  expect(mapObject(ingress, map)).toMatchObject({
    metadata: { namespace: 'gabc123-luffy' },
    spec: { rules: [{ host: 'myblog-gabc123.luffy.com' }], tls: [{ hosts: ['myblog-gabc123.luffy.com'], secretName: 'tls-myblog' }] },
  });
  expect(ingress).toMatchObject({ metadata: { namespace: 'luffy' }, spec: { rules: [{ host: 'myblog.luffy.com' }] } });
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

test('mapObject: an HTTPRoute and a Gateway get their hostnames and the namespaces they refer to renamed', () => {
  const map = new GradeMap('abc123');
  const route = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'bookstore', namespace: 'default' },
    spec: { parentRefs: [{ name: 'course', namespace: 'luffy' }], hostnames: ['bookstore.luffy.com'], rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] },
  } as KubernetesObject;
  expect(mapObject(route, map)).toMatchObject({
    metadata: { namespace: 'gabc123-default' },
    spec: { parentRefs: [{ name: 'course', namespace: 'gabc123-luffy' }], hostnames: ['bookstore-gabc123.luffy.com'], rules: [{ backendRefs: [{ name: 'reviews', port: 9080 }] }] },
  });
  const gateway = {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'course', namespace: 'luffy' },
    spec: { listeners: [{ name: 'http', hostname: '*.luffy.com' }, { name: 'https', hostname: 'myblog.luffy.com', tls: { certificateRefs: [{ name: 'tls-myblog', namespace: 'luffy' }] } }] },
  } as KubernetesObject;
  expect(mapObject(gateway, map)).toMatchObject({
    metadata: { namespace: 'gabc123-luffy' },
    spec: { listeners: [{ hostname: '*.luffy.com' }, { hostname: 'myblog-gabc123.luffy.com', tls: { certificateRefs: [{ name: 'tls-myblog', namespace: 'gabc123-luffy' }] } }] },
  });
});

test('readSubmission: objects sorted into the reference labs wherever their files are; the rest, broken files and cluster-scoped objects apart', () => {
  const dir = tempDir('submission-');
  mkdirSync(join(dir, 'nested'));
  writeFileSync(join(dir, 'all.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: luffy\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: mysql\n  namespace: luffy\nspec: {}\n');
  writeFileSync(join(dir, 'nested', 'extra.yml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\n---\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: pv\n');
  writeFileSync(join(dir, 'broken.yaml'), 'kind: Service\n  metadata: x\n');
  writeFileSync(join(dir, 'notes.yaml'), 'just: text\n');
  const { labs, refused } = readSubmission(dir, loadLabs(), new GradeMap('abc123'));
  const names = (prefix: string) => labs.find((l) => l.name.startsWith(prefix))!.objects.map((o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`);
  expect(names('01-')).toEqual(['Namespace//gabc123-luffy']);
  expect(names('30-')).toEqual(['Service/gabc123-luffy/mysql']);
  expect(names('20-')).toEqual([]);
  expect(names('other')).toEqual(['ConfigMap/gabc123-default/notes']);
  expect(refused).toEqual(['PersistentVolume/pv']);
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
