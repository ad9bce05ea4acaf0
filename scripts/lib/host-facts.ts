// Gathers the facts preflight decides on, from the real host.
import { existsSync, readFileSync, readdirSync, statfsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { release } from 'node:os';
import { join } from 'node:path';
import { succeeds } from './exec.ts';
import { harnessHome } from './paths.ts';
import type { HostFacts } from './preflight.ts';

export async function gatherHostFacts(ports: number[], harnessHoldsPorts: boolean): Promise<HostFacts> {
  const kernelRelease = release();
  const portStates: HostFacts['ports'] = {};
  for (const port of ports) {
    portStates[port] = (await portFree(port)) ? 'free' : harnessHoldsPorts ? 'harness' : 'busy';
  }
  return {
    dockerReachable: await dockerReachable(),
    dockerInstallable: process.getuid?.() === 0 && existsSync('/usr/bin/apt-get'),
    kernelRelease,
    procNetIpVs: existsSync('/proc/net/ip_vs'),
    ipVsModuleAvailable: ipVsModuleAvailable(kernelRelease),
    cgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : 1,
    freeDiskGiB: freeGiB(harnessHome()),
    ports: portStates,
    chromium: findChromium(),
  };
}

export function dockerReachable(): Promise<boolean> {
  return succeeds('docker', ['info', '--format', '{{.ServerVersion}}'], { timeoutMs: 15_000 });
}

function ipVsModuleAvailable(kernelRelease: string): boolean {
  const dir = join('/lib/modules', kernelRelease);
  try {
    if (readFileSync(join(dir, 'modules.builtin'), 'utf8').includes('/ip_vs.ko')) return true;
  } catch {
    /* no modules.builtin */
  }
  try {
    return readdirSync(join(dir, 'kernel/net/netfilter/ipvs')).some((f) => f.startsWith('ip_vs.ko'));
  } catch {
    return false;
  }
}

function freeGiB(dir: string): number {
  mkdirSync(dir, { recursive: true });
  const s = statfsSync(dir);
  return (s.bavail * s.bsize) / 2 ** 30;
}

export function findChromium(): string | undefined {
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
}

/** True when nothing listens on 127.0.0.1:port. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}
