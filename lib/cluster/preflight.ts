// Preflight: decisions about the host, made from facts gathered elsewhere
// (host-facts.ts), so every decision can be unit-tested with fake /proc contents.
import { minorOf, type HarnessOptions, type ProxyMode } from '../core/options.ts';

export interface HostFacts {
  dockerReachable: boolean;
  dockerInstallable: boolean; // apt-get present and running as root
  kernelRelease: string; // uname -r
  procNetIpVs: boolean; // /proc/net/ip_vs exists (ip_vs loaded or built in)
  ipVsModuleAvailable: boolean; // ip_vs.ko in /lib/modules or listed in modules.builtin
  cgroupVersion: 1 | 2;
  freeDiskGiB: number; // where docker and the build cache live
  /** 'harness': held by the harness's own cluster; 'unprivileged': free as far as a connection tells, but this user may not bind it (Docker will) */
  ports: Record<number, 'free' | 'harness' | 'busy' | 'unprivileged'>;
  chromium?: string; // path of a Chromium binary, if any
}

export type CheckStatus = 'ok' | 'warn' | 'fail';
export interface Check {
  name: string;
  status: CheckStatus;
  message: string;
  hint?: string;
}

export interface PreflightResult {
  checks: Check[];
  /** the proxy mode the cluster will really use */
  proxyMode: ProxyMode;
  /** checks the suites must report as skipped, with the reason */
  skips: Record<string, string>;
  blocking: boolean;
}

/** One part of the disk space a run needs, in GiB. */
export interface DiskPart {
  what: string;
  gib: number;
}

export interface DiskNeed {
  gib: number;
  /** the configuration the figure is for, in words */
  config: string;
  parts: DiskPart[];
}

/**
 * The disk space a cold run needs on this configuration, part by part: Docker's
 * images, the nodes' containerd stores (the node containers' /var; an image a
 * node pulls is kept twice there, compressed content and unpacked snapshot),
 * and ~/.cache (the harness's caches and logs, Go's module and build caches).
 * Estimates from the images' published sizes and the Go builds' caches,
 * rounded up to whole GiB, never measured as a whole; what is already cached
 * is in use, so a warm machine needs less than the figure.
 *
 * Preflight cannot know whether `npm run conformance` will follow; it reuses
 * the cluster without a preflight of its own (CI runs it after `npm test`), so
 * its parts are always counted: the e2e.test build and the test images.
 * The offline path is Traefik's and pulls nothing, whatever --ingress and
 * --images say (--images=upstream offline stops before preflight).
 */
export function diskNeed(o: Pick<HarnessOptions, 'ingress' | 'images'>, willBuildOffline: boolean): DiskNeed {
  const traefik: DiskPart = { what: 'Traefik from its Go module (module and build caches) and its image in Docker and the nodes', gib: 4 };
  const apps: DiskPart = { what: 'app images built here, in Docker and loaded into the 3 nodes', gib: 4 };
  const parts: DiskPart[] = willBuildOffline
    ? [
        { what: 'Kubernetes, etcd, CoreDNS, crictl, kind and kindnet-lite from Go modules (module and build caches, binaries)', gib: 8 },
        traefik,
        { what: 'Debian base, component images, the node image and its 3 nodes', gib: 5 },
        apps,
        { what: "conformance's e2e.test, Ginkgo and agnhost (sharing the Kubernetes build's caches)", gib: 2 },
        { what: 'conformance test images built here and loaded into the nodes', gib: 3 },
        { what: 'logs and reports', gib: 1 },
      ]
    : [
        // Usually pulled already when preflight runs (pulling it is how the online path is chosen): counted all the same.
        { what: 'kindest/node image and its 3 nodes', gib: 4 },
        o.ingress === 'nginx' ? { what: 'ingress-nginx controller and certgen images pulled by the nodes', gib: 1 } : traefik,
        apps,
        ...(o.images === 'upstream' ? [{ what: "the course's public images pulled by the workers (mysql:5.7, istio's bookinfo details and reviews v1-v3)", gib: 5 }] : []),
        { what: "conformance's e2e.test, Ginkgo and agnhost from k8s.io/kubernetes (module and build caches)", gib: 5 },
        { what: 'conformance test images pulled by the workers', gib: 3 },
        { what: 'kind from its Go module (when not on PATH), logs and reports', gib: 2 },
      ];
  return {
    gib: parts.reduce((sum, p) => sum + p.gib, 0),
    config: willBuildOffline
      ? 'the offline path (everything built here, Traefik), npm run conformance included'
      : `the online path (${o.ingress === 'nginx' ? 'ingress-nginx' : 'Traefik built here'}, --images=${o.images}), npm run conformance included`,
    parts,
  };
}

export function ipvsSupported(f: HostFacts): boolean {
  return f.procNetIpVs || f.ipVsModuleAvailable;
}

function kernelAtLeast(release: string, major: number, minor: number): boolean {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) return false;
  return Number(m[1]) > major || (Number(m[1]) === major && Number(m[2]) >= minor);
}

