// What the grading steps share: the submitted folder, the map to its own
// namespaces and folders, its own edge, and a check's failure worded in the
// student's names (their namespace luffy, not the harness's g<id>-luffy).
import type { TestInfo } from '@playwright/test';
import type { V1Deployment } from '@kubernetes/client-node';
import { harnessOptions, type Cluster } from '../../fixtures/cluster.ts';
import { GATEWAY, INGRESS, type Edge } from '../../lib/checks/routes.ts';
import { withTranscript } from '../../fixtures/transcript.ts';
import type { Exchange } from '../../lib/checks/http.ts';
import { loadLabs } from '../../lib/course/labs.ts';
import { GradeMap, gradeId, readGradeState, readSubmission } from '../../lib/grading/submission.ts';

export const DIR = harnessOptions().manifests;
export const map = new GradeMap(gradeId(DIR));
/** The submission as deployed; reading it also teaches `map` the renamed hosts and folders, for messages. */
export const submission = readSubmission(DIR, loadLabs(), map);
export const LUFFY = map.namespace('luffy');
export const DEFAULT = map.namespace('default');

/** The submission's own edge (lib/grading/slot-edge.ts): its Ingress and its Gateway, reached through their NodePorts. */
export function slotEdges(): { ingress: Edge; gateway: Edge } {
  const { edge } = readGradeState(map.id);
  if (!edge) throw new Error(`the grading slot's edge was not started (no edge in the grade state of g${map.id}): see the grade-setup step`);
  // A submission's HTTPRoutes may sit in either of its namespaces, whatever the case's.
  return { ingress: { ...INGRESS, address: edge.address, ports: edge.ingress }, gateway: { ...GATEWAY, address: edge.address, ports: edge.gateway, namespaces: [LUFFY, DEFAULT] } };
}

/** Runs a check; its HTTP transcript is attached, pass or fail, and a failure names the submission's namespaces and hosts. */
export const graded = (testInfo: TestInfo, check: () => Promise<Exchange[] | void>) => withTranscript(testInfo, check, (m) => map.unmap(m));

/** The student's Deployment in luffy, or a "not run" failure naming why (lab 20 did not apply or roll out, or there is no such Deployment). */
export async function deploymentOrNotRun(cluster: Cluster, name: string): Promise<V1Deployment> {
  const { errors } = readGradeState(map.id);
  const why = [...(errors['20-deployments apply'] ?? []), ...(errors['20-deployments ready'] ?? [])];
  if (why.length) throw new Error(`not run: lab 20-deployments did not roll out (${map.unmap(why.join('; '))})`);
  return cluster.apps.readNamespacedDeployment({ name, namespace: LUFFY }).catch(() => {
    throw new Error(`not run: Deployment ${name} does not exist in luffy`);
  });
}
