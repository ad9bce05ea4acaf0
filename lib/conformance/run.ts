// Running e2e.test under the Ginkgo CLI (specs spread over several workers,
// each in its own namespaces), with its progress on the heartbeat line and
// its reports (JUnit, Ginkgo's JSON) in the output folder.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { run } from '../core/exec.ts';
import { doing, HarnessError } from '../core/log.ts';
import type { ConformanceTools } from './tools.ts';

/**
 * What the course relies on: Services, DNS, networking, Deployments and
 * ReplicaSets (DaemonSet's conformance specs are all [Serial]), and pods'
 * lifecycle and probes.
 */
export const DEFAULT_FOCUS = [
  String.raw`\[sig-network\].*\[Conformance\]`,
  String.raw`\[sig-apps\] (Deployment|ReplicaSet|Daemon set).*\[Conformance\]`,
  String.raw`\[sig-node\] (Probing container|Pods|Container Lifecycle Hook).*\[Conformance\]`,
];
/** Specs that take the cluster over (one at a time, or breaking nodes) never run here. */
export const ALWAYS_SKIP = String.raw`\[Serial\]|\[Disruptive\]`;

export interface ConformanceRun {
  focus: string[];
  skip: string[];
  nodes: number;
  /** none for a dry run */
  kubeconfig?: string;
  outputDir: string;
  dryRun?: boolean;
}

/** Counts finished specs in Ginkgo's verbose output, for the heartbeat. */
export class Progress {
  total = 0;
  done = 0;
  failed = 0;
  last = '';
  private pendingName = false;

  line(text: string): void {
    const l = text.trim();
    const will = /^Will run (\d+) of \d+ specs/.exec(l);
    if (will) this.total = Number(will[1]);
    // A finished spec: "• [12.345 seconds]" or "• [FAILED] [12.345 seconds]", its full text on the next line.
    else if (/^• (\[(FAILED|PANICKED|TIMEDOUT|INTERRUPTED|ABORTED)\] )?\[[\d.]+ seconds\]$/.test(l)) {
      this.done++;
      if (/\[(FAILED|PANICKED|TIMEDOUT|INTERRUPTED|ABORTED)\]/.test(l)) this.failed++;
      this.pendingName = true;
    } else if (this.pendingName && l) {
      // Ginkgo appends the spec's labels: "[sig-network, Conformance]".
      this.last = l.replace(/ \[(sig-[^\]]*|[^\]]*, [^\]]*)\]$/, '');
      this.pendingName = false;
    }
  }

  toString(): string {
    return `${this.done} of ${this.total || '?'} specs done, ${this.failed} failed${this.last ? ` · last: ${this.last}` : ''}`;
  }
}

/**
 * Runs the specs; returns where the reports are, and Ginkgo's error when it
 * failed (failed specs make it exit 1: the report judges them; a report with
 * fewer specs than selected makes the error the cause).
 */
export async function runConformance(tools: ConformanceTools, r: ConformanceRun): Promise<{ report: string; log: string; error?: HarnessError }> {
  const report = join(r.outputDir, 'report.json');
  const log = join(r.outputDir, 'ginkgo.log');
  const progress = new Progress();
  const args = [
    // Ginkgo dry-runs only in series.
    `--nodes=${r.dryRun ? 1 : r.nodes}`,
    '--timeout=90m',
    '--no-color',
    '-v',
    ...r.focus.map((f) => `--focus=${f}`),
    ...r.skip.map((s) => `--skip=${s}`),
    '--json-report=report.json',
    '--junit-report=junit.xml',
    `--output-dir=${r.outputDir}`,
    ...(r.dryRun ? ['--dry-run'] : []),
    tools.e2eTest,
    '--',
    ...(r.kubeconfig ? [`--kubeconfig=${r.kubeconfig}`] : []),
    '--provider=skeleton',
  ];
  try {
    await run(tools.ginkgo, args, {
      log,
      onLine: (l) => {
        progress.line(l);
        doing(progress.toString());
      },
    });
    return { report, log };
  } catch (err) {
    const error = err instanceof HarnessError ? err : new HarnessError(String(err), log);
    if (!existsSync(report)) throw error;
    return { report, log, error };
  }
}
