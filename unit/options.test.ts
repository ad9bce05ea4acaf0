import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { DEFAULTS, parseHostPort, parseKubernetesVersion, UsageError } from '../lib/core/options.ts';
import { parseArgs, usage } from '../lib/core/command-line.ts';

test('defaults: ipvs, nginx, offline auto, not strict, keep the cluster', () => {
  const { options, rest } = parseArgs([], {});
  expect(options).toEqual(DEFAULTS);
  expect(options).toMatchObject({ proxyMode: 'ipvs', ingress: 'nginx', offline: 'auto', strict: false, keepCluster: true });
  expect(rest).toEqual([]);
});

test('flags override environment variables, which override defaults', () => {
  const env = { HARNESS_PROXY_MODE: 'nftables', HARNESS_INGRESS: 'traefik', HARNESS_STRICT: 'true' };
  expect(parseArgs([], env).options).toMatchObject({ proxyMode: 'nftables', ingress: 'traefik', strict: true });
  expect(parseArgs(['--proxy-mode=iptables', '--no-strict'], env).options).toMatchObject({ proxyMode: 'iptables', strict: false });
  expect(parseArgs(['--proxy-mode', 'iptables'], env).options.proxyMode).toBe('iptables');
  expect(parseArgs([], { HARNESS_IMAGES: 'upstream' }).options.images).toBe('upstream');
  expect(parseArgs(['--images=built'], { HARNESS_IMAGES: 'upstream' }).options.images).toBe('built');
});

test('bare boolean-like flags take their implied value without eating the next argument', () => {
  const { options, rest } = parseArgs(['--offline', 'suites/smoke.spec.ts', '--strict'], {});
  expect(options.offline).toBe('on');
  expect(options.strict).toBe(true);
  expect(rest).toEqual(['suites/smoke.spec.ts']);
  expect(parseArgs(['--offline', 'auto'], {}).options.offline).toBe('auto');
  expect(parseArgs(['--delete-cluster'], {}).options.keepCluster).toBe(false);
});

test('versions are normalised to a leading v', () => {
  expect(parseKubernetesVersion('1.34.2')).toBe('v1.34.2');
  expect(parseArgs(['--k8s-version=v1.35.0', '--kind-version=0.31.0'], {}).options).toMatchObject({
    kubernetesVersion: 'v1.35.0',
    kindVersion: 'v0.31.0',
  });
});

test('bad values are one clear UsageError naming the flag or variable', () => {
  const bad: [string[], Record<string, string>, RegExp][] = [
    [['--proxy-mode=userspace'], {}, /--proxy-mode: "userspace" is not one of ipvs, iptables, nftables/],
    [['--ingress=haproxy'], {}, /--ingress: "haproxy" is not one of nginx, traefik/],
    [['--images=docker'], {}, /--images: "docker" is not one of built, upstream/],
    [['--k8s-version=1.34'], {}, /--k8s-version: "1.34" is not a Kubernetes version like v1.34.0/],
    [['--k8s-version=v1.20.0'], {}, /outside the supported range/],
    [['--kind-version=v0.20.0'], {}, /older than v0.30.0/],
    [[], { HARNESS_OFFLINE: 'maybe' }, /HARNESS_OFFLINE: "maybe" is not one of on, off, auto/],
    [[], { HARNESS_STRICT: 'sure' }, /HARNESS_STRICT: "sure" is not a boolean/],
    [['--frobnicate'], {}, /unknown flag --frobnicate/],
    [['--cluster-name=Bad_Name'], {}, /not a valid cluster name/],
    [['--k8s-version'], {}, /--k8s-version needs a value/],
    [['--manifests', '/nonexistent/student'], {}, /--manifests: \/nonexistent\/student does not exist/],
    [['--manifests=package.json'], {}, /--manifests: package.json is not a folder/],
  ];
  for (const [argv, env, message] of bad) {
    expect(() => parseArgs(argv, env), argv.join(' ') || JSON.stringify(env)).toThrow(UsageError);
    expect(() => parseArgs(argv, env)).toThrow(message);
  }
});

