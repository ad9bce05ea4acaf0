// Applying manifests with server-side apply, as `kubectl apply --server-side`
// does, so the harness needs no kubectl.
import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
// js-yaml directly: client-node's loadAllYaml fails on empty documents ("---\n---").
import { loadAll } from 'js-yaml';
import { apiMessage } from './kube.ts';

export const FIELD_MANAGER = 'course-harness';

export class ManifestError extends Error {}

/** Parses multi-document YAML into objects; a YAML error names the source. */
export function parseManifests(text: string, source: string): KubernetesObject[] {
  let docs: unknown[];
  try {
    docs = loadAll(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ManifestError(`${source}: YAML error: ${reason}`);
  }
  const objects: KubernetesObject[] = [];
  docs.forEach((doc, i) => {
    if (doc === null || doc === undefined) return;
    const o = doc as KubernetesObject;
    if (typeof doc !== 'object' || !o.apiVersion || !o.kind || !o.metadata?.name) {
      throw new ManifestError(`${source}: document ${i + 1} is not a Kubernetes object (needs apiVersion, kind and metadata.name)`);
    }
    objects.push(o);
  });
  return objects;
}

/**
 * Server-side applies the objects in order (into `namespace` when they name
 * none). Every object is tried; the rejections are thrown together, one
 * "Kind/name: message" each.
 */
export async function applyObjects(kc: KubeConfig, objects: KubernetesObject[], namespace?: string): Promise<void> {
  const client = KubernetesObjectApi.makeApiClient(kc);
  const rejected: string[] = [];
  for (const o of objects) {
    const spec = namespace && !o.metadata?.namespace ? { ...o, metadata: { ...o.metadata, namespace } } : o;
    await client.patch(spec, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply).catch((err: unknown) => {
      rejected.push(`${o.kind}/${o.metadata?.name}: ${apiMessage(err)}`);
    });
  }
  if (rejected.length) throw new Error(`the API server rejects ${rejected.join('; ')}`);
}