export function preflight(f: HostFacts, o: HarnessOptions, willBuildOffline: boolean): PreflightResult {
  const checks: Check[] = [];
  const skips: Record<string, string> = {};
  let proxyMode = o.proxyMode;

  if (f.dockerReachable) checks.push({ name: 'docker', status: 'ok', message: 'Docker engine answers' });
  else if (f.dockerInstallable && o.offline !== 'off')
    checks.push({
      name: 'docker',
      status: 'warn',
      message: 'no Docker engine answers; cluster:up will install Debian docker.io and start dockerd',
    });
  else
    checks.push({
      name: 'docker',
      status: 'fail',
      message: 'no Docker engine answers',
      hint: 'start Docker (or run as root on Debian so the harness can install docker.io)',
    });

  for (const [port, state] of Object.entries(f.ports)) {
    if (state === 'busy')
      checks.push({
        name: `port ${port}`,
        status: 'fail',
        message: `127.0.0.1:${port} is in use by another program`,
        hint: `find it with: ss -ltnp 'sport = :${port}'`,
      });
    else
      checks.push({
        name: `port ${port}`,
        status: 'ok',
        message: {
          harness: `127.0.0.1:${port} is held by the harness cluster`,
          free: `127.0.0.1:${port} is free`,
          unprivileged: `127.0.0.1:${port} is free (nothing answers on it); this user may not bind it (ports below 1024 need root), Docker's daemon binds it for the cluster`,
        }[state],
      });
  }

  // What the kernel cannot do, whatever mode was asked for: the mode-switch checks skip with it.
  const noIpvs = `kernel ${f.kernelRelease} has no IP_VS (no /proc/net/ip_vs, no ip_vs module)`;
  if (!ipvsSupported(f)) skips['kube-proxy ipvs'] = noIpvs;
  if (!kernelAtLeast(f.kernelRelease, 5, 13)) skips['kube-proxy nftables'] = `kernel ${f.kernelRelease} is older than 5.13, which nftables mode needs`;

  if (o.proxyMode === 'ipvs' && !ipvsSupported(f)) {
    // The cluster still comes up, so that every other check runs; the ipvs checks
    // skip with this reason, or fail with it under --strict.
    proxyMode = 'iptables';
    skips['kube-proxy ipvs'] = `${noIpvs}; kube-proxy runs in iptables mode instead`;
    checks.push({
      name: 'proxy mode',
      status: 'warn',
      message: `IPVS UNAVAILABLE: ${noIpvs}; falling back to iptables, the ipvs checks ${o.strict ? 'will FAIL (--strict)' : 'will be skipped (--strict fails them)'}`,
      hint: 'run on a kernel with CONFIG_IP_VS, or choose --proxy-mode=iptables',
    });
  } else if (o.proxyMode === 'nftables' && !kernelAtLeast(f.kernelRelease, 5, 13)) {
    checks.push({ name: 'proxy mode', status: 'fail', message: `nftables mode needs kernel 5.13 or newer, this is ${f.kernelRelease}`, hint: 'choose --proxy-mode=iptables' });
  } else {
    checks.push({ name: 'proxy mode', status: 'ok', message: `kube-proxy mode ${o.proxyMode} is supported by kernel ${f.kernelRelease}` });
  }

  if (f.cgroupVersion === 1) {
    const minor = minorOf(o.kubernetesVersion);
    checks.push({
      name: 'cgroup',
      status: 'warn',
      message:
        minor >= 35
          ? `cgroup v1 host: Kubernetes ${o.kubernetesVersion} kubelets need failCgroupV1=false, which the harness sets`
          : `cgroup v1 host: Kubernetes ${o.kubernetesVersion} runs with a deprecation warning`,
    });
  } else checks.push({ name: 'cgroup', status: 'ok', message: 'cgroup v2' });

  const disk = diskNeed(o, willBuildOffline);
  const needed = `a cold run of ${disk.config} needs ${disk.gib} GiB: ${disk.parts.map((p) => `${p.what} ${p.gib}`).join(', ')}`;
  checks.push(
    f.freeDiskGiB >= disk.gib
      ? { name: 'disk', status: 'ok', message: `${Math.floor(f.freeDiskGiB)} GiB free; ${needed}` }
      : {
          name: 'disk',
          status: 'fail',
          message: `only ${(Math.floor(f.freeDiskGiB * 10) / 10).toFixed(1)} GiB free; ${needed}`,
          hint: 'free space under /var/lib/docker and ~/.cache (what is cached there already counts as used, so a warm machine needs less)',
        },
  );

  checks.push(
    f.chromium
      ? { name: 'chromium', status: 'ok', message: `Chromium at ${f.chromium}` }
      : { name: 'chromium', status: 'warn', message: 'no Chromium yet: the browser check installs Debian chromium on first use (as root)', hint: 'apt-get install chromium' },
  );

  return { checks, proxyMode, skips, blocking: checks.some((c) => c.status === 'fail') };
}

export function formatCheck(c: Check): string {
  const mark = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' }[c.status];
  return `${mark} ${c.name.padEnd(12)} ${c.message}${c.hint ? ` (fix: ${c.hint})` : ''}`;
}