test('Playwright flags and everything after -- pass through', () => {
  const { rest } = parseArgs(['--grep', 'TLS', '--strict', '--', '--headed'], {}, { passThrough: { '--grep': 'value' } });
  expect(rest).toEqual(['--grep', 'TLS', '--headed']);
});

test('--manifests: a folder, made absolute', () => {
  expect(parseArgs(['--manifests', 'manifests'], {}).options.manifests).toBe(resolve('manifests'));
  expect(parseArgs([], { HARNESS_MANIFESTS: 'unit' }).options.manifests).toBe(resolve('unit'));
});

test("--live's edges: node addresses without a port, the ingress address with its ports", () => {
  expect(parseArgs(['--node-address', '10.0.0.11, k8s-slave1,fd00::2'], {}).options.nodeAddresses).toEqual(['10.0.0.11', 'k8s-slave1', 'fd00::2']);
  expect(() => parseArgs(['--node-address', '10.0.0.11:30080'], {})).toThrow('--node-address: "10.0.0.11:30080" is not a host name or IP address (a NodePort is reached on its own port: give the address only)');
  expect(parseHostPort('10.0.0.10', '--ingress-address')).toEqual({ host: '10.0.0.10', http: 80, https: 443 });
  expect(parseHostPort('lab.example.org:8080:8443', '--ingress-address')).toEqual({ host: 'lab.example.org', http: 8080, https: 8443 });
  for (const bad of ['10.0.0.10:0', 'host:80:99999', 'http://host', ''])
    expect(() => parseArgs(['--ingress-address', bad], {}), bad).toThrow(`--ingress-address: "${bad}" is not HOST[:HTTP_PORT[:HTTPS_PORT]]`);
  expect(parseArgs(['--live', '--probe-pod', '--namespace', 'alice-luffy'], {}).options).toMatchObject({ live: true, probePod: true, namespace: 'alice-luffy', probeImage: 'busybox:1.35' });
  expect(() => parseArgs(['--namespace', 'Alice'], {})).toThrow('--namespace: "Alice" is not a namespace name');
});

test("one parser for every command: its own flags (switches, values checked, repeatable), only the harness flags it takes, its usage", () => {
  const own = { '--focus': { arg: 'REGEX', help: 'specs to run', check: (raw: string) => (raw === '(' ? 'not a regular expression' : undefined) }, '--dry-run': { help: 'list only' } };
  const parsed = parseArgs(['--focus', 'a', '--focus=b', '--dry-run', '--offline'], {}, { own });
  expect(parsed.own).toEqual({ '--focus': ['a', 'b'], '--dry-run': ['true'] });
  expect(parsed.options.offline).toBe('on');
  expect(() => parseArgs(['--focus', '('], {}, { own })).toThrow('--focus: not a regular expression');
  expect(() => parseArgs(['--focus'], {}, { own })).toThrow('--focus needs a value (REGEX)');
  expect(() => parseArgs(['--dry-run=yes'], {}, { own })).toThrow('--dry-run takes no value');
  // A command that takes only some harness flags refuses the others, and their variables are not read.
  expect(() => parseArgs(['--offline'], {}, { only: ['--kubeconfig'] })).toThrow('unknown flag --offline');
  expect(parseArgs([], { HARNESS_PROXY_MODE: 'ipvs' }, { only: ['--kubeconfig'] }).options.proxyMode).toBe(DEFAULTS.proxyMode);
  const text = usage('npm run conformance --', { own, only: ['--rebuild'] });
  expect(text.split('\n')).toEqual([
    'usage: npm run conformance -- [flags]',
    expect.stringMatching(/^ {2}--rebuild /),
    '  --focus REGEX            specs to run',
    '  --dry-run                list only',
  ]);
});
