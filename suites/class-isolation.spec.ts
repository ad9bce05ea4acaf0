// A class graded as if each student were alone, in two tests side by side.
// The edge: the reference and interferers (a catch-all Ingress with
// cluster-scoped objects, a wildcard host with its own *.luffy.com
// certificate) graded alone and then all at once give the same rows, row by
// row; an empty folder scores 0. The node: two submissions with MySQL on the
// mysql node's host network, graded as one class, take turns (one port, one
// node) and get the same rows as each other. Each submission has its
// namespaces and its own edge (lib/grading/slot-edge.ts), so nothing the
// shared suites do reaches it: this file runs beside them. It measures
// nothing; it compares verdicts.
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { NetworkingV1Api } from '@kubernetes/client-node';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Cluster } from '../fixtures/cluster.ts';
import { currentRunConfig } from '../lib/config/applicability.ts';
import { aloneMarker, completeMarker, findSubmissions, gradeClass, type StudentResult } from '../lib/grading/class-grading.ts';
import { MANIFESTS } from '../lib/course/labs.ts';
import { loadRubric } from '../lib/grading/rubric.ts';
import type { LabRow } from '../lib/report/lab-report.ts';
import { selfSignedCertificate } from '../lib/cluster/tls.ts';
import { referenceWithEdits } from '../lib/grading/planted.ts';

// Not paused by class grading's measurement windows (fixtures/measurement-window.ts): its gradings are a class's
// kind of work, which a class's rollouts under load run beside; a window waiting for these tests would wait minutes.
test.use({ destructive: true, pausesForWindows: false });
// Each test a job of its own, on two workers: the edge's takes about 9 minutes, the node's about 4.
test.describe.configure({ mode: 'parallel' });
// --quick leaves this file out: about 9 minutes of grading (three submissions alone, then four at once; beside them, two on a host network).

/** A row as it must be the same alone and in company: its verdict, and a failure's cause with the run's own names (pod suffixes, figures) masked. */
const comparable = (r: LabRow) => `${r.topic}: ${r.check} => ${r.result}${r.result === 'pass' ? '' : `: ${r.detail.replace(/\b([a-z0-9]+(-[a-z0-9]+)*)-[a-z0-9]{8,10}-[a-z0-9]{5}\b/g, '$1-<pod>').replace(/\d+(\.\d+)?/g, '#')}`}`;

type Grade = (names: string[], parallel: number, dir: string) => Promise<StudentResult[]>;

