// Negative controls: every check must be able to fail, on each of its two
// halves. The reference in suites/negative-controls/ passes every check.
// Each broken variant changes one object (adding what it needs): some the
// object diagnosis must reject before any request, others that look right to
// the diagnosis and must fail on the traffic itself (the status, the pod that
// answered, the path the backend received, the certificate presented, the
// ReplicaSets and pods seen during a rollout). Every message is asserted.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NetworkingV1Api, type CoreV1Event, type KubernetesObject } from '@kubernetes/client-node';
import { expect, servesGatewayApi, skipOrFail, test } from '../fixtures/cluster.ts';
import { applies, CONDITIONAL } from '../lib/config/applicability.ts';
import { CheckFailure } from '../lib/checks/verdict.ts';
import { expectIngressTls, expectRoute, GATEWAY } from '../lib/checks/routes.ts';
import { expectNodePortServes, expectServiceSelectsReady, expectServiceServes, workloadPods } from '../lib/checks/services.ts';
import { serviceCauses } from '../lib/checks/diagnose-ingress.ts';
import { echoPod, mysqlGreeting, runPods } from '../lib/checks/pods.ts';
import { expectRecreate, patchDeployment, RolloutStuck, rollOut } from '../lib/checks/rollout.ts';
import { applyObjects, parseManifests } from '../lib/kube/apply.ts';
import { waitFor, waitForServiceSlices } from '../lib/kube/kube.ts';
import type { RouteCase } from '../lib/checks/routes.ts';
import { waitForDeployments } from '../lib/course/labs.ts';
import { selfSignedCertificate } from '../lib/cluster/tls.ts';
import type { Cluster } from '../fixtures/cluster.ts';

// Each test in its own namespaces: they may run on several workers at once.
test.describe.configure({ mode: 'parallel' });

const DIR = join(import.meta.dirname, 'negative-controls');
const load = (file: string, ns: string) => parseManifests(readFileSync(join(DIR, file), 'utf8').replaceAll('NS', ns), file);
const key = (o: KubernetesObject) => `${o.kind}/${o.metadata?.name}`;
const hostOf = (ns: string) => `negative-${ns}.luffy.com`;

/** The reference's routes, as the checks are given them. */
const routes = (ns: string) => {
  const base = { host: hostOf(ns), backend: 'web' } as const;
  return {
    hello: { ...base, path: '/hello', scheme: 'http', received: '/hello' } satisfies RouteCase,
    rewrite: { ...base, path: '/api/items/7', scheme: 'http', received: '/items/7' } satisfies RouteCase,
    https: { ...base, path: '/hello', scheme: 'https', received: '/hello' } satisfies RouteCase,
  };
};

/** A TLS Secret made now (a certificate is never committed). */
async function tlsSecret(cluster: Cluster, ns: string, name: string, names: string | string[]): Promise<void> {
  const { cert, key: tlsKey } = await selfSignedCertificate(names);
  await cluster.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name }, type: 'kubernetes.io/tls', stringData: { 'tls.crt': cert, 'tls.key': tlsKey } } });
}

/**
 * The reference with the objects of `broken` (a file or files, if any) in
 * place of theirs, and the variant's other objects added; applied in ns with
 * the TLS secret tls-web for `tlsFor` (default: the test's host) and a
 * client pod.
 */
async function deploy(cluster: Cluster, ns: string, broken?: string | string[], tlsFor: string | string[] = hostOf(ns), { gateway = false } = {}): Promise<void> {
  const variant = [broken ?? []].flat().flatMap((file) => load(file, ns));
  const reference = [...load('reference.yaml', ns), ...(gateway ? load('gateway-reference.yaml', ns) : [])];
  const objects = [...reference.map((o) => variant.find((r) => key(r) === key(o)) ?? o), ...variant.filter((r) => !reference.some((o) => key(o) === key(r)))];
  await tlsSecret(cluster, ns, 'tls-web', tlsFor);
  await applyObjects(cluster.kc, objects, ns);
  const deployments = objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata!.name!);
  await waitForDeployments(cluster.kc, ns, deployments, 120_000);
  await runPods(cluster, ns, [echoPod('client', { role: 'client' })]);
}

