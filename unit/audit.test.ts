import { writeFileSync } from 'node:fs';
import { tempDir } from './temp.ts';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { auditPath, auditText, formatFinding, missingObjects, redactSecrets } from '../lib/grading/audit.ts';
import { loadLabs, MANIFESTS } from '../lib/course/labs.ts';

const SEED = join(import.meta.dirname, 'fixtures/seed-manifests');

test("the seed's own manifests: the known problems are reported, with file and line", () => {
  const lines = auditPath(SEED).map(formatFinding);
  const has = (pattern: RegExp) => expect(lines.some((l) => pattern.test(l)), String(pattern)).toBe(true);
  has(/44-ingress-nginx-mandatory\.yaml:\d+: ClusterRole\/nginx-ingress-clusterrole: rbac\.authorization\.k8s\.io\/v1beta1 ClusterRole was removed in Kubernetes 1\.22; use rbac\.authorization\.k8s\.io\/v1/);
  has(/42-ingress-bookstore-reviews-rewrite\.yaml:13: .*regex path \/api\/reviews\/\(\.\*\) under pathType Prefix .* use pathType: ImplementationSpecific/);
  has(/34-ingress-myblog\.yaml:\d+: Ingress\/myblog: no ingressClassName/);
  has(/36-ingress-myblog-annotations\.yaml:10: .*nginx\.org\/client-max-body-size belongs to the NGINX Inc\. controller/);
  has(/18-mysql-with-config\.yaml:\d+: Pod\/mysql: MYSQL_USER is root \(from Secret myblog key MYSQL_USER\); the mysql image refuses it/);
  expect(lines.filter((l) => l.includes('v1beta1'))).toHaveLength(4);
});

test('the harness manifests/: no findings', () => {
  expect(auditPath(MANIFESTS).map(formatFinding)).toEqual([]);
});

test('a YAML error is one finding on its line, in the right document', () => {
  const text = 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: b\n   labels: x\n';
  const findings = auditText(text, 'lab.yaml');
  expect(findings).toHaveLength(1);
  expect(findings[0].line).toBe(10);
  expect(formatFinding(findings[0])).toMatch(/^lab\.yaml:10: YAML error: /);
});

test('rewrite-target with $1 but no capture group in any path', () => {
  const text = [
    'apiVersion: networking.k8s.io/v1',
    'kind: Ingress',
    'metadata:',
    '  name: r',
    '  annotations:',
    '    nginx.ingress.kubernetes.io/rewrite-target: /reviews/$1',
    'spec:',
    '  ingressClassName: nginx',
    '  rules:',
    '  - http:',
    '      paths:',
    '      - path: /api/reviews',
    '        pathType: Prefix',
  ].join('\n');
  expect(auditText(text, 'r.yaml').map(formatFinding)).toEqual(['r.yaml:6: Ingress/r: rewrite-target /reviews/$1 uses $1 but path /api/reviews has no capture group']);
  // $2 needs two groups: one is not enough, a non-capturing group does not count.
  const two = text.replace('/reviews/$1', '/$1/$2').replace('- path: /api/reviews', '- path: /api/(?:v1/)?(reviews/.*)').replace('pathType: Prefix', 'pathType: ImplementationSpecific');
  expect(auditText(two, 'r.yaml').map(formatFinding)).toEqual(['r.yaml:6: Ingress/r: rewrite-target /$1/$2 uses $2 but path /api/(?:v1/)?(reviews/.*) has only 1 capture group']);
});

test('removed API versions name the replacement; current ones pass', () => {
  const old = auditText('apiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: x\nspec:\n  ingressClassName: nginx\n', 'x.yaml');
  expect(old.map(formatFinding)).toEqual(['x.yaml:1: Ingress/x: extensions/v1beta1 Ingress was removed in Kubernetes 1.22; use networking.k8s.io/v1']);
  expect(auditText('apiVersion: batch/v1beta1\nkind: CronJob\nmetadata:\n  name: c\n', 'c.yaml')[0].message).toContain('use batch/v1');
  expect(auditText('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n', 'd.yaml')).toEqual([]);
});

test('a submitted folder: every reference object no file defines is one finding, wherever the files are', () => {
  const dir = tempDir('submission-');
  // The student put everything in one file, and forgot the NodePort Service and the rewrite Ingress.
  const all = loadLabs()
    .flatMap((l) => l.objects)
    .filter((o) => o.metadata?.name !== 'myblog-np' && `${o.kind}/${o.metadata?.name}` !== 'Ingress/bookstore-reviews');
  writeFileSync(join(dir, 'all.yaml'), all.map((o) => JSON.stringify(o)).join('\n---\n'));
  writeFileSync(join(dir, 'notes.yaml'), 'just: notes\n');
  expect(missingObjects(dir, loadLabs()).map(formatFinding)).toEqual([
    `${dir}: lab 30-services: Service/myblog-np is missing (no file in the folder defines it)`,
    `${dir}: lab 50-bookstore: Ingress/bookstore-reviews is missing (no file in the folder defines it)`,
  ]);
  expect(missingObjects(MANIFESTS, loadLabs())).toEqual([]);
});

