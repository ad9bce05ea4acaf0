// The harness's one way to the Kubernetes API, on @kubernetes/client-node:
// its KubeConfig (and with it every auth shape a real kubeconfig has: CA and
// client certificates inline or as files, tokens inline or from a file, exec
// credential plugins), its typed clients, and its Watch. On top of them:
// `observe`, an informer that has listed and connected its watch before it
// returns (so a change made afterwards is never folded into the first list),
// `waitFor` (observe until a condition holds, never by sleeping), a GET for
// paths without a typed client (/readyz, collections by path) and exec.
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import yaml from 'js-yaml';
import { Exec, KubeConfig, Watch, type V1EndpointSlice, type V1LabelSelector, type V1Status } from '@kubernetes/client-node';
import { doing } from '../core/log.ts';

export interface KubeObject {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/** The kubeconfig kubectl would use: $KUBECONFIG's first file, else ~/.kube/config. */
export function defaultKubeconfig(env: NodeJS.ProcessEnv = process.env): string {
  return env.KUBECONFIG?.split(':')[0] || join(homedir(), '.kube', 'config');
}

/** A kubeconfig file, with `context` made current when given. */
export function loadKubeconfig(path: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  if (context) {
    if (!kc.getContextObject(context)) throw new Error(`kubeconfig ${path} has no context "${context}" (it has ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    kc.setCurrentContext(context);
  }
  // kubectl writes a token file as `tokenFile`; client-node reads only `token-file`, and would go anonymous.
  // Only the current user's is read (as kubectl, relative to the kubeconfig); one it cannot read is named.
  const current = kc.getCurrentUser();
  const file = ((yaml.load(readFileSync(path, 'utf8')) as { users?: { name: string; user?: { tokenFile?: string } }[] } | undefined)?.users ?? []).find((u) => u.name === current?.name)?.user?.tokenFile;
  if (current && file && !current.token) {
    try {
      Object.assign(current, { token: readFileSync(resolve(dirname(path), file), 'utf8').trim() });
    } catch (err) {
      throw new Error(`kubeconfig ${path}: user ${current.name}'s tokenFile ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  return kc;
}

/** An API error with the API server's own reason and message (its Status body). */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly reason = '',
  ) {
    super(message);
  }
}

/** Statuses a retry will not change: the request itself is refused. */
const permanent = (status: number) => [400, 401, 403, 404, 405, 422].includes(status);

/**
 * GET of an API path with the kubeconfig's credentials, applied by
 * client-node. JSON answers are parsed; others (/readyz) come back as text.
 */
export async function apiGet<T = unknown>(kc: KubeConfig, path: string, query: Record<string, string | undefined> = {}): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  const options: RequestOptions = { method: 'GET', headers: { accept: 'application/json' }, timeout: 30_000 };
  await kc.applyToHTTPSOptions(options);
  return new Promise<T>((resolve, reject) => {
    const req = (url.protocol === 'http:' ? httpRequest : httpsRequest)(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const json = /^\s*[[{]/.test(text) ? tryJson(text) : undefined;
        const status = res.statusCode ?? 0;
        if (status >= 400) {
          const s = json as V1Status | undefined;
          reject(new KubeApiError(`GET ${path}: ${status} ${s?.reason ?? res.statusMessage ?? ''}: ${s?.message ?? text.slice(0, 200)}`.trim(), status, s?.reason));
        } else resolve((json ?? text) as T);
      });
    });
    req.on('timeout', () => req.destroy(new Error('no answer within 30s')));
    req.on('error', (err) => reject(new Error(`GET ${url.origin}${path}: ${err.message}`)));
    req.end();
  });
}

function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The API server's message in an error from a typed client, apiGet or a watch. */
export function apiMessage(err: unknown): string {
  const body = (err as { body?: string | { message?: string } }).body;
  let message: string | undefined;
  if (typeof body === 'string') message = (tryJson(body) as { message?: string } | undefined)?.message;
  else message = body?.message;
  return (message ?? (err instanceof Error ? err.message : String(err))).split('\n')[0];
}

/** An API error as a cause: a refusal says so ("not allowed: pods is forbidden: … cannot list resource "pods" …"). */
export function apiCause(err: unknown): string {
  return `${apiStatus(err) === 403 ? 'not allowed: ' : ''}${apiMessage(err)}`;
}

/** The HTTP status of an error from a typed client or apiGet (0 when there was none). */
export function apiStatus(err: unknown): number {
  const e = err as { code?: unknown; status?: unknown; statusCode?: unknown };
  for (const v of [e.code, e.status, e.statusCode]) if (typeof v === 'number') return v;
  return 0;
}

export class WaitTimeout extends Error {}

