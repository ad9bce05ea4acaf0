// Evidence for the known environment failures, gathered where the spec
// connects from: a pod in the cluster, never the host process (the host's
// network path is not the pods'). The check re-makes what the spec connects
// to, in a namespace of its own, and names who answers, so that the same
// failure caused by the cluster, or on a machine without the cause, is not
// excused.
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { apiCause, execInPod, isReady, waitFor, type ExecResult } from '../kube/kube.ts';
import type { Evidence, Observed } from './results.ts';

/** What one HTTP request from the client pod got: who answered, or curl's words when nothing did. */
export interface Answer {
  /** curl's exit status: 0 when something accepted the connection and answered HTTP */
  exitCode: number;
  statusLine?: string;
  server?: string;
  body?: string;
  error?: string;
}

/** The output of `curl -sS -i` (headers, blank line, body). */
export function parseCurl(r: ExecResult): Answer {
  if (r.exitCode !== 0) return { exitCode: r.exitCode, error: r.stderr.trim().split('\n').pop() || `curl exited ${r.exitCode}` };
  const cut = r.stdout.search(/\r?\n\r?\n/);
  const head = cut < 0 ? r.stdout : r.stdout.slice(0, cut);
  const body = cut < 0 ? '' : r.stdout.slice(cut).replace(/^\r?\n\r?\n/, '');
  const server = /^server:\s*(.*)$/im.exec(head)?.[1]?.trim();
  return { exitCode: 0, statusLine: head.split(/\r?\n/)[0].trim(), ...(server ? { server } : {}), body: body.trim() };
}

function describe(a: Answer): string {
  if (a.exitCode !== 0) return `no answer (${a.error})`;
  const body = a.body ? `, body "${a.body.length > 80 ? `${a.body.slice(0, 80)}…` : a.body}"` : ', no body';
  return `"${a.statusLine}"${a.server ? `, server: ${a.server}` : ''}${body}`;
}

/** The cluster side of checkDeletedPort; a fake in the unit tests. */
export interface DeletedPortCheck {
  /** the ClusterIP Service with a TCP and a UDP port of `port`, its one endpoint pod, a client pod: all running */
  setUp(): Promise<{ clusterIP: string; port: number; endpoint: string; client: string }>;
  /** from the client pod: GET http://clusterIP:port/hostname (the endpoint answers its own name) */
  probe(): Promise<Answer>;
  /** the Service keeps only its UDP port, as the spec's last update */
  deleteTcpPort(): Promise<void>;
  tearDown(): Promise<void>;
}

export interface Timing {
  /** how long the Service may take to answer, and to stop answering after the update (the spec allows 30 s) */
  timeoutMs: number;
  pollMs: number;
}

const pause = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Probes until `done` holds or the time is up; returns the last answer. */
async function probeUntil(c: DeletedPortCheck, done: (a: Answer) => boolean, t: Timing): Promise<Answer> {
  const deadline = Date.now() + t.timeoutMs;
  for (;;) {
    const a = await c.probe();
    if (done(a) || Date.now() + t.pollMs > deadline) return a;
    await pause(t.pollMs);
  }
}

/**
 * The spec "Services should serve endpoints on same port and different
 * protocols" in miniature, from a pod: the Service answers on its TCP port
 * with its endpoint's name; its TCP port is deleted; then what answers that
 * port? Holds (the environment's) only when something answers that is not
 * the Service's endpoint. The endpoint still answering (kube-proxy kept the
 * deleted port's rules), nothing answering (the spec's failure has another
 * cause), or a check that could not be made: the failure stays a failure.
 */
export async function checkDeletedPort(c: DeletedPortCheck, t: Timing = { timeoutMs: 30_000, pollMs: 3_000 }): Promise<Observed> {
  try {
    const { clusterIP, port, endpoint, client } = await c.setUp();
    const where = `from pod ${client}, TCP ${clusterIP}:${port}`;
    const byEndpoint = (a: Answer) => a.exitCode === 0 && a.body === endpoint;
    const before = await probeUntil(c, byEndpoint, t);
    if (!byEndpoint(before)) {
      return { holds: false, detail: `no evidence: ${where}, with the Service's TCP port in place, never answered as its endpoint ${endpoint} in ${t.timeoutMs / 1000} s (last: ${describe(before)})` };
    }
    await c.deleteTcpPort();
    const after = await probeUntil(c, (a) => !byEndpoint(a), t);
    const deleted = `${where}, after the Service's TCP port ${port} was deleted (UDP ${port} kept)`;
    if (byEndpoint(after)) {
      return { holds: false, detail: `${deleted}, was still answered by the Service's endpoint ${endpoint} after ${t.timeoutMs / 1000} s (${describe(after)}): kube-proxy kept the deleted port's rules, the cluster's fault` };
    }
    if (after.exitCode !== 0) {
      return { holds: false, detail: `${deleted}, got ${describe(after)}: the deleted port is closed from a pod here, so nothing on the way answers it` };
    }
    return { holds: true, detail: `${deleted}, was accepted and answered ${describe(after)}, not by the Service's endpoint ${endpoint} (it answers its name, and did before the port was deleted)` };
  } catch (err) {
    return { holds: false, detail: `no evidence: the check from a pod could not be made: ${apiCause(err)}` };
  } finally {
    await c.tearDown().catch(() => undefined);
  }
}

