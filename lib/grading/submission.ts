// Grading a submitted manifests folder (a student's) next to the reference
// labs, which stay as they are. The submission's objects are sorted into the
// reference labs by kind and name and moved to a namespace set of their own
// (luffy -> g<id>-luffy). What acts beyond a namespace is made the slot's own
// or refused, so that a submission changes no other's rows:
// - at the edge, the submission's Ingresses and Gateways name the slot's own
//   IngressClass and GatewayClass, served by the slot's edge only
//   (slot-edge.ts); hosts stay as written (a rule with no host or a wildcard
//   host, and a *.luffy.com certificate, reach that edge alone);
// - a Service's fixed nodePort is dropped (30080 belongs to the reference);
// - a hostPath folder gets the id as suffix (/opt/mysql/data is the
//   reference MySQL's; two MySQLs on one folder would fight over its lock);
// - only namespaced kinds a course answer uses are applied (ALLOWED_KINDS);
//   anything else (cluster-scoped kinds, webhooks, CRDs...) is refused with
//   the object named;
// - pods on the host's network (hostNetwork, hostPort) cannot be kept apart
//   on one node: such submissions are graded one at a time
//   (class-grading.ts), and the report says so.
// Messages are translated back to the submission's names.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { yamlFiles } from './audit.ts';
import type { Lab } from '../course/labs.ts';
import { GRADE_LABEL, slotClass, type SlotEdge } from './slot-edge.ts';

export { GRADE_LABEL };

export class GradeMap {
  private readonly renamed = new Map<string, string>();

  constructor(readonly id: string) {}

  namespace(ns = 'default'): string {
    return this.remember(ns, `g${this.id}-${ns}`);
  }

  /** A node folder of the submission's own: two MySQLs on one data folder would fight over its lock. */
  hostPath(path: string): string {
    return this.remember(path, `${path.replace(/\/+$/, '')}-g${this.id}`);
  }

  /**
   * The slot's class for a class the course's controller serves (an Ingress's
   * nginx or none; a Gateway's traefik); any other class stays unserved, as on
   * the course's cluster, under a name of the slot's.
   */
  edgeClass(given: string | undefined, served: string[]): string {
    return !given || served.includes(given) ? slotClass(this.id) : `${given}-g${this.id}`;
  }

  /** The node folders given to the submission's hostPath volumes. */
  renamedHostPaths(): string[] {
    return [...this.renamed].filter(([renamed]) => renamed.startsWith('/')).map(([renamed]) => renamed);
  }

  /** `text` with every renamed namespace and folder put back. */
  unmap(text: string): string {
    let out = text;
    for (const [renamed, original] of [...this.renamed].sort((a, b) => b[0].length - a[0].length)) out = out.replaceAll(renamed, original);
    return out;
  }

  private remember(original: string, renamed: string): string {
    this.renamed.set(renamed, original);
    return renamed;
  }
}

/** The run's id: given by `npm test` (HARNESS_GRADE_ID), else derived from the folder. */
export function gradeId(dir: string, env: NodeJS.ProcessEnv = process.env): string {
  return env.HARNESS_GRADE_ID || createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 6);
}

/**
 * The kinds a submission may apply: namespaced ones a course answer uses (and
 * Namespace, mapped into the slot). Anything else acts beyond the slot or is
 * not the course's: refused with the object named.
 */
export const ALLOWED_KINDS = new Set([
  'Namespace',
  'ConfigMap',
  'Secret',
  'Service',
  'Endpoints',
  'EndpointSlice',
  'Pod',
  'Deployment',
  'ReplicaSet',
  'StatefulSet',
  'DaemonSet',
  'Job',
  'CronJob',
  'PersistentVolumeClaim',
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'HorizontalPodAutoscaler',
  'PodDisruptionBudget',
  'NetworkPolicy',
  'LimitRange',
  'ResourceQuota',
  'Ingress',
  'Gateway',
  'HTTPRoute',
  'ReferenceGrant',
]);

