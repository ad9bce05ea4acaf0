import { expect, test } from '@playwright/test';
import { applies, CONDITIONAL, notApplicable, runConfig, type RunConfig } from '../lib/config/applicability.ts';
import type { ClusterRecord } from '../lib/cluster/cluster.ts';
import { DEFAULTS } from '../lib/core/options.ts';

const offline: RunConfig = { offline: true, requestedProxyMode: 'ipvs', proxyMode: 'iptables', foreign: false, ingress: 'traefik', gateway: true, images: 'built', kubernetesVersion: 'v1.34.0', hostSkips: { 'kube-proxy ipvs': 'no IP_VS' } };

test('a check is registered only where it applies; the others are listed with the reason, never skipped', () => {
  expect(applies(CONDITIONAL.offlineImages, offline)).toBe(true);
  expect(applies(CONDITIONAL.ipvsTable, offline)).toBe(true); // applies: the host may still be unable to run it (then it skips, or fails under --strict)
  const online = { ...offline, offline: false };
  expect(applies(CONDITIONAL.offlineImages, online)).toBe(false);
  expect(notApplicable({ ...online, requestedProxyMode: 'nftables', proxyMode: 'nftables', ingress: 'nginx', gateway: false }).map((c) => `${c.suite}: ${c.reason}`)).toEqual([
    'smoke: the online path runs the pinned kindest/node image and pulls what it names',
    'negative-controls: the cluster has no Gateway API implementation',
    'kube-proxy-rules: kube-proxy runs in nftables mode: its rules are not iptables chains',
    'kube-proxy: kube-proxy mode nftables was asked for (--proxy-mode=ipvs checks ipvs)',
  ]);
  expect(notApplicable({ ...offline, foreign: true }).map((c) => c.title)).toEqual([CONDITIONAL.proxyModeOnNodes.title, CONDITIONAL.iptablesRules.title, CONDITIONAL.ipvsSwitch.title, CONDITIONAL.ipvsTable.title]);
  // A cluster already in ipvs mode has its table checked; the switch to ipvs is not a switch.
  expect(notApplicable({ ...offline, proxyMode: 'ipvs' }).map((c) => `${c.suite}: ${c.reason}`)).toContain('kube-proxy-rules: the cluster already runs ipvs: the kube-proxy suite checks its table');
});

test('without a known configuration (Playwright started directly) every check is registered and decides when it runs', () => {
  expect(applies(CONDITIONAL.offlineImages, undefined)).toBe(true);
  expect(notApplicable(undefined)).toEqual([]);
  expect(runConfig(DEFAULTS, undefined)).toBeUndefined();
  const record = { offline: true, ingress: 'traefik', proxyMode: 'iptables', kubernetesVersion: 'v1.34.0', requested: { images: 'built' }, skips: { 'kube-proxy ipvs': 'no IP_VS' } } as unknown as ClusterRecord;
  expect(runConfig(DEFAULTS, record)).toEqual(offline);
  expect(runConfig({ ...DEFAULTS, allowForeignContext: true }, undefined)).toMatchObject({ foreign: true, gateway: false, hostSkips: {} });
});

test('skipOrFail: a check that cannot run skips with its reason, or under --strict fails with it', async () => {
  const { skipOrFail } = await import('../fixtures/cluster.ts');
  const saved = process.env.HARNESS_STRICT;
  try {
    process.env.HARNESS_STRICT = 'true';
    expect(() => skipOrFail(true, 'kernel 6.1 has no IP_VS')).toThrow('strict mode: this check cannot run: kernel 6.1 has no IP_VS');
    expect(() => skipOrFail(false, 'never')).not.toThrow();
  } finally {
    if (saved === undefined) delete process.env.HARNESS_STRICT;
    else process.env.HARNESS_STRICT = saved;
  }
});