test('the routing labs may be answered with Ingresses, with Gateway API objects, or both: only an answer given must be whole', () => {
  const write = (keep: (kind: string) => boolean) => {
    const dir = tempDir('submission-');
    const all = loadLabs().flatMap((l) => l.objects).filter((o) => keep(o.kind ?? ''));
    writeFileSync(join(dir, 'all.yaml'), all.map((o) => JSON.stringify(o)).join('\n---\n'));
    return dir;
  };
  const gatewayApi = (kind: string) => ['Gateway', 'HTTPRoute'].includes(kind);
  expect(missingObjects(write((k) => !gatewayApi(k)), loadLabs()), 'Ingresses only').toEqual([]);
  expect(missingObjects(write((k) => k !== 'Ingress'), loadLabs()), 'Gateway API only').toEqual([]);
  const partial = write((k) => k !== 'HTTPRoute');
  expect(missingObjects(partial, loadLabs()).map(formatFinding)).toEqual([
    `${partial}: lab 60-gateway-api: HTTPRoute/bookstore is missing (no file in the folder defines it)`,
    `${partial}: lab 60-gateway-api: HTTPRoute/myblog is missing (no file in the folder defines it)`,
    `${partial}: lab 60-gateway-api: HTTPRoute/bookstore-reviews is missing (no file in the folder defines it)`,
  ]);
  // Neither answer: both are missing, so lab 60 is not passed by a folder that answers nothing.
  const neither = write((k) => k !== 'Ingress' && !gatewayApi(k));
  const missing = missingObjects(neither, loadLabs()).map((f) => f.message);
  expect(missing.filter((m) => m.startsWith('lab 60-gateway-api:')).length, 'lab 60').toBeGreaterThan(0);
  expect(missing.filter((m) => /Ingress\/\S+ is missing/.test(m)).length, 'the Ingresses').toBeGreaterThan(0);
});

test("a submitted object in another namespace than the course's is a finding, not present", () => {
  const dir = tempDir('submission-');
  const all = loadLabs()
    .flatMap((l) => l.objects)
    .map((o) => (o.kind === 'Service' && o.metadata?.name === 'mysql' ? { ...o, metadata: { name: 'mysql' } } : o));
  writeFileSync(join(dir, 'all.yaml'), all.map((o) => JSON.stringify(o)).join('\n---\n'));
  expect(missingObjects(dir, loadLabs()).map(formatFinding)).toEqual([`${dir}: lab 30-services: Service/mysql is in namespace default (or none given); the course puts it in luffy`]);
});

test('redactSecrets: a message quoting a Secret value (plain or base64) shows neither', () => {
  const secrets = new Map([['db/MYSQL_PASSWD', 'hunter2-long'], ['db/MYSQL_USER', 'app']]);
  expect(redactSecrets(`Secret "db" is invalid: data[x]: Invalid value: "hunter2-long" (${Buffer.from('hunter2-long').toString('base64')})`, secrets)).toBe(
    'Secret "db" is invalid: data[x]: Invalid value: "<Secret value>" (<Secret value>)',
  );
  expect(redactSecrets('an app runs', secrets), 'values under 4 characters would blank ordinary words').toBe('an app runs');
});

test('a pull secret (kubernetes.io/dockerconfigjson) needs a login per registry: no key, not JSON, or no "auths" is a finding', () => {
  const secret = (data: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: regcred\ntype: kubernetes.io/dockerconfigjson\n${data}`;
  const b64 = (t: string) => Buffer.from(t).toString('base64');
  expect(auditText(secret(`data:\n  .dockerconfigjson: ${b64('{"auths":{"172.21.51.143:5000":{"auth":"eDp5"}}}')}\n`), 'a.yaml')).toEqual([]);
  expect(auditText(secret(`stringData:\n  .dockerconfigjson: '{"auths":{}}'\n`), 'a.yaml').map((f) => f.message)).toEqual(['Secret/regcred: .dockerconfigjson has no "auths": no registry to log in to']);
  expect(auditText(secret(`data:\n  .dockerconfigjson: ${b64('not json')}\n`), 'a.yaml').map((f) => f.message)).toEqual(['Secret/regcred: .dockerconfigjson is not JSON']);
  expect(auditText(secret('data: {}\n'), 'a.yaml').map((f) => f.message)).toEqual(['Secret/regcred: a kubernetes.io/dockerconfigjson Secret needs the key .dockerconfigjson']);
});
