// npm test: the cluster (created, built offline, or reused), then the
// harness's own unit tests and every suite against it, through Playwright.
// With --manifests DIR: the cluster, then the grading of that folder instead.
// Harness flags are read here and handed to Playwright's workers as HARNESS_*
// variables; Playwright's own options pass through.
//
// The cluster comes up before Playwright starts, so that the run's
// configuration (offline or online, proxy mode) is known when the suites are
// collected: a check that does not apply to it is not registered
// (lib/config/applicability.ts). While Playwright runs, every Secret in the
// course's and the tests' namespaces is watched; afterwards reports/ and the
// harness's logs are searched for their values.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { basename, join, resolve, sep } from 'node:path';
import { CoreV1Api, type V1Secret } from '@kubernetes/client-node';
import { notApplicable, runConfig, type RunConfig } from '../lib/config/applicability.ts';
import { factsText } from '../lib/report/rehearsal.ts';
import { ensureAppImages } from '../lib/cluster/app-images.ts';
import { clusterDown, clusterUp, kindBinary } from '../lib/cluster/cluster.ts';
import { apiGet, apiMessage, apiStatus, defaultKubeconfig, loadKubeconfig, observe, type Observation } from '../lib/kube/kube.ts';
import { appendToLabReport, errorCause, writeLabReport } from '../lib/report/lab-report.ts';
import { readJsonReport, testEntries, type TestEntry } from '../lib/report/playwright-json.ts';
import { HarnessError, info, main, warn } from '../lib/core/log.ts';
import { DEFAULTS, UsageError, type HarnessOptions } from '../lib/core/options.ts';
import { parseArgs, usage } from '../lib/core/command-line.ts';
import { loadRubric } from '../lib/grading/rubric.ts';
import { chooseParallel, findSubmissions, gradeClass, shardOf, type Submission } from '../lib/grading/class-grading.ts';
import { paths } from '../lib/core/paths.ts';
import { suitesLeftOutOfQuick } from '../lib/config/runs-alone.ts';
import { MIN_SCANNED_LENGTH, scanForSecrets, type SecretValue } from '../lib/report/secret-scan.ts';
import { sweepTestObjects } from '../lib/run/sweep.ts';
import { spawn } from '../lib/core/exec.ts';
import { writeClassPage } from '../lib/board/class-page.ts';

/** Playwright options that may be given without `--`. */
const PLAYWRIGHT_FLAGS: Record<string, 'value' | 'bare'> = {
  '--grep': 'value',
  '-g': 'value',
  '--grep-invert': 'value',
  '--project': 'value',
  '--list': 'bare',
  '--repeat-each': 'value',
  '--retries': 'value',
  '--reporter': 'value',
  '--headed': 'bare',
  '--debug': 'bare',
  '--max-failures': 'value',
  '-x': 'bare',
};

function harnessEnv(o: HarnessOptions, config: RunConfig | undefined): Record<string, string> {
  return {
    HARNESS_CLUSTER_NAME: o.clusterName,
    HARNESS_K8S_VERSION: o.kubernetesVersion,
    HARNESS_KIND_VERSION: o.kindVersion,
    HARNESS_PROXY_MODE: o.proxyMode,
    HARNESS_INGRESS: o.ingress,
    HARNESS_OFFLINE: o.offline,
    HARNESS_IMAGES: o.images,
    HARNESS_STRICT: String(o.strict),
    HARNESS_QUICK: String(o.quick),
    HARNESS_KEEP_CLUSTER: String(o.keepCluster),
    HARNESS_REBUILD: String(o.rebuild),
    HARNESS_ALLOW_FOREIGN_CONTEXT: String(o.allowForeignContext),
    HARNESS_MANIFESTS: o.manifests,
    // A grading run's namespaces and hosts carry this id (lib/grading/submission.ts).
    HARNESS_GRADE_ID: o.manifests ? randomBytes(3).toString('hex') : '',
    HARNESS_RUN_CONFIG: config ? JSON.stringify(config) : '',
    HARNESS_LIVE: String(o.live),
    HARNESS_KUBECONFIG: o.kubeconfig,
    HARNESS_CONTEXT: o.context,
    HARNESS_NODE_ADDRESS: o.nodeAddresses.join(','),
    HARNESS_INGRESS_ADDRESS: o.ingressAddress,
    HARNESS_NAMESPACE: o.namespace,
    HARNESS_PROBE_POD: String(o.probePod),
    HARNESS_PROBE_IMAGE: o.probeImage,
  };
}

