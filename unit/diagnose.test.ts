import { expect, test } from '@playwright/test';
import type { CoreV1Event, V1ContainerStateTerminated, V1ContainerStatus, V1Ingress, V1Pod, V1Secret, V1Service } from '@kubernetes/client-node';
import { pullHint } from '../lib/cluster/app-images.ts';
import { captureGroups, ingressRouteCauses, matchingRoutes, rewriteCauses, serviceCauses, tlsCauses } from '../lib/checks/diagnose-ingress.ts';
import { podCauses, restartBaseline, restartCauses } from '../lib/checks/diagnose-pods.ts';
import { selfSignedCertificate } from '../lib/cluster/tls.ts';

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
  expect(serviceCauses(service({ app: 'myblog' }, 8000), [pod({ app: 'myblog' })])).toEqual(['Service myblog targetPort 8000 but the container declares port 8002']);
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

const container = (name: string, state: V1ContainerStatus['state'], more: Partial<V1ContainerStatus> = {}): V1ContainerStatus => ({ name, image: 'i', imageID: '', ready: false, restartCount: 0, state, ...more });
const notReady = (name: string, app: string, statuses: V1ContainerStatus[], more: Partial<NonNullable<V1Pod['status']>> = {}): V1Pod => ({
  metadata: { name, uid: `uid-${name}`, labels: { app } },
  spec: { containers: [{ name: app, image: app === 'mysql' ? 'mysql:5.7' : 'localhost/course-harness/myblog:v1' }] },
  status: { phase: 'Pending', containerStatuses: statuses, ...more },
});
const event = (pod: string, reason: string, message: string, type = 'Warning', containerName?: string): CoreV1Event => ({
  metadata: {},
  involvedObject: { kind: 'Pod', name: pod, ...(containerName ? { fieldPath: `spec.containers{${containerName}}` } : {}) },
  type,
  reason,
  message,
});

