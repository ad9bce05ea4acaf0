// Live mode's proof, on the harness cluster taken for a course cluster: the
// course deployed, the shipped verifier (manifests/verifier/rbac.yaml), and
// `npm test -- --live` run through the verifier's kubeconfig (CA file,
// kubectl's tokenFile, a context of its own), as an instructor would run it.
// Every row passes but those the run's facts say cannot (kube-proxy in ipvs
// mode, where the cluster runs another: lib/config/expectations.ts
// liveFailures), which fail naming the mode it runs. The API
// server's audit log (the harness cluster is created with a policy that logs
// the verifier's requests) shows no write by the verifier during the run, and
// shows one when a write is attempted: the control that the log would tell.
// With --probe-pod (and manifests/verifier/probe-rbac.yaml), the checks only
// a pod can make pass too, and the verifier's writes stay in the probe's
// namespace. Negative controls: a namespace without the course, and planted
// mistakes (a NodePort Service selecting nothing; for --probe-pod's rows, the
// half of each check that reads objects and the half that judges the answer),
// each failing with its cause. Against backends that answer as the course's
// own images do: live-mode-upstream.spec.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { expect, harnessOptions, runFacts, test } from '../fixtures/cluster.ts';
import { echoPod, runPods } from '../lib/checks/pods.ts';
import { PROBE_NAMESPACE } from '../lib/live/probe.ts';
import { applyVerifier, PROBE_RBAC, removeVerifier, runLive, VERIFIER, VERIFIER_CONTEXT, VERIFIER_LOCK, verifierSession } from '../fixtures/verifier.ts';
import { liveNotApplicable } from '../lib/config/applicability.ts';
import { ingressName, liveFailures } from '../lib/config/expectations.ts';
import { listTests } from '../lib/report/rehearsal.ts';
import { BLOG_LIST } from '../lib/course/routes.ts';
import { AUDIT } from '../lib/cluster/kind-config.ts';
import { apiStatus } from '../lib/kube/kube.ts';
import { onNode } from '../lib/cluster/nodes.ts';

// Not paused by class grading's measurement windows: one `npm test -- --live` run, the lab checks a class's other
// submission runs beside its rollouts under load (and the windows' slots are not what it reads).
test.use({ destructive: true, pausesForWindows: false });
// It owns the verifier's ClusterRole and namespaces (course-verifier, course-probe), as cluster-facts and
// live-mode-upstream do; it only reads luffy and default, which the suites beside it leave alone, and plants its
// mistakes in namespaces of its own. The audit log is read for the verifier's requests only.
test.describe.configure({ lock: VERIFIER_LOCK });

interface AuditEvent {
  auditID: string;
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp: string;
}

/** The verifier's requests since `since`, from the API server's audit log on the control-plane node (one per request; rotated files too). */
async function verifierRequests(since: Date): Promise<AuditEvent[]> {
  const node = `${harnessOptions().clusterName}-control-plane`;
  const text = await onNode(node, ['sh', '-c', `cat ${AUDIT.log.replace(/\.log$/, '')}*.log`]);
  const events = text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent);
  const byId = new Map(events.filter((e) => e.user.username === VERIFIER && new Date(e.requestReceivedTimestamp) >= since).map((e) => [e.auditID, e]));
  return [...byId.values()];
}

const WRITES = ['create', 'update', 'patch', 'delete', 'deletecollection'];
/** Reads only: get, list and watch, and none on a subresource that reaches into a pod or through the API server (exec is audited as its websocket GET). */
const readOnly = (r: AuditEvent) => ['get', 'list', 'watch'].includes(r.verb) && !['exec', 'attach', 'portforward', 'proxy'].includes(r.objectRef?.subresource ?? '');

