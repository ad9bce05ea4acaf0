// Runs the generated runc wrapper for real (with a stand-in for runc) on OCI
// spec files, as dockerd would call it.
import { tempDir } from './temp.ts';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { daemonConfig, runtimeWrapperScript } from '../lib/cluster/docker-engine.ts';
import { run } from '../lib/core/exec.ts';

const ALL = ['CAP_CHOWN', 'CAP_SYS_ADMIN', 'CAP_SYS_RESOURCE'];

function setup() {
  const dir = tempDir('wrapper-test-');
  const fakeRunc = join(dir, 'runc');
  writeFileSync(fakeRunc, `#!/bin/sh\necho "$@" > ${dir}/runc-args\n`);
  chmodSync(fakeRunc, 0o755);
  const wrapper = join(dir, 'wrapper');
  writeFileSync(wrapper, runtimeWrapperScript(['CAP_SYS_RESOURCE'], fakeRunc));
  chmodSync(wrapper, 0o755);
  return { dir, wrapper };
}

test('create: the missing capability leaves every set of the bundle spec, the rest stays, runc gets the same args', async () => {
  const { dir, wrapper } = setup();
  const bundle = join(dir, 'bundle');
  await run('mkdir', [bundle]);
  const caps = { bounding: ALL, effective: ALL, permitted: ALL, inheritable: ALL };
  writeFileSync(join(bundle, 'config.json'), JSON.stringify({ process: { capabilities: caps, args: ['sh'] } }));
  const args = ['--root', '/run/runc', '--log', 'create-log.json', 'create', '--bundle', bundle, '--pid-file', 'p', 'ctr1'];
  await run(wrapper, args);
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  for (const set of ['bounding', 'effective', 'permitted', 'inheritable']) {
    expect(spec.process.capabilities[set]).toEqual(['CAP_CHOWN', 'CAP_SYS_ADMIN']);
  }
  expect(spec.process.args).toEqual(['sh']);
  expect(readFileSync(join(dir, 'runc-args'), 'utf8').trim()).toBe(args.join(' '));
});

test('exec: the --process file is stripped too', async () => {
  const { dir, wrapper } = setup();
  const processFile = join(dir, 'process.json');
  writeFileSync(processFile, JSON.stringify({ capabilities: { bounding: ALL, effective: ALL }, args: ['ls'] }));
  await run(wrapper, ['--root', '/run/runc', 'exec', '--process', processFile, '--detach', 'ctr1']);
  const spec = JSON.parse(readFileSync(processFile, 'utf8'));
  expect(spec.capabilities.bounding).toEqual(['CAP_CHOWN', 'CAP_SYS_ADMIN']);
  expect(spec.capabilities.effective).toEqual(['CAP_CHOWN', 'CAP_SYS_ADMIN']);
});

test('other commands pass straight through', async () => {
  const { dir, wrapper } = setup();
  await run(wrapper, ['--root', '/run/runc', 'state', 'create']);
  expect(readFileSync(join(dir, 'runc-args'), 'utf8').trim()).toBe('--root /run/runc state create');
});

test('dockerd uses the wrapper as its default runtime only when capabilities are missing', () => {
  expect(daemonConfig('/w')).toMatchObject({ runtimes: { 'harness-runc': { path: '/w' } }, 'default-runtime': 'harness-runc' });
  expect(daemonConfig(undefined)).toEqual({ 'storage-driver': 'overlay2' });
});
