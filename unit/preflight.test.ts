import { expect, test } from '@playwright/test';
import { DEFAULTS, type HarnessOptions } from '../lib/core/options.ts';
import { diskNeed, formatCheck, preflight, type HostFacts } from '../lib/cluster/preflight.ts';

// A host like the CI machines: Docker not running yet, no IP_VS, cgroup v1.
const thisKindOfHost: HostFacts = {
  dockerReachable: false,
  dockerInstallable: true,
  kernelRelease: '6.1.0-test',
  procNetIpVs: false,
  ipVsModuleAvailable: false,
  cgroupVersion: 1,
  freeDiskGiB: 60,
  ports: { 80: 'free', 443: 'free', 30080: 'free' },
  chromium: undefined,
};
const opts = (o: Partial<HarnessOptions> = {}): HarnessOptions => ({ ...DEFAULTS, ...o });
const check = (r: ReturnType<typeof preflight>, name: string) => r.checks.find((c) => c.name === name)!;

test('no IP_VS: non-strict falls back to iptables loudly and records the skip with its reason', () => {
  const r = preflight(thisKindOfHost, opts(), true);
  expect(r.proxyMode).toBe('iptables');
  expect(check(r, 'proxy mode')).toMatchObject({ status: 'warn' });
  expect(check(r, 'proxy mode').message).toContain('IPVS UNAVAILABLE');
  expect(r.skips['kube-proxy ipvs']).toMatch(/kernel 6\.1\.0-test has no IP_VS/);
  expect(r.blocking).toBe(false);
});

test('no IP_VS in strict mode: the cluster still comes up for the other checks, and says the ipvs checks will fail', () => {
  const r = preflight(thisKindOfHost, opts({ strict: true }), true);
  expect(r.proxyMode).toBe('iptables');
  expect(check(r, 'proxy mode').message).toContain('the ipvs checks will FAIL (--strict)');
  expect(r.skips['kube-proxy ipvs']).toMatch(/kernel 6\.1\.0-test has no IP_VS/);
  expect(r.blocking).toBe(false);
});

test('IP_VS from /proc/net/ip_vs or from an ip_vs module keeps ipvs', () => {
  for (const facts of [{ procNetIpVs: true }, { ipVsModuleAvailable: true }]) {
    const r = preflight({ ...thisKindOfHost, ...facts }, opts({ strict: true }), true);
    expect(r.proxyMode).toBe('ipvs');
    expect(check(r, 'proxy mode').status).toBe('ok');
  }
});

test('what the kernel cannot do is recorded whatever mode was asked for: the mode-switch checks skip with it', () => {
  const r = preflight({ ...thisKindOfHost, kernelRelease: '5.10.0-28' }, opts({ proxyMode: 'iptables' }), true);
  expect(r.proxyMode).toBe('iptables');
  expect(r.skips).toEqual({ 'kube-proxy ipvs': 'kernel 5.10.0-28 has no IP_VS (no /proc/net/ip_vs, no ip_vs module)', 'kube-proxy nftables': 'kernel 5.10.0-28 is older than 5.13, which nftables mode needs' });
  expect(preflight({ ...thisKindOfHost, procNetIpVs: true }, opts({ proxyMode: 'iptables' }), true).skips).toEqual({});
});

test('nftables mode needs kernel 5.13', () => {
  expect(check(preflight({ ...thisKindOfHost, kernelRelease: '5.10.0-28' }, opts({ proxyMode: 'nftables' }), true), 'proxy mode').status).toBe('fail');
  expect(check(preflight({ ...thisKindOfHost, kernelRelease: '5.15.0' }, opts({ proxyMode: 'nftables' }), true), 'proxy mode').status).toBe('ok');
});

test('Docker: missing but installable warns; missing and not installable fails', () => {
  expect(check(preflight(thisKindOfHost, opts(), true), 'docker').status).toBe('warn');
  const r = preflight({ ...thisKindOfHost, dockerInstallable: false }, opts(), true);
  expect(check(r, 'docker')).toMatchObject({ status: 'fail', message: 'no Docker engine answers' });
  expect(r.blocking).toBe(true);
  expect(check(preflight({ ...thisKindOfHost, dockerReachable: true }, opts(), true), 'docker').status).toBe('ok');
});

test('a port this user may not bind (EACCES below 1024) is not "in use": Docker binds it, and the line says so', () => {
  const r = preflight({ ...thisKindOfHost, ports: { 80: 'unprivileged', 443: 'unprivileged', 30080: 'free' } }, opts(), true);
  expect(check(r, 'port 80')).toMatchObject({ status: 'ok', message: expect.stringContaining("this user may not bind it (ports below 1024 need root), Docker's daemon binds it") });
  expect(r.blocking).toBe(false);
});

test('a port held by another program fails with a way to find it; the harness cluster\'s own ports are fine', () => {
  const r = preflight({ ...thisKindOfHost, ports: { 80: 'busy', 443: 'harness', 30080: 'free' } }, opts(), true);
  expect(check(r, 'port 80')).toMatchObject({ status: 'fail', message: '127.0.0.1:80 is in use by another program' });
  expect(formatCheck(check(r, 'port 80'))).toContain("ss -ltnp 'sport = :80'");
  expect(check(r, 'port 443').status).toBe('ok');
  expect(r.blocking).toBe(true);
});

