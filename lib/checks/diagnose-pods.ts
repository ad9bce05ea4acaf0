// Why pods are not Ready or restart, root first (what others depend on, such
// as MySQL, before the pods that fail because of it): their states, their
// events in the kubelet's words. Pure functions of the objects, unit-tested.
import type { CoreV1Event, V1ContainerStateTerminated, V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { isReady } from '../kube/kube.ts';

/** The events of a pod (by name, and by uid and namespace when both sides have them). */
const podEvents = (p: V1Pod, events: CoreV1Event[]) =>
  events.filter((e) => {
    const o = e.involvedObject;
    const same = (a?: string, b?: string) => !a || !b || a === b;
    return o.name === p.metadata?.name && same(o.kind, 'Pod') && same(o.uid, p.metadata?.uid) && same(o.namespace, p.metadata?.namespace);
  });

/** An event about container `name`: its fieldPath names it (spec.containers{name}); an event about the whole pod (FailedMount) concerns each. */
const aboutContainer = (e: CoreV1Event, name: string) => !e.involvedObject.fieldPath || /\{(.*)\}$/.exec(e.involvedObject.fieldPath)?.[1] === name;

/** Repeats the waiting reason and adds nothing ("Error: ErrImagePull", "Back-off restarting failed container"). */
const restatesReason = (e: CoreV1Event) => e.reason === 'BackOff' || /^Error: [A-Za-z]+$/.test(e.message ?? '');

/**
 * Warnings about getting the pod's volumes ready. The kubelet mounts them
 * before it creates any container: for a container running, or waiting for
 * a reason past the mounts (a missing Secret key, an image, a crash loop),
 * they are past (a transient "failed to sync configmap cache" on a busy node
 * before the mount succeeded), not its cause. A container not yet created
 * waits in ContainerCreating, or PodInitializing where the pod has init
 * containers (the init containers too): for it they may be the cause.
 */
const VOLUME_SETUP = ['FailedMount', 'FailedAttachVolume', 'FailedMapVolume'];
const NOT_CREATED = ['ContainerCreating', 'PodInitializing'];

/** The warning events' messages (with their reasons: "Unhealthy: Readiness probe failed: …"), each once. */
const warningsOf = (events: CoreV1Event[], name?: string, withReason = false, mounted = false) => [
  ...new Set(
    events
      .filter((e) => e.type === 'Warning' && (name === undefined || aboutContainer(e, name)) && !restatesReason(e) && !(mounted && VOLUME_SETUP.includes(e.reason ?? '')))
      .map((e) => (withReason && e.reason ? `${e.reason}: ` : '') + oneLine(e.message ?? e.reason ?? '')),
  ),
];

/** Messages on one line, in full (a termination message may hold a log's last lines). */
const oneLine = (text: string) => text.trim().replace(/\s*\n\s*/g, '; ');

const exited = (t: V1ContainerStateTerminated) => `exited with code ${t.exitCode} (${t.reason ?? 'no reason'})${t.message ? `: ${oneLine(t.message)}` : ''}`;

/**
 * Data stores the course's apps connect to. Their pods' causes come first:
 * myblog failing its probes is a symptom when MySQL never started. Matched
 * on the pod's app label, the first word of its name (mysql-7d9f…) or an
 * image's name (mysql:5.7, …/mariadb:10.11). A fixed list, because who
 * connects to whom is often not in the pods (MYSQL_HOST comes from a
 * ConfigMap), and the course has one such dependency.
 */
export const DEPENDED_ON = ['mysql', 'mariadb', 'postgres', 'redis', 'mongo'];

const imageName = (image?: string) => image?.split('@')[0].split('/').at(-1)?.split(':')[0];
const dependedOn = (p: V1Pod) =>
  [p.metadata?.labels?.app, p.metadata?.labels?.['app.kubernetes.io/name'], p.metadata?.name?.split('-')[0], ...(p.spec?.containers ?? []).map((c) => imageName(c.image))].some(
    (n) => n !== undefined && DEPENDED_ON.includes(n),
  );

/**
 * Why pods are not Ready, one line per container (or per pod, when it has
 * none to blame), root causes first: pods that never started (waiting:
 * a missing Secret or ConfigMap key, an image that cannot be pulled,
 * CrashLoopBackOff with its last exit; unschedulable with the scheduler's
 * message; init containers not done), then pods that run but are not Ready
 * (probe failures); within each, the pods of data stores others depend on
 * (DEPENDED_ON) first. Each line begins with the pod, the container and the
 * reason, then the warning events' messages in full, e.g. "pod mysql-1:
 * container mysql CreateContainerConfigError: Error: couldn't find key
 * MYSQL_PASSWD in Secret luffy/myblog". Ready pods give no line.
 */
export function podCauses(pods: V1Pod[], events: CoreV1Event[]): string[] {
  const lines: { text: string; running: boolean; first: boolean }[] = [];
  for (const p of pods.filter((x) => !isReady(x))) {
    const own = podEvents(p, events);
    const out = (text: string, running = false) => lines.push({ text: `pod ${p.metadata?.name}: ${text}`, running, first: dependedOn(p) });
    const waitingLine = (kind: string, c: V1ContainerStatus) => {
      const w = c.state!.waiting!;
      const why = warningsOf(own, c.name, false, !NOT_CREATED.includes(w.reason ?? ''));
      // The event says it as the kubelet did ("Error: couldn't find key …"); the waiting message, when no event does (events expire).
      // A crash loop's own message is only the back-off; its last exit says why.
      const crashed = w.reason === 'CrashLoopBackOff';
      const said = [
        ...(crashed && c.lastState?.terminated ? [`last ${exited(c.lastState.terminated)}`] : []),
        ...(why.length ? why : w.message && !crashed ? [oneLine(w.message)] : []),
      ];
      return `${kind} ${c.name} ${w.reason ?? 'Waiting'}${said.length ? `: ${said.join('; ')}` : ''}`;
    };
    const before = lines.length;

    const scheduled = p.status?.conditions?.find((c) => c.type === 'PodScheduled');
    if (scheduled?.status === 'False') {
      const message = scheduled.message ?? own.filter((e) => e.reason === 'FailedScheduling').at(-1)?.message;
      out(`${scheduled.reason ?? 'Unschedulable'}${message ? `: ${oneLine(message)}` : ''}`);
    }

    // An init container not done holds the others in PodInitializing: it is the cause.
    const sidecar = (name: string) => p.spec?.initContainers?.find((c) => c.name === name)?.restartPolicy === 'Always';
    const initPending = (p.status?.initContainerStatuses ?? []).filter((c) => !(c.state?.terminated?.exitCode === 0 || (sidecar(c.name) && c.started)));
    for (const c of initPending) {
      const why = warningsOf(own, c.name);
      if (c.state?.waiting) out(waitingLine('init container', c));
      else if (c.state?.terminated) out(`init container ${c.name} ${exited(c.state.terminated)}${why.length ? `: ${why.join('; ')}` : ''}`);
      else out(`init container ${c.name} has not finished (${c.state?.running ? 'running' : 'not started'})${why.length ? `: ${why.join('; ')}` : ''}`);
    }

    for (const c of p.status?.containerStatuses ?? []) {
      if (c.state?.waiting) {
        if (c.state.waiting.reason !== 'PodInitializing' || !initPending.length) out(waitingLine('container', c));
      } else if (c.state?.terminated) {
        out(`container ${c.name} ${exited(c.state.terminated)}`);
      } else if (c.state?.running && !c.ready) {
        // Probe failures first: they are why a running container is not Ready.
        const why = warningsOf(own, c.name, true, true);
        const restarts = c.restartCount ? [`restarted ${times(c.restartCount)}${c.lastState?.terminated ? `, last ${exited(c.lastState.terminated)}` : ''}`] : [];
        const all = [...why, ...restarts];
        out(`container ${c.name} not Ready${all.length ? ` (${all.join('; ')})` : ''}`, true);
      }
    }

    if (lines.length === before) {
      // Nothing to blame on a container: the pod's phase, its reason (Evicted) and its warnings.
      const status = p.status?.reason ? `, ${p.status.reason}${p.status.message ? `: ${oneLine(p.status.message)}` : ''}` : '';
      const why = warningsOf(own);
      out(`not Ready (phase ${p.status?.phase ?? 'unknown'}${status}${why.length ? `; ${why.join('; ')}` : ''})`, p.status?.phase === 'Running');
    }
  }
  // Stable: within the same rank, the order of the pods given.
  const rank = (l: (typeof lines)[number]) => (l.running ? 2 : 0) + (l.first ? 0 : 1);
  return lines.sort((a, b) => rank(a) - rank(b)).map((l) => l.text);
}

const times = (n: number) => `${n} time${n === 1 ? '' : 's'}`;

/** The restart counts of the pods' containers now, keyed "pod uid/container": the baseline restartCauses takes. */
export function restartBaseline(pods: V1Pod[]): Record<string, number> {
  return Object.fromEntries(
    pods.flatMap((p) => [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].map((c) => [`${p.metadata?.uid}/${c.name}`, c.restartCount] as const)),
  );
}

/**
 * One line per container that restarted since `since` (the restartCount
 * then, keyed by pod uid, or "uid/container" as restartBaseline gives; a pod
 * not in it counts all its restarts), with why: OOMKilled, a liveness or
 * startup probe that failed (the Killing event, with the Unhealthy events'
 * messages), else the last termination's reason and exit code. E.g. "pod
 * myblog-1 container myblog restarted 2 times: the livenessProbe failed
 * (Liveness probe failed: HTTP probe failed with statuscode: 404)".
 */
export function restartCauses(pods: V1Pod[], events: CoreV1Event[], since?: Record<string /* pod uid */, number /* restartCount then */>): string[] {
  return pods.flatMap((p) => {
    const own = podEvents(p, events);
    return [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].flatMap((c) => {
      const uid = p.metadata?.uid ?? '';
      const restarts = c.restartCount - (since?.[`${uid}/${c.name}`] ?? since?.[uid] ?? 0);
      if (restarts <= 0) return [];
      return [`pod ${p.metadata?.name} container ${c.name} restarted ${times(restarts)}: ${restartReason(c, own)}`];
    });
  });
}

function restartReason(c: V1ContainerStatus, events: CoreV1Event[]): string {
  const last = c.lastState?.terminated;
  const exit = (t: V1ContainerStateTerminated) => `${t.reason ?? 'terminated'} (exit code ${t.exitCode})${t.message ? `: ${oneLine(t.message)}` : ''}`;
  // The last termination is the latest word: an OOM kill after earlier probe kills is an OOM kill.
  if (last?.reason === 'OOMKilled') return exit(last);
  const about = (e: CoreV1Event) => (e.involvedObject.fieldPath ? aboutContainer(e, c.name) : (e.message ?? '').startsWith(`Container ${c.name} `) || e.reason === 'Unhealthy');
  const killed = events.find((e) => e.reason === 'Killing' && about(e) && /failed (liveness|startup) probe/.test(e.message ?? ''));
  if (killed) {
    const probe = /failed (liveness|startup) probe/.exec(killed.message ?? '')![1];
    const Probe = probe[0].toUpperCase() + probe.slice(1);
    const failures = [...new Set(events.filter((e) => e.reason === 'Unhealthy' && about(e) && (e.message ?? '').startsWith(`${Probe} probe failed`)).map((e) => oneLine(e.message ?? '')))];
    return `the ${probe}Probe failed${failures.length ? ` (${failures.join('; ')})` : ''}`;
  }
  return last ? exit(last) : 'no last termination recorded';
}
