// Events of one object, for checks that assert the reason Kubernetes gives.
import type { CoreV1Event } from '@kubernetes/client-node';
import type { Cluster } from './target.ts';
import { waitFor } from '../kube/kube.ts';

/** Waits, by watch, for an event on `object` whose reason is `reason` and whose message matches. */
export async function eventFor(cluster: Cluster, ns: string, object: string, reason: string, message: RegExp, timeoutMs = 120_000): Promise<CoreV1Event> {
  const matches = (e: CoreV1Event) => e.reason === reason && message.test(e.message ?? '');
  const events = await waitFor<CoreV1Event>({
    kc: cluster.kc,
    path: `/api/v1/namespaces/${ns}/events`,
    fieldSelector: `involvedObject.name=${object}`,
    what: `a ${reason} event on ${object} matching ${message}`,
    until: (items) => items.some(matches),
    describe: (items) => items.map((e) => `${e.reason}: ${e.message}`).join('; ') || 'no events',
    timeoutMs,
  });
  return events.find(matches)!;
}
