// Manifest audit: what would go wrong before anything is applied. One finding
// per problem, with file and line, and the remedy where there is one.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { load, loadAll } from 'js-yaml';
import { FIELD_MANAGER } from '../kube/apply.ts';
import { apiMessage } from '../kube/kube.ts';
import { rewriteGroupCauses } from '../checks/diagnose-ingress.ts';
import { gatewayApiProblems } from './gateway-audit.ts';
import type { Lab } from '../course/labs.ts';

export interface Finding {
  file: string;
  /** 0: about the folder as a whole */
  line: number;
  message: string;
}

/** API versions removed from Kubernetes, by group/version and kind: [removed in, replacement]. */
const REMOVED: Record<string, [string, string]> = {
  'extensions/v1beta1 Ingress': ['1.22', 'networking.k8s.io/v1'],
  'extensions/v1beta1 Deployment': ['1.16', 'apps/v1'],
  'extensions/v1beta1 DaemonSet': ['1.16', 'apps/v1'],
  'extensions/v1beta1 ReplicaSet': ['1.16', 'apps/v1'],
  'extensions/v1beta1 NetworkPolicy': ['1.16', 'networking.k8s.io/v1'],
  'extensions/v1beta1 PodSecurityPolicy': ['1.16', '(none: PodSecurityPolicy was removed in 1.25)'],
  'apps/v1beta1 *': ['1.16', 'apps/v1'],
  'apps/v1beta2 *': ['1.16', 'apps/v1'],
  'networking.k8s.io/v1beta1 Ingress': ['1.22', 'networking.k8s.io/v1'],
  'networking.k8s.io/v1beta1 IngressClass': ['1.22', 'networking.k8s.io/v1'],
  'rbac.authorization.k8s.io/v1beta1 *': ['1.22', 'rbac.authorization.k8s.io/v1'],
  'rbac.authorization.k8s.io/v1alpha1 *': ['1.22', 'rbac.authorization.k8s.io/v1'],
  'batch/v1beta1 CronJob': ['1.25', 'batch/v1'],
  'policy/v1beta1 PodDisruptionBudget': ['1.25', 'policy/v1'],
  'policy/v1beta1 PodSecurityPolicy': ['1.25', '(none: PodSecurityPolicy was removed)'],
  'admissionregistration.k8s.io/v1beta1 *': ['1.22', 'admissionregistration.k8s.io/v1'],
  'apiextensions.k8s.io/v1beta1 CustomResourceDefinition': ['1.22', 'apiextensions.k8s.io/v1'],
  'autoscaling/v2beta1 HorizontalPodAutoscaler': ['1.25', 'autoscaling/v2'],
  'autoscaling/v2beta2 HorizontalPodAutoscaler': ['1.26', 'autoscaling/v2'],
  'storage.k8s.io/v1beta1 CSIDriver': ['1.22', 'storage.k8s.io/v1'],
  'scheduling.k8s.io/v1beta1 PriorityClass': ['1.22', 'scheduling.k8s.io/v1'],
  'discovery.k8s.io/v1beta1 EndpointSlice': ['1.25', 'discovery.k8s.io/v1'],
};

/** A path an Ingress controller can only read as a regular expression. */
const REGEX = /[()[\]*+?|^$\\]/;

function removedApi(apiVersion: string, kind: string): [string, string] | undefined {
  return REMOVED[`${apiVersion} ${kind}`] ?? REMOVED[`${apiVersion} *`];
}

/** Secret values by "name/KEY", decoded, from the audited files (for cross-file checks). */
export type SecretValues = Map<string, string>;

