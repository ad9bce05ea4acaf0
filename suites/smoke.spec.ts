// Smoke: the cluster itself works. A pod on each worker, a ClusterIP Service
// across both, reached by name through CoreDNS from a third pod.
import { NetworkingV1Api } from '@kubernetes/client-node';
import { expect, runFacts, skipOrFail, test } from '../fixtures/cluster.ts';
import { serviceWithoutEndpoints } from '../lib/config/expectations.ts';
import { applies, CONDITIONAL } from '../lib/config/applicability.ts';
import { get, transcriptLine, untilConsecutive } from '../lib/checks/http.ts';
import { echoPod, expectTrafficTo, runPods } from '../lib/checks/pods.ts';
import { execInPod, isReady, waitForServiceSlices } from '../lib/kube/kube.ts';
import { registryHolds } from '../lib/cluster/registry.ts';
import { run } from '../lib/core/exec.ts';

test('nodes: three nodes are Ready, and every kube-system pod runs', async ({ cluster }) => {
  const nodes = await cluster.core.listNode();
  expect(nodes.items.map((n) => n.metadata?.name).sort()).toHaveLength(3);
  for (const node of nodes.items) expect(isReady(node), `${node.metadata?.name} Ready`).toBe(true);
  const pods = await cluster.core.listNamespacedPod({ namespace: 'kube-system' });
  const notRunning = pods.items.filter((p) => p.status?.phase !== 'Running').map((p) => `${p.metadata?.name}=${p.status?.phase}`);
  expect(notRunning).toEqual([]);
});

test('a ClusterIP Service with a pod on each worker is reached by name through CoreDNS', async ({ cluster, ns }) => {
  const workers = (await cluster.core.listNode()).items
    .filter((n) => !('node-role.kubernetes.io/control-plane' in (n.metadata?.labels ?? {})))
    .map((n) => n.metadata!.name!)
    .sort();
  expect(workers).toHaveLength(2);

  await cluster.core.createNamespacedService({
    namespace: ns,
    body: { metadata: { name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 8080 }] } },
  });
  const pods = await runPods(cluster, ns, [
    echoPod('echo-0', { app: 'echo' }, workers[0]),
    echoPod('echo-1', { app: 'echo' }, workers[1]),
    echoPod('client', { app: 'client' }, workers[0]),
  ]);
  const byName = Object.fromEntries(pods.map((p) => [p.metadata!.name!, p]));
  expect(byName['echo-0'].spec?.nodeName).toBe(workers[0]);
  expect(byName['echo-1'].spec?.nodeName).toBe(workers[1]);

  const service = await cluster.core.readNamespacedService({ name: 'echo', namespace: ns });
  const clusterIP = service.spec!.clusterIP!;
  for (const name of ['echo', `echo.${ns}`, `echo.${ns}.svc.cluster.local`]) {
    const r = await execInPod(cluster.kc, ns, 'client', ['/echo', 'resolve', name]);
    expect(r.stderr, `resolve ${name}`).toBe('');
    expect(r.stdout.trim(), `${name} resolves to the ClusterIP`).toBe(clusterIP);
  }

  // Pod to pod across nodes, by pod IP: kindnet-lite's routes.
  const remote = await execInPod(cluster.kc, ns, 'client', ['/echo', 'get', `http://${byName['echo-1'].status!.podIP}:8080/direct`]);
  expect(JSON.parse(remote.stdout)).toMatchObject({ pod: 'echo-1', path: '/direct' });

  // Through the Service by name: every request answers, and both pods answer.
  await expectTrafficTo(cluster, ns, 'http://echo/', ['echo-0', 'echo-1'], 'the Service echo by name');
  const r = await execInPod(cluster.kc, ns, 'client', ['/echo', 'get', 'http://echo/by-name']);
  expect(JSON.parse(r.stdout)).toMatchObject({ path: '/by-name' });
});

