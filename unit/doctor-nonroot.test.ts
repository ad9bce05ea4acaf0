// `npm run doctor` as a user who may not bind ports below 1024, as on a
// GitHub-hosted runner: a free port 80 must be reported free (Docker's
// daemon binds it), a port something listens on must be reported in use.
// As root, a user is created and the doctor runs in a network namespace of
// its own, where 127.0.0.1:80 is free, then with a listener on it; as
// another user, the doctor runs as that user and its lines are compared
// with what a connection tells.
import { connect } from 'node:net';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { attempt, run } from '../lib/core/exec.ts';

const ROOT = join(import.meta.dirname, '..');
const TSX = join(ROOT, 'node_modules/.bin/tsx');
const USER = 'harness-nonroot';
const portLine = (out: string, port: number) => out.split('\n').find((l) => new RegExp(`^\\S+\\s+port ${port}\\s`).test(l)) ?? `(no line for port ${port} in: ${out})`;
const FREE = /^ok\s+port (80|443)\s+127\.0\.0\.1:\d+ is free \(nothing answers on it\); this user may not bind it \(ports below 1024 need root\), Docker's daemon binds it for the cluster$/;
const IN_USE = /^FAIL\s+port (80|443)\s+127\.0\.0\.1:\d+ is in use by another program/;

const answers = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = connect({ port, host: '127.0.0.1' }, () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });

test('doctor as a non-root user: a free port 80/443 is free for Docker, a held one is in use', async () => {
  test.setTimeout(120_000);
  if (process.getuid?.() !== 0) {
    // Not root: run as this user, and compare with a connection.
    const out = (await attempt(TSX, ['scripts/doctor.ts'], { cwd: ROOT })).stdout;
    for (const port of [80, 443]) expect(portLine(out, port)).toMatch((await answers(port)) ? IN_USE : FREE);
    return;
  }
  if ((await attempt('id', ['-u', USER])).exitCode !== 0) await run('useradd', ['--system', '--create-home', USER]);
  // In a network namespace of its own, nothing else holds 127.0.0.1:80 or :443.
  const doctor = `runuser -u ${USER} -- env HOME=/home/${USER} HARNESS_HOME=/home/${USER}/.cache/course-harness ${TSX} scripts/doctor.ts`;
  const free = await attempt('unshare', ['--net', 'sh', '-c', `ip link set lo up && ${doctor}`], { cwd: ROOT });
  for (const port of [80, 443]) expect(portLine(free.stdout, port), free.stderr).toMatch(FREE);
  // Something (root's) listening on 80 in that namespace: the user's doctor says so.
  // (root listens, and once it does, runs the doctor as the user)
  const listenThenDoctor = `const s = require('net').createServer().listen(80, '127.0.0.1', () => { require('child_process').spawnSync('sh', ['-c', process.env.DOCTOR], { stdio: 'inherit' }); s.close(); });`;
  const held = await attempt('unshare', ['--net', 'sh', '-c', `ip link set lo up && ${process.execPath} -e "$LISTEN"`], { cwd: ROOT, env: { LISTEN: listenThenDoctor, DOCTOR: doctor } });
  expect(portLine(held.stdout, 80), held.stderr).toMatch(IN_USE);
  expect(portLine(held.stdout, 443)).toMatch(FREE);
});
