// Negative controls: every check must be able to fail. The reference in
// suites/negative-controls/ passes every check; each broken variant (one
// object changed) must be rejected with a message naming the cause.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { expect, test } from '../fixtures/cluster.ts';
import { CheckFailure, expectIngressRoute, expectIngressTls, expectServiceServes } from '../fixtures/checks.ts';
import { echoPod, runPods } from '../fixtures/pods.ts';
import { RolloutStuck, rollOut } from '../fixtures/rollout.ts';
import { applyObjects, parseManifests } from '../scripts/lib/apply.ts';
import { waitForDeployments } from '../scripts/lib/labs.ts';
import { selfSignedCertificate } from '../scripts/lib/tls.ts';
import type { Cluster } from '../fixtures/cluster.ts';

const DIR = join(import.meta.dirname, 'negative-controls');
const load = (file: string, ns: string) => parseManifests(readFileSync(join(DIR, file), 'utf8').replaceAll('NS', ns), file);
const key = (o: KubernetesObject) => `${o.kind}/${o.metadata?.name}`;

/** The reference with the objects of `broken` (if any) in place of theirs, applied in ns with its TLS secret and a client pod. */
async function deploy(cluster: Cluster, ns: string, broken?: string, tlsFor = '*.luffy.com'): Promise<string> {
  const replacements = broken ? load(broken, ns) : [];
  const objects = load('reference.yaml', ns).map((o) => replacements.find((r) => key(r) === key(o)) ?? o);
  const { cert, key: tlsKey } = await selfSignedCertificate(tlsFor);
  await cluster.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'tls-web' }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': cert, 'tls.key': tlsKey } } });
  await applyObjects(cluster.kc, objects, ns);
  await waitForDeployments(cluster.kc, ns, ['web'], 120_000);
  await runPods(cluster, ns, [echoPod('client', { role: 'client' })]);
  return `negative-${ns}.luffy.com`;
}

async function rejection(check: Promise<unknown>): Promise<string> {
  const error = await check.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the check must reject the broken variant').toBeInstanceOf(CheckFailure);
  return (error as Error).message;
}

test('reference: the Service serves, the host and the rewrite route, TLS is for the host', async ({ cluster, ns }) => {
  const host = await deploy(cluster, ns);
  await expectServiceServes(cluster, ns, 'web');
  await expectIngressRoute(cluster, ns, host, '/hello');
  await expectIngressRoute(cluster, ns, host, '/api/items/7', { received: '/items/7' });
  await expectIngressTls(cluster, ns, host);
});

test('broken: Service selector matching no pod -> "selects app=wbe: no pod matches"', async ({ cluster, ns }) => {
  await deploy(cluster, ns, 'service-selector-typo.yaml');
  expect(await rejection(expectServiceServes(cluster, ns, 'web'))).toContain('Service web selects app=wbe: no pod matches (pods have');
});

test('broken: wrong targetPort -> "targetPort 8000 but the container listens on 8080"', async ({ cluster, ns }) => {
  await deploy(cluster, ns, 'service-wrong-targetport.yaml');
  expect(await rejection(expectServiceServes(cluster, ns, 'web'))).toContain('Service web targetPort 8000 but the container listens on 8080');
});

test('broken: Ingress host typo -> "no Ingress rule routes" the host, listing the typo', async ({ cluster, ns }) => {
  const host = await deploy(cluster, ns, 'ingress-host-typo.yaml');
  const message = await rejection(expectIngressRoute(cluster, ns, host, '/hello'));
  expect(message).toContain(`http://${host}/hello is not routed: no Ingress rule routes ${host}/hello (the rules are `);
  expect(message).toContain(`negative-${ns}.lufy.com/`);
});

test('broken: rewrite without a capture group -> "rewrite-target uses $1 but the path has no capture group"', async ({ cluster, ns }) => {
  const host = await deploy(cluster, ns, 'rewrite-no-capture.yaml');
  expect(await rejection(expectIngressRoute(cluster, ns, host, '/api/items/7', { received: '/items/7' }))).toContain('Ingress web-api: rewrite-target uses $1 but the path has no capture group (/api)');
});

test('broken: TLS secret for another host -> "TLS secret tls-web is for blog.example.com"', async ({ cluster, ns }) => {
  const host = await deploy(cluster, ns, undefined, 'blog.example.com'); // a certificate is never committed: made here for the wrong host
  expect(await rejection(expectIngressTls(cluster, ns, host))).toContain(`TLS secret tls-web is for blog.example.com, Ingress host is ${host}`);
});

test('broken: readiness probe that never passes -> the rollout is reported stuck with the probe failure, old pods keep serving', async ({ cluster, ns }) => {
  await deploy(cluster, ns);
  const error = await rollOut(cluster.kc, ns, 'web', () => applyObjects(cluster.kc, load('deployment-readiness-never-passes.yaml', ns), ns)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the rollout check must reject the broken Deployment').toBeInstanceOf(RolloutStuck);
  const message = (error as Error).message;
  expect(message).toContain('deployment web: ProgressDeadlineExceeded');
  expect(message).toMatch(/not Ready \(Unhealthy: Readiness probe failed: .*:8081\/healthz.*connection refused/);
  await expectServiceServes(cluster, ns, 'web'); // maxUnavailable kept the old pod in service
});
