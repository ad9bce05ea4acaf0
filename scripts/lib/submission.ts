// Grading a submitted manifests folder (a student's) next to the reference
// labs, which stay as they are. The submission's objects are sorted into the
// reference labs by kind and name and moved to a namespace set of their own
// (luffy -> g<id>-luffy). Names that are cluster-wide are renamed too: each
// Ingress host gets the run's id in its first label (myblog.luffy.com ->
// myblog-g<id>.luffy.com, still covered by the course's *.luffy.com
// certificate), a Service's fixed nodePort is dropped (30080 belongs to the
// reference), and a hostPath folder gets the id as suffix (/opt/mysql/data
// is the reference MySQL's). Messages are translated back to the
// submission's names.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { KubernetesObject } from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { yamlFiles } from './audit.ts';
import type { Lab } from './labs.ts';

/** Label of the namespaces a grading run creates; the value is the run's id. */
export const GRADE_LABEL = 'course-harness/grade';

export class GradeMap {
  private readonly renamed = new Map<string, string>();

  constructor(readonly id: string) {}

  namespace(ns = 'default'): string {
    return this.remember(ns, `g${this.id}-${ns}`);
  }

  /** Wildcard hosts stay as they are (they cannot take an id in their first label). */
  host(host: string): string {
    if (host.startsWith('*.') || !host.includes('.')) return host;
    const [first, ...rest] = host.split('.');
    return this.remember(host, [`${first}-g${this.id}`, ...rest].join('.'));
  }

  /** A node folder of the submission's own: two MySQLs on one data folder would fight over its lock. */
  hostPath(path: string): string {
    return this.remember(path, `${path.replace(/\/+$/, '')}-g${this.id}`);
  }

  /** The node folders given to the submission's hostPath volumes. */
  renamedHostPaths(): string[] {
    return [...this.renamed].filter(([renamed]) => renamed.startsWith('/')).map(([renamed]) => renamed);
  }

  /** `text` with every renamed namespace, host and folder put back. */
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

/** Kinds without a namespace; a submission may not create them while grading. */
const CLUSTER_SCOPED = new Set(['Namespace', 'Node', 'PersistentVolume', 'StorageClass', 'IngressClass', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'PriorityClass']);

/** One object moved into the grading namespace set, with its hosts and nodePorts made its own. */
export function mapObject(o: KubernetesObject, map: GradeMap): KubernetesObject {
  const copy = structuredClone(o) as KubernetesObject & { spec?: Record<string, unknown> };
  copy.metadata = { ...copy.metadata };
  if (copy.kind === 'Namespace') {
    copy.metadata.name = map.namespace(copy.metadata.name);
    copy.metadata.labels = { ...copy.metadata.labels, 'course-harness/test': 'true', [GRADE_LABEL]: map.id };
    return copy;
  }
  copy.metadata.namespace = map.namespace(copy.metadata.namespace);
  if (copy.kind === 'Ingress' && copy.spec) {
    const spec = copy.spec as { rules?: { host?: string }[]; tls?: { hosts?: string[] }[] };
    for (const rule of spec.rules ?? []) if (rule.host) rule.host = map.host(rule.host);
    for (const tls of spec.tls ?? []) tls.hosts = tls.hosts?.map((h) => map.host(h));
  }
  // Gateway API: hostnames as Ingress hosts; references to other namespaces into the grading set.
  if (copy.kind === 'HTTPRoute' && copy.spec) {
    const spec = copy.spec as { hostnames?: string[]; parentRefs?: { namespace?: string }[]; rules?: { backendRefs?: { namespace?: string }[] }[] };
    spec.hostnames = spec.hostnames?.map((h) => map.host(h));
    for (const ref of [...(spec.parentRefs ?? []), ...(spec.rules ?? []).flatMap((r) => r.backendRefs ?? [])]) if (ref.namespace) ref.namespace = map.namespace(ref.namespace);
  }
  if (copy.kind === 'Gateway' && copy.spec) {
    const spec = copy.spec as { listeners?: { hostname?: string; tls?: { certificateRefs?: { namespace?: string }[] } }[] };
    for (const l of spec.listeners ?? []) {
      if (l.hostname) l.hostname = map.host(l.hostname);
      for (const ref of l.tls?.certificateRefs ?? []) if (ref.namespace) ref.namespace = map.namespace(ref.namespace);
    }
  }
  renameHostPaths(copy.spec, map);
  if (copy.kind === 'Service' && copy.spec) {
    for (const port of (copy.spec.ports as { nodePort?: number }[] | undefined) ?? []) delete port.nodePort;
  }
  return copy;
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
  /** cluster-scoped objects, not applied while grading */
  refused: string[];
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
      if (CLUSTER_SCOPED.has(o.kind) && o.kind !== 'Namespace') {
        refused.push(key);
        continue;
      }
      const lab = labs.find((l) => l.name === labOf.get(key)) ?? other;
      lab.objects.push(mapObject(o, map));
    }
  }
  return { labs: other.objects.length ? [...labs, other] : labs, refused };
}

/** What deploying a submission gave, step by step: the errors of each "<lab> <apply|ready>". */
export interface GradeState {
  id: string;
  errors: Record<string, string[]>;
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
