// Live mode (npm test -- --live): how the checks reach a course cluster's
// edge from outside it. The ingress controller is reached on the node its
// Ready pod runs on (the course's ingress-nginx uses hostNetwork on the node
// labelled ingress=true), or at --ingress-address; an address that does not
// answer is named with the way to give another, once, before any route is
// judged on it.
import { connect } from 'node:net';
import type { Cluster } from '../checks/target.ts';
import { INGRESS, type Edge } from '../checks/routes.ts';
import { ingressControllers } from './cluster-facts.ts';
import { parseHostPort } from '../core/options.ts';

/** Why a TCP connection to address:port does not open within 5 s; undefined when it does. */
export function unreachable(address: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port, timeout: 5000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('no connection within 5 s');
    });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/**
 * The Ingress edge of a live cluster: at `given` (HOST[:HTTP[:HTTPS]]), else
 * on the node of a Ready controller pod (one on a node labelled ingress=true
 * first), ports 80 and 443. Both ports must answer.
 */
export async function liveIngressEdge(cluster: Cluster, given: string): Promise<Edge> {
  let address: string;
  let ports = { http: 80, https: 443 };
  let how: string;
  if (given) {
    const parsed = parseHostPort(given, '--ingress-address');
    address = parsed.host;
    ports = { http: parsed.http, https: parsed.https };
    how = '--ingress-address';
  } else {
    const ingressNodes = new Set((await cluster.core.listNode({ labelSelector: 'ingress=true' })).items.map((n) => n.metadata!.name!));
    const ready = (await ingressControllers(cluster.core)).filter((c) => c.ready && c.hostIP);
    const controller = ready.find((c) => ingressNodes.has(c.node)) ?? ready[0];
    if (!controller) throw new Error('no Ready ingress controller pod (ingress-nginx or Traefik) in the cluster: give its address with --ingress-address HOST[:HTTP_PORT[:HTTPS_PORT]]');
    address = controller.hostIP!;
    how = `the node ${controller.node} of ${controller.kind} pod ${controller.pod}`;
  }
  for (const port of [ports.http, ports.https]) {
    const why = await unreachable(address, port);
    if (why) throw new Error(`cannot reach the ingress controller at ${address}:${port} (${how}): ${why}; give an address that reaches it with --ingress-address HOST[:HTTP_PORT[:HTTPS_PORT]]`);
  }
  return { ...INGRESS, address, ports };
}