test('live mode: npm test -- --live through the read-only verifier judges the deployed course lab by lab, and the audit log shows it wrote nothing', async ({ cluster, ns, courseStack }) => {
  void courseStack;
  // A guard against a hang, not a speed bound: five npm test -- --live runs, each starting Playwright (a minute on a busy CI machine).
  test.setTimeout(12 * 60_000);
  const dir = mkdtempSync(join(tmpdir(), 'live-'));
  let objects: KubernetesObject[] = [];
  try {
    const session = await verifierSession(cluster, dir);
    objects = session.objects;
    const { kubeconfig, asVerifier } = session;

    const since = new Date();
    const started = Date.now();
    const run = await runLive(kubeconfig, join(dir, 'reports'));
    const seconds = (Date.now() - started) / 1000;
    const facts = runFacts(cluster);
    const mode = facts.proxyMode;
    expect(run.heading).toMatch(new RegExp(`live cluster ${cluster.kc.getCurrentCluster()!.server.replace(/[.]/g, '\\.')} \\(context ${VERIFIER_CONTEXT}\\), Kubernetes ${facts.kubernetesVersion}, kube-proxy ${mode}, ingress ${ingressName(facts).value} \\S+`));
    // Which rows fail is derived from the run's facts: only the course's kube-proxy mode, where the cluster runs another.
    const expected = liveFailures(facts);
    const failed = run.rows.filter((r) => r.result === 'fail');
    expect(failed.map((r) => r.check), expected.because).toEqual(expected.value);
    // In the cluster's own words: the mode configured and the one each kube-proxy says it runs.
    for (const r of failed) expect(r.detail).toMatch(new RegExp(`^configured ${mode}, running ${mode}: `));
    // Every row the live project registers is judged (none skipped, none missing): its own --list says how many.
    const listed = await listTests('live', { HARNESS_LIVE: 'true', HARNESS_KUBECONFIG: kubeconfig, HARNESS_STRICT: 'false' });
    expect(listed.problems).toEqual([]);
    const passed = run.rows.filter((r) => r.result === 'pass').map((r) => `${r.topic.replace('Live cluster: ', '')}: ${r.check}`);
    for (const lab of ['01-namespace', '10-config', '20-deployments', '30-services', '40-ingress-myblog', '50-bookstore']) expect(passed.filter((p) => p.startsWith(`lab ${lab}:`)).length, `rows of lab ${lab} passed`).toBeGreaterThan(0);
    expect(passed.length, 'every listed row but the expected failures passed').toBe(listed.tests.length - expected.value.length);
    expect(run.row('SNI myblog.luffy.com gets the certificate of tls-myblog').result).toBe('pass');
    expect(run.row('NodePort Service myblog-np serves the blog list on every node').result).toBe('pass');
    expect(run.rows.filter((r) => r.result === 'n/a').map((r) => r.check)).toEqual(liveNotApplicable(false).map((c) => c.check));
    expect(run.output).toContain(`summary: ${passed.length} passed, ${failed.length} failed, 0 skipped`);
    expect(run.exitCode, expected.value.length ? 'a failed row fails the run' : 'nothing failed: the run passes').toBe(expected.value.length ? 1 : 0);

    // What the verifier asked the API server for during the run: reads only.
    const requests = await verifierRequests(since);
    const verbs = new Map<string, number>();
    for (const r of requests) verbs.set(r.verb, (verbs.get(r.verb) ?? 0) + 1);
    expect(requests.filter((r) => !readOnly(r)).map((w) => `${w.verb} ${w.objectRef?.resource}${w.objectRef?.subresource ? `/${w.objectRef.subresource}` : ''}`), 'requests by the verifier during the live run that are not reads').toEqual([]);
    expect(requests.length, 'the audit log holds the run\'s requests').toBeGreaterThan(20);
    test.info().annotations.push({ type: 'measurement', description: `--live against the warm cluster: ${seconds.toFixed(1)} s, ${requests.length} requests by the verifier (${[...verbs].map(([v, n]) => `${v} ${n}`).join(', ')}), writes 0` });

    // The control: a write the verifier attempts is refused, and the audit log shows it.
    const since2 = new Date();
    const attempt = await asVerifier.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'written-by-the-verifier' } } }).then(() => 201, apiStatus);
    expect(attempt, 'the API server refuses the verifier a write').toBe(403);
    await expect
      .poll(async () => (await verifierRequests(since2)).filter((r) => WRITES.includes(r.verb)).map((r) => `${r.verb} ${r.objectRef?.resource} in ${r.objectRef?.namespace}: ${r.responseStatus?.code}`), { message: 'the audit log shows the attempted write', timeout: 10_000 })
      .toEqual([`create configmaps in ${ns}: 403`]);

    // With --probe-pod: CoreDNS and the ClusterIP from the verifier's own client pod, whose writes stay in its namespace.
    objects.push(...(await applyVerifier(cluster, [PROBE_RBAC])));
    const probeSince = new Date();
    await expect.poll(() => asVerifier.listNamespacedPod({ namespace: PROBE_NAMESPACE }).then(() => 200, apiStatus), { message: 'the verifier may list pods in the probe namespace once its binding is known', timeout: 30_000 }).toBe(200);
    const probed = await runLive(kubeconfig, join(dir, 'probe'), '--probe-pod', '--probe-image', 'localhost/course-harness/busybox:1.35', '--grep', 'lab 30-');
    expect(probed.row("CoreDNS resolves the course's Services by name from a pod")).toMatchObject({ result: 'pass' });
    expect(probed.row('Service myblog serves the blog list through its ClusterIP from inside the cluster')).toMatchObject({ result: 'pass' });
    expect(probed.row('Service mysql answers as MySQL by its name from inside the cluster')).toMatchObject({ result: 'pass' });
    expect(probed.rows.filter((r) => r.result === 'n/a').map((r) => r.check)).toEqual(liveNotApplicable(true).map((c) => c.check));
    const probeRequests = await verifierRequests(probeSince);
    const described = (r: AuditEvent) => `${r.verb} ${r.objectRef?.resource}${r.objectRef?.subresource ? `/${r.objectRef.subresource}` : ''} in ${r.objectRef?.namespace}`;
    // Beyond reads: the pod created and deleted, and the execs into it (a websocket upgrade, audited as its GET), all in the probe's namespace.
    const beyondReads = probeRequests.filter((r) => !readOnly(r)).map(described);
    expect(beyondReads.filter((d) => !d.endsWith(` in ${PROBE_NAMESPACE}`)), 'requests beyond reads outside the probe namespace').toEqual([]);
    expect(beyondReads.filter((d) => !d.startsWith('get pods/exec ')).sort(), 'the verifier\'s writes').toEqual([`create pods in ${PROBE_NAMESPACE}`, `delete pods in ${PROBE_NAMESPACE}`]);
    expect(beyondReads.filter((d) => d.startsWith('get pods/exec ')).length, 'the checks exec-ed into the probe').toBeGreaterThan(0);
    expect((await cluster.core.listNamespacedPod({ namespace: PROBE_NAMESPACE })).items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata?.name), 'the probe pod is gone').toEqual([]);

    // A namespace without the course: each luffy lab fails with its cause.
    const empty = await runLive(kubeconfig, join(dir, 'empty'), '--namespace', 'no-such-course', '--grep', 'lab (01|20|30)-');
    expect(empty.row('namespace no-such-course exists')).toMatchObject({ result: 'fail', detail: 'namespace no-such-course not found' });
    expect(empty.row('the cluster has Deployment/myblog, Deployment/mysql')).toMatchObject({ result: 'fail', detail: 'Deployment myblog not found in namespace no-such-course · Deployment mysql not found in namespace no-such-course' });
    expect(empty.row('Service mysql selects the Ready mysql pod')).toMatchObject({ result: 'fail', detail: 'Service mysql does not select a Ready pod: Service mysql does not exist in namespace no-such-course (it has no Service)' });

    // Planted mistakes, named as grading names them, each half of each check: a NodePort Service myblog-np that
    // selects nothing; for --probe-pod's rows, a Service myblog that selects a Ready pod that is not the blog (its
    // objects look right, its answer does not) and no Service mysql (CoreDNS's row: the object is missing).
    await cluster.core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'myblog-np' }, spec: { type: 'NodePort', selector: { app: 'nothing' }, ports: [{ port: 80, targetPort: 8002 }] } } });
    await runPods(cluster, ns, [echoPod('not-the-blog', { app: 'myblog' })]);
    await cluster.core.createNamespacedService({ namespace: ns, body: { metadata: { name: 'myblog' }, spec: { selector: { app: 'myblog' }, ports: [{ port: 80, targetPort: 8080 }] } } });
    const probeArgs = ['--probe-pod', '--probe-image', 'localhost/course-harness/busybox:1.35'];
    const planted = await runLive(kubeconfig, join(dir, 'planted'), '--namespace', ns, ...probeArgs, '--grep', 'lab (01|30)-');
    expect(planted.row(`namespace ${ns} exists`).result).toBe('pass');
    // The answer decides (no node serves it), the diagnosis names why.
    expect(planted.row('NodePort Service myblog-np serves the blog list on every node')).toMatchObject({
      result: 'fail',
      detail: expect.stringMatching(/^NodePort Service myblog-np does not serve on \S+ \([\d.]+\): Service myblog-np selects app=nothing: no pod matches \(pods have app=myblog\); no answer: /),
    });
    expect(planted.row('Service myblog serves the blog list through its ClusterIP')).toMatchObject({
      result: 'fail',
      detail: expect.stringMatching(new RegExp(`^Service myblog does not serve: 5 of 5 answers to GET http://myblog\\.${ns}\\.svc\\.cluster\\.local/blog/index/: pod not-the-blog answered 200 without "${BLOG_LIST}"`)),
    });
    expect(planted.row("CoreDNS resolves the course's Services")).toMatchObject({ result: 'fail', detail: `Service mysql not found in namespace ${ns}` });
    expect(planted.row('Service mysql answers as MySQL')).toMatchObject({ result: 'fail', detail: `Service mysql does not select a Ready pod: Service mysql does not exist in namespace ${ns} (Services there: myblog, myblog-np)` });

    // The other halves, in a second namespace: a Service myblog that selects nothing (rejected before any request),
    // and a headless Service mysql: it exists, yet its name resolves to its pod, not to a ClusterIP.
    const other = `${ns}-b`;
    await cluster.core.createNamespace({ body: { metadata: { name: other, labels: { 'course-harness/test': 'true' } } } });
    try {
      await cluster.core.createNamespacedService({ namespace: other, body: { metadata: { name: 'myblog' }, spec: { selector: { app: 'nothing' }, ports: [{ port: 80, targetPort: 8080 }] } } });
      const [mysqlPod] = await runPods(cluster, other, [echoPod('headless-mysql', { app: 'mysql' })]);
      await cluster.core.createNamespacedService({ namespace: other, body: { metadata: { name: 'mysql' }, spec: { clusterIP: 'None', selector: { app: 'mysql' }, ports: [{ port: 3306, targetPort: 8080 }] } } });
      await cluster.core.createNamespacedService({ namespace: other, body: { metadata: { name: 'myblog-np' }, spec: { type: 'NodePort', selector: { app: 'nothing' }, ports: [{ port: 80, targetPort: 8002 }] } } });
      const second = await runLive(kubeconfig, join(dir, 'planted-b'), '--namespace', other, ...probeArgs, '--grep', 'lab 30-services: (CoreDNS|Service myblog serves|Service mysql answers)');
      expect(second.row('Service myblog serves the blog list through its ClusterIP')).toMatchObject({
        result: 'fail',
        detail: expect.stringMatching(new RegExp(`^Service myblog does not serve: Service myblog selects app=nothing: no pod matches \\(pods have app=mysql\\); 5 of 5 answers to GET http://myblog\\.${other}\\.svc\\.cluster\\.local/blog/index/: no answer`)),
      });
      expect(second.row("CoreDNS resolves the course's Services")).toMatchObject({
        result: 'fail',
        detail: `mysql.${other}.svc.cluster.local resolves to ${mysqlPod.status?.podIP}, not Service mysql's ClusterIP None`,
      });
      // Its port and Ready pod look right, but a client of a headless Service connects to the pod itself, on 3306, where nothing listens.
      expect(second.row('Service mysql answers as MySQL')).toMatchObject({
        result: 'fail',
        detail: `Service mysql does not answer as MySQL on port 3306: mysql.${other}.svc.cluster.local:3306: nc: can't connect to remote host (${mysqlPod.status?.podIP}): Connection refused`,
      });
    } finally {
      await cluster.core.deleteNamespace({ name: other });
    }
  } finally {
    await removeVerifier(cluster, objects);
    rmSync(dir, { recursive: true, force: true });
  }
});
