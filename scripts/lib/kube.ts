// Kubernetes API helpers shared by the scripts and the fixtures: loading the
// harness's kubeconfig, waiting by list + watch (never by sleeping), exec.
import { Writable } from 'node:stream';
import { Exec, KubeConfig, Watch, type V1Status } from '@kubernetes/client-node';

export interface KubeObject {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

export function loadKubeconfig(path: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

export class WaitTimeout extends Error {}

export interface WaitOptions<T extends KubeObject> {
  kc: KubeConfig;
  /** API path of the collection, e.g. /api/v1/namespaces/luffy/pods */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** true when the condition holds for the current set of objects */
  until: (items: T[]) => boolean;
  /** what the condition is, for the timeout message */
  what: string;
  /** a short summary of the objects, shown when the wait times out */
  describe?: (items: T[]) => string;
  timeoutMs: number;
  /** called on every change, e.g. to check invariants during a rollout */
  onChange?: (items: T[], event: string) => void;
  /** stops the wait early; it then rejects with the signal's reason */
  signal?: AbortSignal;
}

const key = (o: KubeObject) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;

/**
 * Lists the collection, then watches it from the list's resourceVersion,
 * re-listing if the watch ends, until `until` holds or the timeout passes.
 * Resolves with the objects that satisfied the condition.
 */
export async function waitFor<T extends KubeObject>(o: WaitOptions<T>): Promise<T[]> {
  const deadline = Date.now() + o.timeoutMs;
  const objects = new Map<string, T>();
  const items = () => [...objects.values()];
  const query: Record<string, string> = {};
  if (o.labelSelector) query.labelSelector = o.labelSelector;
  if (o.fieldSelector) query.fieldSelector = o.fieldSelector;
  let lastError = '';

  while (Date.now() < deadline) {
    o.signal?.throwIfAborted();
    let list: { items: T[]; metadata?: { resourceVersion?: string } };
    try {
      list = await listRaw<T>(o.kc, o.path, query);
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
      await pause(Math.min(1000, Math.max(0, deadline - Date.now())));
      continue;
    }
    objects.clear();
    for (const item of list.items) objects.set(key(item), item);
    o.onChange?.(items(), 'LIST');
    if (o.until(items())) return items();

    const outcome = await new Promise<'done' | 'ended' | 'timeout' | 'aborted'>((resolve) => {
      let settled = false;
      let controller: AbortController | undefined;
      const finish = (r: 'done' | 'ended' | 'timeout' | 'aborted') => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        o.signal?.removeEventListener('abort', onAbort);
        controller?.abort();
        resolve(r);
      };
      const onAbort = () => finish('aborted');
      o.signal?.addEventListener('abort', onAbort);
      const timer = setTimeout(() => finish('timeout'), Math.max(0, deadline - Date.now()));
      new Watch(o.kc)
        .watch(
          o.path,
          { ...query, resourceVersion: list.metadata?.resourceVersion, allowWatchBookmarks: true },
          (type: string, obj: T) => {
            if (type === 'BOOKMARK' || type === 'ERROR') return;
            if (type === 'DELETED') objects.delete(key(obj));
            else objects.set(key(obj), obj);
            o.onChange?.(items(), type);
            if (o.until(items())) finish('done');
          },
          (err: unknown) => {
            if (err) lastError = err instanceof Error ? err.message : String(err);
            finish('ended');
          },
        )
        .then((c) => {
          controller = c;
          if (settled) c.abort();
        })
        .catch((err: unknown) => {
          lastError = err instanceof Error ? err.message : String(err);
          finish('ended');
        });
    });
    if (outcome === 'done') return items();
    if (outcome === 'aborted') o.signal!.throwIfAborted();
    if (outcome === 'timeout') break;
  }
  const seen = o.describe ? o.describe(items()) : `${objects.size} object(s)`;
  throw new WaitTimeout(
    `timed out after ${(o.timeoutMs / 1000).toFixed(0)}s waiting for ${o.what}; last seen: ${seen}${lastError ? `; last error: ${lastError}` : ''}`,
  );
}

/** GET on a collection path with the kubeconfig's credentials. */
async function listRaw<T>(kc: KubeConfig, path: string, query: Record<string, string> = {}): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }> {
  return (await requestJson(kc, 'GET', path + (Object.keys(query).length ? '?' + new URLSearchParams(query) : ''))) as {
    items: T[];
    metadata?: { resourceVersion?: string };
  };
}

/**
 * A raw API request (for paths without a typed client, such as /readyz, and
 * for patches: contentType application/strategic-merge-patch+json).
 */
export async function requestJson(kc: KubeConfig, method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<unknown> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const { Agent, request } = await import('undici');
  const user = kc.getCurrentUser();
  const ca = cluster.caData ? Buffer.from(cluster.caData, 'base64').toString() : undefined;
  const cert = user?.certData ? Buffer.from(user.certData, 'base64').toString() : undefined;
  const key = user?.keyData ? Buffer.from(user.keyData, 'base64').toString() : undefined;
  const dispatcher = new Agent({ connect: { ca, cert, key } });
  try {
    const res = await request(cluster.server + path, {
      method: method as 'GET',
      dispatcher,
      headers: { accept: 'application/json', ...(body ? { 'content-type': contentType } : {}), ...(user?.token ? { authorization: `Bearer ${user.token}` } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new Error(`${method} ${path}: HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
    return text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text;
  } finally {
    await dispatcher.close();
  }
}

function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
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