/**
 * --live: the kubeconfig (--kubeconfig, else $KUBECONFIG's first file, else
 * ~/.kube/config) and its context, loaded and the API server reached before
 * Playwright starts, so that a wrong one is one line, not one failure per check.
 */
async function liveTarget(o: HarnessOptions): Promise<HarnessOptions> {
  if (o.manifests || o.submissions) throw new UsageError('--live checks a cluster as it is deployed; it grades no folder (drop --manifests and --submissions)');
  if (o.allowForeignContext) throw new UsageError('--live already runs on a cluster the harness did not create; --allow-foreign-context runs the e2e suites there instead: give one of them');
  const file = o.kubeconfig || defaultKubeconfig();
  if (!existsSync(file)) throw new UsageError(`kubeconfig ${file} does not exist (give one with --kubeconfig FILE)`);
  let kc;
  try {
    kc = loadKubeconfig(file, o.context || undefined);
  } catch (err) {
    const message = (err as Error).message.split('\n')[0];
    throw new UsageError(message.startsWith('kubeconfig ') ? message : `kubeconfig ${file}: ${message}`);
  }
  const server = kc.getCurrentCluster()?.server;
  if (!server) throw new UsageError(`kubeconfig ${file} has no current context: give one with --context NAME (it has ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
  const where = `the API server of context ${kc.getCurrentContext()} (${server})`;
  const version = await apiGet<{ gitVersion: string }>(kc, '/version').catch((err: unknown) => {
    throw new HarnessError(`cannot reach ${where}: ${apiMessage(err)}`);
  });
  // /version answers anyone: whether the kubeconfig's credentials count shows on a read the verifier may make.
  await kc.makeApiClient(CoreV1Api).readNamespace({ name: o.namespace }).catch((err: unknown) => {
    const status = apiStatus(err);
    if (status === 401 || (status === 403 && apiMessage(err).includes('"system:anonymous"'))) {
      throw new HarnessError(`${where} takes the kubeconfig's user ${kc.getCurrentUser()?.name} for no one (${status}): its credentials are missing, expired or not readable: ${apiMessage(err)}`);
    }
  });
  info(`live: checking the course as deployed in ${server} (context ${kc.getCurrentContext()}, Kubernetes ${version.gitVersion}), read-only`);
  return { ...o, kubeconfig: resolve(file), context: kc.getCurrentContext() };
}

/** The flags that only --live reads, as given (or set in the environment) on this command line. */
function liveOnlyFlags(o: HarnessOptions): string[] {
  return [
    o.kubeconfig && '--kubeconfig',
    o.context && '--context',
    o.namespace !== DEFAULTS.namespace && '--namespace',
    o.nodeAddresses.length && '--node-address',
    o.ingressAddress && '--ingress-address',
    o.probePod && '--probe-pod',
    o.probeImage !== DEFAULTS.probeImage && '--probe-image',
  ].filter((f): f is string => !!f);
}

/** Namespaces whose Secrets are the cluster's own, not the run's. */
const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'traefik', 'ingress-nginx', 'local-path-storage']);

/** Every Secret value seen while the run goes on, by "namespace/name key" (kept in memory only). */
async function watchSecrets(kubeconfig: string): Promise<{ observation: Observation<V1Secret>; values: Map<string, string> }> {
  const values = new Map<string, string>();
  const observation = await observe<V1Secret>({
    kc: loadKubeconfig(kubeconfig),
    path: '/api/v1/secrets',
    onChange: (items) => {
      for (const s of items) {
        if (SYSTEM_NAMESPACES.has(s.metadata?.namespace ?? '')) continue;
        for (const [k, v] of Object.entries(s.data ?? {})) values.set(`${s.metadata?.namespace}/${s.metadata?.name} ${k}`, Buffer.from(v, 'base64').toString());
      }
    },
  });
  return { observation, values };
}