/** A class of the submissions `make` writes under a folder of its own, graded by the stack's checks (`reports`: where a grading's went); its folder is removed after `use`. */
async function inClass(cluster: Cluster, make: (root: string) => Promise<void> | void, use: (grade: Grade, reports: (dir: string) => string) => Promise<void>): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'isolation-'));
  const root = join(work, 'class');
  try {
    await make(root);
    const rubric = loadRubric(join(MANIFESTS, 'rubric.yaml'));
    const env = { HARNESS_CLUSTER_NAME: cluster.record!.name, HARNESS_RUN_CONFIG: JSON.stringify(currentRunConfig() ?? {}) };
    // The stack's checks: what an edge, a certificate, a host port or a cluster-wide object can disturb (the updates and the load act on the submission's own Deployments).
    await use(
      (names, parallel, dir) =>
        gradeClass({ submissions: findSubmissions(root).filter((s) => names.includes(s.name)), rubric, reportDir: join(work, dir), parallel, regrade: true, env, clusterName: cluster.record!.name, kc: cluster.kc, checks: ['1-stack.grade.ts'], load: false }),
      (dir) => join(work, dir),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

test('isolation at the edge: the reference and three interferers (a catch-all Ingress with cluster-scoped objects, a wildcard host with its own *.luffy.com certificate, an empty folder) get the same rows graded alone and all at once; the empty folder scores 0', async ({ cluster }) => {
  test.setTimeout(30 * 60_000);
  const catchAll = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: catch-all
  namespace: luffy
spec:
  ingressClassName: nginx
  rules:
  - http:
      paths:
      - { path: /, pathType: Prefix, backend: { service: { name: myblog, port: { number: 80 } } } }
`;
  // Cluster-scoped: applied as written, an IngressClass nginx of another controller would take the course's class from every edge.
  const clusterScoped = `apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata:
  name: nginx
spec:
  controller: example.com/not-the-course
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: mine
spec:
  controllerName: traefik.io/gateway-controller
`;
  const wild = await selfSignedCertificate('*.luffy.com', 'interferer');
  const wildcard = `apiVersion: v1
kind: Secret
metadata:
  name: tls-wild
  namespace: luffy
type: kubernetes.io/tls
stringData:
  tls.crt: ${JSON.stringify(wild.cert)}
  tls.key: ${JSON.stringify(wild.key)}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: wildcard
  namespace: luffy
spec:
  ingressClassName: nginx
  rules:
  - host: "*.luffy.com"
    http:
      paths:
      - { path: /, pathType: Prefix, backend: { service: { name: myblog, port: { number: 80 } } } }
  tls:
  - hosts: ["*.luffy.com"]
    secretName: tls-wild
`;
  await inClass(cluster, (root) => {
    referenceWithEdits(root, 'ref');
    referenceWithEdits(root, 'x-catch-all');
    writeFileSync(join(root, 'x-catch-all', '40-ingress-myblog', 'catch-all.yaml'), catchAll);
    writeFileSync(join(root, 'x-catch-all', 'cluster.yaml'), clusterScoped);
    referenceWithEdits(root, 'y-wildcard');
    writeFileSync(join(root, 'y-wildcard', '40-ingress-myblog', 'wildcard.yaml'), wildcard);
    mkdirSync(join(root, 'z-empty'), { recursive: true });
  }, async (grade) => {
    const graded = ['ref', 'x-catch-all', 'y-wildcard'];
    const alone = new Map<string, StudentResult>();
    for (const name of graded) alone.set(name, (await grade([name], 1, `alone-${name}`))[0]);
    const started = Date.now();
    const together = await grade([...graded, 'z-empty'], 4, 'together');
    test.info().annotations.push({ type: 'measurement', description: `isolation: side by side in ${((Date.now() - started) / 1000).toFixed(0)} s; alone ${graded.map((n) => `${n} ${alone.get(n)!.seconds?.toFixed(0)} s`).join(', ')}` });
    const of = (name: string) => together.find((r) => r.name === name)!;
    for (const name of graded) {
      expect(of(name).rows.map(comparable), `${name}: the same rows alone and in company`).toEqual(alone.get(name)!.rows.map(comparable));
      expect([of(name).score.earned, of(name).score.points], `${name}: the same points alone and in company`).toEqual([alone.get(name)!.score.earned, alone.get(name)!.score.points]);
    }
    // The reference loses nothing, beside a catch-all, a wildcard and its certificate.
    expect(of('ref').rows.filter((r) => r.result !== 'pass').map(comparable), 'the reference beside the interferers').toEqual([]);
    // Each interferer's own mistakes are its own: its catch-all or wildcard takes the host no route names, on its own edge.
    // (The wildcard Ingress has a TLS entry: its edge redirects plain HTTP, as ingress-nginx does.)
    for (const [name, answer] of [['x-catch-all', 'HTTP 200 from pod myblog-'], ['y-wildcard', 'HTTP 308']]) {
      const row = of(name).rows.find((r) => r.check.startsWith('a host no route names'))!;
      expect(row, `${name}: its rule takes nothing.luffy.com`).toMatchObject({ result: 'fail', detail: expect.stringContaining(`Ingress: http://nothing.luffy.com/blog/index/ should reach no backend: answered ${answer}`) });
    }
    // All at once: none of them is on a node's host network.
    expect(together.map((r) => r.alone)).toEqual([undefined, undefined, undefined, undefined]);
    // What acts beyond the slot is refused, named.
    expect(of('x-catch-all').rows.find((r) => r.check.includes('IngressClass/nginx, GatewayClass/mine'))).toMatchObject({
      result: 'fail',
      detail: expect.stringContaining('not applied while grading (cluster-scoped, or not a kind a course answer uses, so it could reach beyond the submission): IngressClass/nginx, GatewayClass/mine'),
    });
    const courseClass = await cluster.kc.makeApiClient(NetworkingV1Api).readIngressClass({ name: 'nginx' });
    expect(courseClass.spec?.controller, 'the course\'s IngressClass is untouched').not.toBe('example.com/not-the-course');
    // An empty folder earns nothing: the negative route rows need the route that must refuse.
    expect(of('z-empty').score.earned, `the empty folder: ${of('z-empty').rows.filter((r) => r.result === 'pass').map((r) => r.check).join(' | ')}`).toBe(0);
  });
});

// MySQL on the mysql node's host network (lab 05's way): pod-labs.spec.ts's labs 05 and 06 want its port 3306 too.
test("isolation on the node: two submissions with MySQL on the mysql node's host network, graded as one class, take turns and lose nothing", { lock: 'host-port-3306-on-the-mysql-node' }, async ({ cluster }) => {
  test.setTimeout(20 * 60_000);
  const hostNetwork: [string, string, string] = ['20-deployments/deploy-mysql.yaml', '    spec:\n      volumes:', '    spec:\n      hostNetwork: true\n      volumes:'];
  await inClass(cluster, (root) => {
    referenceWithEdits(root, 'h-first', [hostNetwork]);
    referenceWithEdits(root, 'h-second', [hostNetwork]);
  }, async (grade, reports) => {
    const [first, second] = await grade(['h-first', 'h-second'], 2, 'host-network');
    // They took turns: the second's turn (its marker written as it began) began once the first's grading was complete.
    const o = { reportDir: reports('host-network') };
    const began = (name: string) => statSync(aloneMarker(o, name)).mtimeMs;
    const [earlier, later] = [first.name, second.name].sort((a, b) => began(a) - began(b));
    expect(began(later), `${later} began after ${earlier}'s grading was complete`).toBeGreaterThanOrEqual(statSync(completeMarker(o, earlier)).mtimeMs);
    for (const r of [first, second]) {
      expect(r.alone, `${r.name}: one at a time, and the report says so`).toContain("graded one at a time with the other submissions on a node's host network (Deployment/mysql: hostNetwork or hostPort");
      expect(r.rows.filter((x) => x.result !== 'pass').map(comparable), `${r.name}: the reference on the host network loses nothing`).toEqual([]);
    }
    const rows = (r: StudentResult) => r.rows.map((x) => comparable(x).replaceAll(`${r.name}/`, '<folder>/'));
    expect(rows(second), 'the same rows for the same folder').toEqual(rows(first));
  });
});