export interface ObserveOptions<T extends KubeObject> {
  kc: KubeConfig;
  /** API path of the collection, e.g. /api/v1/namespaces/luffy/pods */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** called with the whole set after the first list and after every event */
  onChange?: (items: T[], event: string) => void;
  /** a short summary of the objects, for timeout messages */
  describe?: (items: T[]) => string;
  /** how long the first list may keep failing on transient errors (default 60 s) */
  startTimeoutMs?: number;
}

const key = (o: KubeObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/*
 * Why not client-node's informer (makeInformer / ListWatch, 1.4.0), which
 * also lists, watches from the list's resourceVersion and re-lists on 410:
 * its start() resolves even when the first list is refused (a 403 becomes an
 * 'error' callback and an empty cache, which a wait would read as "no such
 * objects" rather than "you may not list them"); a watch ERROR event other
 * than 410 is dropped without its reason, so a wait that times out cannot
 * say why; after a watch that ends with an error it stops for good, with no
 * distinction between a transient failure and a refusal no retry changes;
 * and it never asks for bookmarks. Observation is built on the same Watch,
 * and adds exactly those: a start that fails with the API server's reason,
 * ERROR events kept as the last error, transient errors retried and
 * permanent ones (403, 404) failing every wait at once, and bookmarks.
 */

/**
 * A collection kept current by list + watch. `observe` returns it once the
 * list is in and the watch is connected from the list's resourceVersion:
 * every change made after that is seen as its own event. A watch that ends
 * is resumed from the last resourceVersion (re-listed when that is gone);
 * watch ERROR events and refusals are kept with the resource and reason.
 */
export class Observation<T extends KubeObject> {
  private objects = new Map<string, T>();
  private resourceVersion = '';
  private controller?: AbortController;
  private stopped = false;
  private listeners = new Set<() => void>();
  /** the last watch or list problem, for timeout messages */
  lastError = '';
  /** a refusal that no retry will change (403, 404): every wait fails with it */
  fatal?: Error;

  constructor(private readonly o: ObserveOptions<T>) {}

  items(): T[] {
    return [...this.objects.values()];
  }

  private get query(): Record<string, string | undefined> {
    return { labelSelector: this.o.labelSelector, fieldSelector: this.o.fieldSelector };
  }

  private changed(event: string): void {
    this.o.onChange?.(this.items(), event);
    for (const f of [...this.listeners]) f();
  }

  private async list(): Promise<void> {
    const list = await apiGet<{ items: T[]; metadata?: { resourceVersion?: string } }>(this.o.kc, this.o.path, this.query);
    this.objects = new Map(list.items.map((i) => [key(i), i]));
    this.resourceVersion = list.metadata?.resourceVersion ?? '';
    this.changed('LIST');
  }

  private async connect(): Promise<void> {
    const controller = await new Watch(this.o.kc).watch(
      this.o.path,
      { ...this.query, resourceVersion: this.resourceVersion, allowWatchBookmarks: true },
      (type: string, obj: T & V1Status) => {
        if (type === 'ERROR') {
          if (obj.code === 410) this.resourceVersion = '';
          else this.lastError = `watch ${this.o.path}: ${obj.reason ?? 'error'}: ${obj.message ?? JSON.stringify(obj)}`;
          return;
        }
        if (obj.metadata?.resourceVersion) this.resourceVersion = obj.metadata.resourceVersion;
        if (type === 'BOOKMARK') return;
        if (type === 'DELETED') this.objects.delete(key(obj));
        else this.objects.set(key(obj), obj);
        this.changed(type);
      },
      (err: unknown) => void this.resume(err ? (err as Error) : undefined),
    );
    this.controller = controller;
    if (this.stopped) controller.abort();
  }

  /** After the watch ended: connect again (re-list first when the resourceVersion is gone). */
  private async resume(err?: Error): Promise<void> {
    if (this.stopped) return;
    if (err) {
      const status = apiStatus(err);
      if (status === 410) this.resourceVersion = '';
      else {
        this.lastError = `watch ${this.o.path}: ${status ? `${status} ` : ''}${err.message}`;
        if (permanent(status)) return this.fail(new KubeApiError(this.lastError, status));
        await pause(1000);
      }
    }
    while (!this.stopped) {
      try {
        if (!this.resourceVersion) await this.list();
        await this.connect();
        return;
      } catch (e) {
        this.lastError = e instanceof Error ? e.message : String(e);
        if (e instanceof KubeApiError && permanent(e.status)) return this.fail(e);
        await pause(1000);
      }
    }
  }

  private fail(err: Error): void {
    this.fatal = err;
    for (const f of [...this.listeners]) f();
  }

  /** Lists (retrying transient errors) and connects the watch. */
  async start(): Promise<this> {
    const deadline = Date.now() + (this.o.startTimeoutMs ?? 60_000);
    for (;;) {
      try {
        await this.list();
        await this.connect();
        return this;
      } catch (e) {
        this.lastError = e instanceof Error ? e.message : String(e);
        if ((e instanceof KubeApiError && permanent(e.status)) || Date.now() > deadline) throw e;
        await pause(1000);
      }
    }
  }

  /**
   * Resolves with the objects as soon as `condition` holds (now or after an
   * event); rejects on timeout with what was seen last, on a refusal, or
   * when `signal` aborts.
   */
  until(condition: (items: T[]) => boolean, what: string, timeoutMs: number, signal?: AbortSignal): Promise<T[]> {
    return new Promise<T[]>((resolve, reject) => {
      const finish = (err?: unknown) => {
        clearTimeout(timer);
        this.listeners.delete(check);
        signal?.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve(this.items());
      };
      const check = () => {
        if (this.fatal) return finish(this.fatal);
        try {
          if (condition(this.items())) finish();
        } catch (e) {
          finish(e);
        }
      };
      const onAbort = () => finish(signal!.reason);
      const timer = setTimeout(() => {
        const seen = this.o.describe ? this.o.describe(this.items()) : `${this.objects.size} object(s)`;
        finish(new WaitTimeout(`timed out after ${(timeoutMs / 1000).toFixed(0)}s waiting for ${what}; last seen: ${seen}${this.lastError ? `; last error: ${this.lastError}` : ''}`));
      }, timeoutMs);
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort);
      this.listeners.add(check);
      check();
    });
  }

  stop(): void {
    this.stopped = true;
    this.controller?.abort();
    this.listeners.clear();
  }
}

