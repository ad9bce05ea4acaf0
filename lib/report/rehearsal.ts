// A run rehearsed without a cluster: the facts a configuration would give
// (RunConfig), the checks it registers (Playwright's own --list, collected
// under those facts), the checks it leaves out and why, and every expectation
// derived from the facts (expectations.ts). `npm run rehearse` prints it for
// any configuration; `npm test` prints it for its own at the start of a run.
import { notApplicable, type RunConfig } from '../config/applicability.ts';
import { expectationTable } from '../config/expectations.ts';
import { UsageError, type HarnessOptions } from '../core/options.ts';
import { testEntries, type JsonReport, type TestEntry } from './playwright-json.ts';
import { preflight, type HostFacts } from '../cluster/preflight.ts';
import { attempt } from '../core/exec.ts';

/** What a host can run, as far as the facts depend on it. */
export interface RehearsedHost {
  /** the kernel has IP_VS (kube-proxy's ipvs mode) */
  ipvs: boolean;
  kernelRelease: string;
}

/**
 * The facts of a harness cluster made with these options on such a host, as
 * cluster:up decides them: offline when asked (auto: as a machine that cannot
 * pull decides), Traefik offline, ipvs falling back to iptables without IP_VS.
 */
export function rehearsedConfig(o: HarnessOptions, host: RehearsedHost): { config: RunConfig; notes: string[] } {
  const notes: string[] = [];
  const offline = o.offline !== 'off';
  if (o.offline === 'auto') notes.push('--offline=auto taken as on, as on a machine that cannot pull the node image (give --offline=off for one that can)');
  if (o.images === 'upstream' && offline) throw new UsageError('--images=upstream needs the online path: give --offline=off');
  const ingress = offline ? 'traefik' : o.ingress;
  if (ingress !== o.ingress) notes.push('offline: ingress-nginx cannot be built here, Traefik serves the Ingresses');
  const facts: HostFacts = { dockerReachable: true, dockerInstallable: true, kernelRelease: host.kernelRelease, procNetIpVs: host.ipvs, ipVsModuleAvailable: host.ipvs, cgroupVersion: 2, freeDiskGiB: 1e6, ports: {} };
  const pre = preflight(facts, o, offline);
  const config: RunConfig = {
    offline,
    requestedProxyMode: o.proxyMode,
    proxyMode: pre.proxyMode,
    foreign: o.allowForeignContext,
    ingress,
    gateway: !o.allowForeignContext,
    images: o.images,
    kubernetesVersion: o.kubernetesVersion,
    hostSkips: pre.skips,
  };
  return { config, notes };
}

export interface Rehearsal {
  config: RunConfig;
  registered: TestEntry[];
  /** what would make the run fail for this configuration's facts alone */
  problems: string[];
}

/** The tests Playwright would run with these settings (its own --list, as JSON), and what went wrong collecting them. */
export async function listTests(project: string, env: Record<string, string>): Promise<{ tests: TestEntry[]; problems: string[] }> {
  const r = await attempt('npx', ['playwright', 'test', '--list', '--reporter=json', `--project=${project}`], { env });
  const problems: string[] = [];
  let report: JsonReport = { suites: [] };
  try {
    report = JSON.parse(String(r.stdout)) as JsonReport;
  } catch {
    problems.push(`the suites could not be collected: ${String(r.stderr).trim().split('\n').slice(0, 3).join(' ') || `playwright exited ${r.exitCode}`}`);
  }
  for (const e of report.errors ?? []) problems.push(`collecting the suites failed: ${(e.message ?? '').split('\n')[0]}`);
  return { tests: testEntries(report).filter((t) => t.project === project), problems };
}

/** Collects the e2e suites under `config` (Playwright --list) and checks what they register against its facts. */
export async function rehearse(config: RunConfig, o: HarnessOptions, env: Record<string, string> = {}): Promise<Rehearsal> {
  const { tests: registered, problems } = await listTests('e2e', { ...env, HARNESS_RUN_CONFIG: JSON.stringify(config), HARNESS_QUICK: String(o.quick), HARNESS_STRICT: String(o.strict) });
  // A check that needs a fact (a Gateway, say) says so; registered without it, it could only fail for the configuration's sake.
  for (const t of registered) {
    for (const fact of t.annotations.filter((a) => a.type === 'requires').map((a) => a.description ?? '')) {
      if (!config[fact as keyof RunConfig]) problems.push(`${t.file} › ${t.title}: registered, but it needs ${fact}, which this configuration does not have`);
    }
  }
  if (o.strict) for (const [check, why] of Object.entries(config.hostSkips)) problems.push(`--strict: ${check} cannot run on this host (${why}): its checks would fail`);
  return { config, registered, problems };
}

const describeConfig = (c: RunConfig) =>
  `kube-proxy ${c.proxyMode}${c.proxyMode !== c.requestedProxyMode ? ` (${c.requestedProxyMode} asked for)` : ''}, ingress ${c.ingress}, Gateway ${c.gateway ? 'yes' : 'no'}, ${c.offline ? 'offline' : 'online'}, images ${c.images}, Kubernetes ${c.kubernetesVersion}${c.foreign ? ', foreign cluster' : ''}`;

/** The facts, the expectations derived from them, and what this configuration does not register and why: what npm test prints first. */
export function factsText(config: RunConfig, notes: string[] = []): string {
  const out = [`configuration: ${describeConfig(config)}`, ...notes.map((n) => `  note: ${n}`), 'expectations derived from it:'];
  for (const e of expectationTable(config)) out.push(`  ${e.name}: ${e.value}`, `      because ${e.because}`);
  const left = notApplicable(config);
  out.push(`not registered for this configuration (${left.length}):`, ...(left.length ? left.map((c) => `  ${c.suite}: ${c.title}: ${c.reason}`) : ['  none']));
  return out.join('\n');
}

/** The rehearsal as text: the facts, the expectations, what is not registered and why, then (with `all`) every registered check. */
export function rehearsalText(r: Rehearsal, { all = true, notes = [] as string[] } = {}): string {
  const files = new Set(r.registered.map((t) => t.file));
  const out = [factsText(r.config, notes), `registered: ${r.registered.length} checks in ${files.size} suite files`];
  if (all) {
    out.push('', 'the registered checks:');
    for (const file of files) out.push(`  ${file}`, ...r.registered.filter((t) => t.file === file).map((t) => `    ${t.title}`));
  }
  if (r.problems.length) out.push('', `PROBLEMS (${r.problems.length}):`, ...r.problems.map((p) => `  ${p}`));
  return out.join('\n');
}