test('cgroup v1 warns, and says what the harness does about Kubernetes 1.35+', () => {
  expect(check(preflight(thisKindOfHost, opts(), true), 'cgroup').message).toContain('deprecation');
  expect(check(preflight(thisKindOfHost, opts({ kubernetesVersion: 'v1.35.0' }), true), 'cgroup').message).toContain('failCgroupV1=false');
  expect(check(preflight({ ...thisKindOfHost, cgroupVersion: 2 }, opts(), true), 'cgroup').status).toBe('ok');
});

// The disk figure per configuration: what it is for and its parts, in the message.
const diskCases: { name: string; o: Partial<HarnessOptions>; offline: boolean; gib: number; config: string; has: RegExp[]; hasNot: RegExp[] }[] = [
  {
    name: 'offline (Traefik, whatever --ingress says)',
    o: { ingress: 'nginx' },
    offline: true,
    gib: 27,
    config: 'the offline path (everything built here, Traefik), npm run conformance included',
    has: [/^Kubernetes, etcd, CoreDNS, crictl, kind and kindnet-lite from Go modules/, /^Traefik from its Go module/, /the node image and its 3 nodes$/, /^app images/, /^conformance's e2e\.test/, /^conformance test images built here/],
    hasNot: [/kindest\/node/, /ingress-nginx/, /pulled/],
  },
  {
    name: 'online, ingress-nginx, images built here (the defaults)',
    o: {},
    offline: false,
    gib: 19,
    config: 'the online path (ingress-nginx, --images=built), npm run conformance included',
    has: [/^kindest\/node image and its 3 nodes$/, /^ingress-nginx controller and certgen images/, /^app images/, /^conformance's e2e\.test, Ginkgo and agnhost from k8s\.io\/kubernetes/, /^conformance test images pulled by the workers$/],
    hasNot: [/Traefik/, /public images/, /^Kubernetes, etcd/],
  },
  {
    name: "online, ingress-nginx, --images=upstream (the nightly's nginx leg)",
    o: { images: 'upstream' },
    offline: false,
    gib: 24,
    config: 'the online path (ingress-nginx, --images=upstream), npm run conformance included',
    has: [/^kindest\/node image/, /^ingress-nginx/, /^the course's public images pulled by the workers \(mysql:5\.7, istio's bookinfo/, /^conformance's e2e\.test/, /^conformance test images pulled/],
    hasNot: [/Traefik/],
  },
  {
    name: "online, Traefik, images built here (the nightly's traefik leg)",
    o: { ingress: 'traefik' },
    offline: false,
    gib: 22,
    config: 'the online path (Traefik built here, --images=built), npm run conformance included',
    has: [/^kindest\/node image/, /^Traefik from its Go module/, /^conformance's e2e\.test/],
    hasNot: [/ingress-nginx/, /public images/],
  },
  {
    name: 'online, Traefik, --images=upstream',
    o: { ingress: 'traefik', images: 'upstream' },
    offline: false,
    gib: 27,
    config: 'the online path (Traefik built here, --images=upstream), npm run conformance included',
    has: [/^Traefik from its Go module/, /^the course's public images/],
    hasNot: [/ingress-nginx/],
  },
];

for (const c of diskCases) {
  test(`disk, ${c.name}: ${c.gib} GiB, its parts named, ok from that figure and failing below it`, () => {
    const need = diskNeed(opts(c.o), c.offline);
    expect(need.gib).toBe(c.gib);
    expect(need.parts.reduce((sum, p) => sum + p.gib, 0)).toBe(c.gib);
    expect(need.config).toBe(c.config);
    for (const re of c.has) expect(need.parts.map((p) => p.what), String(re)).toContainEqual(expect.stringMatching(re));
    for (const re of c.hasNot) expect(need.parts.map((p) => p.what), String(re)).not.toContainEqual(expect.stringMatching(re));
    const parts = need.parts.map((p) => `${p.what} ${p.gib}`).join(', ');

    const ok = check(preflight({ ...thisKindOfHost, freeDiskGiB: c.gib }, opts(c.o), c.offline), 'disk');
    expect(ok).toEqual({ name: 'disk', status: 'ok', message: `${c.gib} GiB free; a cold run of ${c.config} needs ${c.gib} GiB: ${parts}` });

    const short = preflight({ ...thisKindOfHost, freeDiskGiB: c.gib - 0.01 }, opts(c.o), c.offline);
    expect(check(short, 'disk')).toMatchObject({ status: 'fail', message: `only ${(c.gib - 0.1).toFixed(1)} GiB free; a cold run of ${c.config} needs ${c.gib} GiB: ${parts}` });
    expect(formatCheck(check(short, 'disk'))).toContain('(fix: free space under /var/lib/docker and ~/.cache');
    expect(short.blocking).toBe(true);
  });
}

test('disk: the old 10 GiB no longer passes the nightly nginx leg, and the offline path needs the most', () => {
  const nginxLeg = diskNeed(opts({ images: 'upstream' }), false).gib;
  expect(nginxLeg).toBeGreaterThan(10);
  expect(check(preflight({ ...thisKindOfHost, freeDiskGiB: 10 }, opts({ images: 'upstream' }), false), 'disk').status).toBe('fail');
  expect(diskNeed(opts(), true).gib).toBeGreaterThanOrEqual(Math.max(...diskCases.filter((c) => !c.offline).map((c) => c.gib)));
  // offline pulls nothing: --images does not change its figure
  expect(diskNeed(opts({ images: 'upstream' }), true)).toEqual(diskNeed(opts(), true));
});

test('every check prints as one line', () => {
  for (const c of preflight({ ...thisKindOfHost, dockerInstallable: false }, opts({ strict: true }), true).checks) {
    expect(formatCheck(c)).not.toContain('\n');
  }
});
