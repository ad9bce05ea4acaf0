// The course's myblog stack, deployed from manifests/ in the course's order,
// then reached the ways the course reaches it: through the Ingress (HTTP and
// HTTPS with SNI, the certificate being the Secret's), the NodePort, and the
// bookstore's multi-path and rewrite, each answer judged by status, the pod
// that answered, the path it received and its body; the same routes through
// the Gateway of lab 60 (Gateway API), side by side.
import { X509Certificate } from 'node:crypto';
import { DiscoveryV1Api } from '@kubernetes/client-node';
import { CheckFailure, NotJudged } from '../lib/checks/verdict.ts';
import { expectRouteOnEdges, GATEWAY, INGRESS, type EdgeVerdict } from '../lib/checks/routes.ts';
import { edges } from '../lib/config/expectations.ts';
import { evidenceOnFailure, expect, notJudged, runFacts, test } from '../fixtures/cluster.ts';
import { get, peerCertificate, transcriptLine, untilConsecutive, type Exchange } from '../lib/checks/http.ts';
import { BLOG_LIST, COURSE_ROUTES } from '../lib/course/routes.ts';
import { secretCertificate } from '../lib/checks/diagnose-ingress.ts';
import { PORTS } from '../lib/cluster/kind-config.ts';
import { isReady, rolledOut, type DeploymentLike } from '../lib/kube/kube.ts';

test.describe.configure({ mode: 'serial' });

evidenceOnFailure('luffy', 'default');

const blogList = (e: Exchange) => e.status === 200 && e.body.includes(BLOG_LIST) && !!e.pod?.startsWith('myblog-');

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

// The course's routes (lib/course/routes.ts), one case a test, through the Ingress and, where the
// controller serves Gateway API, through the Gateway of lab 60: status, answering pod, received path, body, certificate.
for (const route of COURSE_ROUTES) {
  test(`lab ${route.lab}: ${route.title}`, async ({ cluster, courseStack }, testInfo) => {
    void courseStack;
    // The edges this configuration has (lib/config/expectations.ts): the Ingress, and the Gateway on every harness cluster.
    const expected = edges(runFacts(cluster));
    const through = expected.value.map((name) => (name === 'Ingress' ? INGRESS : GATEWAY));
    if (!expected.value.includes('Gateway')) testInfo.annotations.push({ type: 'edge', description: `Gateway: not applicable (${expected.because})` });
    const annotate = (verdicts: EdgeVerdict[]) => verdicts.forEach((v) => testInfo.annotations.push({ type: 'edge', description: `${v.edge}: ${v.detail}` }));
    const verdicts = await expectRouteOnEdges(cluster, route.namespace, route, through).catch(async (err: unknown) => {
      if (err instanceof CheckFailure) {
        annotate(err.edges);
        await attach(testInfo, err.transcript);
      }
      if (err instanceof NotJudged) notJudged(err.reason);
      throw err;
    });
    annotate(verdicts);
    await attach(testInfo, verdicts.flatMap((v) => v.transcript));
  });
}

test('TLS: another SNI name does not get the course certificate', async ({ cluster, courseStack }) => {
  void courseStack;
  const course = secretCertificate(await cluster.core.readNamespacedSecret({ name: 'tls-myblog', namespace: 'luffy' })).cert!;
  const other = await peerCertificate(PORTS.https, 'elsewhere.example');
  expect(other.raw && new X509Certificate(other.raw).fingerprint256, 'another SNI name does not get the course certificate').not.toBe(course.fingerprint256);
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

test("ClusterIP: myblog's endpoints are exactly its Ready pods", async ({ cluster }) => {
  const pods = (await cluster.core.listNamespacedPod({ namespace: 'luffy', labelSelector: 'app=myblog' })).items;
  const ready = pods.filter(isReady).map((p) => p.metadata!.name!).sort();
  const slices = await cluster.kc.makeApiClient(DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: 'luffy', labelSelector: 'kubernetes.io/service-name=myblog' });
  const endpoints = slices.items.flatMap((s) => s.endpoints).filter((e) => e.conditions?.ready).map((e) => e.targetRef?.name ?? '?').sort();
  expect(ready).toHaveLength(2);
  expect(endpoints).toEqual(ready);
});
