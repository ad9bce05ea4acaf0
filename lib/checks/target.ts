// The cluster a check runs against: the harness's own, or with --live a
// course cluster (foreign, read only). The Playwright fixture makes it
// (fixtures/cluster.ts); grading, live mode and benchmarks pass it in.
import type { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { ClusterRecord } from '../cluster/cluster.ts';

export interface Cluster {
  kc: KubeConfig;
  core: CoreV1Api;
  apps: AppsV1Api;
  /** the harness's record of the cluster; undefined on a foreign cluster */
  record?: ClusterRecord;
  foreign: boolean;
}
