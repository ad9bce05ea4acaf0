// A grading slot's own edge: one Traefik per graded submission, so that
// nothing a student applies at the edge (a rule with no host, a wildcard
// host, a certificate for *.luffy.com, a Gateway) can reach a classmate's
// rows, and nothing of theirs reaches the shared edge the suites use.
// Traefik keeps one certificate pool per instance and picks among the
// certificates that cover an SNI name, so only an instance of its own keeps
// a student's certificate theirs. The slot's edge serves:
// - the Ingresses of IngressClass g<id> (controller course-harness.io/g<id>,
//   which no other edge serves), in the namespaces labelled with the grade;
//   a submission's Ingresses are given that class (submission.ts mapObject);
// - the Gateways of GatewayClass g<id>, labelled with the grade, which the
//   shared Traefik's labelSelector leaves out (offline/ingress/traefik.yaml).
// It is reached through a NodePort Service on the kind network (the shared
// edge holds 127.0.0.1's ports), with Host and SNI set as a client sets them.
// Traefik reads a namespace selector once, at start: the slot's namespaces
// exist before it starts (suites/grade/deploy.setup.ts).
import type { KubeConfig, KubernetesObject, V1Service } from '@kubernetes/client-node';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, NetworkingV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { applyObjects } from '../kube/apply.ts';
import { GATEWAY_GROUP } from '../cluster/gateway-api.ts';
import { apiStatus, rolledOut, waitFor, type DeploymentLike, type KubeObject } from '../kube/kube.ts';

/** Label of what a grading run creates; the value is the run's id (also on the slot's cluster-scoped objects). */
export const GRADE_LABEL = 'course-harness/grade';

/** The slot's IngressClass and GatewayClass name. */
export const slotClass = (id: string) => `g${id}`;
/** The controller of the slot's IngressClass: no other edge serves it. */
export const slotController = (id: string) => `course-harness.io/g${id}`;
/** The namespace the slot's edge runs in. */
export const slotEdgeNamespace = (id: string) => `g${id}-edge`;

/** Where a slot's edge is reached: a node's address and the NodePorts of its entrypoints. */
export interface SlotEdge {
  address: string;
  ingress: { http: number; https: number };
  gateway: { http: number; https: number };
}

/** The slot's edge objects: its namespace, RBAC binding, IngressClass, GatewayClass, Traefik Deployment and NodePort Service. */
export function slotEdgeObjects(id: string, namespaces: string[], image: string, address: string): KubernetesObject[] {
  const ns = slotEdgeNamespace(id);
  const labels = { 'course-harness/test': 'true', [GRADE_LABEL]: id };
  const meta = (name: string, namespace?: string) => ({ name, ...(namespace ? { namespace } : {}), labels });
  const args = [
    '--entryPoints.web.address=:80',
    '--entryPoints.websecure.address=:443',
    '--entryPoints.traefik.address=:9000',
    '--entryPoints.gateway-http.address=:8080',
    '--entryPoints.gateway-https.address=:8443',
    '--ping=true',
    '--providers.kubernetesingressnginx=true',
    `--providers.kubernetesingressnginx.ingressClass=${slotClass(id)}`,
    `--providers.kubernetesingressnginx.controllerClass=${slotController(id)}`,
    `--providers.kubernetesingressnginx.watchNamespaceSelector=${GRADE_LABEL}=${id}`,
    '--providers.kubernetesingressnginx.proxyRequestBuffering=true',
    '--providers.kubernetesingressnginx.httpentrypoint=web',
    '--providers.kubernetesingressnginx.httpsentrypoint=websecure',
    `--providers.kubernetesingressnginx.publishStatusAddress=${address}`,
    '--providers.kubernetesgateway=true',
    `--providers.kubernetesgateway.labelSelector=${GRADE_LABEL}=${id}`,
    `--providers.kubernetesgateway.namespaces=${namespaces.join(',')}`,
    `--providers.kubernetesgateway.statusAddress.ip=${address}`,
    '--log.level=INFO',
    '--accesslog=true',
  ];
  const ports = [
    { name: 'web', port: 80 },
    { name: 'websecure', port: 443 },
    { name: 'gateway-http', port: 8080 },
    { name: 'gateway-https', port: 8443 },
  ];
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: meta(ns) },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta('traefik', ns) },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: meta(`course-harness-${ns}`),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'traefik-ingress-nginx-controller' },
      subjects: [{ kind: 'ServiceAccount', name: 'traefik', namespace: ns }],
    } as KubernetesObject,
    { apiVersion: 'networking.k8s.io/v1', kind: 'IngressClass', metadata: meta(slotClass(id)), spec: { controller: slotController(id) } } as KubernetesObject,
    { apiVersion: `${GATEWAY_GROUP.group}/${GATEWAY_GROUP.version}`, kind: 'GatewayClass', metadata: meta(slotClass(id)), spec: { controllerName: 'traefik.io/gateway-controller' } } as KubernetesObject,
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta('traefik', ns),
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'slot-edge' } },
        template: {
          metadata: { labels: { app: 'slot-edge', ...labels } },
          spec: {
            serviceAccountName: 'traefik',
            // Where the harness's Traefik image is loaded (lib/cluster/ingress.ts).
            nodeSelector: { ingress: 'true' },
            tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
            containers: [
              {
                name: 'traefik',
                image,
                imagePullPolicy: 'Never',
                args,
                ports: [...ports.map((p) => ({ name: p.name, containerPort: p.port })), { name: 'admin', containerPort: 9000 }],
                readinessProbe: { httpGet: { path: '/ping', port: 9000 }, periodSeconds: 2 },
                resources: { requests: { cpu: '50m', memory: '48Mi' }, limits: { memory: '256Mi' } },
                volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
              },
            ],
            volumes: [{ name: 'tmp', emptyDir: {} }],
          },
        },
      },
    } as KubernetesObject,
    { apiVersion: 'v1', kind: 'Service', metadata: meta('edge', ns), spec: { type: 'NodePort', selector: { app: 'slot-edge' }, ports: ports.map((p) => ({ name: p.name, port: p.port, targetPort: p.port })) } } as KubernetesObject,
  ];
}

