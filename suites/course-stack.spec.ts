// The course's myblog stack, deployed from manifests/ in the course's order,
// then reached the ways the course reaches it: through the Ingress (HTTP and
// HTTPS with SNI), the NodePort, and the bookstore's multi-path and rewrite.
import { DiscoveryV1Api } from '@kubernetes/client-node';
import { evidenceOnFailure, expect, test } from '../fixtures/cluster.ts';
import { get, peerCertificate, transcriptLine, untilConsecutive, type Exchange } from '../fixtures/http.ts';
import { PORTS } from '../scripts/lib/kind-config.ts';
import { isReady, rolledOut, type DeploymentLike } from '../scripts/lib/kube.ts';

test.describe.configure({ mode: 'serial' });

evidenceOnFailure('luffy', 'default');

const blogList = (e: Exchange) => e.status === 200 && e.body.includes('我的博客列表');

async function attach(testInfo: { attach: (name: string, o: { body: string; contentType: string }) => Promise<void> }, transcript: Exchange[]) {
  await testInfo.attach('http-transcript.txt', { body: transcript.map(transcriptLine).join('\n'), contentType: 'text/plain' });
}

test('every lab applies in order and its workloads become ready (migrate run in the myblog pod, as the course does)', async ({ cluster, courseStack }) => {
  // courseStack applied the labs and waited for them; this states the result.
  for (const [namespace, names] of [['luffy', ['mysql', 'myblog']], ['default', ['details', 'reviews']]] as const) {
    const deployments = (await cluster.apps.listNamespacedDeployment({ namespace })).items;
    for (const name of names) {
      const d = deployments.find((x) => x.metadata?.name === name);
      expect(d && rolledOut(d as DeploymentLike), `${namespace}/${name} rolled out: ${JSON.stringify(d?.status)}`).toBe(true);
    }
  }
});

test('Ingress: Host myblog.luffy.com on 127.0.0.1:80 serves the blog list from myblog v1', async ({}, testInfo) => {
  const transcript = await untilConsecutive(() => get(PORTS.http, 'myblog.luffy.com', '/blog/index/'), blogList, 'myblog.luffy.com over HTTP');
  await attach(testInfo, transcript);
  const last = transcript[transcript.length - 1];
  expect(last.pod, 'X-Pod-Name names the myblog pod').toMatch(/^myblog-/);
  const unknown = await get(PORTS.http, 'nothing.luffy.com', '/blog/index/');
  expect(unknown.status, 'a host no Ingress names is not routed').toBe(404);
});

test('TLS: SNI myblog.luffy.com gets the certificate generated for *.luffy.com, and HTTPS serves the blog list', async ({}, testInfo) => {
  const cert = await peerCertificate(PORTS.https, 'myblog.luffy.com');
  expect(cert.subject.CN).toBe('*.luffy.com');
  expect(cert.subject.O).toBe('ingress-nginx');
  expect(cert.subjectaltname).toContain('DNS:*.luffy.com');
  const transcript = await untilConsecutive(() => get(PORTS.https, 'myblog.luffy.com', '/blog/index/', 'https'), blogList, 'myblog.luffy.com over HTTPS');
  await attach(testInfo, transcript);
  const other = await peerCertificate(PORTS.https, 'elsewhere.example');
  expect(other.subject.CN, 'another SNI name does not get the course certificate').not.toBe('*.luffy.com');
});

test('NodePort: myblog-np answers on 127.0.0.1:30080, and on every node address in the kind network', async ({ cluster }, testInfo) => {
  const transcript = await untilConsecutive(() => get(PORTS.nodePort, '127.0.0.1', '/blog/index/'), blogList, 'NodePort 30080');
  for (const node of (await cluster.core.listNode()).items) {
    const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    expect(ip, `${node.metadata?.name} InternalIP`).toBeTruthy();
    transcript.push(...(await untilConsecutive(() => get(PORTS.nodePort, '127.0.0.1', '/blog/index/', 'http', ip), blogList, `NodePort on ${node.metadata?.name} (${ip})`)));
  }
  await attach(testInfo, transcript);
});

test('bookstore multi-path: /details/0 and /reviews/0 reach details and reviews with the path unchanged', async ({}, testInfo) => {
  for (const service of ['details', 'reviews']) {
    const transcript = await untilConsecutive(
      () => get(PORTS.http, 'bookstore.luffy.com', `/${service}/0`),
      (e) => e.status === 200 && e.pod?.startsWith(`${service}-`) === true,
      `bookstore.luffy.com/${service}/0`,
    );
    await attach(testInfo, transcript);
    expect(JSON.parse(transcript[transcript.length - 1].body)).toMatchObject({ path: `/${service}/0` });
  }
});

test('rewrite: /api/reviews/0 reaches reviews as /reviews/0, deeper segments keep the capture group', async ({}, testInfo) => {
  for (const [sent, received] of [
    ['/api/reviews/0', '/reviews/0'],
    ['/api/reviews/7', '/reviews/7'],
  ]) {
    const transcript = await untilConsecutive(
      () => get(PORTS.http, 'bookstore.luffy.com', sent),
      (e) => e.status === 200 && e.pod?.startsWith('reviews-') === true,
      `bookstore.luffy.com${sent}`,
    );
    await attach(testInfo, transcript);
    expect(JSON.parse(transcript[transcript.length - 1].body), `${sent} arrives as ${received}`).toMatchObject({ path: received });
  }
  const deeper = await get(PORTS.http, 'bookstore.luffy.com', '/api/reviews/0/extra');
  expect(deeper.status, 'the stand-in answers 404 for a non-numeric id, but says what it received').toBe(404);
  expect(JSON.parse(deeper.body)).toMatchObject({ path: '/reviews/0/extra' });
  const outside = await get(PORTS.http, 'bookstore.luffy.com', '/api/details/0');
  expect(outside.pod, 'a path outside the regex reaches no backend').toBeUndefined();
  expect(outside.status).toBe(404);
});

test("ClusterIP: myblog's endpoints are exactly its Ready pods", async ({ cluster }) => {
  const pods = (await cluster.core.listNamespacedPod({ namespace: 'luffy', labelSelector: 'app=myblog' })).items;
  const ready = pods.filter(isReady).map((p) => p.metadata!.name!).sort();
  const slices = await cluster.kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: 'luffy', labelSelector: 'kubernetes.io/service-name=myblog' });
  const endpoints = slices.items.flatMap((s) => s.endpoints).filter((e) => e.conditions?.ready).map((e) => e.targetRef?.name ?? '?').sort();
  expect(ready).toHaveLength(2);
  expect(endpoints).toEqual(ready);
});
