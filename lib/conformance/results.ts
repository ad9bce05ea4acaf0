// The verdict of a conformance run: Ginkgo's JSON report read into one result
// per spec, and each failure judged against the known environment failures
// (suites/conformance/known-failures.yaml). A failure counts as the
// environment's only when its spec's full name is the entry's, exactly, its
// message is the one the entry explains, and the entry's evidence, gathered
// from a pod on this run, puts it on the environment; any other failure fails
// the command.
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { HarnessError } from '../core/log.ts';

export interface SpecResult {
  /** the spec's full text, as --focus matches it */
  name: string;
  state: 'passed' | 'failed' | 'skipped';
  seconds: number;
  /** a failure's message (Ginkgo's words, the first lines) and where it failed; a skip's reason */
  failure?: string;
}

/** The run as a whole: its specs, and why the suite did not complete when it did not. */
export interface SuiteResult {
  specs: SpecResult[];
  /** problems of the run beyond its specs: fewer specs than selected, a suite timeout, an interruption */
  problems: string[];
}

export interface KnownFailure {
  /** the spec's full text, exactly as the report names it (not a part of it, not a pattern) */
  spec: string;
  /** a regular expression the failure's message must match */
  failure: string;
  cause: string;
  evidence: Evidence;
}

/** What must hold on the machine for the failure to be the environment's. */
export interface Evidence {
  /**
   * From a pod: a ClusterIP Service's TCP port, once deleted (its UDP port of
   * the same number kept), is still accepted and answered, and not by the
   * Service's endpoint (evidence.ts, checkDeletedPort).
   */
  deletedServicePort: { port: number };
}

/** What the evidence probe observed: whether it holds, in words. */
export interface Observed {
  holds: boolean;
  detail: string;
}

export interface Judged extends SpecResult {
  verdict: 'passed' | 'failed' | 'known' | 'skipped';
  /** for a failure: why it is (or is not) the environment's */
  explanation?: string;
}

interface GinkgoSuiteReport {
  SuiteSucceeded?: boolean;
  SpecialSuiteFailureReasons?: string[] | null;
  PreRunStats?: { SpecsThatWillRun?: number };
  SpecReports?: GinkgoSpecReport[] | null;
}

interface GinkgoSpecReport {
  ContainerHierarchyTexts?: string[] | null;
  LeafNodeText?: string;
  LeafNodeType?: string;
  State?: string;
  RunTime?: number;
  Failure?: { Message?: string; Location?: { FileName?: string; LineNumber?: number }; FailureNodeType?: string };
}

const FAILED_STATES = new Set(['failed', 'panicked', 'timedout', 'interrupted', 'aborted']);

/**
 * One result per spec that ran, from the report of `ginkgo --json-report`.
 * Suite-level nodes (BeforeSuite and the like) appear only when they failed:
 * a failed set-up is a failure even though no spec names it. A run that
 * ended early (a suite timeout, an interruption, a crashed worker) has fewer
 * specs than it selected: that is a problem of the run, never a pass.
 */
export function parseGinkgoReport(json: string, file: string): SuiteResult {
  let suites: GinkgoSuiteReport[];
  try {
    suites = JSON.parse(json) as GinkgoSuiteReport[];
  } catch (err) {
    throw new HarnessError(`${file} is not Ginkgo's JSON report: ${err instanceof Error ? err.message : String(err)}`);
  }
  const specs: SpecResult[] = [];
  let ran = 0;
  for (const r of suites.flatMap((s) => s.SpecReports ?? [])) {
    const state = r.State ?? '';
    const failed = FAILED_STATES.has(state);
    if (r.LeafNodeType !== 'It' && !failed) continue;
    // Specs the focus left out are reported as skipped with no run time: not part of this run.
    if (state === 'skipped' && !r.RunTime) continue;
    if (r.LeafNodeType === 'It') ran++;
    const name = [...(r.ContainerHierarchyTexts ?? []), r.LeafNodeText || r.LeafNodeType || ''].filter(Boolean).join(' ');
    const where = r.Failure?.Location?.FileName ? ` (${r.Failure.Location.FileName.replace(/^(.*\/)?k8s\.io\/kubernetes@[^/]+\//, '')}:${r.Failure.Location.LineNumber})` : '';
    specs.push({
      name,
      state: failed ? 'failed' : state === 'passed' ? 'passed' : 'skipped',
      seconds: Math.round((r.RunTime ?? 0) / 1e8) / 10,
      ...(failed ? { failure: `${state}: ${firstLines(r.Failure?.Message ?? '')}${where}` } : state === 'skipped' ? { failure: firstLines(r.Failure?.Message ?? '') } : {}),
    });
  }
  const problems: string[] = [];
  const selected = suites.reduce((n, s) => n + (s.PreRunStats?.SpecsThatWillRun ?? 0), 0);
  const reasons = [...new Set(suites.flatMap((s) => s.SpecialSuiteFailureReasons ?? []))];
  if (!suites.length) problems.push('the run wrote an empty report: no worker reported (see the log)');
  else if (ran < selected) problems.push(`${selected - ran} of the ${selected} selected specs did not run${reasons.length ? ` (${reasons.join('; ')})` : ''}`);
  else if (suites.some((s) => s.SuiteSucceeded === false) && !specs.some((r) => r.state === 'failed')) problems.push(`the suite did not succeed${reasons.length ? `: ${reasons.join('; ')}` : ''}`);
  return { specs, problems };
}