/**
 * Starts the slot's edge once its namespaces exist (labelled with the grade)
 * and waits, by watch, until it is Ready; returns where it is reached. The
 * image is the shared Traefik's, on the ingress node already.
 */
export async function startSlotEdge(kc: KubeConfig, id: string, namespaces: string[]): Promise<SlotEdge> {
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const shared = await apps.readNamespacedDeployment({ name: 'traefik', namespace: 'traefik' });
  const image = shared.spec!.template.spec!.containers[0].image!;
  const node = (await core.listNode({ labelSelector: 'ingress=true' })).items[0];
  const address = node?.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  if (!address) throw new Error('no node labelled ingress=true has an InternalIP: the slot edge has no address');
  const ns = slotEdgeNamespace(id);
  await applyObjects(kc, slotEdgeObjects(id, namespaces, image, address));
  await waitFor<DeploymentLike>({
    kc,
    path: `/apis/apps/v1/namespaces/${ns}/deployments`,
    fieldSelector: 'metadata.name=traefik',
    what: `the grading slot's edge (${ns}/traefik) rolled out`,
    until: (d) => d.length === 1 && rolledOut(d[0]),
    describe: (d) => JSON.stringify(d[0]?.status ?? 'no deployment'),
    timeoutMs: 120_000,
  });
  const service: V1Service = await core.readNamespacedService({ name: 'edge', namespace: ns });
  const port = (name: string) => service.spec!.ports!.find((p) => p.name === name)!.nodePort!;
  return { address, ingress: { http: port('web'), https: port('websecure') }, gateway: { http: port('gateway-http'), https: port('gateway-https') } };
}

/** The cluster-scoped objects of grading slots (`selector`: one slot's, or all), gone; their namespaces go with their label. */
export async function deleteSlotClusterObjects(kc: KubeConfig, selector = GRADE_LABEL): Promise<number> {
  const net = kc.makeApiClient(NetworkingV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const gone = (err: unknown) => (apiStatus(err) === 404 ? undefined : Promise.reject(err));
  const classes = (await net.listIngressClass({ labelSelector: selector })).items;
  const bindings = (await rbac.listClusterRoleBinding({ labelSelector: selector })).items;
  // No Gateway API on the cluster: no GatewayClass either.
  const gatewayClasses = ((await custom.listClusterCustomObject({ ...GATEWAY_GROUP, plural: 'gatewayclasses', labelSelector: selector }).catch(() => ({ items: [] }))) as { items: KubernetesObject[] }).items;
  await Promise.all([
    ...classes.map((c) => net.deleteIngressClass({ name: c.metadata!.name! }).catch(gone)),
    ...bindings.map((b) => rbac.deleteClusterRoleBinding({ name: b.metadata!.name! }).catch(gone)),
    ...gatewayClasses.map((g) => custom.deleteClusterCustomObject({ ...GATEWAY_GROUP, plural: 'gatewayclasses', name: g.metadata!.name! }).catch(gone)),
  ]);
  return classes.length + bindings.length + gatewayClasses.length;
}

/**
 * Everything of slot `id` gone: its namespaces (the edge's among them) and
 * its cluster-scoped objects, waited for by watch, so that a slot is never
 * reused while its namespaces are still being deleted (an apply there is
 * refused, and that refusal is no student's).
 */
export async function removeSlot(kc: KubeConfig, id: string, timeoutMs = 180_000): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const selector = `${GRADE_LABEL}=${id}`;
  const namespaces = (await core.listNamespace({ labelSelector: selector })).items;
  const gone = (err: unknown) => (apiStatus(err) === 404 ? undefined : Promise.reject(err));
  for (const ns of namespaces.filter((n) => !n.metadata?.deletionTimestamp)) await core.deleteNamespace({ name: ns.metadata!.name! }).catch(gone);
  // Nothing of a discarded slot needs its graceful stop (myblog's preStop pause, MySQL's shutdown): its pods get a
  // second, as a terminating namespace takes no new ones. A pod's object still goes only once the kubelet has stopped
  // it, so the namespaces gone still mean its host ports are free.
  for (const ns of namespaces) await core.deleteCollectionNamespacedPod({ namespace: ns.metadata!.name!, gracePeriodSeconds: 1 }).catch(gone);
  await deleteSlotClusterObjects(kc, selector);
  if (!namespaces.length) return;
  await waitFor<KubeObject>({
    kc,
    path: '/api/v1/namespaces',
    labelSelector: selector,
    what: `the namespaces of grading slot g${id} deleted`,
    until: (items) => items.length === 0,
    describe: (items) => items.map((n) => n.metadata?.name).join(', '),
    timeoutMs,
  });
}
