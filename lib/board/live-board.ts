// The board's engine: the live checks judged by `npm test -- --live` (the
// rows are its lab report's: one row, one check, nothing copied), judged
// again when an object they read changes (watches on the course's
// namespaces, debounced: a `kubectl apply` of a folder is one judgement)
// and on demand. One judgement at a time; a change during one asks for the
// next. Nothing here writes to the cluster: list and watch, and the live
// run's own reads.
import { setMaxListeners } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { lastLine, spawn } from '../core/exec.ts';
import { observe, type KubeObject, type Observation } from '../kube/kube.ts';
import type { LabRow } from '../report/lab-report.ts';
import { boardLabs, type BoardLab } from './rows.ts';
import type { BoardStatus } from './page.ts';

const ROOT = resolve(import.meta.dirname, '../..');

/** What the live checks read, by namespace: the collections whose changes call for a new judgement. */
export function watchedPaths(namespace: string): string[] {
  const inNs = (group: string, resource: string, ns: string) => `${group ? `/apis/${group}` : '/api/v1'}/namespaces/${ns}/${resource}`;
  const course = [namespace, 'default'].flatMap((ns) => [
    inNs('', 'pods', ns),
    inNs('', 'services', ns),
    inNs('apps/v1', 'deployments', ns),
    inNs('discovery.k8s.io/v1', 'endpointslices', ns),
    inNs('networking.k8s.io/v1', 'ingresses', ns),
  ]);
  // The verifier may read these by name only (manifests/verifier/rbac.yaml): one watch each, with a field selector.
  const named = [`${inNs('', 'configmaps', namespace)}?myblog`, `${inNs('', 'secrets', namespace)}?myblog`, `${inNs('', 'secrets', namespace)}?tls-myblog`];
  return [...new Set(course), ...named];
}

export interface LiveBoardOptions {
  kc: KubeConfig;
  /** the kubeconfig file the live run reads */
  kubeconfig: string;
  /** the course's namespace (luffy, or --namespace) */
  namespace: string;
  /** npm test -- --live's own flags besides --kubeconfig (--namespace, --probe-pod, --grep ...) */
  liveArgs: string[];
  target: string;
  /** each judgement creates and deletes a probe pod (--probe-pod) */
  probePod: boolean;
  /** quiet time after the last change before judging */
  debounceMs: number;
  onChange: () => void;
}

export class LiveBoard {
  labs: BoardLab[] = [];
  private judgedAt?: string;
  private seconds?: number;
  private judgeProblem?: string;
  private watchProblem?: string;
  private watches: Observation<KubeObject>[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private child?: ReturnType<typeof spawn>;
  private stopped = false;
  /** aborted on stop: ends the waits on the watches (one per watched collection: more than Node's default of 10 listeners) */
  private readonly ending = new AbortController();
  /** when the change that the next judgement answers was seen (for the time from a change to its row) */
  private changedAt?: number;
  /** seconds from the last change seen to the end of the judgement that followed it */
  lastReaction?: number;

  constructor(private readonly o: LiveBoardOptions) {
    setMaxListeners(0, this.ending.signal);
  }

  get status(): BoardStatus {
    const problem = [this.judgeProblem, this.watchProblem].filter(Boolean).join('; ');
    return { target: this.o.target, probePod: this.o.probePod, judgedAt: this.judgedAt, seconds: this.seconds, running: !!this.running, problem: problem || undefined };
  }

  /** Starts the watches (a refused or failing one is a problem on the page, not a crash) and the first judgement. */
  async start(): Promise<void> {
    this.judgeNow();
    const problems: string[] = [];
    await Promise.all(
      watchedPaths(this.o.namespace).map((entry) => {
        const [path, name] = entry.split('?');
        // Every event once the watch is up, a re-list after a gap in it too (what changed meanwhile); not the first list.
        let up = false;
        return observe<KubeObject>({ kc: this.o.kc, path, fieldSelector: name ? `metadata.name=${name}` : undefined, startTimeoutMs: 15_000, onChange: () => up && this.changed() })
          .then((w) => {
            up = true;
            if (this.stopped) return w.stop();
            this.watches.push(w);
            // A watch that resumes after a drop says nothing; one the API server refuses later (its rights taken away) ends, and says so.
            w.until(() => false, `changes in ${path}`, 2 ** 31 - 1, this.ending.signal).catch((err: Error) => {
              if (this.stopped) return;
              this.watchProblem = `the watch of ${path}${name ? ` (${name})` : ''} ended: ${err.message.split('\n')[0]}; changes there are judged on demand only`;
              this.o.onChange();
            });
          })
          .catch((err: Error) => problems.push(`cannot watch ${path}${name ? ` (${name})` : ''}: ${err.message.split('\n')[0]}`));
      }),
    );
    if (problems.length) {
      this.watchProblem = `${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}; changes there are judged on demand only`;
      this.o.onChange();
    }
  }

  /** Stops the watches and the judgement running (its whole process group), and waits for it to be cleaned up. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.child?.pid) {
      try {
        process.kill(-this.child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    this.ending.abort();
    for (const w of this.watches) w.stop();
    await this.running;
  }

  /** A watched object changed: judge once the changes settle. */
  private changed(): void {
    this.changedAt ??= Date.now();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.judgeNow(), this.o.debounceMs);
  }

  /** Judges now, or right after the judgement running. */
  judgeNow(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    const answering = this.changedAt;
    this.changedAt = undefined;
    this.running = this.judge()
      .catch((err: Error) => {
        this.judgeProblem = err.message.split('\n')[0];
      })
      .then(() => {
        // A judgement asked for (the first, "check now") answers no change.
        this.lastReaction = answering && !this.judgeProblem ? (Date.now() - answering) / 1000 : undefined;
        this.running = undefined;
        this.o.onChange();
        if (this.again) {
          this.again = false;
          this.judgeNow();
        }
      });
    this.o.onChange();
  }

  /** One live run, its reports in a folder of its own; its lab report's rows become the board. */
  private async judge(): Promise<void> {
    const started = Date.now();
    const reports = mkdtempSync(join(tmpdir(), 'course-board-'));
    try {
      // None of the board's own HARNESS_* settings carried over (but where the harness keeps its state): the live run's flags are liveArgs alone.
      const carried = Object.entries(process.env).filter(([k]) => (!k.startsWith('HARNESS_') || k === 'HARNESS_HOME') && k !== 'CI');
      const env = { ...Object.fromEntries(carried), HARNESS_REPORT_DIR: reports };
      // In a process group of its own: stopping the board stops the run (npx, tsx, Playwright and its workers).
      const child = spawn('npx', ['tsx', join(ROOT, 'scripts', 'test.ts'), '--live', '--kubeconfig', this.o.kubeconfig, ...this.o.liveArgs], { cwd: ROOT, env, extendEnv: false, all: true, detached: true });
      this.child = child;
      const r = await child;
      this.child = undefined;
      if (this.stopped) return;
      const file = join(reports, 'labs.json');
      if (!existsSync(file)) {
        this.judgeProblem = `npm test -- --live could not judge (exit ${r.exitCode}): ${lastLine(String(r.all ?? '')) || 'no output'}`;
        return;
      }
      const rows = (JSON.parse(readFileSync(file, 'utf8')) as { rows: LabRow[] }).rows;
      this.labs = boardLabs(rows);
      this.judgedAt = new Date().toISOString();
      this.seconds = (Date.now() - started) / 1000;
      this.judgeProblem = undefined;
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  }
}
