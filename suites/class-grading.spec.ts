// Grading a class, end to end: four submissions (the reference labs with
// the course's own image names, as a student writes them, and three with
// mistakes of the kinds the behaviour rows exist for) graded as
// `npm test -- --submissions DIR` grades them, two at a time, the behaviour
// rows one submission at a time. Each student's score and the cause of each
// lost check are asserted, the class report's files, and the class board
// showing them (npm run board -- --submissions DIR). The proof that a
// class is graded as if each student were alone: class-isolation.spec.ts.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '../fixtures/cluster.ts';
import { currentRunConfig } from '../lib/config/applicability.ts';
import { findSubmissions, gradeClass, type StudentResult } from '../lib/grading/class-grading.ts';
import { MANIFESTS } from '../lib/course/labs.ts';
import { loadRubric } from '../lib/grading/rubric.ts';
import { referenceWithEdits } from '../lib/grading/planted.ts';
import { GRADE_LABEL, gradeId } from '../lib/grading/submission.ts';
import { onNode } from '../lib/cluster/nodes.ts';
import { measurementWindow } from '../fixtures/measurement-window.ts';
import { expectClassBoard } from '../fixtures/board.ts';

// Beside the shared suites: each submission has its namespaces and its own edge (class-isolation.spec.ts proves
// nothing reaches across). Its four rollouts under load, judged by the requests they lose and the generator's
// schedule, run in measurement windows: a window opens once the tests running then have ended, and none starts
// meanwhile (fixtures/measurement-window.ts); the two submissions graded together share one, one after the other
// (lib/grading/load-turns.ts). The class's other submissions go on deploying and checking, as in any class.
test.use({ destructive: true, pausesForWindows: false });
// --quick leaves this file out: about 9 minutes of grading (four submissions, two at a time, and four rollouts under load).