test('negative control: a Service whose selector matches no pod has no endpoints and is not reachable', async ({ cluster, ns }) => {
  const workers = (await cluster.core.listNode()).items.filter((n) => !('node-role.kubernetes.io/control-plane' in (n.metadata?.labels ?? {})));
  await cluster.core.createNamespacedService({
    namespace: ns,
    body: { metadata: { name: 'typo' }, spec: { selector: { app: 'ehco' }, ports: [{ port: 80, targetPort: 8080 }] } },
  });
  await runPods(cluster, ns, [echoPod('client', { app: 'client' }, workers[0].metadata!.name!)]);
  // The EndpointSlice controller writes the Service's slice, empty: no endpoints, not "not yet".
  const slices = await waitForServiceSlices(cluster.kc, ns, 'typo', { what: "Service typo's EndpointSlice", until: (items) => items.length > 0, timeoutMs: 30_000 });
  expect(slices.flatMap((s) => s.endpoints ?? []), 'Service typo has no endpoints').toEqual([]);
  const r = await execInPod(cluster.kc, ns, 'client', ['/echo', 'get', 'http://typo/']);
  expect(r.exitCode, 'a request to a Service without endpoints fails').not.toBe(0);
  const expected = serviceWithoutEndpoints(runFacts(cluster));
  expect(r.stderr, expected.because).toMatch(expected.value);
});

if (applies(CONDITIONAL.offlineImages)) test(CONDITIONAL.offlineImages.title, async ({ cluster }) => {
  skipOrFail(!cluster.record?.offline, 'the cluster is online: its images come from the pinned kindest/node image');
  const built = await run('docker', ['images', '--format', '{{.Repository}}:{{.Tag}}', '--filter', 'label=course-harness.input']);
  const local = new Set(built.split('\n').filter(Boolean));
  for (const node of (await cluster.core.listNode()).items) {
    // One entry per image, with all its names. Loaded: a name built here. Pulled (the course's names, mysql:5.7, a pushed
    // v2): a digest the harness's registry holds, which holds only what was pushed from here (offline it proxies nothing).
    const entries = (node.status?.images ?? []).map((i) => i.names ?? []);
    const builtHere = (e: string[]) => e.some((n) => !n.includes('@') && local.has(n.replace(/^docker\.io\/library\//, '')));
    const foreign: string[] = [];
    for (const e of entries.filter((x) => !builtHere(x))) {
      const pinned = e.filter((n) => n.includes('@sha256:'));
      if (!pinned.length || !(await Promise.all(pinned.map(registryHolds))).some(Boolean)) foreign.push(...e);
    }
    expect(foreign, `images on ${node.metadata?.name} neither built here nor pulled from the harness's registry`).toEqual([]);
    expect(entries.length).toBeGreaterThan(0);
  }
});

test('the ingress controller on the ingress node routes a Host through 127.0.0.1:80 to a Service', async ({ cluster, ns }, testInfo) => {
  const workers = (await cluster.core.listNode()).items.filter((n) => !('node-role.kubernetes.io/control-plane' in (n.metadata?.labels ?? {})));
  await runPods(cluster, ns, [echoPod('echo-0', { app: 'echo' }, workers[0].metadata!.name!)]);
  await cluster.core.createNamespacedService({
    namespace: ns,
    body: { metadata: { name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 8080 }] } },
  });
  const host = `smoke.${ns}.test`;
  await cluster.kc.makeApiClient(NetworkingV1Api).createNamespacedIngress({
    namespace: ns,
    body: {
      metadata: { name: 'echo' },
      spec: {
        ingressClassName: 'nginx',
        rules: [{ host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'echo', port: { number: 80 } } } }] } }],
      },
    },
  });
  const transcript = await untilConsecutive(
    () => get(80, host, '/smoke'),
    (e) => e.status === 200 && e.pod === 'echo-0',
    `Host ${host} through 127.0.0.1:80`,
  );
  await testInfo.attach('http-transcript.txt', { body: transcript.map(transcriptLine).join('\n'), contentType: 'text/plain' });
  const last = JSON.parse(transcript[transcript.length - 1].body) as { host: string; path: string };
  expect(last).toMatchObject({ host, path: '/smoke' });

  const unknown = await get(80, `unknown.${ns}.test`, '/');
  expect(unknown.status, 'an unknown Host is not routed to the Service').toBe(404);
});
