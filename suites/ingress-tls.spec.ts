// Ingress TLS behaviour the course shows: a TLS host redirects plain HTTP to
// HTTPS with 308 unless the ssl-redirect annotations say "false"; on the
// Gateway edge the same redirect is an HTTPRoute's RequestRedirect.
import { CustomObjectsApi, NetworkingV1Api, type V1Ingress } from '@kubernetes/client-node';
import { expect, servesGatewayApi, test } from '../fixtures/cluster.ts';
import { get, post, transcriptLine, untilConsecutive, type Exchange } from '../lib/checks/http.ts';
import { GATEWAY_GROUP } from '../lib/cluster/gateway-api.ts';
import { echoPod, runPods } from '../lib/checks/pods.ts';
import { PORTS } from '../lib/cluster/kind-config.ts';
import { selfSignedCertificate } from '../lib/cluster/tls.ts';

// Each test a job of its own: Playwright gives a file's tests, and so their locks, to one job otherwise.
test.describe.configure({ mode: 'parallel' });

function tlsIngress(name: string, host: string, annotations: Record<string, string> = {}): V1Ingress {
  return {
    metadata: { name, annotations },
    spec: {
      ingressClassName: 'nginx',
      tls: [{ hosts: [host], secretName: 'tls' }],
      rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'echo', port: { number: 80 } } } }] } }],
    },
  };
}

// Runs when no other test does: its *.luffy.com certificate would make Traefik choose at random among wildcard certificates for other tests' hosts
// (the proxy-body-size check below, plain HTTP, runs with the others).
test('a TLS host redirects plain HTTP with 308 to https; with ssl-redirect and force-ssl-redirect "false" it serves HTTP; where the cluster serves the Gateway API, a Gateway RequestRedirect answers alike', { lock: '-exclusive-' }, async ({ cluster, ns, courseStack }, testInfo) => {
  void courseStack; // the course's Gateway (lab 60)
  const { cert, key } = await selfSignedCertificate('*.luffy.com');
  await cluster.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'tls' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': cert, 'tls.key': key } } });
  await cluster.core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 8080 }] } } });
  await runPods(cluster, ns, [echoPod('echo-0', { app: 'echo' })]);
  const networking = cluster.kc.makeApiClient(NetworkingV1Api);
  const redirecting = `redirect-${ns}.luffy.com`;
  const plain = `plain-${ns}.luffy.com`;
  await networking.createNamespacedIngress({ namespace: ns, body: tlsIngress('redirect', redirecting) });
  await networking.createNamespacedIngress({
    namespace: ns,
    body: tlsIngress('plain', plain, { 'nginx.ingress.kubernetes.io/ssl-redirect': 'false', 'nginx.ingress.kubernetes.io/force-ssl-redirect': 'false' }),
  });

  const redirects = await untilConsecutive(
    () => get(PORTS.http, redirecting, '/some/path'),
    (e) => e.status === 308 && e.location === `https://${redirecting}/some/path`,
    `HTTP to ${redirecting} redirected with 308`,
  );
  const served = await untilConsecutive(() => get(PORTS.http, plain, '/some/path'), (e) => e.status === 200 && e.pod === 'echo-0', `HTTP to ${plain} served`);
  const secure = await untilConsecutive(
    () => get(PORTS.https, redirecting, '/some/path', 'https'),
    (e) => e.status === 200 && e.pod === 'echo-0',
    `HTTPS to ${redirecting} served`,
  );
  expect(JSON.parse(secure[secure.length - 1].body)).toMatchObject({ host: redirecting, path: '/some/path' });

  // The same redirect on the Gateway edge: a listener never redirects by itself; an HTTPRoute on the HTTP
  // listener with a RequestRedirect filter (scheme https, 308) must answer as the Ingress does.
  const gateway: Exchange[] = [];
  if (servesGatewayApi(cluster)) {
    await cluster.kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
      ...GATEWAY_GROUP,
      namespace: ns,
      plural: 'httproutes',
      body: {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: { name: 'redirect' },
        spec: {
          parentRefs: [{ name: 'course', namespace: 'luffy', sectionName: 'http' }],
          hostnames: [redirecting],
          rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 308 } }] }],
        },
      },
    });
    gateway.push(
      ...(await untilConsecutive(
        () => get(PORTS.gatewayHttp, redirecting, '/some/path'),
        (e) => e.status === 308 && e.location === `https://${redirecting}/some/path`,
        `HTTP to ${redirecting} through the Gateway redirected with 308`,
      )),
    );
    testInfo.annotations.push({ type: 'edge', description: `Gateway: 308 to https://${redirecting}/some/path, as the Ingress` });
  } else testInfo.annotations.push({ type: 'edge', description: `Gateway: not applicable (ingress ${cluster.record?.ingress} serves no Gateway API)` });
  testInfo.annotations.push({ type: 'edge', description: `Ingress: 308 to https://${redirecting}/some/path; with the annotations "false", served` });
  await testInfo.attach('http-transcript.txt', { body: [...redirects, ...served, ...secure, ...gateway].map(transcriptLine).join('\n'), contentType: 'text/plain' });
});

test('proxy-body-size: a 5 MiB POST passes under proxy-body-size 1000m (the course value) and is refused with 413 under 1m', async ({ cluster, ns }, testInfo) => {
  await cluster.core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 8080 }] } } });
  await runPods(cluster, ns, [echoPod('echo-0', { app: 'echo' })]);
  const networking = cluster.kc.makeApiClient(NetworkingV1Api);
  const ingress = (name: string, host: string, size: string): V1Ingress => ({
    metadata: { name, annotations: { 'nginx.ingress.kubernetes.io/proxy-body-size': size } },
    spec: { ingressClassName: 'nginx', rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'echo', port: { number: 80 } } } }] } }] },
  });
  const large = `large-${ns}.luffy.com`;
  const small = `small-${ns}.luffy.com`;
  await networking.createNamespacedIngress({ namespace: ns, body: ingress('large', large, '1000m') });
  await networking.createNamespacedIngress({ namespace: ns, body: ingress('small', small, '1m') });
  const size = 5 * 1024 * 1024;
  await untilConsecutive(() => get(PORTS.http, large, '/'), (e) => e.status === 200, `${large} routed`);
  await untilConsecutive(() => get(PORTS.http, small, '/'), (e) => e.status === 200, `${small} routed`);
  const passed = await untilConsecutive(() => post(PORTS.http, large, '/upload', size), (e) => e.status === 200, `5 MiB POST to ${large}`);
  expect(JSON.parse(passed[passed.length - 1].body)).toMatchObject({ method: 'POST', path: '/upload', bodyBytes: size });
  const refused = await untilConsecutive(() => post(PORTS.http, small, '/upload', size), (e) => e.status === 413, `5 MiB POST to ${small} refused`);
  await testInfo.attach('http-transcript.txt', { body: [...passed, ...refused].map(transcriptLine).join('\n'), contentType: 'text/plain' });
});
