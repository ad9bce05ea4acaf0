// Rolling a Deployment out and proving the rules held on every watch event.
// The invariants are checked on the ReplicaSets, as the deployment controller
// sees them: the sum of their desired replicas never exceeds
// replicas + maxSurge, and the sum of their available replicas never falls
// below replicas - maxUnavailable. The watches start, listed and connected,
// before the change is made, so its first step is its own event; the bounds
// are those of the Deployment as the change left it.
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Deployment, type V1Pod, type V1ReplicaSet } from '@kubernetes/client-node';
import { podCauses } from './diagnose-pods.ts';
import { isReady, labelSelector, observe } from '../kube/kube.ts';

export interface RolloutBounds {
  /** the most pods the ReplicaSets may want at once */
  maxTotal: number;
  /** the fewest available pods allowed at any time */
  minAvailable: number;
}

/** An int-or-percent of `replicas`: percentages rounded up (maxSurge) or down (maxUnavailable). */
function scaled(value: number | string | undefined, replicas: number, roundUp: boolean, fallback: string): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const percent = /^(\d+)%$/.exec(v);
  if (!percent) return Number(v);
  const exact = (Number(percent[1]) * replicas) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** The bounds of a RollingUpdate, as the deployment controller computes them (25%/25% by default). */
export function rolloutBounds(replicas: number, maxSurge?: number | string, maxUnavailable?: number | string): RolloutBounds {
  const surge = scaled(maxSurge, replicas, true, '25%');
  let unavailable = scaled(maxUnavailable, replicas, false, '25%');
  // Both zero would deadlock; the controller then allows one unavailable.
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { maxTotal: replicas + surge, minAvailable: Math.max(0, replicas - unavailable) };
}


/** The ReplicaSets of one Deployment at one watch event. */
export interface RolloutSnapshot {
  /** ms since the change was made */
  atMs: number;
  event: string;
  sets: { name: string; want: number; available: number }[];
}

/** Every snapshot that breaks the bounds, one line each with the event that broke them. */
export function boundViolations(snapshots: RolloutSnapshot[], bounds: RolloutBounds): string[] {
  return snapshots.flatMap((s) => {
    const total = s.sets.reduce((n, rs) => n + rs.want, 0);
    const available = s.sets.reduce((n, rs) => n + rs.available, 0);
    const at = `${(s.atMs / 1000).toFixed(1)}s ${s.event}: ${s.sets.map((rs) => `${rs.name}=${rs.want}/${rs.available}`).join(' ')}`;
    return [
      ...(total > bounds.maxTotal ? [`${at}: ReplicaSets want ${total} pods, more than replicas + maxSurge = ${bounds.maxTotal}`] : []),
      ...(available < bounds.minAvailable ? [`${at}: ${available} available, fewer than replicas - maxUnavailable = ${bounds.minAvailable}`] : []),
    ];
  });
}

export interface RolloutReport {
  durationMs: number;
  /** ReplicaSet watch events seen after the change */
  events: number;
  /** the most replicas the ReplicaSets wanted at once, and the fewest available */
  maxTotal: number;
  minAvailable: number;
  bounds: RolloutBounds;
  /** broken invariants, one line each, with the event that broke them */
  violations: string[];
  /** the ReplicaSet that now runs the pods, its revision and change-cause */
  newReplicaSet: string;
  revision: number;
  changeCause?: string;
  /** ReplicaSets scaled to 0 by this rollout */
  scaledDown: string[];
}

export class RolloutStuck extends Error {}

const revisionOf = (rs: V1ReplicaSet) => Number(rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] ?? 0);

/** Of these ReplicaSets, the Deployment's, newest revision first. */
const ownedBy = (deployment: string, items: V1ReplicaSet[]) =>
  items.filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.kind === 'Deployment' && o.name === deployment)).sort((a, b) => revisionOf(b) - revisionOf(a));

