// 镜像仓库: the course's registry, for real (lib/cluster/registry.ts). The
// course builds myblog, pushes it to its registry and sets the Deployment's
// image; it teaches image pull policies and pull secrets for a private
// registry. Here every pull goes through the harness's registry, which the
// nodes' containerd knows as 172.21.51.143:5000 (the name is mapped; no
// packet goes to that address): each test pushes to a repository of its own,
// so the registry's log lines it reads are its pods' alone, and asserts the
// node's words (events) and the registry's (its log) both.
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { expect, test, type Cluster } from '../fixtures/cluster.ts';
import { CheckFailure } from '../lib/checks/verdict.ts';
import { expectPulled } from '../lib/checks/pulls.ts';
import { patchDeployment } from '../lib/checks/rollout.ts';
import { appBaseImage } from '../lib/cluster/app-images.ts';
import { applyObjects } from '../lib/kube/apply.ts';
import { waitFor } from '../lib/kube/kube.ts';
import { waitForDeployments } from '../lib/course/labs.ts';
import { CLASS_REGISTRIES, privateRegistry, pushToRegistry, registryNames, registryRequests, REGISTRY_HOST_PORT } from '../lib/cluster/registry.ts';
import { run } from '../lib/core/exec.ts';

const COURSE_REGISTRY = CLASS_REGISTRIES[0];
const MYBLOG_V1 = 'localhost/course-harness/myblog:v1';

/** A repository of the test's own, in the course's registry's name space. */
const ownRepo = () => `t-${randomBytes(4).toString('hex')}/myblog`;

const workerOf = async (cluster: Cluster) => (await cluster.core.listNode()).items.find((n) => !('node-role.kubernetes.io/control-plane' in (n.metadata?.labels ?? {})))!;
const addressOf = (node: Awaited<ReturnType<typeof workerOf>>) => node.status!.addresses!.find((a) => a.type === 'InternalIP')!.address;

/** A pod of `image` on `node` with that pull policy (and pull secrets), not waited for. */
const podOf = (name: string, image: string, node: string, imagePullPolicy: string, imagePullSecrets: string[] = []): V1Pod => ({
  metadata: { name },
  spec: {
    nodeName: node,
    terminationGracePeriodSeconds: 1,
    ...(imagePullSecrets.length ? { imagePullSecrets: imagePullSecrets.map((n) => ({ name: n })) } : {}),
    // The blog without its database: gunicorn runs, which is all a pull needs.
    containers: [{ name: 'myblog', image, imagePullPolicy }],
  },
});

/** The pull secret `kubectl create secret docker-registry NAME --docker-server --docker-username --docker-password` makes. */
function dockerRegistrySecret(name: string, server: string, username: string, password: string): KubernetesObject {
  const auths = { [server]: { username, password, auth: Buffer.from(`${username}:${password}`).toString('base64') } };
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths })).toString('base64') } } as KubernetesObject;
}

async function rejection(check: Promise<unknown>): Promise<string> {
  const error = await check.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the check must reject it').toBeInstanceOf(CheckFailure);
  return (error as Error).message;
}

