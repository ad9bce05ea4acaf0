// Every configuration-dependent expectation, derived for every combination
// the harness supports (lib/config/expectations.ts), from the facts a
// cluster:up with those options would give on such a host (rehearsedConfig).
import { expect, test } from '@playwright/test';
import { clusterIpPing, edges, expectationTable, ingressName, IPVS_FILTER_SINCE, liveFailures, serviceWithoutEndpoints, unjudgedRoutes } from '../lib/config/expectations.ts';
import { FACTS } from '../lib/live/cluster-facts.ts';
import { DEFAULTS, UsageError, type HarnessOptions, type ImageSource, type IngressController, type OfflineMode, type ProxyMode } from '../lib/core/options.ts';
import { rehearsedConfig } from '../lib/report/rehearsal.ts';

const PROXY: ProxyMode[] = ['ipvs', 'iptables', 'nftables'];
const INGRESS: IngressController[] = ['nginx', 'traefik'];
const OFFLINE: OfflineMode[] = ['on', 'off'];
const IMAGES: ImageSource[] = ['built', 'upstream'];
const VERSIONS = ['v1.31.0', 'v1.34.0', 'v1.37.1'];

const combinations = PROXY.flatMap((proxyMode) =>
  INGRESS.flatMap((ingress) => OFFLINE.flatMap((offline) => IMAGES.flatMap((images) => VERSIONS.flatMap((kubernetesVersion) => [true, false].map((ipvs) => ({ o: { ...DEFAULTS, proxyMode, ingress, offline, images, kubernetesVersion } as HarnessOptions, ipvs })))))),
);

test('every combination: the facts cluster:up would give, and each expectation derived from them', () => {
  let derived = 0;
  for (const { o, ipvs } of combinations) {
    const name = `${o.proxyMode}/${o.ingress}/offline ${o.offline}/${o.images}/${o.kubernetesVersion}/IP_VS ${ipvs}`;
    if (o.offline === 'on' && o.images === 'upstream') {
      expect(() => rehearsedConfig(o, { ipvs, kernelRelease: '6.1.0' }), name).toThrow(UsageError);
      continue;
    }
    const { config: c } = rehearsedConfig(o, { ipvs, kernelRelease: '6.1.0' });
    derived++;
    // The facts: Traefik offline; ipvs falls back to iptables without IP_VS, and says why; a Gateway on every harness cluster.
    expect(c.ingress, name).toBe(o.offline === 'on' ? 'traefik' : o.ingress);
    expect(c.proxyMode, name).toBe(o.proxyMode === 'ipvs' && !ipvs ? 'iptables' : o.proxyMode);
    expect(!!c.hostSkips['kube-proxy ipvs'], name).toBe(!ipvs);
    expect(c.gateway, name).toBe(true);
    // No supported Kubernetes answers a ping to a ClusterIP, in any mode.
    expect(clusterIpPing(c).value, name).toBe(false);
    expect(serviceWithoutEndpoints(c).value.test('connect: connection refused'), name).toBe(true);
    expect(edges(c).value, name).toEqual(['Ingress', 'Gateway']);
    expect(ingressName(c).value, name).toBe(c.ingress === 'nginx' ? 'ingress-nginx' : 'Traefik');
    // --live on the harness cluster fails only the course's kube-proxy mode, where the cluster runs another.
    expect(liveFailures(c).value, name).toEqual(c.proxyMode === 'ipvs' ? [] : [FACTS('luffy').proxyMode]);
    if (!ipvs && o.proxyMode === 'ipvs') expect(liveFailures(c).because, name).toContain('has no IP_VS');
    expect(unjudgedRoutes(c).value.length, name).toBe(o.images === 'upstream' ? 1 : 0);
    expect(expectationTable(c).every((row) => row.value !== '' && row.because !== ''), name).toBe(true);
  }
  expect(derived).toBe(combinations.length * 3 / 4);
});

test("the nightly's two legs: ipvs with IP_VS, online; nothing fails for the configuration's sake", () => {
  for (const leg of [{ ingress: 'nginx', images: 'upstream' }, { ingress: 'traefik', images: 'built' }] as const) {
    const { config: c } = rehearsedConfig({ ...DEFAULTS, proxyMode: 'ipvs', offline: 'off', ...leg }, { ipvs: true, kernelRelease: '6.8.0' });
    expect(c).toMatchObject({ proxyMode: 'ipvs', ingress: leg.ingress, images: leg.images, offline: false, gateway: true, hostSkips: {} });
    expect(liveFailures(c).value).toEqual([]);
    expect(clusterIpPing(c).because).toContain('KUBE-IPVS-FILTER');
    expect(serviceWithoutEndpoints(c).value.test('i/o timeout')).toBe(true);
  }
});

test('ping a ClusterIP: a reply under ipvs only before the access filter; iptables and nftables never reply; a foreign cluster is not assumed', () => {
  const base = rehearsedConfig({ ...DEFAULTS, offline: 'on' }, { ipvs: true, kernelRelease: '6.1.0' }).config;
  expect(clusterIpPing({ ...base, kubernetesVersion: `v1.${IPVS_FILTER_SINCE - 1}.3` })).toMatchObject({ value: true });
  expect(clusterIpPing({ ...base, kubernetesVersion: `v1.${IPVS_FILTER_SINCE}.0` })).toMatchObject({ value: false });
  expect(clusterIpPing({ ...base, proxyMode: 'nftables' }).because).toContain('rejects');
  expect(clusterIpPing({ ...base, foreign: true }).value).toBe(false);
  expect(edges({ ...base, foreign: true, gateway: false }).value).toEqual(['Ingress']);
});

test('rehearsal: --offline=auto is taken as a machine that cannot pull; --images=upstream offline is a usage error', () => {
  const { config, notes } = rehearsedConfig({ ...DEFAULTS }, { ipvs: false, kernelRelease: '6.1.0' });
  expect(config).toMatchObject({ offline: true, ingress: 'traefik', proxyMode: 'iptables' });
  expect(notes.join(' ')).toContain('--offline=auto taken as on');
  expect(() => rehearsedConfig({ ...DEFAULTS, images: 'upstream' }, { ipvs: true, kernelRelease: '6.1.0' })).toThrow('--images=upstream needs the online path: give --offline=off');
});
