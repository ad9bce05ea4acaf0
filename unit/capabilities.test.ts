import { expect, test } from '@playwright/test';
import { missingCapabilities } from '../lib/cluster/capabilities.ts';

const status = (bnd: string) => `Name:\tnode\nCapInh:\t0000000000000000\nCapBnd:\t${bnd}\nCapAmb:\t0000000000000000\n`;

test('this VM: CapBnd 000001fffeffffff lacks exactly CAP_SYS_RESOURCE', () => {
  expect(missingCapabilities(status('000001fffeffffff'), 40)).toEqual(['CAP_SYS_RESOURCE']);
});

test('a normal host lacks nothing, so nothing is wrapped', () => {
  expect(missingCapabilities(status('000001ffffffffff'), 40)).toEqual([]);
});

test('capabilities above cap_last_cap are not reported missing', () => {
  // kernel 5.4: cap_last_cap 37, so PERFMON, BPF and CHECKPOINT_RESTORE do not exist
  expect(missingCapabilities(status('0000003fffffffff'), 37)).toEqual([]);
  expect(missingCapabilities(status('0000003fffffffff'), 40)).toEqual(['CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE']);
});

test('several missing capabilities, in bit order', () => {
  expect(missingCapabilities(status('000001fffeffdfff'), 40)).toEqual(['CAP_NET_RAW', 'CAP_SYS_RESOURCE']);
});

test('no CapBnd line is an error', () => {
  expect(() => missingCapabilities('Name:\tx\n')).toThrow('no CapBnd line');
});
