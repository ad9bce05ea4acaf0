// npm run conformance [-- --focus REGEX ... --skip REGEX ... --nodes N --dry-run]:
// the Kubernetes project's own conformance specs against the harness cluster,
// the yardstick for the parts only this cluster runs together (kindnet-lite,
// Debian's containerd and runc, our pause). e2e.test and the test images are
// built here (the images only on the offline path; online, the nodes pull the
// real ones). Failures listed in suites/conformance/known-failures.yaml are
// reported as the environment's when the spec of exactly the entry's name
// fails as the entry says and the entry's evidence, gathered from a pod on
// this run, puts it on the environment; any other failure (and under --strict
// a known one, or a spec that skipped itself) fails the command.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CoreV1Api } from '@kubernetes/client-node';
import { clusterUp, kindBinary } from '../lib/cluster/cluster.ts';
import { observe } from '../lib/conformance/evidence.ts';
import { counts, judge, parseGinkgoReport, readKnownFailures, type Judged } from '../lib/conformance/results.ts';
import { ALWAYS_SKIP, DEFAULT_FOCUS, runConformance } from '../lib/conformance/run.ts';
import { agnhostImage, buildConformanceTools, ensureTestImages } from '../lib/conformance/tools.ts';
import { appendToLabReport, errorCause, type LabRow } from '../lib/report/lab-report.ts';
import { loadKubeconfig } from '../lib/kube/kube.ts';
import { HarnessError, info, main, step, warn } from '../lib/core/log.ts';
import { parseCommand, type OwnFlag } from '../lib/core/command-line.ts';
import { UsageError } from '../lib/core/options.ts';

const KNOWN = resolve(import.meta.dirname, '../suites/conformance/known-failures.yaml');
const OUTPUT = resolve('reports/conformance');
const COMMAND = 'npm run conformance --';
const regex = (raw: string) => {
  try {
    new RegExp(raw);
    return undefined;
  } catch {
    return `"${raw}" is not a regular expression`;
  }
};
const OWN_FLAGS: Record<string, OwnFlag> = {
  '--focus': { arg: 'REGEX', help: `run the specs whose full text matches (repeatable; default: ${DEFAULT_FOCUS.join(' | ')})`, check: regex },
  '--skip': { arg: 'REGEX', help: `leave out the specs that match (repeatable; ${ALWAYS_SKIP} always)`, check: regex },
  '--nodes': { arg: 'N', help: 'Ginkgo workers, each running one spec at a time (default 6: the specs mostly wait)', check: (raw) => (/^[1-9]\d?$/.test(raw) ? undefined : `"${raw}" is not a number of workers from 1 to 99`) },
  '--dry-run': { help: 'list the specs the focus selects, run nothing' },
};

/** This command's own flags, from what the parser collected. */
function ownFlags(own: Record<string, string[]>) {
  return { focus: own['--focus'] ?? DEFAULT_FOCUS, skip: [ALWAYS_SKIP, ...(own['--skip'] ?? [])], nodes: Number(own['--nodes']?.at(-1) ?? 6), dryRun: !!own['--dry-run'] };
}

