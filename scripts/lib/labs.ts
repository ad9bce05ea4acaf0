// The course labs under manifests/: one folder per lab (NN-name), applied in
// order, with the steps the course does by hand between them (the TLS secret
// made with openssl, `python3 manage.py migrate` run in the myblog pod).
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KubeConfig, KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { applyObjects, parseManifests } from './apply.ts';
import { execInPod, rolledOut, waitFor, type DeploymentLike } from './kube.ts';
import { step } from './log.ts';
import { selfSignedCertificate } from './tls.ts';

export const MANIFESTS = resolve(import.meta.dirname, '../../manifests');

export interface Lab {
  name: string;
  objects: KubernetesObject[];
}

/** Reads every lab folder; a YAML error names the file. */
export function loadLabs(root = MANIFESTS): Lab[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && /^\d\d-/.test(d.name))
    .map((d) => d.name)
    .sort()
    .map((name) => ({
      name,
      objects: readdirSync(join(root, name))
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .flatMap((f) => parseManifests(readFileSync(join(root, name, f), 'utf8'), `manifests/${name}/${f}`)),
    }));
}

/** Copies of objects moved to namespace ns (the labs name luffy; the suites use their own). */
export function inNamespace<T extends KubernetesObject>(objects: T[], ns: string): T[] {
  return objects.map((o) => ({ ...o, metadata: { ...o.metadata, namespace: ns } }));
}

/** The lab whose folder starts with prefix (e.g. "20-"). */
export function findLab(prefix: string, root = MANIFESTS): Lab {
  const lab = loadLabs(root).find((l) => l.name.startsWith(prefix));
  if (!lab) throw new Error(`no lab ${prefix}* under ${root}`);
  return lab;
}

export async function waitForDeployments(kc: KubeConfig, namespace: string, names: string[], timeoutMs = 240_000): Promise<void> {
  await waitFor<DeploymentLike>({
    kc,
    path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
    what: `deployments ${names.join(', ')} in ${namespace} rolled out`,
    until: (items) =>
      names.every((n) => {
        const d = items.find((i) => i.metadata?.name === n);
        return d !== undefined && rolledOut(d);
      }),
    describe: (items) => items.map((d) => `${d.metadata?.name} ${d.status?.availableReplicas ?? 0}/${d.spec?.replicas}`).join(', '),
    timeoutMs,
  });
}

/** Applies the labs in order and brings the course's stack to Ready. */
export async function deployCourseStack(kc: KubeConfig): Promise<void> {
  const apply = (prefix: string) => {
    const lab = findLab(prefix);
    return step(`lab ${lab.name}`, () => applyObjects(kc, lab.objects));
  };

  await apply('01-');
  await apply('10-');
  await step('TLS secret tls-myblog for *.luffy.com (openssl, made now)', async () => {
    const { cert, key } = await selfSignedCertificate('*.luffy.com');
    await applyObjects(kc, [
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'tls-myblog', namespace: 'luffy' },
        type: 'kubernetes.io/tls',
        stringData: { 'tls.crt': cert, 'tls.key': key },
      } as KubernetesObject,
    ]);
  });
  await apply('20-');
  await apply('30-'); // myblog reaches MySQL through the mysql Service
  await step('mysql ready, then python3 manage.py migrate in a myblog pod', async () => {
    await waitForDeployments(kc, 'luffy', ['mysql']);
    const pods = await waitFor<V1Pod>({
      kc,
      path: '/api/v1/namespaces/luffy/pods',
      labelSelector: 'app=myblog',
      what: 'a running myblog pod',
      until: (items) => items.some((p) => p.status?.containerStatuses?.[0]?.state?.running),
      timeoutMs: 180_000,
    });
    const pod = pods.find((p) => p.status?.containerStatuses?.[0]?.state?.running)!;
    const r = await execInPod(kc, 'luffy', pod.metadata!.name!, ['python3', 'manage.py', 'migrate', '--noinput']);
    if (r.exitCode !== 0) throw new Error(`migrate failed in ${pod.metadata!.name}: ${r.stderr.trim().split('\n').pop()}`);
    await waitForDeployments(kc, 'luffy', ['myblog']);
  });
  await apply('40-');
  await apply('50-');
  await step('bookinfo details and reviews available', () => waitForDeployments(kc, 'default', ['details', 'reviews']));
}