test("the course's update: v2 built and pushed to the course's registry from the host, kubectl set image, the nodes pull it from the registry", async ({ cluster, ns }, testInfo) => {
  test.setTimeout(5 * 60_000);
  const repo = ownRepo();
  const open = registryNames(cluster.record!.name).open;
  await pushToRegistry(MYBLOG_V1, [`${COURSE_REGISTRY}/${repo}:v1`]);
  await applyObjects(
    cluster.kc,
    [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'myblog' },
        spec: {
          replicas: 2,
          selector: { matchLabels: { app: 'myblog' } },
          template: {
            metadata: { labels: { app: 'myblog' } },
            spec: { terminationGracePeriodSeconds: 1, containers: [{ name: 'myblog', image: `${COURSE_REGISTRY}/${repo}:v1`, readinessProbe: { tcpSocket: { port: 8002 }, periodSeconds: 2 } }] },
          },
        },
      } as KubernetesObject,
    ],
    ns,
  );
  await waitForDeployments(cluster.kc, ns, ['myblog'], 180_000);

  // As the course: docker build . -t 172.21.51.143:5000/myblog:v2, then docker push (here through the registry's port on 127.0.0.1).
  const pushed = `127.0.0.1:${REGISTRY_HOST_PORT}/${repo}:v2`;
  const started = Date.now();
  await run('docker', ['build', '--network', 'host', '-t', pushed, '--build-arg', `BASE_IMAGE=${await appBaseImage(!!cluster.record?.offline)}`, '--build-arg', 'VERSION=v2', resolve('apps/myblog')], { env: { DOCKER_BUILDKIT: '0' } });
  const push = await run('docker', ['push', pushed]);
  const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push)?.[1];
  expect(digest, 'docker push names the manifest digest').toBeDefined();
  const since = new Date();
  await patchDeployment(cluster.kc, ns, 'myblog', { spec: { template: { spec: { containers: [{ name: 'myblog', image: `${COURSE_REGISTRY}/${repo}:v2` }] } } } });
  await waitForDeployments(cluster.kc, ns, ['myblog'], 180_000);
  const seconds = (Date.now() - started) / 1000;
  testInfo.annotations.push({ type: 'measurement', description: `the course's update: build, push, set image, the nodes pull v2, rolled out: ${seconds.toFixed(1)} s` });

  // Each new pod runs the pushed manifest, which its node asked the registry for.
  const pods = await waitFor<V1Pod>({
    kc: cluster.kc,
    path: `/api/v1/namespaces/${ns}/pods`,
    labelSelector: 'app=myblog',
    what: 'only v2 pods, running',
    until: (items) => items.length === 2 && items.every((p) => p.spec?.containers[0].image?.endsWith(':v2') && p.status?.containerStatuses?.[0]?.state?.running),
    timeoutMs: 60_000,
  });
  const requests = await registryRequests(open, since);
  for (const pod of pods) {
    expect(pod.status?.containerStatuses?.[0].imageID, `pod ${pod.metadata?.name} runs the pushed image`).toContain(digest!);
    const asked = requests.filter((r) => r.uri === `/v2/${repo}/manifests/v2` && r.from === pod.status?.hostIP);
    expect(asked.map((r) => r.status), `the registry's log: ${pod.spec?.nodeName} (${pod.status?.hostIP}) asked for ${repo}:v2`).toContain(200);
  }
});

test('pull policies for real: Always pulls (the registry logs the request), IfNotPresent does not once the image is present, a name the registry lacks fails with ErrImagePull and the registry\'s 404', async ({ cluster, ns }, testInfo) => {
  test.setTimeout(4 * 60_000);
  const repo = ownRepo();
  const open = registryNames(cluster.record!.name).open;
  const registry = (since: Date) => registryRequests(open, since);
  const image = `${COURSE_REGISTRY}/${repo}:v1`;
  await pushToRegistry(MYBLOG_V1, [image]);
  const worker = await workerOf(cluster);
  const node = worker.metadata!.name!;

  const pulled = new Date();
  await cluster.core.createNamespacedPod({ namespace: ns, body: podOf('always', image, node, 'Always') });
  const always = await expectPulled(cluster, ns, 'always', registry, pulled);
  expect(always.events.join('\n')).toContain(`Pulling: Pulling image "${image}"`);
  expect(always.events.join('\n')).toMatch(new RegExp(`Pulled: Successfully pulled image "${image.replace(/[.]/g, '\\.')}"`));
  expect(always.requests.map((r) => `${r.uri} ${r.status}`), `the registry's log from ${node} (${addressOf(worker)})`).toContain(`/v2/${repo}/manifests/v1 200`);
  testInfo.annotations.push({ type: 'measurement', description: `Always, the registry's log: ${always.requests.map((r) => `${r.time} ${r.method} ${r.uri} ${r.status} from ${r.from}`).join('; ')}` });

  const present = new Date();
  await cluster.core.createNamespacedPod({ namespace: ns, body: podOf('ifnotpresent', image, node, 'IfNotPresent') });
  const ifNotPresent = await expectPulled(cluster, ns, 'ifnotpresent', registry, present);
  expect(ifNotPresent.events.join('\n')).toContain(`Pulled: Container image "${image}" already present on machine`);
  expect(ifNotPresent.requests, 'IfNotPresent asks the registry nothing once the image is on the node').toEqual([]);

  const missing = `${COURSE_REGISTRY}/${repo}:v9`;
  await cluster.core.createNamespacedPod({ namespace: ns, body: podOf('missing', missing, node, 'IfNotPresent') });
  const message = await rejection(expectPulled(cluster, ns, 'missing', registry, present));
  expect(message).toMatch(new RegExp(`^pod missing does not pull ${missing.replace(/[.]/g, '\\.')}: (ErrImagePull|ImagePullBackOff): .*not found.*; the registry answered (GET|HEAD) /v2/${repo}/manifests/v9 404`));
});