/** An Observation, listed and watching. */
export function observe<T extends KubeObject>(o: ObserveOptions<T>): Promise<Observation<T>> {
  return new Observation<T>(o).start();
}

export interface WaitOptions<T extends KubeObject> extends ObserveOptions<T> {
  /** true when the condition holds for the current set of objects */
  until: (items: T[]) => boolean;
  /** what the condition is, for the timeout message */
  what: string;
  timeoutMs: number;
  /** stops the wait early; it then rejects with the signal's reason */
  signal?: AbortSignal;
}

/** Observes the collection until `until` holds; resolves with the objects that satisfied it. */
export async function waitFor<T extends KubeObject>(o: WaitOptions<T>): Promise<T[]> {
  doing(`waiting for ${o.what}`);
  const observation = await observe<T>({ ...o, startTimeoutMs: Math.min(o.startTimeoutMs ?? 60_000, o.timeoutMs) });
  try {
    return await observation.until(o.until, o.what, o.timeoutMs, o.signal);
  } finally {
    observation.stop();
  }
}

/** Watches Service `service`'s EndpointSlices in ns until `until` holds; resolves with them. */
export function waitForServiceSlices(
  kc: KubeConfig,
  ns: string,
  service: string,
  o: Pick<WaitOptions<V1EndpointSlice>, 'what' | 'until' | 'describe' | 'timeoutMs'>,
): Promise<V1EndpointSlice[]> {
  return waitFor<V1EndpointSlice>({ kc, path: `/apis/discovery.k8s.io/v1/namespaces/${ns}/endpointslices`, labelSelector: `kubernetes.io/service-name=${service}`, ...o });
}

/** A label selector as the API's query string (matchLabels and matchExpressions). */
export function labelSelector(sel?: V1LabelSelector): string {
  const labels = Object.entries(sel?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  const expressions = (sel?.matchExpressions ?? []).map((e) =>
    e.operator === 'Exists' ? e.key : e.operator === 'DoesNotExist' ? `!${e.key}` : `${e.key} ${e.operator === 'In' ? 'in' : 'notin'} (${(e.values ?? []).join(',')})`,
  );
  return [...labels, ...expressions].join(',');
}

/** The Ready condition of a node or pod. */
export function isReady(o: { status?: { conditions?: { type: string; status: string }[] } }): boolean {
  return o.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** Runs a command in a container through the API (no kubectl). */
export async function execInPod(kc: KubeConfig, namespace: string, pod: string, command: string[], container?: string): Promise<ExecResult> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk, _enc, done) {
        append(chunk.toString());
        done();
      },
    });
  const status = await new Promise<V1Status>((resolve, reject) => {
    new Exec(kc)
      .exec(namespace, pod, container ?? '', command, sink((s) => (stdout += s)), sink((s) => (stderr += s)), null, false, resolve)
      .catch(reject);
  });
  let exitCode = 0;
  if (status.status !== 'Success') {
    const cause = status.details?.causes?.find((c) => c.reason === 'ExitCode');
    exitCode = cause ? Number(cause.message) : 1;
    if (!cause) stderr += status.message ?? '';
  }
  return { stdout, stderr, exitCode };
}

export interface DeploymentLike {
  metadata?: { name?: string; generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; availableReplicas?: number };
}

/** A Deployment whose latest spec is fully rolled out and available (as `kubectl rollout status`). */
export function rolledOut(d: DeploymentLike): boolean {
  const want = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  return (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 1) && (s.updatedReplicas ?? 0) === want && (s.replicas ?? 0) === want && (s.availableReplicas ?? 0) === want;
}
