import { expect, test } from '@playwright/test';
import { kubernetesLdflags, kubernetesStagingVersion, parseGoMod, wrapperGoMod } from '../lib/offline/go-module.ts';

// Excerpts of real go.mod files (k8s.io/kubernetes v1.34.0, go.etcd.io/etcd/server/v3 v3.6.4).
const kubernetesGoMod = `module k8s.io/kubernetes

go 1.24.0

godebug default=go1.24

require (
	k8s.io/api v0.0.0
	k8s.io/client-go v0.0.0
)

require k8s.io/klog/v2 v2.130.1

replace (
	k8s.io/api => ./staging/src/k8s.io/api
	k8s.io/client-go => ./staging/src/k8s.io/client-go // the staging copy
	k8s.io/sample-cli-plugin => ./staging/src/k8s.io/sample-cli-plugin
)
`;
const etcdGoMod = `module go.etcd.io/etcd/server/v3

go 1.23.0

require (
	go.etcd.io/etcd/api/v3 v3.6.4
	// a comment line
)

replace (
	go.etcd.io/etcd/api/v3 => ../api
	go.etcd.io/etcd/client/v3 => ../client/v3
)

// Bad imports are sometimes causing attempts to pull that code.
replace go.etcd.io/etcd => ./FORBIDDEN_DEPENDENCY

replace github.com/gorilla/mux v1.8.0 => github.com/containous/mux v0.0.0-2025
`;

test('parseGoMod reads the go directive, godebug and every replace form', () => {
  const k = parseGoMod(kubernetesGoMod);
  expect(k.goDirective).toBe('1.24.0');
  expect(k.godebug).toEqual(['default=go1.24']);
  expect(k.replaces).toEqual([
    { from: 'k8s.io/api', to: './staging/src/k8s.io/api' },
    { from: 'k8s.io/client-go', to: './staging/src/k8s.io/client-go' },
    { from: 'k8s.io/sample-cli-plugin', to: './staging/src/k8s.io/sample-cli-plugin' },
  ]);
  expect(k.requires).toEqual(['k8s.io/api', 'k8s.io/client-go', 'k8s.io/klog/v2']);
  expect(parseGoMod(etcdGoMod).replaces.map((r) => r.from)).toEqual([
    'go.etcd.io/etcd/api/v3',
    'go.etcd.io/etcd/client/v3',
    'go.etcd.io/etcd',
    'github.com/gorilla/mux',
  ]);
});

test('Kubernetes: staging replaces become the published v0.MINOR.PATCH modules', () => {
  const mod = wrapperGoMod({ module: 'k8s.io/kubernetes', version: 'v1.34.0', goMod: kubernetesGoMod }, (m) => `${m} ${kubernetesStagingVersion('v1.34.0')}`);
  expect(mod).toContain('\tk8s.io/kubernetes v1.34.0\n');
  // required at the published version too, so the build cache is shared with other builds of client-go v0.34.0
  expect(mod).toContain('\tk8s.io/client-go v0.34.0\n');
  expect(mod, 'a sibling the target does not require is not required: the proxy may not serve it').not.toContain('\tk8s.io/sample-cli-plugin v');
  expect(mod).toContain('go 1.24.0');
  expect(mod).toContain('godebug default=go1.24');
  expect(mod).toContain('\tk8s.io/api => k8s.io/api v0.34.0');
  expect(mod).toContain('\tk8s.io/client-go => k8s.io/client-go v0.34.0');
  expect(mod).not.toContain('./staging');
});

test('etcd: sibling replaces use the same version, FORBIDDEN_DEPENDENCY is dropped, module replaces are kept', () => {
  const mod = wrapperGoMod({ module: 'go.etcd.io/etcd/server/v3', version: 'v3.6.4', goMod: etcdGoMod });
  expect(mod).toContain('\tgo.etcd.io/etcd/api/v3 => go.etcd.io/etcd/api/v3 v3.6.4');
  expect(mod).toContain('\tgo.etcd.io/etcd/client/v3 => go.etcd.io/etcd/client/v3 v3.6.4');
  expect(mod).not.toContain('FORBIDDEN');
  expect(mod).toContain('\tgo.etcd.io/etcd/api/v3 v3.6.4\n');
  expect(mod).toContain('\tgithub.com/gorilla/mux => github.com/containous/mux v0.0.0-2025');
});

test('traefik: an unpublished local module becomes a folder of the wrapper, excludes are kept', () => {
  const traefikGoMod = `module github.com/traefik/traefik/v3

go 1.26.0

replace github.com/traefik/traefik/dynamic/ext => ./pkg/config/dynamic/ext

exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible
`;
  const mod = wrapperGoMod({ module: 'github.com/traefik/traefik/v3', version: 'v3.7.9', goMod: traefikGoMod }, () => './ext');
  expect(mod).toContain('\tgithub.com/traefik/traefik/dynamic/ext => ./ext');
  expect(mod, 'a folder is not required at a version').not.toContain('\tgithub.com/traefik/traefik/dynamic/ext v');
  expect(mod).toContain('exclude github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible');
  expect(parseGoMod(traefikGoMod).excludes).toEqual(['github.com/tencentcloud/tencentcloud-sdk-go v3.0.83+incompatible']);
});

test('kubeadm reads its version from the component-base and client-go ldflags', () => {
  const flags = kubernetesLdflags('v1.34.0', '2026-01-01T00:00:00Z');
  for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
    expect(flags).toContain(`-X ${pkg}.gitVersion=v1.34.0`);
    expect(flags).toContain(`-X ${pkg}.gitMajor=1`);
    expect(flags).toContain(`-X ${pkg}.gitMinor=34`);
  }
  expect(kubernetesStagingVersion('v1.35.2')).toBe('v0.35.2');
});