/** Audits one file's text. */
export function auditText(text: string, file: string, secrets: SecretValues = new Map()): Finding[] {
  const findings: Finding[] = [];
  const lines = text.split('\n');
  // Documents and the line each starts on.
  const starts = [0];
  lines.forEach((l, i) => {
    if (/^---\s*$/.test(l)) starts.push(i + 1);
  });
  starts.forEach((start, d) => {
    const end = d + 1 < starts.length ? starts[d + 1] - 1 : lines.length;
    const docText = lines.slice(start, end).join('\n');
    const lineOf = (pattern: RegExp) => {
      const i = lines.slice(start, end).findIndex((l) => pattern.test(l));
      return start + (i >= 0 ? i : 0) + 1;
    };
    let doc: unknown;
    try {
      doc = load(docText);
    } catch (err) {
      const mark = (err as { mark?: { line: number } }).mark;
      const reason = ((err as Error).message.split('\n')[0] ?? '').replace(/\s*\(\d+:\d+\)$/, '');
      findings.push({ file, line: start + (mark?.line ?? 0) + 1, message: `YAML error: ${reason}` });
      return;
    }
    if (doc === null || doc === undefined) return;
    // The class grading rubric (manifests/rubric.yaml) sits beside the labs; it is not a manifest.
    if (typeof doc === 'object' && 'labs' in doc && !('apiVersion' in doc)) return;
    const o = doc as KubernetesObject & { spec?: Record<string, unknown> };
    if (typeof doc !== 'object' || !o.apiVersion || !o.kind) {
      findings.push({ file, line: start + 1, message: 'not a Kubernetes object (no apiVersion or kind)' });
      return;
    }
    const what = `${o.kind}/${o.metadata?.name ?? '?'}`;
    const removed = removedApi(o.apiVersion, o.kind);
    if (removed) {
      findings.push({
        file,
        line: lineOf(/^\s*apiVersion:/),
        message: `${what}: ${o.apiVersion} ${o.kind} was removed in Kubernetes ${removed[0]}; use ${removed[1]}`,
      });
    }
    if (o.kind === 'Ingress') findings.push(...auditIngress(o, what, file, lineOf));
    if (o.apiVersion.startsWith('gateway.networking.k8s.io/')) {
      for (const p of gatewayApiProblems(o, what)) findings.push({ file, line: lineOf(new RegExp(`^\\s*(- )?${p.key}:`)), message: p.message });
    }
    findings.push(...auditMysqlUser(o, what, file, lineOf, secrets));
    findings.push(...auditPullSecret(o, what, file, lineOf));
  });
  return findings;
}

/** A pull secret (kubectl create secret docker-registry): its .dockerconfigjson must be JSON with a login per registry ("auths"). */
function auditPullSecret(o: KubernetesObject & { type?: string; data?: Record<string, string>; stringData?: Record<string, string> }, what: string, file: string, lineOf: (p: RegExp) => number): Finding[] {
  if (o.kind !== 'Secret' || o.type !== 'kubernetes.io/dockerconfigjson') return [];
  const raw = o.stringData?.['.dockerconfigjson'] ?? (o.data?.['.dockerconfigjson'] ? Buffer.from(o.data['.dockerconfigjson'], 'base64').toString('utf8') : undefined);
  const at = (message: string): Finding[] => [{ file, line: lineOf(/dockerconfigjson/), message: `${what}: ${message}` }];
  if (raw === undefined) return at('a kubernetes.io/dockerconfigjson Secret needs the key .dockerconfigjson');
  let auths: unknown;
  try {
    auths = (JSON.parse(raw) as { auths?: unknown }).auths;
  } catch {
    return at('.dockerconfigjson is not JSON');
  }
  if (!auths || typeof auths !== 'object' || !Object.keys(auths).length) return at('.dockerconfigjson has no "auths": no registry to log in to');
  return [];
}

type Container = { image?: string; env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[] };

/** MYSQL_USER=root makes the mysql image refuse to start. */
function auditMysqlUser(o: KubernetesObject, what: string, file: string, lineOf: (p: RegExp) => number, secrets: SecretValues): Finding[] {
  const spec = (o as { spec?: { containers?: Container[]; template?: { spec?: { containers?: Container[] } } } }).spec;
  const containers = spec?.containers ?? spec?.template?.spec?.containers ?? [];
  const findings: Finding[] = [];
  for (const c of containers) {
    if (!/mysql|mariadb/.test(c.image ?? '')) continue;
    const user = c.env?.find((e) => e.name === 'MYSQL_USER');
    const ref = user?.valueFrom?.secretKeyRef;
    const value = user?.value ?? (ref ? secrets.get(`${ref.name}/${ref.key}`) : undefined);
    if (value === 'root') {
      const from = ref ? ` (from Secret ${ref.name} key ${ref.key})` : '';
      findings.push({ file, line: lineOf(/name:\s*MYSQL_USER/), message: `${what}: MYSQL_USER is root${from}; the mysql image refuses it (MYSQL_USER is for a regular user; root gets MYSQL_ROOT_PASSWORD)` });
    }
  }
  return findings;
}

/**
 * `text` with every Secret value of the audited files replaced: a message
 * the API server writes about a Secret may quote what it was given.
 */
export function redactSecrets(text: string, secrets: SecretValues): string {
  let out = text;
  const values = [...new Set(secrets.values())].filter((v) => v.length >= 4).sort((a, b) => b.length - a.length);
  for (const v of values) for (const form of [v, Buffer.from(v).toString('base64')]) out = out.replaceAll(form, '<Secret value>');
  return out;
}