/**
 * The check on the cluster, named as the spec names its objects: a namespace
 * of its own (labelled e2e-run, so that an interrupted run's is deleted with
 * the e2e namespaces), the Service multiprotocol-test (TCP and UDP `port`),
 * its endpoint pod1 (agnhost netexec on TCP and UDP `port`) and the client
 * execpod (agnhost pause) that runs curl.
 */
export function clusterCheck(kc: KubeConfig, agnhostImage: () => Promise<string>, port: number): DeletedPortCheck {
  const core = kc.makeApiClient(CoreV1Api);
  let namespace = '';
  let clusterIP = '';
  const pod = (name: string, image: string, args: string[], labels?: Record<string, string>): V1Pod => ({
    metadata: { name, labels },
    spec: {
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'agnhost',
          image,
          args,
          ...(labels
            ? {
                ports: [
                  { name: 'tcp-port', containerPort: port, protocol: 'TCP' },
                  { name: 'udp-port', containerPort: port, protocol: 'UDP' },
                ],
              }
            : {}),
        },
      ],
    },
  });
  return {
    async setUp() {
      namespace = (await core.createNamespace({ body: { metadata: { generateName: 'conformance-evidence-', labels: { 'e2e-run': 'conformance-evidence' } } } })).metadata!.name!;
      const labels = { app: 'multiport' };
      const service = await core.createNamespacedService({
        namespace,
        body: {
          metadata: { name: 'multiprotocol-test' },
          spec: {
            type: 'ClusterIP',
            selector: labels,
            ports: [
              { name: 'tcp-port', port, targetPort: port, protocol: 'TCP' },
              { name: 'udp-port', port, targetPort: port, protocol: 'UDP' },
            ],
          },
        },
      });
      clusterIP = service.spec!.clusterIP!;
      const image = await agnhostImage();
      const pods = [pod('pod1', image, ['netexec', `--http-port=${port}`, `--udp-port=${port}`], labels), pod('execpod', image, ['pause'])];
      for (const body of pods) await core.createNamespacedPod({ namespace, body });
      await waitFor<V1Pod>({
        kc,
        path: `/api/v1/namespaces/${namespace}/pods`,
        what: `pods pod1 and execpod Ready in ${namespace}`,
        until: (items) => items.length === 2 && items.every(isReady),
        describe: (items) =>
          items
            .map((p) => {
              const waiting = p.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting;
              return `${p.metadata?.name}=${p.status?.phase}${waiting ? ` ${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` : ''}`;
            })
            .join(', '),
        timeoutMs: 120_000,
      });
      return { clusterIP, port, endpoint: 'pod1', client: 'execpod' };
    },
    async probe() {
      const host = clusterIP.includes(':') ? `[${clusterIP}]` : clusterIP;
      return parseCurl(await execInPod(kc, namespace, 'execpod', ['curl', '-sS', '-i', '--max-time', '2', `http://${host}:${port}/hostname`]));
    },
    async deleteTcpPort() {
      const service = await core.readNamespacedService({ name: 'multiprotocol-test', namespace });
      service.spec!.ports = service.spec!.ports!.filter((p) => p.protocol === 'UDP');
      await core.replaceNamespacedService({ name: 'multiprotocol-test', namespace, body: service });
    },
    async tearDown() {
      if (namespace) await core.deleteNamespace({ name: namespace });
    },
  };
}

/** An entry's evidence, gathered on the cluster from a pod. */
export function observe(kc: KubeConfig, agnhostImage: () => Promise<string>, e: Evidence): Promise<Observed> {
  return checkDeletedPort(clusterCheck(kc, agnhostImage, e.deletedServicePort.port));
}
