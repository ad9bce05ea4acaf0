// Linux capabilities the host cannot grant. Docker's --privileged asks runc for
// every capability up to cap_last_cap; where the VM's bounding set lacks one
// (CAP_SYS_RESOURCE on these machines), runc fails with "unable to apply caps".

const NAMES = [
  'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID',
  'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW',
  'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT',
  'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD',
  'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG',
  'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
];

/** Parses the CapBnd line of /proc/self/status. */
export function boundingSet(procStatus: string): bigint {
  const m = /^CapBnd:\s*([0-9a-f]+)\s*$/im.exec(procStatus);
  if (!m) throw new Error('no CapBnd line in /proc/self/status');
  return BigInt('0x' + m[1]);
}

/** Capabilities up to lastCap (from /proc/sys/kernel/cap_last_cap) missing from the bounding set. */
export function missingCapabilities(procStatus: string, lastCap = NAMES.length - 1): string[] {
  const set = boundingSet(procStatus);
  const missing: string[] = [];
  for (let bit = 0; bit <= Math.min(lastCap, NAMES.length - 1); bit++) {
    if ((set & (1n << BigInt(bit))) === 0n) missing.push('CAP_' + NAMES[bit]);
  }
  return missing;
}