/** The IngressClass names the course's controller serves (ingress-nginx's; Traefik's NGINX provider reads the same). */
const SERVED_INGRESS_CLASSES = ['nginx'];
/** The GatewayClass the harness's Gateway implementation serves (lab 60). */
const SERVED_GATEWAY_CLASSES = ['traefik'];

/** One object moved into the grading slot: its namespace, its edge classes, its node folders and nodePorts made the slot's. */
export function mapObject(o: KubernetesObject, map: GradeMap): KubernetesObject {
  const copy = structuredClone(o) as KubernetesObject & { spec?: Record<string, unknown> };
  copy.metadata = { ...copy.metadata };
  if (copy.kind === 'Namespace') {
    copy.metadata.name = map.namespace(copy.metadata.name);
    copy.metadata.labels = { ...copy.metadata.labels, 'course-harness/test': 'true', [GRADE_LABEL]: map.id };
    return copy;
  }
  copy.metadata.namespace = map.namespace(copy.metadata.namespace);
  if (copy.kind === 'Ingress') {
    // The class as given, by field or by the older annotation, becomes the slot's (served by its edge alone).
    const annotations = { ...copy.metadata.annotations };
    const given = (copy.spec?.ingressClassName as string | undefined) ?? annotations['kubernetes.io/ingress.class'];
    delete annotations['kubernetes.io/ingress.class'];
    copy.metadata.annotations = annotations;
    copy.spec = { ...copy.spec, ingressClassName: map.edgeClass(given, SERVED_INGRESS_CLASSES) };
  }
  // Gateway API: the class the slot's edge serves; references to other namespaces into the grading set.
  if (copy.kind === 'Gateway' && copy.spec) {
    const spec = copy.spec as { gatewayClassName?: string; listeners?: { tls?: { certificateRefs?: { namespace?: string }[] }; allowedRoutes?: { namespaces?: { from?: string } } }[] };
    spec.gatewayClassName = map.edgeClass(spec.gatewayClassName, SERVED_GATEWAY_CLASSES);
    for (const l of spec.listeners ?? []) for (const ref of l.tls?.certificateRefs ?? []) if (ref.namespace) ref.namespace = map.namespace(ref.namespace);
  }
  if (copy.kind === 'HTTPRoute' && copy.spec) {
    const spec = copy.spec as { parentRefs?: { namespace?: string }[]; rules?: { backendRefs?: { namespace?: string }[] }[] };
    for (const ref of [...(spec.parentRefs ?? []), ...(spec.rules ?? []).flatMap((r) => r.backendRefs ?? [])]) if (ref.namespace) ref.namespace = map.namespace(ref.namespace);
  }
  if (copy.kind === 'ReferenceGrant' && copy.spec) {
    for (const from of (copy.spec.from as { namespace?: string }[] | undefined) ?? []) if (from.namespace) from.namespace = map.namespace(from.namespace);
  }
  renameHostPaths(copy.spec, map);
  if (copy.kind === 'Service' && copy.spec) {
    for (const port of (copy.spec.ports as { nodePort?: number }[] | undefined) ?? []) delete port.nodePort;
  }
  return copy;
}

/** Whether an object runs pods on the host's network: hostNetwork, or a container port bound to a hostPort. */
export function onHostNetwork(o: KubernetesObject): boolean {
  const visit = (value: unknown): boolean => {
    if (!value || typeof value !== 'object') return false;
    const v = value as { hostNetwork?: boolean; hostPort?: number };
    if (v.hostNetwork === true || (typeof v.hostPort === 'number' && v.hostPort > 0)) return true;
    return Object.values(value).some(visit);
  };
  return visit((o as { spec?: unknown }).spec);
}

/** Every `hostPath: { path }` below `value` (pod specs and templates), renamed in place. */
function renameHostPaths(value: unknown, map: GradeMap): void {
  if (!value || typeof value !== 'object') return;
  const o = value as { hostPath?: { path?: string } };
  if (o.hostPath?.path) o.hostPath.path = map.hostPath(o.hostPath.path);
  for (const child of Object.values(value)) renameHostPaths(child, map);
}