/** The run's report folder (HARNESS_REPORT_DIR: where a run started by another puts its reports). */
const REPORTS = process.env.HARNESS_REPORT_DIR || 'reports';

/** The default class grading rubric. */
const RUBRIC = resolve(import.meta.dirname, '../manifests/rubric.yaml');

const now = () => `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`;

/** The class to grade: --submissions DIR's subfolders, or several --manifests folders. */
function classSubmissions(o: HarnessOptions): Submission[] {
  if (o.submissions) return findSubmissions(o.submissions);
  return o.manifestsList.length > 1 ? o.manifestsList.map((dir) => ({ name: basename(dir), dir })) : [];
}

main(async () => {
  if (process.argv.includes('--help')) {
    console.log(`${usage('npm test --')}\n  Playwright's options pass through: ${Object.keys(PLAYWRIGHT_FLAGS).join(', ')}; and test files`);
    return;
  }
  const parsed = parseArgs(process.argv.slice(2), process.env, { passThrough: PLAYWRIGHT_FLAGS });
  const rest = parsed.rest;
  const ignored = parsed.options.live ? [] : liveOnlyFlags(parsed.options);
  if (ignored.length) throw new UsageError(`${ignored.join(', ')} appl${ignored.length > 1 ? 'y' : 'ies'} to --live only (npm test -- --live ${ignored.join(' … ')} …)`);
  if (REPORTS !== 'reports' && (resolve(REPORTS) === resolve('.') || resolve('.').startsWith(resolve(REPORTS) + sep))) throw new UsageError(`HARNESS_REPORT_DIR=${REPORTS} would be emptied at the start of the run, and it holds this folder: give a folder of its own`);
  if (parsed.options.quick) {
    if (parsed.options.strict) throw new UsageError('--quick leaves suites out and --strict runs everything, skipping nothing: give one of them');
    const noSuites = parsed.options.live ? '--live' : parsed.options.manifests ? '--manifests' : parsed.options.submissions ? '--submissions' : '';
    if (noSuites) throw new UsageError(`--quick leaves out some of npm test's suites; ${noSuites} runs none of them: drop --quick`);
  }
  const options = parsed.options.live ? await liveTarget(parsed.options) : parsed.options;
  const klass = classSubmissions(options);
  const shard = options.shard ? { k: Number(options.shard.split('/')[0]), n: Number(options.shard.split('/')[1]) } : undefined;
  const rubricFile = options.rubric || RUBRIC;
  const rubric = klass.length ? loadRubric(rubricFile) : undefined;
  if (klass.length) info(`grading a class of ${klass.length}${shard ? `, shard ${options.shard}: ${shardOf(klass, shard).length} of them here` : ''} with the rubric ${rubricFile}`);
  else if (options.manifests) info(`grading ${options.manifests}: the audit, then its labs in namespaces of their own (the reference labs stay as they are)`);
  if (!options.live) {
    info(
      `npm test: kube-proxy ${options.proxyMode}, ingress ${options.ingress}, offline ${options.offline}, images ${options.images}, strict ${options.strict}, ` +
        `Kubernetes ${options.kubernetesVersion}, kind ${options.kindVersion}`,
    );
  }
  const leftOut = options.quick ? suitesLeftOutOfQuick() : [];
  if (leftOut.length) info(`--quick: leaving out ${leftOut.map((s) => `${s.file} (${s.why})`).join(', ')}; npm test without --quick runs them`);
  // A crashed run must not leave the previous run's verdicts to be read as this one's. A class keeps its
  // students' reports: a rerun grades only those without one (unless --regrade).
  for (const entry of existsSync(REPORTS) ? readdirSync(REPORTS) : []) if (!(klass.length && entry === 'students')) rmSync(join(REPORTS, entry), { recursive: true, force: true });

  let config = runConfig(options, undefined);
  let secrets: Awaited<ReturnType<typeof watchSecrets>> | undefined;
  let kubeconfig = '';
  if (!options.allowForeignContext && !options.live && !rest.includes('--list')) {
    try {
      const { record } = await clusterUp(options);
      await ensureAppImages(await kindBinary(options), options.clusterName, record.offline, options.rebuild, options.images);
      config = runConfig(options, record);
      // What this run checks, derived from its facts (npm run rehearse prints the same for any configuration, without a cluster).
      if (config && !klass.length && !options.manifests) console.log(factsText(config));
      kubeconfig = record.kubeconfigPath;
      secrets = await watchSecrets(record.kubeconfigPath);
    } catch (err) {
      writeLabReport([{ topic: 'Cluster set-up', check: 'the harness cluster is up and the app images are loaded', result: 'fail', detail: err instanceof Error ? err.message : String(err) }], `${now()}, run failed`);
      throw err;
    }
  }

  // Ctrl-C reaches Playwright from the terminal: it stops, tears its
  // fixtures down and writes the reports; a second SIGINT would kill it
  // mid-way, so SIGINT is not forwarded. SIGTERM (CI) is, as a SIGINT.
  // A class stops starting submissions on either signal; its running grading runs are sent the SIGINT on SIGTERM.
  let interrupted: string | undefined;
  let child: ReturnType<typeof spawn> | undefined;
  const stop = new AbortController();
  const cancel = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupted && signal === 'SIGTERM') {
      child?.kill('SIGINT');
      cancel.abort();
    }
    stop.abort();
    interrupted ??= signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let exitCode: number;
  if (klass.length) {
    if (!kubeconfig) throw new UsageError('a class is graded on the harness cluster: --allow-foreign-context does not apply');
    const kc = loadKubeconfig(kubeconfig);
    const chosen = options.parallel ? { parallel: options.parallel, why: 'as asked (--parallel)' } : await chooseParallel(kc, true);
    info(`${chosen.parallel} submission(s) at a time: ${chosen.why}`);
    const started = Date.now();
    const results = await gradeClass({ submissions: shardOf(klass, shard), rubric: rubric!, reportDir: REPORTS, parallel: chosen.parallel, regrade: options.regrade, env: harnessEnv(options, config), clusterName: options.clusterName, kc, stop: stop.signal, cancel: cancel.signal });
    for (const r of results) {
      const line = r.rows.length ? `${`${r.score.earned}/${r.score.points}`.padStart(7)}  ${r.score.labs.map((l) => `${l.lab} ${l.earned}/${l.points}`).join(', ')}${r.score.notJudged ? ` (${r.score.notJudged} not judged)` : ''}${r.graded ? '' : ' (reused)'}` : '    not graded (interrupted or not started)';
      console.log(`${r.name.padEnd(24)} ${line}`);
    }
    if (existsSync(join(REPORTS, 'class.json'))) writeClassPage(REPORTS);
    info(`class graded in ${((Date.now() - started) / 60_000).toFixed(1)} min; reports: ${REPORTS}/class.html (in Chinese class.zh.html), class.csv, students/NAME/labs.html${options.submissions ? `; as a board: npm run board -- --submissions ${options.submissions}` : ''}`);
    exitCode = results.some((r) => r.rows.length === 0) ? 1 : 0;
    // What the harness could not judge cost no student anything; under --strict it fails the run, the harness's own.
    const unjudged = results.flatMap((r) => r.score.labs.flatMap((l) => l.checks.filter((c) => c.outcome === 'not judged').map((c) => `${r.name}: lab ${l.lab}: ${c.check}`)));
    if (unjudged.length) info(`not judged (no points, none lost; the harness's limits): ${unjudged.join('; ')}`);
    if (options.strict && unjudged.length) {
      console.error(`error: --strict: ${unjudged.length} row(s) the harness could not judge (the students' scores leave them out): ${unjudged.join('; ')}`);
      exitCode = 1;
    }
  } else {
    child = spawn('npx', ['playwright', 'test', ...rest], { stdio: 'inherit', env: harnessEnv(options, config) });
    exitCode = (await child).exitCode ?? 1;
  }
  if (interrupted) warn(`${interrupted}: the run was interrupted; cleaning up`);
  // A grading run never touches luffy: nothing there to put back. A live run wrote nothing, to any cluster.
  if (!options.live) for (const line of await sweepTestObjects(options.clusterName, !!interrupted && !options.manifests && !klass.length).catch((e: Error) => [`cleanup incomplete: ${e.message}`])) info(line);

  let leaked = false;
  if (secrets) {
    secrets.observation.stop();
    const values: SecretValue[] = [...secrets.values].map(([where, value]) => ({ where, value }));
    const scanned = values.filter((v) => v.value.length >= MIN_SCANNED_LENGTH);
    const leaks = [...scanForSecrets(REPORTS, scanned).map((l) => ({ ...l, file: `${REPORTS}/${l.file}` })), ...scanForSecrets(paths.logs, scanned).map((l) => ({ ...l, file: `logs/${l.file}` }))];
    leaked = leaks.length > 0;
    // "ns/name key" grouped as "name key (in N namespaces)": the course's Secret is copied into many test namespaces.
    const shortByKey = new Map<string, number>();
    for (const v of values.filter((x) => x.value.length < MIN_SCANNED_LENGTH)) {
      const nameAndKey = v.where.slice(v.where.indexOf('/') + 1);
      shortByKey.set(nameAndKey, (shortByKey.get(nameAndKey) ?? 0) + 1);
    }
    const short = [...shortByKey].map(([k, n]) => `Secret ${k}${n > 1 ? ` (in ${n} namespaces)` : ''}`);
    const detail = leaked
      ? leaks.map((l) => `${l.file} holds Secret ${l.where} (${l.form})`).join(' · ')
      : `${scanned.length} values of ${new Set(scanned.map((v) => v.where.split(' ')[0])).size} Secrets searched in every form (plain, JSON, base64, PEM lines) in reports/ (the HTML report's zip included) and the harness logs${short.length ? `; too short to search (under ${MIN_SCANNED_LENGTH} characters): ${short.join(', ')}` : ''}`;
    appendToLabReport([{ topic: 'Reports', check: 'no value of a Secret the run saw appears in any report, log or attachment', result: leaked ? 'fail' : 'pass', detail }]);
    if (leaked) for (const l of leaks) warn(`SECRET LEAK: ${l.file} holds the value of Secret ${l.where} (${l.form})`);
  }

  if (!options.keepCluster && !options.live) await clusterDown(options);
  let strictSkips = 0;
  if (!klass.length) {
    info(`reports: ${REPORTS}/labs.md and labs.html (lab report${existsSync(join(REPORTS, 'labs.zh.md')) ? '; in Chinese labs.zh.md and labs.zh.html' : ''}), ${REPORTS}/html/index.html (HTML), ${REPORTS}/junit.xml (JUnit)`);
    const report = readJsonReport(join(REPORTS, 'results.json'));
    if (report) {
      const entries = testEntries(report);
      const annotated = (type: string) => entries.flatMap((t) => t.annotations.filter((a) => a.type === type).map((a) => ({ test: t.title, d: a.description ?? '' })));
      for (const { d } of annotated('measurement')) info(`measured: ${d}`);
      for (const { test, d } of annotated('skip')) info(`skipped: ${test}: ${d}`);
      // Last, so that a log's tail (all a CI page may keep) says why.
      for (const t of entries.filter((x) => x.status === 'failed' || x.status === 'timedOut')) info(`failed: ${t.file} › ${t.title}: ${errorCause(t.message) || 'see the HTML report'}`);
      const count = (...statuses: TestEntry['status'][]) => entries.filter((t) => statuses.includes(t.status)).length;
      const quick = leftOut.length ? `; --quick left out ${leftOut.length} suite files: ${leftOut.map((s) => s.file).join(', ')}` : '';
      // What this configuration does not register is part of what the run says it checked.
      const unregistered = notApplicable(config);
      const notRegistered = unregistered.length ? `; ${unregistered.length} not registered for this configuration (${unregistered.map((c) => `${c.suite}: ${c.reason}`).join('; ')})` : '';
      console.log(`summary: ${count('passed')} passed, ${count('failed', 'timedOut')} failed, ${count('skipped', 'interrupted')} skipped${quick}${notRegistered}${interrupted ? ' (interrupted: the tests cut short or not run count as skipped)' : ''}`);
      if (options.strict) strictSkips = count('skipped', 'interrupted');
    }
  }
  if (interrupted) return 130;
  if (strictSkips) {
    console.error(`error: --strict: ${strictSkips} test(s) skipped; a strict run ends with none (see the skip reasons above)`);
    return 1;
  }
  if (leaked) return 1;
  return exitCode;
});
