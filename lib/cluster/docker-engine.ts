// Makes a Docker engine answer: installs Debian's docker.io where none is
// installed, starts dockerd in the background with its log in a file, and, where
// the host's capability bounding set lacks capabilities, registers a runtime
// wrapper that removes them from the OCI spec before runc runs. A normal host
// (nothing missing) gets a plain dockerd.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { missingCapabilities } from './capabilities.ts';
import { run } from '../core/exec.ts';
import { dockerReachable } from './host-facts.ts';
import { HarnessError, info, step, warn } from '../core/log.ts';
import { paths } from '../core/paths.ts';

/** A bash script that strips `drop` from the capabilities runc would apply. */
export function runtimeWrapperScript(drop: string[], realRunc: string): string {
  return `#!/bin/bash
# Written by the course harness: this host cannot grant ${drop.join(', ')},
# so they are removed from the OCI spec before ${realRunc} applies it.
set -euo pipefail
drop='${JSON.stringify(drop)}'
cmd="" bundle="." process=""
args=("$@")
for ((i = 0; i < \${#args[@]}; i++)); do
  a=\${args[i]}
  case $a in
    --root|--log|--log-format|--criu) [ -z "$cmd" ] && i=$((i + 1)) ;;
    --bundle|-b) bundle=\${args[i + 1]} ;;
    --bundle=*) bundle=\${a#*=} ;;
    --process|-p) process=\${args[i + 1]} ;;
    --process=*) process=\${a#*=} ;;
    -*) ;;
    *) [ -z "$cmd" ] && cmd=$a ;;
  esac
done
strip() { # file, jq path of the capabilities object
  jq --argjson drop "$drop" "if $2 then $2 |= with_entries(.value |= ((. // []) - \\$drop)) else . end" "$1" > "$1.harness" && mv "$1.harness" "$1"
}
case $cmd in
  create|run) strip "$bundle/config.json" .process.capabilities ;;
  exec) if [ -n "$process" ]; then strip "$process" .capabilities; fi ;;
esac
exec ${realRunc} "$@"
`;
}

export function daemonConfig(wrapperPath: string | undefined): Record<string, unknown> {
  const config: Record<string, unknown> = { 'storage-driver': 'overlay2' };
  if (wrapperPath) {
    config.runtimes = { 'harness-runc': { path: wrapperPath } };
    config['default-runtime'] = 'harness-runc';
  }
  return config;
}

export async function ensureDockerEngine(): Promise<void> {
  if (await dockerReachable()) return;
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
    throw new HarnessError('no Docker engine answers, and the harness can only install one as root on Debian: start Docker and retry');
  }
  const log = join(paths.logs, 'docker-install.log');
  if (!existsSync('/usr/sbin/dockerd') || !existsSync('/usr/bin/jq')) {
    await step(`installing Debian docker.io (log: ${log})`, async () => {
      await run('apt-get', ['update'], { log });
      await run('apt-get', ['install', '-y', '--no-install-recommends', 'docker.io', 'jq', 'iptables'], {
        log,
        env: { DEBIAN_FRONTEND: 'noninteractive' },
      });
    });
  }
  await step('starting dockerd', startDockerd);
}

async function startDockerd(): Promise<void> {
  mkdirSync(paths.docker, { recursive: true });
  mkdirSync(paths.logs, { recursive: true });
  const lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
  const missing = missingCapabilities(readFileSync('/proc/self/status', 'utf8'), lastCap);
  let wrapper: string | undefined;
  if (missing.length > 0) {
    wrapper = join(paths.docker, 'runc-capability-wrapper');
    writeFileSync(wrapper, runtimeWrapperScript(missing, '/usr/sbin/runc'));
    chmodSync(wrapper, 0o755);
    warn(`this host's capability bounding set lacks ${missing.join(', ')}: dockerd runs privileged containers through ${wrapper}`);
  }
  const configFile = join(paths.docker, 'daemon.json');
  writeFileSync(configFile, JSON.stringify(daemonConfig(wrapper), null, 2));
  const log = join(paths.logs, 'dockerd.log');
  const out = openSync(log, 'a');
  const child = spawn('dockerd', ['--config-file', configFile], { detached: true, stdio: ['ignore', out, out] });
  child.unref();
  info(`  dockerd pid ${child.pid}, log ${log}`);
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await dockerReachable()) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new HarnessError('dockerd did not start within 60s', log);
}