main(async () => {
  const parsed = parseCommand(COMMAND, { own: OWN_FLAGS });
  if (!parsed) return;
  const { options } = parsed;
  const own = ownFlags(parsed.own);
  if (options.live) throw new UsageError('--live: conformance creates objects; it runs only on the harness cluster');
  const known = readKnownFailures(KNOWN);
  if (own.dryRun) return dryRun(own, options.kubernetesVersion, options.rebuild);

  // Nothing of a previous run is left to be read as this one's, in the folder or in the lab report.
  rmSync(OUTPUT, { recursive: true, force: true });
  mkdirSync(OUTPUT, { recursive: true });
  let version = options.kubernetesVersion;
  try {
    const { record } = await clusterUp(options);
    version = record.kubernetesVersion;
    const tools = await buildConformanceTools(version, options.rebuild);
    if (record.offline) await ensureTestImages(tools, version, await kindBinary(options), record.name, options.rebuild);
    else info('online cluster: the nodes pull the upstream test images');
    await step('namespaces left by an interrupted conformance run', () => deleteE2eNamespaces(record.kubeconfigPath));

    // Ctrl-C reaches Ginkgo too (one process group): it stops the specs and deletes
    // their namespaces. This process waits for that, then says so.
    let interrupted = false;
    const onSignal = () => void (interrupted = true);
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const started = Date.now();
    const ran = await step(`conformance: e2e.test ${version} on ${own.nodes} workers (log: ${join(OUTPUT, 'ginkgo.log')})`, () =>
      runConformance(tools, { focus: own.focus, skip: own.skip, nodes: own.nodes, kubeconfig: record.kubeconfigPath, outputDir: OUTPUT }),
    ).finally(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
    const minutes = (Date.now() - started) / 60_000;
    if (interrupted) throw new Interrupted();
    const suite = parseGinkgoReport(readFileSync(ran.report, 'utf8'), ran.report);
    if (!suite.specs.length && !suite.problems.length) throw noSpec(own, ran.log);
    // A run that ended early is the run's failure, with Ginkgo's own words when it has them.
    if (suite.problems.length) throw new HarnessError(`${suite.problems.join('; ')}${ran.error ? ` (${ran.error.message})` : ''}`, ran.log);

    // A known failure's evidence is gathered on the cluster, from a pod (where the spec connects from).
    const kc = loadKubeconfig(record.kubeconfigPath);
    const judged = await judge(suite.specs, known, (e) => step('evidence of a known failure, from a pod', () => observe(kc, () => agnhostImage(tools.e2eTest), e)));
    const c = counts(judged);
    for (const j of judged.filter((x) => x.verdict === 'failed')) console.log(`FAIL ${j.name}\n     ${j.failure}${j.explanation ? `\n     ${j.explanation}` : ''}`);
    for (const j of judged.filter((x) => x.verdict === 'known')) console.log(`KNOWN (environment) ${j.name}\n     ${j.failure}\n     ${j.explanation}`);
    for (const j of judged.filter((x) => x.verdict === 'skipped')) console.log(`SKIPPED ${j.name}\n     ${j.failure}`);
    const summary = `${suite.specs.length} specs: ${c.passed} passed, ${c.failed} failed, ${c.known} known environment failure(s)${c.skipped ? `, ${c.skipped} skipped by the spec itself` : ''}, in ${minutes.toFixed(1)} min on ${own.nodes} workers`;
    const strictFailures = options.strict ? c.known + c.skipped : 0;
    writeFileSync(join(OUTPUT, 'summary.json'), JSON.stringify({ kubernetesVersion: version, focus: own.focus, skip: own.skip, nodes: own.nodes, minutes: Number(minutes.toFixed(1)), counts: c, specs: judged }, null, 2) + '\n');
    appendToLabReport(labRows(judged, version, summary, c.failed + strictFailures > 0), { replaceTopic: TOPIC });
    info(`conformance: ${summary}`);
    info(`reports: ${OUTPUT}/junit.xml (JUnit), report.json (Ginkgo), summary.json, ginkgo.log; the lab report's section "${TOPIC}"`);
    if (c.failed) return 1;
    if (strictFailures) {
      warn(`--strict: ${c.known} known environment failure(s) and ${c.skipped} skipped spec(s) count as failures`);
      return 1;
    }
  } catch (err) {
    // The lab report says the run failed and why, rather than keeping an older run's section.
    const cause = err instanceof Interrupted ? 'interrupted (the run was stopped; Ginkgo deleted its namespaces)' : err instanceof Error ? err.message : String(err);
    appendToLabReport([{ topic: TOPIC, check: `the upstream conformance specs the course relies on (e2e.test ${version})`, result: err instanceof Interrupted ? 'skipped' : 'fail', detail: cause }], { replaceTopic: TOPIC });
    if (err instanceof Interrupted) {
      warn(cause);
      return 130;
    }
    throw err;
  }
});

class Interrupted extends Error {}

const noSpec = (own: ReturnType<typeof ownFlags>, log?: string) => new HarnessError(`no spec matches the focus ${own.focus.join(' | ')} (skip ${own.skip.join(' | ')})`, log);

/** Lists the specs the focus selects in the asked version's e2e.test: no cluster, and no report kept. */
async function dryRun(own: ReturnType<typeof ownFlags>, version: string, rebuild: boolean): Promise<void> {
  const tools = await buildConformanceTools(version, rebuild);
  const outputDir = mkdtempSync(join(tmpdir(), 'conformance-dry-run-'));
  try {
    const ran = await step(`conformance: e2e.test ${version} (dry run)`, () => runConformance(tools, { focus: own.focus, skip: own.skip, nodes: 1, outputDir, dryRun: true }));
    const { specs } = parseGinkgoReport(readFileSync(ran.report, 'utf8'), ran.report);
    if (ran.error && !specs.length) throw ran.error;
    if (!specs.length) throw noSpec(own);
    for (const r of specs) console.log(r.name);
    info(`${specs.length} specs selected in e2e.test ${version} (dry run: nothing ran)`);
  } finally {
    rmSync(outputDir, { recursive: true, force: true });
  }
}

/** Deletes the namespaces a killed conformance run left (the e2e framework labels its namespaces e2e-run). */
async function deleteE2eNamespaces(kubeconfig: string): Promise<void> {
  const core = loadKubeconfig(kubeconfig).makeApiClient(CoreV1Api);
  const left = (await core.listNamespace({ labelSelector: 'e2e-run' })).items.filter((n) => !n.metadata?.deletionTimestamp);
  for (const n of left) await core.deleteNamespace({ name: n.metadata!.name! });
  if (left.length) info(`  deleted ${left.length}: ${left.map((n) => n.metadata!.name).join(', ')}`);
}

const TOPIC = 'Kubernetes conformance (npm run conformance)';

/** The lab report's section: the counts, then every spec that did not pass, with its message. */
function labRows(judged: Judged[], version: string, summary: string, failed: boolean): LabRow[] {
  const rows: LabRow[] = [{ topic: TOPIC, check: `the upstream conformance specs the course relies on (e2e.test ${version})`, result: failed ? 'fail' : 'pass', detail: summary }];
  for (const j of judged.filter((x) => x.verdict !== 'passed')) {
    const detail = errorCause(`${j.failure ?? ''}${j.explanation ? `\n${j.explanation}` : ''}`);
    const prefix = { known: 'known environment failure: ', skipped: 'skipped by the spec: ', failed: '', passed: '' }[j.verdict];
    rows.push({ topic: TOPIC, check: j.name, result: j.verdict === 'known' ? 'known' : j.verdict === 'skipped' ? 'skipped' : 'fail', detail: `${prefix}${detail}` });
  }
  return rows;
}
