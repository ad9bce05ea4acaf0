// Where the harness keeps its state. Nothing here is inside the work tree, and
// the user's ~/.kube/config is never written.
import { homedir } from 'node:os';
import { join } from 'node:path';

const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');

/** Root of everything the harness keeps between runs (HARNESS_HOME overrides). */
export const HARNESS_HOME = process.env.HARNESS_HOME || join(cacheHome, 'course-harness');

export const paths = {
  home: HARNESS_HOME,
  /** offline build artifacts, keyed by component and version */
  cache: join(HARNESS_HOME, 'cache'),
  logs: join(HARNESS_HOME, 'logs'),
  bin: join(HARNESS_HOME, 'bin'),
  docker: join(HARNESS_HOME, 'docker'),
  cluster: (name: string) => join(HARNESS_HOME, 'clusters', name),
  kubeconfig: (name: string) => join(HARNESS_HOME, 'clusters', name, 'kubeconfig'),
  /** written only once a cluster is fully up; its absence means "not healthy" */
  identity: (name: string) => join(HARNESS_HOME, 'clusters', name, 'identity.json'),
};
