import { expect, test } from '@playwright/test';
import { DEFAULTS, type HarnessOptions } from '../scripts/lib/options.ts';
import { formatCheck, preflight, type HostFacts } from '../scripts/lib/preflight.ts';

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

test('disk: the offline build needs more room than the online path', () => {
  const facts = { ...thisKindOfHost, freeDiskGiB: 15 };
  expect(check(preflight(facts, opts(), false), 'disk').status).toBe('ok');
  expect(check(preflight(facts, opts(), true), 'disk')).toMatchObject({ status: 'fail' });
});

test('every check prints as one line', () => {
  for (const c of preflight({ ...thisKindOfHost, dockerInstallable: false }, opts({ strict: true }), true).checks) {
    expect(formatCheck(c)).not.toContain('\n');
  }
});