/** The Deployment's ReplicaSets, newest revision first. */
export async function replicaSets(kc: KubeConfig, ns: string, deployment: string): Promise<V1ReplicaSet[]> {
  return ownedBy(deployment, (await kc.makeApiClient(AppsV1Api).listNamespacedReplicaSet({ namespace: ns })).items);
}

/** Strategic-merge-patches the Deployment (as `kubectl patch`/`set image`). */
export async function patchDeployment(kc: KubeConfig, ns: string, name: string, patch: object): Promise<void> {
  await kc.makeApiClient(AppsV1Api).patchNamespacedDeployment({ name, namespace: ns, body: patch }, setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch));
}

/**
 * `kubectl rollout undo --to-revision`: the Deployment gets the pod template
 * (and change-cause) of the ReplicaSet that ran that revision.
 */
export async function rollbackTo(kc: KubeConfig, ns: string, name: string, revision: number): Promise<void> {
  const rs = (await replicaSets(kc, ns, name)).find((r) => revisionOf(r) === revision);
  if (!rs?.spec?.template) throw new Error(`deployment ${name} has no revision ${revision}`);
  const template = structuredClone(rs.spec.template);
  delete template.metadata?.labels?.['pod-template-hash'];
  const cause = rs.metadata?.annotations?.['kubernetes.io/change-cause'];
  const patch = [
    { op: 'replace', path: '/spec/template', value: template },
    ...(cause ? [{ op: 'add', path: '/metadata/annotations/kubernetes.io~1change-cause', value: cause }] : []),
  ];
  await kc.makeApiClient(AppsV1Api).patchNamespacedDeployment({ name, namespace: ns, body: patch }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
}

/** Revision -> change-cause, oldest first (`kubectl rollout history`). */
export async function rolloutHistory(kc: KubeConfig, ns: string, name: string): Promise<[number, string][]> {
  return (await replicaSets(kc, ns, name)).map((rs) => [revisionOf(rs), rs.metadata?.annotations?.['kubernetes.io/change-cause'] ?? '<none>'] as [number, string]).reverse();
}

/** The bounds the Deployment's own strategy sets (Recreate: never more than replicas, none need stay). */
export function strategyBounds(d: V1Deployment): RolloutBounds {
  const replicas = d.spec?.replicas ?? 1;
  const strategy = d.spec?.strategy;
  if (strategy?.type === 'Recreate') return { maxTotal: replicas, minAvailable: 0 };
  return rolloutBounds(replicas, strategy?.rollingUpdate?.maxSurge, strategy?.rollingUpdate?.maxUnavailable);
}

const appsPath = (ns: string) => `/apis/apps/v1/namespaces/${ns}`;

/**
 * Applies `change` to Deployment `name` and watches the rollout to its end:
 * the newest revision's ReplicaSet has every replica available and every
 * older one is at 0. The ReplicaSets are checked against the bounds of the
 * Deployment as the change left it (or `bounds`, when given) on every event.
 * Fails with the likely cause (the new pods' states and warning events) when
 * the Deployment reports ProgressDeadlineExceeded or time runs out.
 */
export async function rollOut(kc: KubeConfig, ns: string, name: string, change: () => Promise<void>, { timeoutMs = 180_000, bounds }: { timeoutMs?: number; bounds?: RolloutBounds } = {}): Promise<RolloutReport> {
  const appsApi = kc.makeApiClient(AppsV1Api);
  const before = await replicaSets(kc, ns, name);
  const fromRevision = before.length ? revisionOf(before[0]) : 0;
  // atMs is first the clock time, made relative to the change once it is made.
  const snapshots: RolloutSnapshot[] = [];
  const owned = (items: V1ReplicaSet[]) => ownedBy(name, items);
  const sets = await observe<V1ReplicaSet>({
    kc,
    path: `${appsPath(ns)}/replicasets`,
    describe: (items) => owned(items).map((rs) => `${rs.metadata?.name} rev ${revisionOf(rs)}: want ${rs.spec?.replicas}, available ${rs.status?.availableReplicas ?? 0}`).join('; '),
    onChange: (items, event) =>
      snapshots.push({
        atMs: Date.now(),
        event,
        sets: owned(items).map((rs) => ({ name: rs.metadata!.name!, want: rs.spec?.replicas ?? 0, available: rs.status?.availableReplicas ?? 0 })),
      }),
  });
  const deployments = await observe<V1Deployment>({ kc, path: `${appsPath(ns)}/deployments`, fieldSelector: `metadata.name=${name}` });
  try {
    const firstEvent = snapshots.length;
    const changedAt = Date.now();
    await change();
    // The bounds of the Deployment as changed: a change may edit the strategy too.
    const deployment = await appsApi.readNamespacedDeployment({ name, namespace: ns });
    const generation = deployment.metadata?.generation ?? 0;
    const replicas = deployment.spec?.replicas ?? 1;
    const limits = bounds ?? strategyBounds(deployment);
    const done = (items: V1ReplicaSet[]) => {
      const [newest, ...older] = owned(items);
      return (
        newest !== undefined &&
        revisionOf(newest) > fromRevision &&
        (newest.status?.availableReplicas ?? 0) === replicas &&
        (newest.status?.replicas ?? 0) === replicas &&
        older.every((rs) => (rs.spec?.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0)
      );
    };
    const what = `deployment ${name} rolled out (newest ReplicaSet ${replicas}/${replicas} available, older ones at 0)`;
    // A ProgressDeadlineExceeded left from an earlier rollout counts only once the controller has seen this change.
    const stuck = ([d]: V1Deployment[]) =>
      (d?.status?.observedGeneration ?? 0) >= generation && d?.status?.conditions?.some((c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded') === true;
    const outcome = await Promise.race([
      sets.until(done, what, timeoutMs).then((items) => ({ items })),
      deployments.until(stuck, `deployment ${name} progress deadline`, timeoutMs).then(() => ({ items: undefined })),
    ]).catch(async (err: Error) => {
      throw new RolloutStuck(`${err.message}; ${await newPodCauses(kc, ns, name, fromRevision)}`);
    });
    if (!outcome.items) throw new RolloutStuck(`deployment ${name}: ProgressDeadlineExceeded; ${await newPodCauses(kc, ns, name, fromRevision)}`);
    const [newest, ...older] = owned(outcome.items);
    // Judged: the ReplicaSets from the change on (the state before it is not this rollout's doing).
    const judged = snapshots.slice(firstEvent).map((s) => ({ ...s, atMs: s.atMs - changedAt }));
    const totals = judged.map((s) => ({ want: s.sets.reduce((n, rs) => n + rs.want, 0), available: s.sets.reduce((n, rs) => n + rs.available, 0) }));
    return {
      durationMs: Date.now() - changedAt,
      events: snapshots.length - firstEvent,
      maxTotal: Math.max(...totals.map((t) => t.want)),
      minAvailable: Math.min(...totals.map((t) => t.available)),
      bounds: limits,
      violations: boundViolations(judged, limits),
      newReplicaSet: newest.metadata!.name!,
      revision: revisionOf(newest),
      changeCause: newest.metadata?.annotations?.['kubernetes.io/change-cause'],
      scaledDown: older.filter((rs) => before.some((b) => b.metadata?.name === rs.metadata?.name && (b.spec?.replicas ?? 0) > 0)).map((rs) => rs.metadata!.name!),
    };
  } finally {
    sets.stop();
    deployments.stop();
  }
}

/** Why the new pods are not available: their states and warning events (probe failures, image errors, scheduling). */
async function newPodCauses(kc: KubeConfig, ns: string, name: string, fromRevision: number): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  const fresh = (await replicaSets(kc, ns, name)).filter((rs) => revisionOf(rs) > fromRevision).map((rs) => rs.metadata!.name!);
  const pods = (await core.listNamespacedPod({ namespace: ns })).items.filter((p) => p.metadata?.ownerReferences?.some((o) => fresh.includes(o.name)));
  const events = (await core.listNamespacedEvent({ namespace: ns })).items;
  const notReady = podCauses(pods, events);
  const causes = pods.length ? [...notReady, ...pods.filter(isReady).map((p) => `pod ${p.metadata?.name} Ready`)] : [];
  return causes.length ? `new pods: ${causes.join(', ')}` : 'no pod of the new revision exists';
}

/** What a Recreate rollout showed: when the first new pod appeared and the old pods left. */
export interface RecreateReport {
  durationMs: number;
  /** pod watch events seen after the change */
  events: number;
  /** ms after the change: the last old pod gone, the first new pod created */
  oldGoneMs?: number;
  firstNewMs?: number;
}

/**
 * The course's Recreate promise for mysql (two MySQLs must never share the
 * hostPath data): applies `change`, watches the Deployment's pods from before
 * it, and fails unless every old pod was gone (deleted, not merely
 * terminating) before the first new pod was created. An empty event stream
 * fails too: a check that saw nothing proved nothing.
 */
export async function expectRecreate(kc: KubeConfig, ns: string, name: string, change: () => Promise<void>, timeoutMs = 300_000): Promise<RecreateReport> {
  const deployment = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name, namespace: ns });
  const selector = labelSelector(deployment.spec?.selector);
  let changedAt = Date.now();
  let oldUids = new Set<string>();
  const report: RecreateReport = { durationMs: 0, events: 0 };
  const overlaps: string[] = [];
  const pods = await observe<V1Pod>({
    kc,
    path: `/api/v1/namespaces/${ns}/pods`,
    labelSelector: selector,
    onChange: (items) => {
      if (!oldUids.size) return; // the first list, before the change
      report.events++;
      const at = Date.now() - changedAt;
      const old = items.filter((p) => oldUids.has(p.metadata!.uid!));
      const fresh = items.filter((p) => !oldUids.has(p.metadata!.uid!));
      if (old.length === 0) report.oldGoneMs ??= at;
      if (fresh.length && report.firstNewMs === undefined) {
        report.firstNewMs = at;
        if (old.length) {
          const state = (p: V1Pod) => `${p.metadata?.name} (${p.metadata?.deletionTimestamp ? 'terminating' : (p.status?.phase ?? '?')})`;
          overlaps.push(`new pod ${fresh.map((p) => p.metadata?.name).join(', ')} was created ${(at / 1000).toFixed(1)}s after the change while old pod ${old.map(state).join(', ')} still existed`);
        }
      }
    },
  });
  try {
    oldUids = new Set(pods.items().map((p) => p.metadata!.uid!));
    if (!oldUids.size) throw new Error(`Deployment ${name} has no pod before the change: nothing to recreate`);
    changedAt = Date.now();
    await change();
    // Done when every pod is new and Ready, or at once on the first overlap (a RollingUpdate's new
    // pod may never become Ready: two MySQLs on one data folder fight over its lock).
    await pods
      .until(
        (items) => overlaps.length > 0 || (items.length === (deployment.spec?.replicas ?? 1) && items.every((p) => !oldUids.has(p.metadata!.uid!) && isReady(p))),
        `Deployment ${name}'s pods all replaced and Ready`,
        timeoutMs,
      )
      .catch((err: Error) => {
        throw new Error(`Recreate of ${name}: ${err.message}`);
      });
    report.durationMs = Date.now() - changedAt;
  } finally {
    pods.stop();
  }
  if (report.events === 0) throw new Error(`Recreate of ${name}: no pod event was seen after the change, so nothing shows the old pods went first`);
  if (overlaps.length) throw new Error(`Deployment ${name} does not recreate: ${overlaps[0]} (strategy ${deployment.spec?.strategy?.type ?? 'RollingUpdate'})`);
  return report;
}
