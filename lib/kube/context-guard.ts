// Refuses to let suites touch any cluster but the harness's own. Checked
// before the first API call: the kubeconfig must be the harness's file, its
// current context the harness's, and the API server and CA those recorded when
// the harness created the cluster.
import { createHash } from 'node:crypto';

export interface KubeconfigFacts {
  path: string;
  currentContext: string;
  server?: string;
  caData?: string;
}

export interface ClusterIdentity {
  kubeconfigPath: string;
  context: string;
  server: string;
  caFingerprint: string; // sha256 of the base64 CA data
}

export type GuardResult = { allowed: true; foreign: boolean } | { allowed: false; reason: string };

export function fingerprint(caData: string): string {
  return createHash('sha256').update(caData.trim()).digest('hex');
}

export function checkContext(
  kubeconfig: KubeconfigFacts,
  identity: ClusterIdentity | undefined,
  opts: { allowForeignContext: boolean; destructive: boolean },
): GuardResult {
  const mismatch = describeMismatch(kubeconfig, identity);
  if (!mismatch) return { allowed: true, foreign: false };
  if (!opts.allowForeignContext) {
    return { allowed: false, reason: `${mismatch}; refusing to run (pass --allow-foreign-context for read-only suites)` };
  }
  if (opts.destructive) {
    return { allowed: false, reason: `${mismatch}; destructive suites never run on a foreign cluster, even with --allow-foreign-context` };
  }
  return { allowed: true, foreign: true };
}

function describeMismatch(k: KubeconfigFacts, id: ClusterIdentity | undefined): string | undefined {
  if (!id) return 'the harness has no record of a cluster it created (run npm run cluster:up)';
  if (k.path !== id.kubeconfigPath) return `kubeconfig ${k.path} is not the harness's own (${id.kubeconfigPath})`;
  if (k.currentContext !== id.context) return `context "${k.currentContext}" is not the harness's context "${id.context}"`;
  if (k.server !== id.server) return `context "${k.currentContext}" points at ${k.server ?? 'no server'}, not the harness's API server ${id.server}`;
  if (!k.caData || fingerprint(k.caData) !== id.caFingerprint) {
    return `context "${k.currentContext}" has a different cluster CA than the cluster the harness created`;
  }
  return undefined;
}