test.describe('a private registry (a login, TLS with a CA made at run time)', () => {
  test('a pull secret made as kubectl create secret docker-registry makes the pod pull; without it, or with a wrong password, the registry\'s 401 is the cause; a secret the diagnosis rejects is named', async ({ cluster, ns }) => {
    test.setTimeout(4 * 60_000);
    const repo = ownRepo();
    const priv = privateRegistry(cluster.record!.name);
    const registry = (since: Date) => registryRequests(registryNames(cluster.record!.name).private, since);
    // The private registry serves the open one's store: pushed there, it is here.
    await pushToRegistry(MYBLOG_V1, [`${COURSE_REGISTRY}/${repo}:v1`]);
    const image = `${priv.host}/${repo}:v1`;
    const node = (await workerOf(cluster)).metadata!.name!;
    await applyObjects(
      cluster.kc,
      [
        dockerRegistrySecret('regcred', priv.host, priv.username, priv.password),
        dockerRegistrySecret('wrong-password', priv.host, priv.username, `${priv.password}-not`),
        dockerRegistrySecret('other-registry', `${COURSE_REGISTRY}`, priv.username, priv.password),
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'opaque' }, type: 'Opaque', stringData: { username: priv.username } } as KubernetesObject,
      ],
      ns,
    );
    const since = new Date();
    const pod = (name: string, secrets: string[]) => cluster.core.createNamespacedPod({ namespace: ns, body: podOf(name, image, node, 'Always', secrets) });

    // With the secret: pulled; the private registry answers 200 only to a login it accepts.
    await pod('with-secret', ['regcred']);
    const withSecret = await expectPulled(cluster, ns, 'with-secret', registry, since);
    expect(withSecret.requests.map((r) => `${r.uri} ${r.status}`)).toContain(`/v2/${repo}/manifests/v1 200`);

    // The answer decides: no secret, or a wrong password that looks right to the diagnosis: the registry's 401.
    await pod('without-secret', []);
    expect(await rejection(expectPulled(cluster, ns, 'without-secret', registry, since))).toMatch(new RegExp(`^pod without-secret does not pull ${image.replace(/[.]/g, '\\.')}: (ErrImagePull|ImagePullBackOff): .*(401|[Uu]nauthorized).*; the registry answered (GET|HEAD) /v2/${repo}/manifests/v1 401`));
    await pod('wrong-password', ['wrong-password']);
    expect(await rejection(expectPulled(cluster, ns, 'wrong-password', registry, since))).toMatch(new RegExp(`^pod wrong-password does not pull ${image.replace(/[.]/g, '\\.')}: (ErrImagePull|ImagePullBackOff): .*(401|[Uu]nauthorized).*; the registry answered (GET|HEAD) /v2/${repo}/manifests/v1 401`));

    // The objects explain: a secret that does not exist, one of another type, one for another registry, each named first.
    await pod('missing-secret', ['regcred-typo']);
    expect(await rejection(expectPulled(cluster, ns, 'missing-secret', registry, since))).toContain('pod missing-secret names imagePullSecret regcred-typo, which does not exist; ');
    await pod('opaque-secret', ['opaque']);
    expect(await rejection(expectPulled(cluster, ns, 'opaque-secret', registry, since))).toContain('Secret opaque is of type Opaque, not kubernetes.io/dockerconfigjson (kubectl create secret docker-registry makes one); ');
    await pod('other-registry', ['other-registry']);
    expect(await rejection(expectPulled(cluster, ns, 'other-registry', registry, since))).toContain(`the pull secrets of pod other-registry have no login for ${priv.host}, the registry of ${image} (they have ${COURSE_REGISTRY}); `);
  });
});