const firstLines = (text: string) => text.trim().split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 4).join(' · ').slice(0, 600);

/** The known environment failures file, checked for shape: a malformed entry is one clear line. */
export function parseKnownFailures(text: string, file: string): KnownFailure[] {
  let list: unknown;
  try {
    list = yaml.load(text);
  } catch (err) {
    throw new HarnessError(`${file}: not YAML: ${(err instanceof Error ? err.message : String(err)).split('\n')[0]}`);
  }
  if (!Array.isArray(list)) throw new HarnessError(`${file}: expected a list of known failures`);
  return list.map((e: Partial<KnownFailure>, i) => {
    const at = `${file}: entry ${i + 1}`;
    for (const key of ['spec', 'failure', 'cause'] as const) {
      if (typeof e?.[key] !== 'string' || !e[key]) throw new HarnessError(`${at}: "${key}" is missing`);
    }
    try {
      new RegExp(e.failure!);
    } catch {
      throw new HarnessError(`${at}: "failure" is not a regular expression: ${e.failure}`);
    }
    const port = e.evidence?.deletedServicePort?.port;
    if (!Number.isInteger(port) || port! < 1 || port! > 65535) throw new HarnessError(`${at}: "evidence" needs deletedServicePort: {port}`);
    return e as KnownFailure;
  });
}

export function readKnownFailures(file: string): KnownFailure[] {
  return parseKnownFailures(readFileSync(file, 'utf8'), file);
}

/**
 * Each result with its verdict; `observe` gathers an entry's evidence (once
 * per entry). An entry applies to the spec of exactly its name: a spec whose
 * name only contains it, or starts with it, is not listed.
 */
export async function judge(results: SpecResult[], known: KnownFailure[], observe: (e: Evidence) => Promise<Observed>): Promise<Judged[]> {
  const seen = new Map<KnownFailure, Observed>();
  const judged: Judged[] = [];
  for (const r of results) {
    if (r.state !== 'failed') {
      judged.push({ ...r, verdict: r.state });
      continue;
    }
    const listed = known.filter((k) => k.spec === r.name);
    const entry = listed.find((k) => new RegExp(k.failure).test(r.failure ?? '')) ?? listed[0];
    if (!entry) {
      judged.push({ ...r, verdict: 'failed' });
      continue;
    }
    if (!new RegExp(entry.failure).test(r.failure ?? '')) {
      judged.push({ ...r, verdict: 'failed', explanation: `listed as known, but failed otherwise than it explains (expected /${entry.failure}/)` });
      continue;
    }
    if (!seen.has(entry)) seen.set(entry, await observe(entry.evidence));
    const observed = seen.get(entry)!;
    judged.push(
      observed.holds
        ? { ...r, verdict: 'known', explanation: `${entry.cause} Evidence on this run: ${observed.detail}.` }
        : { ...r, verdict: 'failed', explanation: `listed as known, but the evidence does not put it on the environment: ${observed.detail}` },
    );
  }
  return judged;
}

export function counts(judged: Judged[]): Record<Judged['verdict'], number> {
  const c = { passed: 0, failed: 0, known: 0, skipped: 0 };
  for (const j of judged) c[j.verdict]++;
  return c;
}
