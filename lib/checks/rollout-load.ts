// A rollout with load running: open-model streams (lib/checks/load.ts) start,
// the change is made once every stream has answers, the rollout is watched
// to its end (lib/checks/rollout.ts), then the old pods' disappearance, and the
// load stops once every stream has answers sent after that. The suite and
// the benchmark script judge the outcome; nothing here asserts.
import { performance } from 'node:perf_hooks';
import { AppsV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { runLoad, type ErrorClass, type LoadOptions, type LoadResult } from './load.ts';
import type { LoadRecord } from './load-stats.ts';
import { replicaSets, rollOut, type RolloutReport } from './rollout.ts';
import { isReady, waitFor } from '../kube/kube.ts';

export interface LoadStream {
  name: string;
  load: Omit<LoadOptions, 'signal' | 'onRecord' | 'durationMs' | 'maxRequests'>;
}

export interface StreamOutcome {
  name: string;
  /** a new TCP connection per request, or kept-alive connections */
  keepAlive: boolean;
  /** ms from the start of the first stream to this one's: its records' times plus this are on the marks' clock */
  offset: number;
  result: LoadResult;
  /** answers to requests scheduled before the change */
  before: LoadRecord[];
  /** answers to requests sent after the old pods were gone */
  after: LoadRecord[];
}

export interface RolloutUnderLoad {
  rollout: RolloutReport;
  /** ms from the start of the load: change made, rollout complete, old pods gone */
  marks: { change: number; done: number; gone: number };
  streams: StreamOutcome[];
  /** the pods of the new ReplicaSet */
  newPods: string[];
}

/**
 * The course's myblog page under load four ways, `rate` requests per second
 * each: through the ingress (HTTP with a new connection per request, POST
 * and HTTPS on kept-alive connections) and through the NodePort.
 */
export function myblogStreams(rate: number): LoadStream[] {
  const host = 'myblog.luffy.com';
  const path = '/blog/index/';
  return [
    { name: 'ingress HTTP GET, new connection each', load: { url: `http://127.0.0.1${path}`, headers: { host }, keepAlive: false, rate } },
    {
      name: 'ingress HTTP POST, kept alive',
      load: { url: `http://127.0.0.1${path}`, method: 'POST', body: 'title=load', headers: { host, 'content-type': 'application/x-www-form-urlencoded' }, keepAlive: true, rate },
    },
    { name: 'ingress HTTPS GET, kept alive', load: { url: `https://127.0.0.1${path}`, headers: { host }, servername: host, rejectUnauthorized: false, keepAlive: true, rate } },
    { name: 'NodePort GET, new connection each', load: { url: `http://127.0.0.1:30080${path}`, keepAlive: false, rate } },
  ];
}

/**
 * Streams through a graded submission's edges: its host through its own edge
 * (`edge`: the slot's Ingress, or its Gateway where it answers with Gateway
 * API only) and, when it has one, a NodePort on a node's address; each a new
 * connection per request.
 */
export function edgeStreams({ host, path, edge, nodePort, rate }: { host: string; path: string; edge: { name: string; address: string; port: number }; nodePort?: { address: string; port: number; service: string }; rate: number }): LoadStream[] {
  return [
    { name: `${edge.name} HTTP GET ${host} (${edge.address}:${edge.port}), new connection each`, load: { url: `http://${edge.address}:${edge.port}${path}`, headers: { host }, keepAlive: false, rate } },
    ...(nodePort ? [{ name: `NodePort Service ${nodePort.service} (${nodePort.address}:${nodePort.port}) GET, new connection each`, load: { url: `http://${nodePort.address}:${nodePort.port}${path}`, keepAlive: false, rate } }] : []),
  ];
}

/** Resolves when `check` holds after a record arrives, or rejects after ms. */
function whenCounted(check: () => boolean, subscribe: (f: () => void) => void, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (check()) return resolve();
    const timer = setTimeout(() => reject(new Error(`load: ${what} not within ${ms / 1000}s`)), ms);
    subscribe(() => {
      if (!check()) return;
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Waits until the Deployment runs exactly its replicas, all Ready, none
 * terminating: a previous rollout's pods still draining would fail requests
 * that this rollout is then blamed for.
 */
async function settled(kc: KubeConfig, ns: string, deployment: string): Promise<void> {
  const d = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: deployment, namespace: ns });
  const want = d.spec?.replicas ?? 1;
  await waitFor<V1Pod>({
    kc,
    path: `/api/v1/namespaces/${ns}/pods`,
    labelSelector: Object.entries(d.spec?.selector?.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    what: `${want} Ready ${deployment} pods and none terminating`,
    until: (pods) => pods.length === want && pods.every((p) => isReady(p) && !p.metadata?.deletionTimestamp),
    timeoutMs: 180_000,
  });
}

export async function rolloutUnderLoad(
  kc: KubeConfig,
  ns: string,
  deployment: string,
  change: () => Promise<void>,
  streams: LoadStream[],
  { warm = 20, after = 20, maxMs = 600_000 } = {},
): Promise<RolloutUnderLoad> {
  await settled(kc, ns, deployment);
  const stop = new AbortController();
  const counts = streams.map(() => ({ all: 0, afterGone: 0 }));
  let goneAt = Infinity;
  const listeners: (() => void)[] = [];
  const subscribe = (f: () => void) => listeners.push(f);
  const bases: number[] = [];
  const runs = streams.map((s, i) => {
    bases.push(performance.now());
    return runLoad({
      ...s.load,
      durationMs: maxMs,
      signal: stop.signal,
      onRecord: (r) => {
        counts[i].all++;
        if (r.start > goneAt - (bases[i] - bases[0])) counts[i].afterGone++;
        for (const f of listeners) f();
      },
    });
  });
  const since = () => performance.now() - bases[0];
  try {
    await whenCounted(() => counts.every((c) => c.all >= warm), subscribe, 60_000, `${warm} answers on every stream before the change`);
    let changeAt = since();
    const rollout = await rollOut(kc, ns, deployment, async () => {
      changeAt = since();
      await change();
    });
    const doneAt = since();
    const oldHashes = (await replicaSets(kc, ns, deployment))
      .filter((rs) => rollout.scaledDown.includes(rs.metadata!.name!))
      .map((rs) => rs.metadata?.labels?.['pod-template-hash']);
    const pods = await waitFor<V1Pod>({
      kc,
      path: `/api/v1/namespaces/${ns}/pods`,
      what: `the old ${deployment} pods gone`,
      until: (items) => !items.some((p) => oldHashes.includes(p.metadata?.labels?.['pod-template-hash'])),
      timeoutMs: 120_000,
    });
    goneAt = since();
    await whenCounted(() => counts.every((c) => c.afterGone >= after), subscribe, 60_000, `${after} answers on every stream after the old pods were gone`);
    stop.abort();
    const results = await Promise.all(runs);
    return {
      rollout,
      marks: { change: changeAt, done: doneAt, gone: goneAt },
      streams: results.map((result, i) => {
        const offset = bases[i] - bases[0];
        return {
          name: streams[i].name,
          keepAlive: streams[i].load.keepAlive,
          offset,
          result,
          before: result.records.filter((r) => r.scheduled + offset < changeAt),
          after: result.records.filter((r) => r.start + offset > goneAt),
        };
      }),
      newPods: pods.filter((p) => p.metadata?.ownerReferences?.some((o) => o.name === rollout.newReplicaSet)).map((p) => p.metadata!.name!),
    };
  } finally {
    stop.abort();
    await Promise.allSettled(runs);
  }
}

/**
 * How late the generator may send a request and still prove anything: a
 * generator that stalls sends its requests after the outage it should have
 * seen. Measured here (npm run bench:rollout, and the zero-downtime suite's
 * summaries): p99 under 20 ms and max under 150 ms on two cores with the
 * cluster beside it; the bounds leave room for a loaded machine.
 */
export const LAG_BOUND = { p99Ms: 100, maxMs: 500 };

/** What failed, for one kind of connection: errors by class and the window from the first failed request to the last. */
export interface Downtime {
  connections: 'new connection per request' | 'kept-alive connections';
  requests: number;
  errors: Partial<Record<ErrorClass, number>>;
  /** ms after the change: the first failed request's scheduled time, the last one's end */
  window?: { fromMs: number; toMs: number };
}

/** Failed requests by kind of connection, with the window they fell in. */
export function downtime(outcome: RolloutUnderLoad): Downtime[] {
  return [false, true].flatMap((keepAlive) => {
    const streams = outcome.streams.filter((s) => s.keepAlive === keepAlive);
    if (!streams.length) return [];
    const errors: Partial<Record<ErrorClass, number>> = {};
    let fromMs = Infinity;
    let toMs = -Infinity;
    for (const s of streams) {
      const offset = s.offset - outcome.marks.change;
      for (const r of s.result.records.filter((x) => x.errorClass)) {
        errors[r.errorClass!] = (errors[r.errorClass!] ?? 0) + 1;
        fromMs = Math.min(fromMs, r.scheduled + offset);
        toMs = Math.max(toMs, r.end + offset);
      }
    }
    return [
      {
        connections: keepAlive ? 'kept-alive connections' : 'new connection per request',
        requests: streams.reduce((n, s) => n + s.result.summary.sent, 0),
        errors,
        window: Number.isFinite(fromMs) ? { fromMs, toMs } : undefined,
      } satisfies Downtime,
    ];
  });
}

export function formatDowntime(d: Downtime[]): string {
  return d
    .map((x) => {
      const errors = Object.entries(x.errors).map(([k, n]) => `${k} ${n}`).join(', ');
      return `${x.connections}: ${errors ? `${errors} of ${x.requests}, failing from ${(x.window!.fromMs / 1000).toFixed(2)}s to ${(x.window!.toMs / 1000).toFixed(2)}s after the change` : `0 failed of ${x.requests}`}`;
    })
    .join('; ');
}

/** The schedule lag over every stream: p99 and max of (sent - scheduled). */
export function scheduleLag(outcome: RolloutUnderLoad): { p99Ms: number; maxMs: number } {
  return {
    p99Ms: Math.max(...outcome.streams.map((s) => s.result.summary.latenessMs.p99)),
    maxMs: Math.max(...outcome.streams.map((s) => s.result.summary.latenessMs.max)),
  };
}

/** A problem of the measurement (the generator lagged or missed its rate), not of the rollout. */
export const isMeasurementProblem = (problem: string) => /^schedule lag |: achieved [\d.]+\/s of /.test(problem);

/**
 * Everything that keeps a rollout under load from proving zero downtime, one
 * line each: failed requests (by class and window), the rate not held, a
 * generator that lagged its schedule, versions out of place, new pods that
 * never served, rollout bounds broken. Empty: the rollout lost nothing.
 */
export function zeroDowntimeProblems(outcome: RolloutUnderLoad, from: string, to: string, bound = LAG_BOUND): string[] {
  const problems = outcome.rollout.violations.map((v) => `rollout bounds: ${v}`);
  const lost = downtime(outcome).filter((d) => d.window);
  if (lost.length) problems.push(`requests failed: ${formatDowntime(lost)}`);
  const lag = scheduleLag(outcome);
  if (lag.p99Ms > bound.p99Ms || lag.maxMs > bound.maxMs) {
    problems.push(
      `schedule lag p99 ${lag.p99Ms.toFixed(0)}ms, max ${lag.maxMs.toFixed(0)}ms, over the bound (p99 ${bound.p99Ms}ms, max ${bound.maxMs}ms): the generator stalled, so its requests may have missed an outage`,
    );
  }
  for (const s of outcome.streams) {
    const { summary } = s.result;
    if (summary.achievedRate < 0.99 * summary.targetRate) problems.push(`${s.name}: achieved ${summary.achievedRate.toFixed(1)}/s of ${summary.targetRate}/s`);
    const versions = (records: LoadRecord[]) => [...new Set(records.map((r) => r.version ?? '(none)'))].join(', ');
    if (!s.before.length || versions(s.before) !== from) problems.push(`${s.name}: before the change answered ${versions(s.before) || 'nothing'}, not only ${from}`);
    if (!s.after.length || versions(s.after) !== to) problems.push(`${s.name}: after the old pods were gone answered ${versions(s.after) || 'nothing'}, not only ${to}`);
  }
  const served = new Set(outcome.streams.flatMap((s) => s.result.records.map((r) => r.pod)));
  const idle = outcome.newPods.filter((p) => !served.has(p));
  if (idle.length) problems.push(`new pods that never served a request: ${idle.join(', ')}`);
  return problems;
}
