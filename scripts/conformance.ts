// npm run conformance [-- --focus REGEX ... --skip REGEX ... --nodes N --dry-run]:
// the Kubernetes project's own conformance specs against the harness cluster,
// the yardstick for the parts only this cluster runs together (kindnet-lite,
// Debian's containerd and runc, our pause). e2e.test and the test images are
// built here (the images only on the offline path; online, the nodes pull the
// real ones). Failures listed in suites/conformance/known-failures.yaml are
// reported as the environment's when their evidence holds on this run; any
// other failure, or a known one under --strict, fails the command.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { clusterUp, kindBinary } from './lib/cluster.ts';
import { observe } from './lib/conformance/evidence.ts';
import { counts, judge, parseGinkgoReport, readKnownFailures, type Judged } from './lib/conformance/results.ts';
import { ALWAYS_SKIP, DEFAULT_FOCUS, runConformance } from './lib/conformance/run.ts';
import { buildConformanceTools, ensureTestImages } from './lib/conformance/tools.ts';
import { appendToLabReport, errorCause, type LabRow } from './lib/lab-report.ts';
import { HarnessError, info, main, step, warn } from './lib/log.ts';
import { parseCommandLine, usage, UsageError } from './lib/options.ts';

const KNOWN = resolve(import.meta.dirname, '../suites/conformance/known-failures.yaml');
const OUTPUT = resolve('reports/conformance');
const COMMAND = 'npm run conformance --';
const OWN_FLAGS = `  --focus REGEX            run the specs whose full text matches (repeatable; default: ${DEFAULT_FOCUS.join(' | ')})
  --skip REGEX             leave out the specs that match (repeatable; ${ALWAYS_SKIP} always)
  --nodes N                Ginkgo workers, each running one spec at a time (default 6: the specs mostly wait)
  --dry-run                list the specs the focus selects, run nothing`;

/** The flags of this command, taken out of argv; the rest are the harness's. */
function ownFlags(argv: string[]) {
  const focus: string[] = [];
  const skip: string[] = [];
  let nodes = 6;
  let dryRun = false;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [name, inline] = argv[i].includes('=') ? [argv[i].slice(0, argv[i].indexOf('=')), argv[i].slice(argv[i].indexOf('=') + 1)] : [argv[i], undefined];
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${name} needs a value`);
      return v;
    };
    const regex = () => {
      const v = value();
      try {
        new RegExp(v);
      } catch {
        throw new UsageError(`${name}: "${v}" is not a regular expression`);
      }
      return v;
    };
    if (name === '--focus') focus.push(regex());
    else if (name === '--skip') skip.push(regex());
    else if (name === '--nodes') {
      const v = value();
      if (!/^[1-9]\d?$/.test(v)) throw new UsageError(`--nodes: "${v}" is not a number of workers from 1 to 99`);
      nodes = Number(v);
    } else if (name === '--dry-run') dryRun = true;
    else rest.push(argv[i]);
  }
  return { focus: focus.length ? focus : DEFAULT_FOCUS, skip: [ALWAYS_SKIP, ...skip], nodes, dryRun, rest };
}

main(async () => {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(`${usage(COMMAND)}\n${OWN_FLAGS}`);
    return;
  }
  const own = ownFlags(argv);
  const options = parseCommandLine(COMMAND, own.rest)!;
  if (options.live) throw new UsageError('--live: conformance creates objects; it runs only on the harness cluster');
  const known = readKnownFailures(KNOWN);

  // A dry run lists the specs of the asked version: it needs no cluster.
  const record = own.dryRun ? undefined : (await clusterUp(options)).record;
  const version = record?.kubernetesVersion ?? options.kubernetesVersion;
  const tools = await buildConformanceTools(version, options.rebuild);
  if (record?.offline) await ensureTestImages(tools, version, await kindBinary(options), record.name, options.rebuild);
  else if (record) info('online cluster: the nodes pull the upstream test images');

  // A dry run's reports are thrown away: they must not replace a real run's.
  const outputDir = record ? OUTPUT : mkdtempSync(join(tmpdir(), 'conformance-dry-run-'));
  mkdirSync(outputDir, { recursive: true });
  const started = Date.now();
  const ran = await step(`conformance: e2e.test ${version}${record ? ` on ${own.nodes} workers` : ' (dry run)'} (log: ${join(outputDir, 'ginkgo.log')})`, () =>
    runConformance(tools, { focus: own.focus, skip: own.skip, nodes: own.nodes, kubeconfig: record?.kubeconfigPath, outputDir, dryRun: !record }),
  );
  const minutes = (Date.now() - started) / 60_000;
  const results = parseGinkgoReport(readFileSync(ran.report, 'utf8'));
  if (!results.length) throw new HarnessError(`no spec matches the focus ${own.focus.join(' | ')} (skip ${own.skip.join(' | ')})`, ran.log);
  if (!record) {
    for (const r of results) console.log(r.name);
    info(`${results.length} specs selected (dry run: nothing ran)`);
    rmSync(outputDir, { recursive: true, force: true });
    return;
  }

  const judged = await judge(results, known, (e) => observe(e));
  const c = counts(judged);
  for (const j of judged.filter((x) => x.verdict === 'failed')) console.log(`FAIL ${j.name}\n     ${j.failure}${j.explanation ? `\n     ${j.explanation}` : ''}`);
  for (const j of judged.filter((x) => x.verdict === 'known')) console.log(`KNOWN (environment) ${j.name}\n     ${j.failure}\n     ${j.explanation}`);
  const summary = `${results.length} specs: ${c.passed} passed, ${c.failed} failed, ${c.known} known environment failure(s)${c.skipped ? `, ${c.skipped} skipped by the spec itself` : ''}, in ${minutes.toFixed(1)} min`;
  writeFileSync(
    join(OUTPUT, 'summary.json'),
    JSON.stringify({ kubernetesVersion: version, focus: own.focus, skip: own.skip, nodes: own.nodes, minutes: Number(minutes.toFixed(1)), counts: c, specs: judged }, null, 2) + '\n',
  );
  appendToLabReport(labRows(judged, version, summary, c.failed > 0 || (options.strict && c.known > 0)), { replaceTopic: TOPIC(version) });
  info(`conformance: ${summary}`);
  info(`reports: ${OUTPUT}/junit.xml (JUnit), report.json (Ginkgo), summary.json, ginkgo.log; the lab report's section "${TOPIC(version)}"`);
  if (c.failed) return 1;
  if (options.strict && c.known) {
    warn(`--strict: ${c.known} known environment failure(s) count as failures`);
    return 1;
  }
});

const TOPIC = (version: string) => `Kubernetes conformance (e2e.test ${version}, npm run conformance)`;

/** The lab report's section: the counts, then every spec that did not pass, with its message. */
function labRows(judged: Judged[], version: string, summary: string, failed: boolean): LabRow[] {
  const topic = TOPIC(version);
  const rows: LabRow[] = [{ topic, check: 'the upstream conformance specs the course relies on', result: failed ? 'fail' : 'pass', detail: summary }];
  for (const j of judged.filter((x) => x.verdict === 'failed' || x.verdict === 'known')) {
    const detail = errorCause(`${j.failure ?? ''}${j.explanation ? `\n${j.explanation}` : ''}`);
    rows.push({ topic, check: j.name, result: j.verdict === 'known' ? 'known' : 'fail', detail: j.verdict === 'known' ? `known environment failure: ${detail}` : detail });
  }
  return rows;
}