/** The Secret values a folder's files hold, to redact from what the API server says about them. */
export function folderSecrets(dir: string): SecretValues {
  return collectSecrets(yamlFiles(dir).map((f) => readFileSync(f, 'utf8')));
}

function collectSecrets(texts: string[]): SecretValues {
  const secrets: SecretValues = new Map();
  for (const text of texts) {
    let docs: unknown[] = [];
    try {
      docs = loadAll(text);
    } catch {
      continue; // reported by auditText
    }
    for (const d of docs) {
      const o = d as { kind?: string; metadata?: { name?: string }; data?: Record<string, string>; stringData?: Record<string, string> };
      if (o?.kind !== 'Secret' || !o.metadata?.name) continue;
      for (const [k, v] of Object.entries(o.data ?? {})) secrets.set(`${o.metadata.name}/${k}`, Buffer.from(String(v), 'base64').toString());
      for (const [k, v] of Object.entries(o.stringData ?? {})) secrets.set(`${o.metadata.name}/${k}`, String(v));
    }
  }
  return secrets;
}

type IngressSpec = { ingressClassName?: string; rules?: { http?: { paths?: { path?: string; pathType?: string }[] } }[] };

function auditIngress(o: KubernetesObject & { spec?: unknown }, what: string, file: string, lineOf: (p: RegExp) => number): Finding[] {
  const findings: Finding[] = [];
  const spec = (o.spec ?? {}) as IngressSpec;
  const annotations = o.metadata?.annotations ?? {};
  if (!spec.ingressClassName && !annotations['kubernetes.io/ingress.class']) {
    findings.push({ file, line: lineOf(/^\s*spec:/), message: `${what}: no ingressClassName; only a controller that watches Ingresses without a class serves it (add ingressClassName: nginx)` });
  }
  for (const rule of spec.rules ?? []) {
    for (const p of rule.http?.paths ?? []) {
      if (p.path && REGEX.test(p.path) && p.pathType !== 'ImplementationSpecific') {
        const escaped = p.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        findings.push({
          file,
          line: lineOf(new RegExp(`path:\\s*${escaped}\\s*$`)),
          message: `${what}: regex path ${p.path} under pathType ${p.pathType ?? '(none)'} is rejected by strict path validation; use pathType: ImplementationSpecific`,
        });
      }
    }
  }
  const paths = (spec.rules ?? []).flatMap((r) => r.http?.paths ?? []).map((p) => p.path ?? '');
  for (const cause of rewriteGroupCauses(o.metadata?.name ?? '?', annotations['nginx.ingress.kubernetes.io/rewrite-target'], paths)) {
    findings.push({ file, line: lineOf(/rewrite-target/), message: cause.replace(/^Ingress \S+: /, `${what}: `) });
  }
  for (const key of Object.keys(annotations)) {
    if (key.startsWith('nginx.org/')) {
      findings.push({ file, line: lineOf(new RegExp(key.replace(/[./]/g, '\\$&'))), message: `${what}: ${key} belongs to the NGINX Inc. controller; ingress-nginx and Traefik ignore it` });
    }
  }
  return findings;
}

/** Paths under the working directory relative to it, others as given. */
function shown(path: string): string {
  const r = relative(process.cwd(), path);
  return r && !r.startsWith('..') ? r : path;
}

/** Every .yaml/.yml file under a folder (or the file itself), in name order; hidden folders (.git, .github) and node_modules are not a submission's. */
export function yamlFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) for (const name of readdirSync(p).sort().filter((n) => !n.startsWith('.') && n !== 'node_modules')) walk(join(p, name));
    else if (/\.ya?ml$/.test(p)) files.push(p);
  };
  walk(root);
  return files;
}

/** Audits every .yaml/.yml file under a folder (or one file). */
export function auditPath(root: string): Finding[] {
  const files = yamlFiles(root);
  const texts = files.map((f) => readFileSync(f, 'utf8'));
  const secrets = collectSecrets(texts);
  return files.flatMap((f, i) => auditText(texts[i], shown(f), secrets));
}

export function formatFinding(f: Finding): string {
  return f.line ? `${f.file}:${f.line}: ${f.message}` : `${f.file}: ${f.message}`;
}

/**
 * For a submitted folder (a student's): every object of the reference labs
 * (manifests/NN-*) that no file defines, by kind and name, one finding each,
 * wherever the student put the files. A file that does not parse defines
 * nothing: its objects show up here too, after its YAML error.
 */
