// npm test: the harness's own unit tests, then the cluster (created, built
// offline, or reused) and every suite against it, through Playwright. With
// --manifests DIR: the cluster, then the grading of that folder instead.
// Harness flags are read here and handed to Playwright's workers as HARNESS_*
// variables; Playwright's own options pass through.
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';
import { clusterDown } from './lib/cluster.ts';
import { readJUnit } from './lib/junit.ts';
import { info, main, warn } from './lib/log.ts';
import { sweepTestObjects } from './lib/sweep.ts';
import { parseArgs, usage, type HarnessOptions } from './lib/options.ts';

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

function harnessEnv(o: HarnessOptions): Record<string, string> {
  return {
    HARNESS_CLUSTER_NAME: o.clusterName,
    HARNESS_K8S_VERSION: o.kubernetesVersion,
    HARNESS_KIND_VERSION: o.kindVersion,
    HARNESS_PROXY_MODE: o.proxyMode,
    HARNESS_INGRESS: o.ingress,
    HARNESS_OFFLINE: o.offline,
    HARNESS_STRICT: String(o.strict),
    HARNESS_KEEP_CLUSTER: String(o.keepCluster),
    HARNESS_REBUILD: String(o.rebuild),
    HARNESS_ALLOW_FOREIGN_CONTEXT: String(o.allowForeignContext),
    HARNESS_MANIFESTS: o.manifests,
    // A grading run's namespaces and hosts carry this id (scripts/lib/submission.ts).
    HARNESS_GRADE_ID: o.manifests ? randomBytes(3).toString('hex') : '',
  };
}

main(async () => {
  if (process.argv.includes('--help')) {
    console.log(usage('npm test --') + '\n  (Playwright options such as --grep, --project, or files, pass through)');
    return;
  }
  const { options, rest } = parseArgs(process.argv.slice(2), process.env, PLAYWRIGHT_FLAGS);
  if (options.manifests) info(`grading ${options.manifests}: the audit, then its labs in namespaces of their own (the reference labs stay as they are)`);
  info(
    `npm test: kube-proxy ${options.proxyMode}, ingress ${options.ingress}, offline ${options.offline}, strict ${options.strict}, ` +
      `Kubernetes ${options.kubernetesVersion}, kind ${options.kindVersion}`,
  );
  const child = execa('npx', ['playwright', 'test', ...rest], {
    stdio: 'inherit',
    reject: false,
    env: harnessEnv(options),
  });
  // Ctrl-C reaches Playwright from the terminal: it stops, tears its
  // fixtures down and writes the reports; a second SIGINT would kill it
  // mid-way, so SIGINT is not forwarded. SIGTERM (CI) is, as a SIGINT.
  let interrupted: string | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (!interrupted && signal === 'SIGTERM') child.kill('SIGINT');
    interrupted ??= signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const result = await child;
  if (interrupted) warn(`${interrupted}: the run was interrupted; cleaning up`);
  // A grading run never touches luffy: nothing there to put back.
  for (const line of await sweepTestObjects(options.clusterName, !!interrupted && !options.manifests).catch((e: Error) => [`cleanup incomplete: ${e.message}`])) info(line);
  if (!options.keepCluster) await clusterDown(options);
  info('reports: reports/labs.md and labs.html (lab report), reports/html/index.html (HTML), reports/junit.xml (JUnit)');
  const cases = readJUnit('reports/junit.xml');
  if (cases) {
    const annotated = (type: string) => cases.flatMap((c) => c.properties.filter(([t]) => t === type).map(([, d]) => ({ test: c.name, d })));
    for (const { d } of annotated('measurement')) info(`measured: ${d}`);
    for (const { test, d } of annotated('skip')) info(`skipped: ${test}: ${d}`);
    const count = (status: string) => cases.filter((c) => c.status === status).length;
    console.log(`summary: ${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped${interrupted ? ' (interrupted: the tests cut short or not run count as skipped)' : ''}`);
  }
  if (interrupted) return 130;
  return result.exitCode ?? 1;
});