test('podCauses: the pod the others depend on first (MySQL before myblog), never-started before failing probes, messages in full; Ready pods say nothing', () => {
  const ready: V1Pod = { metadata: { name: 'ok' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } };
  const mysql = notReady('mysql-7d9f8-abcde', 'mysql', [container('mysql', { waiting: { reason: 'CreateContainerConfigError', message: "couldn't find key MYSQL_PASSWD in Secret luffy/myblog" } })]);
  const probe = notReady('myblog-5c4-aaaaa', 'myblog', [container('myblog', { running: {} }, { restartCount: 2, lastState: { terminated: { exitCode: 137, reason: 'Error' } } })], { phase: 'Running' });
  const crash = notReady('myblog-5c4-bbbbb', 'myblog', [container('myblog', { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container=myblog' } }, { restartCount: 3, lastState: { terminated: { exitCode: 1, reason: 'Error' } } })]);
  const refused = 'Readiness probe failed: Get "http://10.244.1.7:8002/blog/index/": dial tcp 10.244.1.7:8002: connect: connection refused';
  const events = [
    // A pod-wide mount warning before the mount succeeded: past for a running container.
    event('myblog-5c4-aaaaa', 'FailedMount', 'MountVolume.SetUp failed for volume "kube-api-access-x" : failed to sync configmap cache: timed out waiting for the condition'),
    event('myblog-5c4-aaaaa', 'Unhealthy', refused, 'Warning', 'myblog'),
    event('myblog-5c4-aaaaa', 'Pulled', 'pulled', 'Normal', 'myblog'),
    event('myblog-5c4-bbbbb', 'BackOff', 'Back-off restarting failed container myblog in pod myblog-5c4-bbbbb', 'Warning', 'myblog'),
    event('mysql-7d9f8-abcde', 'Failed', "Error: couldn't find key MYSQL_PASSWD in Secret luffy/myblog", 'Warning', 'mysql'),
    // Mounted before the container was created: past for a container waiting on its configuration (seen on a busy node).
    event('mysql-7d9f8-abcde', 'FailedMount', 'MountVolume.SetUp failed for volume "kube-api-access-y" : failed to sync configmap cache: timed out waiting for the condition'),
  ];
  expect(podCauses([ready, probe, crash, mysql], events)).toEqual([
    "pod mysql-7d9f8-abcde: container mysql CreateContainerConfigError: Error: couldn't find key MYSQL_PASSWD in Secret luffy/myblog",
    'pod myblog-5c4-bbbbb: container myblog CrashLoopBackOff: last exited with code 1 (Error)',
    `pod myblog-5c4-aaaaa: container myblog not Ready (Unhealthy: ${refused}; restarted 2 times, last exited with code 137 (Error))`,
  ]);
  // MySQL failing its own probes still comes before myblog failing its probes.
  const mysqlProbe = notReady('mysql-7d9f8-ccccc', 'mysql', [container('mysql', { running: {} })], { phase: 'Running' });
  expect(podCauses([probe, mysqlProbe], [...events, event('mysql-7d9f8-ccccc', 'Unhealthy', 'Readiness probe failed: mysqladmin: connect to server failed', 'Warning', 'mysql')]).map((l) => l.split(':')[0])).toEqual([
    'pod mysql-7d9f8-ccccc',
    'pod myblog-5c4-aaaaa',
  ]);
  // Without the event (expired), the waiting message says it.
  expect(podCauses([mysql], [])).toEqual(["pod mysql-7d9f8-abcde: container mysql CreateContainerConfigError: couldn't find key MYSQL_PASSWD in Secret luffy/myblog"]);
});

test("podCauses: an unschedulable pod with the scheduler's message, in full", () => {
  const message = '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.';
  const pending = notReady('greedy-1', 'greedy', [], { conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message }] });
  const probe = notReady('myblog-1', 'myblog', [container('myblog', { running: {} })], { phase: 'Running' });
  expect(podCauses([probe, pending], [event('greedy-1', 'FailedScheduling', message)])).toEqual([`pod greedy-1: Unschedulable: ${message}`, 'pod myblog-1: container myblog not Ready']);
});

test('podCauses: an image that cannot be pulled, with the pull error (not the back-off that restates it)', () => {
  const pull = 'Failed to pull image "mysql:8.0": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/mysql:8.0": failed to resolve reference "docker.io/library/mysql:8.0": docker.io/library/mysql:8.0: not found';
  const mysql = notReady('mysql-6d9', 'mysql', [container('mysql', { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "mysql:8.0"' } })]);
  const events = [
    event('mysql-6d9', 'Failed', pull, 'Warning', 'mysql'),
    event('mysql-6d9', 'Failed', 'Error: ErrImagePull', 'Warning', 'mysql'),
    event('mysql-6d9', 'BackOff', 'Back-off pulling image "mysql:8.0"', 'Normal', 'mysql'),
    event('mysql-6d9', 'Failed', 'Error: ImagePullBackOff', 'Warning', 'mysql'),
  ];
  const causes = podCauses([mysql], events);
  expect(causes).toEqual([`pod mysql-6d9: container mysql ImagePullBackOff: ${pull}`]);
  expect(pullHint(causes, true)).toMatch(/^this cluster pulls from its own registry only \(offline\)/);
  const typo = notReady('myblog-2', 'myblog', [container('myblog', { waiting: { reason: 'InvalidImageName', message: 'Failed to apply default image tag "myblog:V1:": couldn\'t parse image name' } })]);
  expect(podCauses([typo], [])).toEqual(['pod myblog-2: container myblog InvalidImageName: Failed to apply default image tag "myblog:V1:": couldn\'t parse image name']);
});

test('podCauses: an init container not done is the cause, not the containers it holds in PodInitializing; a mount that fails, for a container being created', () => {
  const init = notReady('myblog-3', 'myblog', [container('myblog', { waiting: { reason: 'PodInitializing' } })], {
    initContainerStatuses: [container('migrate', { waiting: { reason: 'CrashLoopBackOff' } }, { restartCount: 4, lastState: { terminated: { exitCode: 1, reason: 'Error', message: "django.db.utils.OperationalError: (2003, \"Can't connect to MySQL server on 'mysql'\")\n" } } }), container('wait', { running: {} })],
  });
  expect(podCauses([init], [])).toEqual([
    "pod myblog-3: init container migrate CrashLoopBackOff: last exited with code 1 (Error): django.db.utils.OperationalError: (2003, \"Can't connect to MySQL server on 'mysql'\")",
    'pod myblog-3: init container wait has not finished (running)',
  ]);
  const mount = notReady('myblog-4', 'myblog', [container('myblog', { waiting: { reason: 'ContainerCreating' } })]);
  expect(podCauses([mount], [event('myblog-4', 'FailedMount', 'MountVolume.SetUp failed for volume "config" : configmap "myblog-config" not found')])).toEqual([
    'pod myblog-4: container myblog ContainerCreating: MountVolume.SetUp failed for volume "config" : configmap "myblog-config" not found',
  ]);
  // With init containers, every container not yet created waits in PodInitializing, the init containers too.
  const initMount = notReady('myblog-5', 'myblog', [container('myblog', { waiting: { reason: 'PodInitializing' } })], { initContainerStatuses: [container('migrate', { waiting: { reason: 'PodInitializing' } })] });
  expect(podCauses([initMount], [event('myblog-5', 'FailedMount', 'MountVolume.SetUp failed for volume "config" : configmap "myblog-config" not found')])).toEqual([
    'pod myblog-5: init container migrate PodInitializing: MountVolume.SetUp failed for volume "config" : configmap "myblog-config" not found',
  ]);
});

test('restartCauses: each restart with its reason: a liveness probe (the events), OOMKilled, an exit code; only restarts since the baseline', () => {
  const restarted = (name: string, restartCount: number, terminated?: V1ContainerStateTerminated): V1Pod => ({
    metadata: { name, uid: `uid-${name}` },
    status: { containerStatuses: [container(name.split('-')[0], { running: {} }, { restartCount, lastState: terminated ? { terminated } : undefined })] },
  });
  const probe = restarted('myblog-xyz', 2, { exitCode: 137, reason: 'Error' });
  const oom = restarted('hog-1', 1, { exitCode: 137, reason: 'OOMKilled' });
  const crash = restarted('crash-1', 3, { exitCode: 1, reason: 'Error' });
  const done = restarted('once-1', 1, { exitCode: 0, reason: 'Completed' });
  const steady = restarted('steady-1', 0);
  const events = [
    event('myblog-xyz', 'Unhealthy', 'Liveness probe failed: HTTP probe failed with statuscode: 404', 'Warning', 'myblog'),
    event('myblog-xyz', 'Unhealthy', 'Readiness probe failed: HTTP probe failed with statuscode: 404', 'Warning', 'myblog'),
    event('myblog-xyz', 'Killing', 'Container myblog failed liveness probe, will be restarted', 'Normal', 'myblog'),
    // An OOM kill is the last word, whatever probe killed the container before.
    event('hog-1', 'Killing', 'Container hog failed liveness probe, will be restarted', 'Normal', 'hog'),
  ];
  expect(restartCauses([probe, oom, crash, done, steady], events)).toEqual([
    'pod myblog-xyz container myblog restarted 2 times: the livenessProbe failed (Liveness probe failed: HTTP probe failed with statuscode: 404)',
    'pod hog-1 container hog restarted 1 time: OOMKilled (exit code 137)',
    'pod crash-1 container crash restarted 3 times: Error (exit code 1)',
    'pod once-1 container once restarted 1 time: Completed (exit code 0)',
  ]);
  // Against a baseline: by pod uid, or per container as restartBaseline takes it; a pod not in it counts all its restarts.
  expect(restartCauses([probe, crash, oom], events, { 'uid-myblog-xyz': 2, 'uid-crash-1': 1 })).toEqual([
    'pod crash-1 container crash restarted 2 times: Error (exit code 1)',
    'pod hog-1 container hog restarted 1 time: OOMKilled (exit code 137)',
  ]);
  expect(restartCauses([probe, crash], events, restartBaseline([probe, crash]))).toEqual([]);
  expect(restartBaseline([probe])).toEqual({ 'uid-myblog-xyz/myblog': 2 });
  // A startup probe says so.
  const startup = restarted('slow-1', 1, { exitCode: 137, reason: 'Error' });
  expect(restartCauses([startup], [event('slow-1', 'Killing', 'Container slow failed startup probe, will be restarted', 'Normal', 'slow'), event('slow-1', 'Unhealthy', 'Startup probe failed: dial tcp 10.244.1.9:8080: connect: connection refused', 'Warning', 'slow')])).toEqual([
    'pod slow-1 container slow restarted 1 time: the startupProbe failed (Startup probe failed: dial tcp 10.244.1.9:8080: connect: connection refused)',
  ]);
});