export function missingObjects(dir: string, reference: Lab[]): Finding[] {
  // kind/name -> the namespaces the folder puts it in ("" for cluster-scoped kinds)
  const defined = new Map<string, Set<string>>();
  for (const f of yamlFiles(dir)) {
    let docs: unknown[] = [];
    try {
      docs = loadAll(readFileSync(f, 'utf8'));
    } catch {
      docs = [];
    }
    for (const d of docs) {
      const o = d as KubernetesObject | null;
      if (!o || typeof o !== 'object' || !o.kind || !o.metadata?.name) continue;
      const key = `${o.kind}/${o.metadata.name}`;
      defined.set(key, (defined.get(key) ?? new Set()).add(namespaceOf(o)));
    }
  }
  // The routing labs may be answered with Ingresses (labs 40, 50), Gateway API (lab 60), or both: only an answer given must
  // be whole. A folder that gives neither misses both (an empty folder earns no lab 60 row by default).
  const answers = (isGatewayApi: boolean) => [...defined.keys()].some((k) => GATEWAY_API_KINDS.has(k.split('/')[0]) === isGatewayApi && ROUTING_KINDS.has(k.split('/')[0]));
  const byGateway = answers(true);
  const byIngress = answers(false);
  const required = (kind: string) => (kind === 'Ingress' ? byIngress || !byGateway : GATEWAY_API_KINDS.has(kind) ? byGateway || !byIngress : true);
  return reference.flatMap((lab) =>
    lab.objects.filter((o) => required(o.kind!)).flatMap((o) => {
      const key = `${o.kind}/${o.metadata?.name}`;
      const where = defined.get(key);
      const ns = namespaceOf(o);
      if (!where) return [{ file: dir, line: 0, message: `lab ${lab.name}: ${key} is missing (no file in the folder defines it)` }];
      if (!where.has(ns)) {
        const given = [...where].map((n) => (n === 'default' ? 'default (or none given)' : n)).join(', ');
        return [{ file: dir, line: 0, message: `lab ${lab.name}: ${key} is in namespace ${given}; the course puts it in ${ns}` }];
      }
      return [];
    }),
  );
}

const GATEWAY_API_KINDS = new Set(['Gateway', 'HTTPRoute', 'GRPCRoute', 'TLSRoute', 'ReferenceGrant', 'GatewayClass']);
const ROUTING_KINDS = new Set(['Ingress', 'Gateway', 'HTTPRoute']);

/** An object's namespace as the API server would take it ("" for a Namespace, default when none is given). */
const namespaceOf = (o: KubernetesObject) => (o.kind === 'Namespace' ? '' : (o.metadata?.namespace ?? 'default'));

/**
 * Server-side dry-run of every object against a running cluster: what the API
 * server itself rejects. Objects in a namespace the audited files create are
 * not reported for that namespace's absence (a dry-run creates nothing).
 */
export async function dryRunPath(kc: KubeConfig, root: string): Promise<Finding[]> {
  const files = yamlFiles(root);
  const findings: Finding[] = [];
  const client = KubernetesObjectApi.makeApiClient(kc);
  const created = new Set<string>();
  const docs: { file: string; line: number; object: KubernetesObject }[] = [];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    let base = 1; // line number of each part's first line
    for (const part of text.split(/^---[ \t]*$/m)) {
      let doc: unknown;
      try {
        doc = load(part);
      } catch {
        doc = undefined; // reported by the static audit
      }
      const o = doc as KubernetesObject | undefined;
      if (o && typeof o === 'object' && o.apiVersion && o.kind && o.metadata?.name) {
        docs.push({ file: shown(f), line: base + Math.max(0, part.split('\n').findIndex((l) => /^\s*apiVersion:/.test(l))), object: o });
        if (o.kind === 'Namespace') created.add(o.metadata.name);
      }
      base += part.split('\n').length - 1;
    }
  }
  const secrets = collectSecrets(files.map((f) => readFileSync(f, 'utf8')));
  for (const { file, line, object } of docs) {
    try {
      await client.patch(object, undefined, 'All', FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
    } catch (err) {
      const message = redactSecrets(apiMessage(err), secrets);
      if (/namespaces? "?([a-z0-9-]+)"? not found/.test(message) && created.has(object.metadata?.namespace ?? '')) continue;
      findings.push({ file, line, message: `${object.kind}/${object.metadata?.name}: the API server rejects it: ${message}` });
    }
  }
  return findings;
}