async function rejection(check: Promise<unknown>): Promise<string> {
  const error = await check.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the check must reject the broken variant').toBeInstanceOf(CheckFailure);
  return (error as Error).message;
}

test('reference: the Service serves, the host and the rewrite route to web, TLS presents the Secret of the Ingress', async ({ cluster, ns }) => {
  await deploy(cluster, ns);
  const r = routes(ns);
  await expectServiceServes(cluster, ns, 'web');
  await expectRoute(cluster, ns, r.hello);
  await expectRoute(cluster, ns, r.rewrite);
  await expectRoute(cluster, ns, r.https);
});

test.describe('the Service check', () => {
  test('diagnosis: a selector matching no pod -> "selects app=wbe: no pod matches"', async ({ cluster, ns }) => {
    await deploy(cluster, ns, 'service-selector-typo.yaml');
    expect(await rejection(expectServiceServes(cluster, ns, 'web'))).toContain('Service web selects app=wbe: no pod matches (pods have');
  });

  test('diagnosis: a wrong targetPort -> "targetPort 8000 but the container declares port 8080"', async ({ cluster, ns }) => {
    await deploy(cluster, ns, 'service-wrong-targetport.yaml');
    expect(await rejection(expectServiceServes(cluster, ns, 'web'))).toContain('Service web targetPort 8000 but the container declares port 8080');
  });

  test('traffic decides: a Service whose pods serve its targetPort without declaring it (containerPort is informational) -> the diagnosis names it, the answers pass', async ({ cluster, ns }) => {
    await deploy(cluster, ns);
    // The echo server listens on 8080 and declares only 9999.
    const pod = echoPod('undeclared', { app: 'undeclared' });
    pod.spec!.containers[0].ports = [{ containerPort: 9999 }];
    await runPods(cluster, ns, [pod]);
    await applyObjects(cluster.kc, [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'undeclared' }, spec: { selector: { app: 'undeclared' }, ports: [{ port: 80, targetPort: 8080 }] } } as KubernetesObject], ns);
    const service = await cluster.core.readNamespacedService({ name: 'undeclared', namespace: ns });
    expect(serviceCauses(service, await workloadPods(cluster, ns))).toEqual(['Service undeclared targetPort 8080 but the container declares port 9999']);
    // The two rounds of five that passed: every answer from the pod, as the diagnosis did not expect.
    const answers = (await expectServiceServes(cluster, ns, 'undeclared')).slice(-10);
    expect(answers.map((a) => `${a.status} ${a.pod}`)).toEqual(Array(10).fill('200 undeclared'));
  });

  test('diagnosis: a Service that does not exist -> named with the Services that do', async ({ cluster, ns }) => {
    await deploy(cluster, ns);
    expect(await rejection(expectServiceServes(cluster, ns, 'wbe'))).toBe(`Service wbe does not serve: Service wbe does not exist in namespace ${ns} (Services there: web)`);
  });

  test('the MySQL Service check: diagnosis, a port clients do not use -> "has no port 3306"; traffic, port 3306 to a backend that is not MySQL -> "0 bytes came"', async ({ cluster, ns }) => {
    await deploy(cluster, ns);
    // Service mysql selecting the (Ready, HTTP) web pods: an HTTP server sends nothing on connect, a MySQL server its handshake.
    const mysql = (port: number): KubernetesObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'mysql' }, spec: { selector: { app: 'web' }, ports: [{ port, targetPort: 8080 }] } } as KubernetesObject);
    const check = () => expectServiceSelectsReady(cluster, ns, 'mysql', { port: 3306, greet: (host, port) => mysqlGreeting(cluster, ns, host, port) });
    await applyObjects(cluster.kc, [mysql(3307)], ns);
    // The answer decides, the diagnosis explains: nothing answers as MySQL on 3306 (what does answer there depends on the proxy mode and the network).
    expect(await rejection(check())).toMatch(/^Service mysql does not answer as MySQL on port 3306: Service mysql has no port 3306, which its clients connect to \(its ports: 3307\); mysql:3306: /);
    await cluster.core.deleteNamespacedService({ name: 'mysql', namespace: ns });
    await applyObjects(cluster.kc, [mysql(3306)], ns);
    // The check reads the EndpointSlices once: the new Service's must have its Ready endpoint first.
    await waitForServiceSlices(cluster.kc, ns, 'mysql', { what: "Service mysql's Ready endpoint", until: (items) => items.some((x) => x.endpoints?.some((e) => e.conditions?.ready)), timeoutMs: 30_000 });
    expect(await rejection(check())).toMatch(/^Service mysql does not answer as MySQL on port 3306: mysql:3306: connected, but 0 bytes came within 3s \(read tcp [\d.:]+->[\d.]+:3306: i\/o timeout\)$/);
  });

  test('root cause first: Service mysql whose pod never starts (a Secret key misspelt) -> the pod\'s CreateContainerConfigError and the event\'s message in full, before the symptom', async ({ cluster, ns }) => {
    await runPods(cluster, ns, [echoPod('client', { role: 'client' })]);
    await cluster.core.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'myblog' }, stringData: { MYSQL_PASSWD: 'not-the-course-password' } } });
    const pod = echoPod('mysql-0', { app: 'mysql' });
    pod.spec!.containers[0].env = [{ name: 'MYSQL_ROOT_PASSWORD', valueFrom: { secretKeyRef: { name: 'myblog', key: 'MYSQL_PASSWDX' } } }];
    await cluster.core.createNamespacedPod({ namespace: ns, body: pod });
    await applyObjects(cluster.kc, [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'mysql' }, spec: { selector: { app: 'mysql' }, ports: [{ port: 3306, targetPort: 8080 }] } } as KubernetesObject], ns);
    // The kubelet's event names the key; it comes within seconds of the pod's scheduling.
    await waitFor<CoreV1Event>({ kc: cluster.kc, path: `/api/v1/namespaces/${ns}/events`, what: 'the kubelet\'s Failed event for mysql-0', until: (items) => items.some((e) => e.involvedObject.name === 'mysql-0' && /couldn't find key/.test(e.message ?? '')), timeoutMs: 60_000 });
    expect(await rejection(expectServiceSelectsReady(cluster, ns, 'mysql', { port: 3306, greet: (host, port) => mysqlGreeting(cluster, ns, host, port) }))).toMatch(
      new RegExp(`^Service mysql does not answer as MySQL on port 3306: pod mysql-0: container echo CreateContainerConfigError: Error: couldn't find key MYSQL_PASSWDX in Secret ${ns}/myblog; Service mysql has no Ready endpoint`),
    );
  });

  test('the NodePort check: traffic, a NodePort Service the diagnosis accepts whose pods serve something else -> "answered HTTP 200 from pod web-… without"', async ({ cluster, ns }) => {
    await deploy(cluster, ns);
    await applyObjects(cluster.kc, [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-np' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } } as KubernetesObject], ns);
    expect(await rejection(expectNodePortServes(cluster, ns, 'web-np', { path: '/blog/index/', contains: '我的博客列表', podPrefix: 'web-' }))).toMatch(
      /^NodePort Service web-np does not serve on \S+ \([\d.]+\): answered HTTP 200 from pod web-[a-z0-9]+-[a-z0-9]+ without "我的博客列表"$/,
    );
  });

  test('traffic: a correct Service whose backend answers 500 -> "HTTP 500 from pod web-…"', async ({ cluster, ns }) => {
    await deploy(cluster, ns, 'backend-answers-500.yaml');
    expect(await rejection(expectServiceServes(cluster, ns, 'web'))).toMatch(/^Service web does not serve: 5 of 5 answers to GET http:\/\/web\/: HTTP 500 from pod web-[a-z0-9]+-[a-z0-9]+: "/);
  });
});

test('the upstream images\' contract: routes to backends that name no pod are judged by their answers, and still fail on a misroute, a wrong rewrite, a backend\'s 404', async ({ cluster, ns }) => {
  test.setTimeout(4 * 60_000);
  const objects = load('upstream-contract.yaml', ns);
  await applyObjects(cluster.kc, objects, ns);
  await waitForDeployments(cluster.kc, ns, ['details', 'reviews'], 120_000);
  const host = `upstream-${ns}.luffy.com`;
  const route = (path: string, c: Partial<RouteCase>): RouteCase => ({ host, path, scheme: 'http', ...c });
  // Routed right: reviews names its pod in its JSON, and the id it echoes is the path's.
  const transcript = await expectRoute(cluster, ns, route('/reviews/0', { backend: 'reviews', received: '/reviews/0', contains: '"reviews"' }));
  expect(transcript.at(-1)).toMatchObject({ status: 200, received: undefined, id: '0', pod: expect.stringMatching(/^reviews-/) });
  expect(await rejection(expectRoute(cluster, ns, route('/details/0', { backend: 'details', received: '/details/0', contains: '"author"' })))).toBe(`http://${host}/details/0 is not routed to Service details: answered HTTP 404 (no backend pod named itself)`);
  expect(await rejection(expectRoute(cluster, ns, route('/api/reviews/7', { backend: 'reviews', received: '/reviews/7', contains: '"reviews"' })))).toBe(`http://${host}/api/reviews/7 is not routed as expected: Service reviews answered for id 17, not for /reviews/7 (Ingress upstream-rewrite rewrites the path to /reviews/1$1)`);
  expect(await rejection(expectRoute(cluster, ns, route('/api/details/0', { status: 404 })))).toBe(
    `http://${host}/api/details/0 should reach no backend: answered HTTP 404 with a body that is not the Ingress edge's own 404 page: a backend answered (${JSON.stringify('{"error":"please provide numeric product id"}\n')})`,
  );
});

test.describe('the route check', () => {
  test('diagnosis: an Ingress host typo -> "no Ingress rule routes" the host, listing the typo', async ({ cluster, ns }) => {
    await deploy(cluster, ns, 'ingress-host-typo.yaml');
    const host = hostOf(ns);
    const message = await rejection(expectRoute(cluster, ns, routes(ns).hello));
    expect(message).toContain(`http://${host}/hello is not routed to Service web: no Ingress rule routes ${host}/hello (the rules are `);
    expect(message).toContain('; the answer: answered HTTP 404');
    expect(message).toContain(`negative-${ns}.lufy.com/`);
  });

  test('diagnosis: a rewrite without a capture group -> "uses $1 but path /api has no capture group"', async ({ cluster, ns }) => {
    await deploy(cluster, ns, 'rewrite-no-capture.yaml');
    expect(await rejection(expectRoute(cluster, ns, routes(ns).rewrite))).toContain('Ingress web-api: rewrite-target /$1 uses $1 but path /api has no capture group');
  });

  test('traffic: a rewrite that keeps its group but adds a segment -> "received /v2/items/7, not /items/7"', async ({ cluster, ns }) => {
    await deploy(cluster, ns, 'rewrite-wrong-target.yaml');
    expect(await rejection(expectRoute(cluster, ns, routes(ns).rewrite))).toBe(`http://${hostOf(ns)}/api/items/7 is not routed as expected: Service web received /v2/items/7, not /items/7 (Ingress web-api rewrites the path to /v2/$1)`);
  });

  test('traffic: an Ingress that sends the host to another Service -> "answered by pod other-… of Service other"', async ({ cluster, ns }) => {
    await deploy(cluster, ns, 'ingress-wrong-backend.yaml');
    expect(await rejection(expectRoute(cluster, ns, routes(ns).hello))).toMatch(
      new RegExp(`^http://${hostOf(ns).replaceAll('.', '\\.')}/hello is not routed to Service web: answered by pod other-[a-z0-9-]+ of Service other, not by a pod of Service web \\(web-[a-z0-9-]+\\): Ingress web sends it to Service other$`),
    );
  });
});

test.describe('the TLS check', () => {
  test('diagnosis: a TLS Secret for another host -> "TLS secret tls-web is for blog.example.com"', async ({ cluster, ns }) => {
    await deploy(cluster, ns, undefined, 'blog.example.com');
    expect(await rejection(expectIngressTls(cluster, ns, hostOf(ns)))).toContain(`TLS secret tls-web is for blog.example.com, Ingress host is ${hostOf(ns)}`);
  });

  test("traffic: the host's Secret covers it, but another namespace's Ingress claims the host with its own certificate -> that certificate is named", async ({ cluster, ns }) => {
    const host = hostOf(ns);
    // The other team's Ingress comes first: the oldest TLS claim on a host wins in ingress-nginx,
    // and an exact name beats the wildcard in Traefik, so both controllers present its certificate.
    const other = `${ns}-other`;
    await cluster.core.createNamespace({ body: { metadata: { name: other, labels: { 'course-harness/test': 'true' } } } });
    try {
      await tlsSecret(cluster, other, 'tls-claim', host);
      await runPods(cluster, other, [echoPod('claim', { app: 'claim' })]);
      await cluster.core.createNamespacedService({ namespace: other, body: { metadata: { name: 'claim' }, spec: { selector: { app: 'claim' }, ports: [{ port: 80, targetPort: 8080 }] } } });
      await cluster.kc.makeApiClient(NetworkingV1Api).createNamespacedIngress({
        namespace: other,
        body: {
          metadata: { name: 'claim' },
          spec: {
            ingressClassName: 'nginx',
            tls: [{ hosts: [host], secretName: 'tls-claim' }],
            rules: [{ host, http: { paths: [{ path: '/claim', pathType: 'Prefix', backend: { service: { name: 'claim', port: { number: 80 } } } }] } }],
          },
        },
      });
      await deploy(cluster, ns, undefined, '*.luffy.com');
      const message = await rejection(expectRoute(cluster, ns, routes(ns).https));
      // Every certificate seen is named with where it came from, and how often: here the claim's, every time.
      const h = host.replaceAll('.', '\\.');
      expect(message).toMatch(
        new RegExp(
          `^TLS for ${h} is wrong: SNI ${h} did not get the certificate in Secret tls-web that Ingress web names \\(SHA-256 [0-9A-F:]+…\\) three handshakes in a row; it got the certificate of Secret ${other}/tls-claim, which Ingress ${other}/claim names for ${h}, for ${h} \\(SHA-256 [0-9A-F:]+…; (\\d+) of \\1 handshakes\\)$`,
        ),
      );
    } finally {
      await cluster.core.deleteNamespace({ name: other }).catch(() => undefined);
    }
  });
});

// Gateway API (lab 60): the same checks through the Gateway edge; registered where the controller serves it.
if (applies(CONDITIONAL.gatewayControls)) {
  test.describe('Gateway API', () => {
    test.beforeEach(({ cluster }) => skipOrFail(!servesGatewayApi(cluster), `ingress ${cluster.record?.ingress} serves no Gateway API`));

    test('reference: the host, the rewrite (ReplacePrefixMatch) and HTTPS route to web through the Gateway', async ({ cluster, ns }) => {
      await deploy(cluster, ns, undefined, hostOf(ns), { gateway: true });
      const r = routes(ns);
      for (const c of [r.hello, r.rewrite, r.https]) await expectRoute(cluster, ns, c, GATEWAY);
    });

    test('the API server: a ReplacePrefixMatch on an Exact match is refused with its rule', async ({ cluster, ns }) => {
      const refused = await deploy(cluster, ns, 'gateway-rewrite-exact.yaml', hostOf(ns), { gateway: true }).then(
        () => '',
        (e: Error) => e.message,
      );
      expect(refused).toContain('HTTPRoute/web-api: HTTPRoute.gateway.networking.k8s.io "web-api" is invalid');
      expect(refused).toContain('When using URLRewrite filter with path.replacePrefixMatch, exactly one PathPrefix match must be specified');
    });

    test('diagnosis: a backendRef to a missing Service -> ResolvedRefs False (BackendNotFound), the Service named', async ({ cluster, ns }) => {
      await deploy(cluster, ns, 'gateway-missing-backend.yaml', hostOf(ns), { gateway: true });
      const message = await rejection(expectRoute(cluster, ns, routes(ns).hello, GATEWAY));
      expect(message).toMatch(new RegExp(`^http://${hostOf(ns).replaceAll('.', '\\.')}/hello is not routed to Service web: HTTPRoute web: ResolvedRefs False \\(BackendNotFound: [^)]*wbe`));
      expect(message).toContain(`HTTPRoute web sends to Service wbe, which does not exist in ${ns}`);
    });

    test('traffic: an HTTPRoute that sends the host to another Service -> "answered by pod other-… of Service other"', async ({ cluster, ns }) => {
      await deploy(cluster, ns, ['ingress-wrong-backend.yaml', 'gateway-wrong-backend.yaml'], hostOf(ns), { gateway: true });
      expect(await rejection(expectRoute(cluster, ns, routes(ns).hello, GATEWAY))).toMatch(
        new RegExp(`^http://${hostOf(ns).replaceAll('.', '\\.')}/hello is not routed to Service web: answered by pod other-[a-z0-9-]+ of Service other, not by a pod of Service web \\(web-[a-z0-9-]+\\): HTTPRoute web sends it to Service other$`),
      );
    });

    test('diagnosis: a hostname no listener accepts -> Accepted False (NoMatchingListenerHostname), the listeners listed', async ({ cluster, ns }) => {
      await deploy(cluster, ns, 'gateway-hostname-no-listener.yaml', hostOf(ns), { gateway: true });
      const host = `negative-${ns}.example.org`;
      const message = await rejection(expectRoute(cluster, ns, { ...routes(ns).hello, host }, GATEWAY));
      expect(message).toContain(`Gateway ${ns}/web has no HTTP listener for ${host} (listeners: http HTTP ${hostOf(ns)}:8080, https HTTPS ${hostOf(ns)}:8443)`);
      expect(message).toContain('HTTPRoute web: Accepted False (NoMatchingListenerHostname');
    });

    test('diagnosis: a TLS listener whose Secret is for another host -> "TLS secret tls-web is for blog.example.com"', async ({ cluster, ns }) => {
      await deploy(cluster, ns, undefined, 'blog.example.com', { gateway: true });
      const message = await rejection(expectRoute(cluster, ns, routes(ns).https, GATEWAY));
      expect(message).toContain(`TLS secret tls-web is for blog.example.com, the host listener https serves is ${hostOf(ns)}`);
    });
  });
}

test.describe('the rollout checks', () => {
  test('diagnosis: a readiness probe that never passes -> reported stuck with the probe failure, old pods keep serving', async ({ cluster, ns }) => {
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

  test('events: a rollout checked against bounds stricter than its strategy -> every breaking event is reported', async ({ cluster, ns }) => {
    await deploy(cluster, ns);
    // 1 replica under the default 25%/25%: the controller surges to 2 pods; these bounds allow none.
    const report = await rollOut(cluster.kc, ns, 'web', () => patchDeployment(cluster.kc, ns, 'web', { spec: { template: { metadata: { annotations: { restartedAt: new Date().toISOString() } } } } }), {
      bounds: { maxTotal: 1, minAvailable: 1 },
    });
    expect(report.events, 'ReplicaSet events seen after the change').toBeGreaterThan(0);
    expect(report.violations.length, 'the surge breaks the stricter bounds').toBeGreaterThan(0);
    expect(report.violations[0]).toMatch(/^\d+\.\ds (ADDED|MODIFIED): web-[a-z0-9]+=\d\/\d web-[a-z0-9]+=\d\/\d: ReplicaSets want 2 pods, more than replicas \+ maxSurge = 1$/);
  });

  test('events: the Recreate check on a RollingUpdate Deployment -> "new pod … created while old pod … still existed"', async ({ cluster, ns }) => {
    await deploy(cluster, ns);
    const error = await expectRecreate(cluster.kc, ns, 'web', () => patchDeployment(cluster.kc, ns, 'web', { spec: { template: { metadata: { annotations: { restartedAt: new Date().toISOString() } } } } })).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/^Deployment web does not recreate: new pod web-[a-z0-9-]+ was created \d+\.\ds after the change while old pod web-[a-z0-9-]+ \(Running\) still existed \(strategy RollingUpdate\)$/);
  });
});