test("a class of four: the reference with the course's image names (mysql:5.7, the class registry's myblog, istio's bookinfo) scores full marks; a selector typo, subtle mistakes (a RollingUpdate mysql, a readinessProbe that never gives up, a ClusterIP myblog-np) and a myblog without probes lose the checks they break, with their causes", async ({ cluster }) => {
  // About 9 minutes of grading, and its windows' waits for the tests running when they asked (a minute or two in all).
  test.setTimeout(40 * 60_000);
  const work = mkdtempSync(join(tmpdir(), 'class-'));
  const root = join(work, 'class');
  // a: the course's image names, served here by the images built here (lib/cluster/app-images.ts); istio's need no SERVICE.
  const istio = (service: string, image: string): [string, string, string] => [`50-bookstore/${service}.yaml`, `image: localhost/course-harness/bookinfo:v1\n        imagePullPolicy: IfNotPresent\n        env:\n        - name: SERVICE\n          value: ${service}\n`, `image: ${image}\n        imagePullPolicy: IfNotPresent\n${service === 'reviews' ? '        env:\n' : ''}`];
  referenceWithEdits(root, 'a-course-images', [
    ['20-deployments/deploy-mysql.yaml', 'image: localhost/course-harness/mariadb:10.11', 'image: mysql:5.7'],
    istio('details', 'docker.io/istio/examples-bookinfo-details-v1:1.16.2'),
    istio('reviews', 'docker.io/istio/examples-bookinfo-reviews-v3:1.16.2'),
  ]);
  referenceWithEdits(root, 'b-selector-typo', [['30-services/svc-myblog.yaml', 'app: myblog', 'app: myblg']]);
  // c: a RollingUpdate mysql; a myblog readinessProbe that looks right (httpGet /blog/index/) but needs 1000 failures,
  // so a hung pod stays in the Service; myblog-np a ClusterIP, so the load row can run through the Ingress only.
  referenceWithEdits(root, 'c-subtle-mistakes', [
    ['20-deployments/deploy-mysql.yaml', 'type: Recreate', 'type: RollingUpdate'],
    ['20-deployments/deploy-myblog.yaml', '          timeoutSeconds: 2\n          periodSeconds: 15', '          timeoutSeconds: 2\n          periodSeconds: 15\n          failureThreshold: 1000'],
    ['30-services/svc-myblog-np.yaml', '    nodePort: 30080\n', ''],
    ['30-services/svc-myblog-np.yaml', 'type: NodePort', 'type: ClusterIP'],
  ]);
  const deploy = 'deploy-myblog.yaml';
  const text = readFileSync(join(MANIFESTS, '20-deployments', deploy), 'utf8');
  const withoutProbes = text.slice(0, text.indexOf('        lifecycle:')) + text.slice(text.indexOf('        resources:'), text.indexOf('        livenessProbe:'));
  referenceWithEdits(root, 'd-no-probes', [['20-deployments/deploy-myblog.yaml', text, withoutProbes]]);
  const rubric = loadRubric(join(MANIFESTS, 'rubric.yaml'));
  const env = { HARNESS_CLUSTER_NAME: cluster.record!.name, HARNESS_RUN_CONFIG: JSON.stringify(currentRunConfig() ?? {}) };
  try {
    const results = await gradeClass({ submissions: findSubmissions(root), rubric, reportDir: join(work, 'reports'), parallel: 2, regrade: true, env, clusterName: cluster.record!.name, kc: cluster.kc, window: measurementWindow(test.info()) });
    // The windows' figures, to compare with a class graded alone (npm run bench:grade).
    for (const r of results) {
      const load = r.rows.find((x) => x.check.startsWith('myblog rolls from v1 to v2 under load') && x.result === 'pass');
      if (load) test.info().annotations.push({ type: 'measurement', description: `${r.name}'s rollout under load: ${load.detail}` });
    }
    const of = (name: string) => results.find((r) => r.name === name)!;
    const lost = (r: StudentResult) => r.score.labs.flatMap((l) => l.checks.filter((c) => c.outcome !== 'pass').map((c) => `${l.lab} ${c.check}: ${c.cause}`));
    const full = Object.values(rubric).reduce((n, l) => n + l.checks.reduce((m, c) => m + c.points, 0), 0);

    // With --images=upstream the real istio reviews answers /reviews/0/extra with a 404 that names no pod: that one row cannot be judged (as in live-mode-upstream).
    const upstream = cluster.record!.requested.images === 'upstream';
    const unjudged = (l: string) => upstream && /the rewrite keeps deeper segments: not judged: .*names no pod/.test(l);
    expect(lost(of('a-course-images')).filter((l) => !unjudged(l)), "the reference, with the course's image names, loses nothing").toEqual([]);
    if (!upstream) expect(of('a-course-images').score.earned).toBe(full);

    const typo = lost(of('b-selector-typo')).join('\n');
    expect(typo).toContain('30-services Service myblog serves the blog list: Service myblog does not serve: Service myblog selects app=myblg: no pod matches');
    expect(typo).toContain('40-ingress-myblog Host myblog.luffy.com serves the blog list over HTTP: ');
    expect(of('b-selector-typo').score.labs.find((l) => l.lab === '20-deployments')!.checks.find((c) => c.check.startsWith('mysql is updated'))!.outcome, 'one broken Service hides nothing else').toBe('pass');

    const subtle = lost(of('c-subtle-mistakes'));
    const row = (prefix: string) => subtle.find((l) => l.startsWith(prefix)) ?? `no lost row ${prefix} among: ${subtle.join(' | ')}`;
    expect(subtle).toHaveLength(4);
    expect(row('20-deployments mysql is updated')).toMatch(/^20-deployments mysql is updated without two MySQL pods on its hostPath data: Deployment mysql does not recreate: new pod mysql-\S+ was created .* while old pod mysql-\S+ \(\w+\) still existed \(strategy RollingUpdate\); both would mount hostPath \/opt\/mysql\/data$/);
    expect(row('20-deployments a hung myblog pod')).toMatch(/^20-deployments a hung myblog pod: a hung myblog pod stayed Ready while hung: the readinessProbe did not take it out of the Service before the livenessProbe restarted it \(Ready again after \d+ s\)$/);
    expect(row('20-deployments myblog rolls')).toBe('20-deployments myblog rolls from v1 to v2 under load: not run through the NodePort: Service myblog-np has no nodePort (type ClusterIP); through the Ingress the rolling update lost no request');
    expect(row('30-services NodePort Service myblog-np')).toContain('Service myblog-np is of type ClusterIP, not NodePort');

    const probes = lost(of('d-no-probes')).join('\n');
    expect(probes).toContain('20-deployments a hung myblog pod: Deployment myblog container myblog: no readinessProbe: a hung pod stays in the Service; no livenessProbe: a hung pod is never restarted');
    expect(probes).toMatch(/20-deployments myblog rolls from v1 to v2 under load: Deployment myblog loses requests in a rolling update \(strategy RollingUpdate maxSurge 25% maxUnavailable 25%; readinessProbe none; preStop none\): requests failed: /);

    // The class report: a CSV row per student for a gradebook, the HTML table linking each student's lab report.
    const csv = readFileSync(join(work, 'reports', 'class.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe(`student,total,max,not judged,${Object.keys(rubric).join(',')},failed checks`);
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 3).join(','))).toEqual(results.map((r) => `${r.name},${r.score.earned},${r.score.points}`));
    const html = readFileSync(join(work, 'reports', 'class.html'), 'utf8');
    for (const r of results) {
      expect(html).toContain(`href="students/${r.name}/labs.html"`);
      expect(existsSync(join(work, 'reports', 'students', r.name, 'labs.html')), `${r.name}'s lab report`).toBe(true);
      expect(existsSync(join(work, 'reports', 'students', r.name, 'html', 'index.html')), `${r.name}'s HTML report, with the transcripts and evidence`).toBe(true);
    }
    const report = readFileSync(join(work, 'reports', 'students', 'd-no-probes', 'labs.md'), 'utf8');
    expect(report).toMatch(/^# Lab report\n\nd-no-probes: \d+\/\d+ points \(01-namespace 1\/1, /);
    expect(report).toContain('hint: see the course\'s section Deployment 改造, 滚动更新 (rolling update)');
    // The same report as the class board (npm run board -- --submissions DIR), in Chromium.
    await expectClassBoard(test.info(), root, join(work, 'reports'), results);
    // Everything the grading made is gone (or going): its namespaces, and its MySQL folders on the nodes.
    for (const s of findSubmissions(root)) {
      const id = gradeId(s.dir);
      const left = (await cluster.core.listNamespace({ labelSelector: `${GRADE_LABEL}=${id}` })).items.filter((n) => !n.metadata?.deletionTimestamp);
      expect(left.map((n) => n.metadata?.name), `${s.name}'s namespaces deleted`).toEqual([]);
      for (const node of [`${cluster.record!.name}-worker`, `${cluster.record!.name}-worker2`]) {
        // Counted on the node (docker exec fails the test if the node cannot be asked).
        const folders = await onNode(node, ['sh', '-c', `ls -d /opt/mysql/*-g${id} 2>/dev/null | wc -l`]);
        expect(folders, `${s.name}'s MySQL folders left on ${node}`).toBe('0');
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
