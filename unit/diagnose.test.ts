import { expect, test } from '@playwright/test';
import type { CoreV1Event, V1Ingress, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import { captureGroups, ingressRouteCauses, matchingRoutes, podCauses, rewriteCauses, serviceCauses, tlsCauses } from '../scripts/lib/diagnose.ts';
import { selfSignedCertificate } from '../scripts/lib/tls.ts';

const pod = (labels: Record<string, string>, port = 8002): V1Pod => ({ metadata: { labels }, spec: { containers: [{ name: 'c', ports: [{ containerPort: port }] }] } });
const service = (selector: Record<string, string>, targetPort: number | string): V1Service => ({
  metadata: { name: 'myblog' },
  spec: { selector, ports: [{ port: 80, targetPort: targetPort as never }] },
});
const ingress = (host: string, path = '/', annotations: Record<string, string> = {}, tls?: string): V1Ingress => ({
  metadata: { name: 'ing', annotations },
  spec: {
    rules: [{ host, http: { paths: [{ path, pathType: 'Prefix', backend: { service: { name: 's', port: { number: 80 } } } }] } }],
    ...(tls ? { tls: [{ hosts: [host], secretName: tls }] } : {}),
  },
});

test('Service: a selector that matches no pod, named with what the pods have', () => {
  expect(serviceCauses(service({ app: 'myblg' }, 8002), [pod({ app: 'myblog' })])).toEqual(['Service myblog selects app=myblg: no pod matches (pods have app=myblog)']);
});

test('Service: a targetPort the container does not listen on', () => {
  expect(serviceCauses(service({ app: 'myblog' }, 8000), [pod({ app: 'myblog' })])).toEqual(['Service myblog targetPort 8000 but the container listens on 8002']);
  expect(serviceCauses(service({ app: 'myblog' }, 'http'), [pod({ app: 'myblog' })])).toEqual(['Service myblog targetPort "http" names no container port of the selected pods']);
});

test('Service: a correct one has no causes', () => {
  expect(serviceCauses(service({ app: 'myblog' }, 8002), [pod({ app: 'myblog' }), pod({ app: 'mysql' }, 3306)])).toEqual([]);
});

test('Ingress: a host typo is named with the rules that exist; wildcards cover one label; paths by type', () => {
  expect(ingressRouteCauses([ingress('myblog.lufy.com')], 'myblog.luffy.com', '/blog/index/')).toEqual([
    'no Ingress rule routes myblog.luffy.com/blog/index/ (the rules are myblog.lufy.com/)',
  ]);
  expect(ingressRouteCauses([ingress('myblog.luffy.com')], 'myblog.luffy.com', '/blog/index/')).toEqual([]);
  expect(ingressRouteCauses([ingress('*.luffy.com')], 'myblog.luffy.com', '/')).toEqual([]);
  expect(ingressRouteCauses([ingress('*.luffy.com')], 'a.b.luffy.com', '/')).toHaveLength(1);
  expect(ingressRouteCauses([ingress('b.luffy.com', '/details')], 'b.luffy.com', '/details/0')).toEqual([]);
  expect(ingressRouteCauses([ingress('b.luffy.com', '/details')], 'b.luffy.com', '/detailsx')).toHaveLength(1);
  const regex: V1Ingress = { metadata: { name: 'r' }, spec: { rules: [{ host: 'b.luffy.com', http: { paths: [{ path: '/api/reviews/(.*)', pathType: 'ImplementationSpecific', backend: {} }] } }] } };
  expect(ingressRouteCauses([regex], 'b.luffy.com', '/api/reviews/0')).toEqual([]);
  expect(ingressRouteCauses([regex], 'b.luffy.com', '/api/details/0')).toHaveLength(1);
  expect(ingressRouteCauses([], 'b.luffy.com', '/')).toEqual(['no Ingress rule routes b.luffy.com/ (there is no Ingress)']);
});

test('rewrite-target with $1 but no capture group', () => {
  expect(rewriteCauses(ingress('b.luffy.com', '/api/reviews', { 'nginx.ingress.kubernetes.io/rewrite-target': '/reviews/$1' }))).toEqual([
    'Ingress ing: rewrite-target /reviews/$1 uses $1 but path /api/reviews has no capture group',
  ]);
  expect(rewriteCauses(ingress('b.luffy.com', '/api/reviews/(.*)', { 'nginx.ingress.kubernetes.io/rewrite-target': '/reviews/$1' }))).toEqual([]);
});

test('TLS secret for another host, or with a key that is not its certificate\'s', async () => {
  const other = await selfSignedCertificate('blog.example.com');
  const ours = await selfSignedCertificate('*.luffy.com');
  const secret = (name: string, cert: string, key: string): V1Secret => ({ metadata: { name }, data: { 'tls.crt': Buffer.from(cert).toString('base64'), 'tls.key': Buffer.from(key).toString('base64') } });
  const ing = ingress('myblog.luffy.com', '/', {}, 'tls-myblog');
  expect(tlsCauses(ing, 'myblog.luffy.com', [secret('tls-myblog', other.cert, other.key)])).toEqual(['TLS secret tls-myblog is for blog.example.com, Ingress host is myblog.luffy.com']);
  expect(tlsCauses(ing, 'myblog.luffy.com', [secret('tls-myblog', ours.cert, ours.key)])).toEqual([]);
  expect(tlsCauses(ing, 'myblog.luffy.com', [secret('tls-myblog', ours.cert, other.key)])).toEqual(['TLS secret tls-myblog: tls.key is not the key of the certificate in tls.crt']);
  expect(tlsCauses(ing, 'myblog.luffy.com', [])).toEqual(['TLS secret tls-myblog does not exist']);
});

test('captureGroups: what a rewrite-target can refer to', () => {
  expect(captureGroups('/api/reviews')).toBe(0);
  expect(captureGroups('/api/reviews/(.*)')).toBe(1);
  expect(captureGroups('/(api|v1)/(.*)')).toBe(2);
  expect(captureGroups('/api(?:/v1)?/(.*)')).toBe(1);
  expect(captureGroups('/(?<rest>.*)')).toBe(1);
  expect(captureGroups('/x\\(y\\)/[(]/(.*)')).toBe(1);
  expect(rewriteCauses(ingress('b.luffy.com', '/api/(.*)', { 'nginx.ingress.kubernetes.io/rewrite-target': '/$1/$2' }))).toEqual([
    'Ingress ing: rewrite-target /$1/$2 uses $2 but path /api/(.*) has only 1 capture group',
  ]);
});

test('matchingRoutes: the Ingresses and backends of the rules that route host + path', () => {
  const a = ingress('b.luffy.com', '/details');
  const b = ingress('b.luffy.com', '/reviews');
  expect(matchingRoutes([a, b], 'b.luffy.com', '/details/0')).toEqual([{ ingress: a, service: 's' }]);
  expect(matchingRoutes([a, b], 'x.luffy.com', '/details/0')).toEqual([]);
});

test('podCauses: why each pod is not Ready, from its container state and warning events; Ready pods say nothing', () => {
  const ready: V1Pod = { metadata: { name: 'ok' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
  const config: V1Pod = {
    metadata: { name: 'myblog-1' },
    status: { phase: 'Pending', containerStatuses: [{ name: 'myblog', image: 'i', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'couldn\'t find key MYSQL_HOST in ConfigMap luffy/myblog' } } }] },
  };
  const probe: V1Pod = { metadata: { name: 'myblog-2' }, status: { phase: 'Running', containerStatuses: [{ name: 'myblog', image: 'i', imageID: '', ready: false, restartCount: 2, state: { running: {} }, lastState: { terminated: { exitCode: 137, reason: 'Error' } } }] } };
  const events: CoreV1Event[] = [
    { metadata: {}, involvedObject: { name: 'myblog-2' }, type: 'Warning', reason: 'Unhealthy', message: 'Readiness probe failed: connection refused' },
    { metadata: {}, involvedObject: { name: 'myblog-2' }, type: 'Normal', reason: 'Pulled', message: 'pulled' },
  ];
  expect(podCauses([ready, config, probe], events)).toEqual([
    "pod myblog-1 not Ready (myblog CreateContainerConfigError: couldn't find key MYSQL_HOST in ConfigMap luffy/myblog)",
    'pod myblog-2 not Ready (myblog last exited 137 (Error); Unhealthy: Readiness probe failed: connection refused)',
  ]);
});