/** The lab name of a submission's objects that belong to no reference lab. */
export const OTHER_OBJECTS = 'other objects';

export interface Submission {
  /** the reference labs' names, each with the submission's objects of that lab (mapped); then "other objects" if any */
  labs: Lab[];
  /** objects of kinds not applied while grading (ALLOWED_KINDS), as Kind/name */
  refused: string[];
  /** objects whose pods use the host's network (graded one at a time with the other such submissions) */
  hostNetwork: string[];
}

/**
 * The submission's objects, sorted into the reference labs by kind and name
 * (wherever the files are) and mapped. A file that does not parse gives no
 * objects; the audit reports it.
 */
export function readSubmission(dir: string, reference: Lab[], map: GradeMap): Submission {
  const labOf = new Map<string, string>(reference.flatMap((lab) => lab.objects.map((o) => [`${o.kind}/${o.metadata?.name}`, lab.name] as [string, string])));
  const labs: Lab[] = reference.map((lab) => ({ name: lab.name, objects: [] }));
  const other: Lab = { name: OTHER_OBJECTS, objects: [] };
  const refused: string[] = [];
  const hostNetwork: string[] = [];
  for (const file of yamlFiles(dir)) {
    let docs: unknown[] = [];
    try {
      docs = loadAll(readFileSync(file, 'utf8'));
    } catch {
      continue;
    }
    for (const doc of docs) {
      const o = doc as KubernetesObject | null;
      if (!o || typeof o !== 'object' || !o.apiVersion || !o.kind || !o.metadata?.name) continue;
      const key = `${o.kind}/${o.metadata.name}`;
      if (!ALLOWED_KINDS.has(o.kind)) {
        refused.push(key);
        continue;
      }
      if (onHostNetwork(o)) hostNetwork.push(key);
      const lab = labs.find((l) => l.name === labOf.get(key)) ?? other;
      lab.objects.push(mapObject(o, map));
    }
  }
  return { labs: other.objects.length ? [...labs, other] : labs, refused, hostNetwork };
}

/** What deploying a submission gave, step by step: the errors of each "<lab> <apply|ready>". */
export interface GradeState {
  id: string;
  errors: Record<string, string[]>;
  /** where the slot's own edge is reached (its Ingresses and Gateways) */
  edge?: SlotEdge;
  /** each container's restart count once the submission was deployed ("pod uid/container"), for the row that it stays up */
  restarts?: Record<string, number>;
  /** the node folders the submission's hostPath volumes were renamed to, removed when the grading ends */
  hostPaths?: string[];
}

/** Where the deploy step writes its outcome for the checks: HARNESS_GRADE_STATE (a student's folder in a class), else reports/. */
const stateFile = () => process.env.HARNESS_GRADE_STATE || 'reports/grade-state.json';

export function writeGradeState(state: GradeState): void {
  mkdirSync(dirname(stateFile()), { recursive: true });
  writeFileSync(stateFile(), JSON.stringify(state, null, 2));
}

/** The deploy's outcome for run `id`; an error when the deploy did not run. */
export function readGradeState(id: string): GradeState {
  const file = stateFile();
  const state = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as GradeState) : undefined;
  if (state?.id !== id) throw new Error(`the submission was not deployed (no ${file} for grading run ${id}): see the grade-setup step`);
  return state;
}

/**
 * The renamed node folders the grade-state files under `reportDir` record: a
 * single grading's (grade-state.json) and a class's (students/NAME/). Only
 * names the renaming makes (ending in -g<id>) are returned: they are removed
 * from the nodes.
 */
export function recordedHostPaths(reportDir = 'reports'): string[] {
  const students = join(reportDir, 'students');
  const files = [join(reportDir, 'grade-state.json'), ...(existsSync(students) ? readdirSync(students).map((n) => join(students, n, 'grade-state.json')) : [])];
  return files
    .filter((f) => existsSync(f))
    .flatMap((f) => (JSON.parse(readFileSync(f, 'utf8')) as GradeState).hostPaths ?? [])
    .filter((p) => /^\/.+-g[0-9a-z]+$/.test(p));
}
