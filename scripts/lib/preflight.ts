// Preflight: decisions about the host, made from facts gathered elsewhere
// (host-facts.ts), so every decision can be unit-tested with fake /proc contents.
import { minorOf, type HarnessOptions, type ProxyMode } from './options.ts';

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

/** Disk space needed: the offline path builds Kubernetes and every image. */
export const DISK_GIB = { online: 10, offline: 25 } as const;

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

  const need = willBuildOffline ? DISK_GIB.offline : DISK_GIB.online;
  checks.push(
    f.freeDiskGiB >= need
      ? { name: 'disk', status: 'ok', message: `${f.freeDiskGiB.toFixed(0)} GiB free (need ${need})` }
      : { name: 'disk', status: 'fail', message: `only ${f.freeDiskGiB.toFixed(1)} GiB free, need ${need} GiB`, hint: 'free space under /var/lib/docker and ~/.cache' },
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
