import { expect, test } from '@playwright/test';
import { APP_IMAGES, courseNames, isCourseMyblog, pullHint, qualified, UPSTREAM_IMAGES } from '../lib/cluster/app-images.ts';
import { requestMismatch, type ClusterRecord } from '../lib/cluster/cluster.ts';
import { CLUSTER_LAYOUT } from '../lib/cluster/kind-config.ts';
import { DEFAULTS } from '../lib/core/options.ts';

test("the course's image names are served by the images built here, each by the one that answers as it does", () => {
  const byName = Object.fromEntries(courseNames('built').map((c) => [c.name, c.image]));
  expect(byName).toMatchObject({
    'mysql:5.7': 'localhost/course-harness/mariadb:10.11',
    '172.21.51.143:5000/myblog:v1': 'localhost/course-harness/myblog:v1',
    '172.21.51.143:5000/myblog:v2': 'localhost/course-harness/myblog:v2',
    'docker.io/istio/examples-bookinfo-details-v1:1.16.2': 'localhost/course-harness/bookinfo:details',
    'docker.io/istio/examples-bookinfo-reviews-v3:1.16.2': 'localhost/course-harness/bookinfo:reviews',
  });
  // istio's images are run without SERVICE: the images under their names have it built in.
  const built = (tag: string) => APP_IMAGES.find((i) => i.tag === tag)!;
  expect(built('localhost/course-harness/bookinfo:details').buildArgs).toEqual({ SERVICE: 'details' });
  expect(built('localhost/course-harness/bookinfo:reviews').buildArgs).toEqual({ SERVICE: 'reviews' });
  expect(new Set(courseNames('built').map((c) => c.name)).size, 'a name is served by one image').toBe(courseNames('built').length);
});

test('--images=upstream: the public images are left to the nodes to pull; the class registry exists nowhere, so its myblog is still ours', () => {
  const upstream = courseNames('upstream').map((c) => c.name);
  expect(upstream.every((n) => /^(172\.21\.51\.143|10\.211\.55\.27):5000\/myblog:v[12]$/.test(n))).toBe(true);
  expect(upstream).toHaveLength(4);
  expect(UPSTREAM_IMAGES).toEqual(expect.arrayContaining(['mysql:5.7', 'docker.io/istio/examples-bookinfo-details-v1:1.16.2']));
  // Debian's busybox is not served as busybox: its wget crashes on every request.
  expect(courseNames('built').map((c) => c.name).some((n) => n.startsWith('busybox'))).toBe(false);
  expect(UPSTREAM_IMAGES.some((n) => n.includes('myblog'))).toBe(false);
});

test('a cluster made for other course images is recreated; one from before --images served the built ones', () => {
  const requested = { kubernetesVersion: DEFAULTS.kubernetesVersion, proxyMode: DEFAULTS.proxyMode, ingress: DEFAULTS.ingress, kindVersion: DEFAULTS.kindVersion, layout: CLUSTER_LAYOUT };
  const before = { requested, offline: true } as unknown as ClusterRecord;
  expect(requestMismatch(before, DEFAULTS)).toBeUndefined();
  expect(requestMismatch(before, { ...DEFAULTS, images: 'upstream' })).toBe('it was created with course images (--images) built, and upstream is asked for');
  const upstream = { requested: { ...requested, images: 'upstream' }, offline: false } as unknown as ClusterRecord;
  expect(requestMismatch(upstream, { ...DEFAULTS, images: 'upstream' })).toBeUndefined();
  expect(requestMismatch(upstream, DEFAULTS)).toBe('it was created with course images (--images) upstream, and built is asked for');
});

test("a pod that cannot pull, offline, is told which course names the cluster's registry serves; other causes, or online, get no hint", () => {
  const pull = ['pod mysql-6d9: container mysql ErrImagePull: failed to pull and unpack image "docker.io/library/mysql:8.0"'];
  const hint = pullHint(pull, true);
  expect(hint).toMatch(/^this cluster pulls from its own registry only \(offline\); of the course's images it serves /);
  for (const name of ['mysql:5.7', '172.21.51.143:5000/myblog:v1', 'docker.io/istio/examples-bookinfo-details-v1:1.16.2']) expect(hint).toContain(name);
  expect(pullHint(pull, false)).toBeUndefined();
  expect(pullHint(['pod myblog-1: container myblog not Ready (last exited with code 1 (Error))'], true)).toBeUndefined();
});

test('names as containerd spells them: Docker Hub short names in full, registries and localhost as they are', () => {
  expect(qualified('mysql:5.7')).toBe('docker.io/library/mysql:5.7');
  expect(qualified('istio/examples-bookinfo-details-v1:1.16.2')).toBe('docker.io/istio/examples-bookinfo-details-v1:1.16.2');
  expect(qualified('docker.io/istio/examples-bookinfo-details-v1:1.16.2')).toBe('docker.io/istio/examples-bookinfo-details-v1:1.16.2');
  expect(qualified('172.21.51.143:5000/myblog:v1')).toBe('172.21.51.143:5000/myblog:v1');
  expect(qualified('localhost/course-harness/mariadb:10.11')).toBe('localhost/course-harness/mariadb:10.11');
  expect(qualified('registry.k8s.io/pause:3.10')).toBe('registry.k8s.io/pause:3.10');
});

test("the rollout row's myblog: ours under any tag, or a name the course gives it; another registry's myblog is not the course's", () => {
  expect(isCourseMyblog('localhost/course-harness/myblog:v1')).toBe(true);
  expect(isCourseMyblog('localhost/course-harness/myblog:v3')).toBe(true);
  expect(isCourseMyblog('172.21.51.143:5000/myblog:v1')).toBe(true);
  expect(isCourseMyblog('alice/myblog:v1')).toBe(false);
  expect(isCourseMyblog('172.21.51.143:5000/myblog:v9')).toBe(false);
});
