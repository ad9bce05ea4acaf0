// Gathers the facts preflight decides on, from the real host.
import { existsSync, readFileSync, readdirSync, statfsSync, mkdirSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { release } from 'node:os';
import { join } from 'node:path';
import { succeeds } from '../core/exec.ts';
import { harnessHome } from '../core/paths.ts';
import type { HostFacts } from './preflight.ts';

export async function gatherHostFacts(ports: number[], harnessHoldsPorts: boolean): Promise<HostFacts> {
  const kernelRelease = release();
  const portStates: HostFacts['ports'] = {};
  for (const port of ports) {
    const state = await portState(port);
    portStates[port] = state === 'in-use' ? (harnessHoldsPorts ? 'harness' : 'busy') : state;
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

/**
 * Whether 127.0.0.1:port is free, by binding it. A user who may not bind it
 * (ports below 1024 without root: EACCES) cannot tell that way; a connection
 * then tells whether something listens, since Docker's daemon, not this
 * user, will bind it for the cluster.
 */
export function portState(port: number): Promise<'free' | 'in-use' | 'unprivileged'> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EACCES' && err.code !== 'EPERM') return resolve('in-use');
      const socket = connect({ port, host: '127.0.0.1' });
      socket.setTimeout(2000);
      socket.once('connect', () => {
        socket.destroy();
        resolve('in-use');
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve('unprivileged');
      });
      socket.once('error', () => resolve('unprivileged'));
    });
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve('free')));
  });
}
