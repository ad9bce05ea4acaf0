// Where the harness keeps its state. Nothing here is inside the work tree, and
// the user's ~/.kube/config is never written. Read at each use, so that
// HARNESS_HOME set by a test or a benchmark takes effect.
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Root of everything the harness keeps between runs (HARNESS_HOME overrides). */
export function harnessHome(): string {
  return process.env.HARNESS_HOME || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'course-harness');
}

export const paths = {
  get home() {
    return harnessHome();
  },
  /** offline build artifacts, keyed by component and version */
  get cache() {
    return join(harnessHome(), 'cache');
  },
  get logs() {
    return join(harnessHome(), 'logs');
  },
  get docker() {
    return join(harnessHome(), 'docker');
  },
  cluster: (name: string) => join(harnessHome(), 'clusters', name),
  kubeconfig: (name: string) => join(harnessHome(), 'clusters', name, 'kubeconfig'),
  /** written only once a cluster is fully up; its absence means "not healthy" */
  identity: (name: string) => join(harnessHome(), 'clusters', name, 'identity.json'),
};
