// Grading's negative control: the reference labs with mistakes planted the
// way students make them (lib/grading/planted.ts) are graded by a run of the
// grading projects, as `npm test -- --manifests DIR` runs them. Each mistake
// must fail its row with its cause in plain words, the labs without mistakes
// must still pass, and no report may hold the submission's TLS key.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { expect, test } from '../fixtures/cluster.ts';
import { plantMistakes } from '../lib/grading/planted.ts';
import { scanForSecrets } from '../lib/report/secret-scan.ts';
import { removeSlot } from '../lib/grading/slot-edge.ts';
import { attempt } from '../lib/core/exec.ts';

// Not paused by class grading's measurement windows (fixtures/measurement-window.ts): one submission graded in a slot of
// its own, the kind of company a class's rollouts under load have (the class's other submission deploying and checking).
test.use({ destructive: true, pausesForWindows: false });

interface Row {
  title: string;
  status: string;
  error: string;
  attachments: { name: string; text: string }[];
}

type JsonResult = { status: string; error?: { message?: string }; attachments?: { name: string; body?: string }[] };
type JsonSuite = { specs?: { title: string; tests: { results: JsonResult[] }[] }[]; suites?: JsonSuite[] };

/** The rows of Playwright's JSON report, with their attachments decoded. */
function rows(suite: JsonSuite): Row[] {
  const row = (title: string, r?: JsonResult): Row => ({
    title,
    status: r?.status ?? 'none',
    error: r?.error?.message ?? '',
    attachments: (r?.attachments ?? []).map((a) => ({ name: a.name, text: a.body ? Buffer.from(a.body, 'base64').toString() : '' })),
  });
  return [...(suite.specs ?? []).flatMap((s) => s.tests.map((t) => row(s.title, t.results.at(-1)))), ...(suite.suites ?? []).flatMap(rows)];
}

test('a submission with planted mistakes: each fails its row with the cause, the other labs still pass, no report holds the TLS key', async ({ cluster }) => {
  test.setTimeout(12 * 60_000);
  const work = mkdtempSync(join(tmpdir(), 'grading-'));
  const { key } = await plantMistakes(join(work, 'student'));
  const id = randomBytes(3).toString('hex');
  try {
    const run = await attempt('npx', ['playwright', 'test', '--project=grade', 'suites/grade/deploy.setup.ts', 'suites/grade/1-stack.grade.ts', '--reporter=json', `--output=${join(work, 'results')}`], { env: { HARNESS_MANIFESTS: join(work, 'student'), HARNESS_GRADE_ID: id, PLAYWRIGHT_JSON_OUTPUT_NAME: join(work, 'report.json') } });
    expect(run.exitCode, 'the grading run fails: the submission has mistakes').toBe(1);
    const report = readFileSync(join(work, 'report.json'), 'utf8');
    const graded = rows(JSON.parse(report) as JsonSuite);
    const row = (title: string) => {
      const found = graded.filter((r) => r.title.includes(title));
      expect(found, `one row titled "${title}" among: ${graded.map((r) => r.title).join(' | ')}`).toHaveLength(1);
      return found[0];
    };
    const fails = (title: string, ...causes: string[]) => {
      const r = row(title);
      expect(r.status, `${title}: ${r.error}`).toBe('failed');
      for (const cause of causes) expect(r.error, title).toContain(cause);
    };
    const passes = (title: string) => expect(row(title).status, `${title}: ${row(title).error}`).toBe('passed');

    fails('details.yaml is Kubernetes YAML', 'YAML error: bad indentation of a mapping entry');
    fails('notes.yaml is Kubernetes YAML', 'not a Kubernetes object (no apiVersion or kind)');
    fails('ingress-reviews-rewrite.yaml is Kubernetes YAML', 'Ingress/bookstore-reviews: rewrite-target /reviews/$1 uses $1 but path /api/reviews has no capture group');
    fails('lab 01-namespace: the folder defines', 'Namespace/luffy is missing (no file in the folder defines it)');
    fails('lab 50-bookstore: the folder defines', 'Deployment/details is missing', 'Service/details is missing');
    fails('lab 50-bookstore: details and reviews roll out', 'not run: no lab defines Deployment/details');
    fails('Service myblog serves the blog list', 'Service myblog selects app=myblg: no pod matches');
    fails('NodePort Service myblog-np', 'Service myblog-np targetPort 8000 but the container declares port 8002');
    fails('Host myblog.luffy.com serves the blog list over HTTP', 'http://myblog.luffy.com/blog/index/ is not routed to Service myblog: Service myblog selects app=myblg');
    // Both broken parts of the HTTPS route are named: the selector and the certificate.
    fails('SNI myblog.luffy.com', 'Service myblog selects app=myblg', 'TLS secret tls-myblog is for blog.example.com, Ingress host is myblog.luffy.com');
    fails('bookstore.luffy.com/details/0 reaches details', 'the Ingress backend Service details does not exist');
    // The folder answers the routing labs both ways: the broken Ingress rewrite fails, the Gateway's is judged on its own.
    fails('the rewrite sends', 'differs from the course on Ingress', 'Ingress bookstore-reviews: rewrite-target /reviews/$1 uses $1 but path /api/reviews has no capture group', 'Gateway: as expected');

    // The remaining labs still ran.
    passes('deploy-myblog.yaml is Kubernetes YAML');
    passes('lab 10-config: the folder defines');
    passes('lab 20-deployments: the folder defines');
    passes('lab 20-deployments: mysql and myblog roll out');
    passes('lab 30-services: the folder defines');
    passes('Service mysql selects the Ready mysql pod');
    passes('lab 40-ingress-myblog: the folder defines');
    passes('other objects: Secret/tls-myblog apply');
    passes('bookstore.luffy.com/reviews/0 reaches reviews');
    passes('lab 60-gateway-api: the folder defines');
    passes('lab 60-gateway-api: the Gateway is Programmed and its HTTPRoutes Accepted');

    // A failure's evidence: what the client got, and the namespace's objects, events and logs.
    const evidence = (title: string, name: string) => row(title).attachments.find((a) => a.name === name)?.text ?? '';
    // Through the submission's own edge (a node's address and NodePort), the host as the student wrote it.
    expect(evidence('Host myblog.luffy.com serves', 'http-transcript.txt')).toMatch(/http:\/\/[\d.]+:\d+\/blog\/index\/ Host=myblog\.luffy\.com -> \d{3} pod=\S+ received=\S+/);
    const luffy = evidence('Host myblog.luffy.com serves', `evidence-g${id}-luffy.txt`);
    for (const part of ['## events', 'Service/myblog type=ClusterIP', 'selector=app=myblg', 'Secret/tls-myblog type=kubernetes.io/tls keys=tls.crt,tls.key', '## logs myblog-']) expect(luffy).toContain(part);

    // No value of the submission's Secrets in the report, its attachments, the output files or the run's output;
    // the same scan finds the key in the submitted folder itself, so it can fail.
    const secrets = [{ where: 'luffy/tls-myblog tls.key', value: key }];
    mkdirSync(join(work, 'results'), { recursive: true });
    writeFileSync(join(work, 'results', 'run-output.txt'), `${run.stdout}\n${run.stderr}`);
    expect(scanForSecrets(work, secrets).filter((l) => !l.file.startsWith('student/')), 'the TLS key in the reports, attachments or output').toEqual([]);
    expect(scanForSecrets(join(work, 'student'), secrets).map((l) => l.file)).toContain('40-ingress-myblog/tls-secret.yaml');
  } finally {
    await removeSlot(cluster.kc, id);
    rmSync(work, { recursive: true, force: true });
  }
});
