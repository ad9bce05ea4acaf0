// npm run bench:load: how much load the harness's open-model generator
// (lib/checks/load.ts) can offer, against autocannon as the yardstick.
//   target:     a trivial node:http server in a child process (so it does not
//               share an event loop with the generators), 200 + the headers
//               the suites count (x-app-version, x-pod-name)
//   autocannon: closed loop, 50 connections, pipelining 1: the most the
//               server answers
//   ours:       the highest rate that holds (achieved >= 99% of target, no
//               error of any class, <= 1% of sends late), stepped up by 25%
//               then bisected; with keep-alive (the fair comparison) and
//               without (a TCP connection per request); in-flight cap 4096,
//               so a server stall is queued rather than dropped. A rate gets
//               up to 3 tries: any stall of this process over 10 ms makes
//               late sends, and on a shared machine stalls come from
//               elsewhere. Plus the peak: what is achieved when 1.2x
//               autocannon's rate is offered.
// The goal is ours >= 0.8 x autocannon. CPU time per request (this process)
// is reported too: it moves less than the rates with whatever else runs on
// the machine. Results: reports/bench-load.json and a table.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import autocannon from 'autocannon';
import { runLoad } from '../lib/checks/load.ts';
import type { LoadSummary } from '../lib/checks/load-stats.ts';
import { HarnessError, info, main } from '../lib/core/log.ts';
import { parseCommand } from '../lib/core/command-line.ts';

const SERVER = `
const http = require('node:http');
let n = 0;
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'x-app-version': 'v1', 'x-pod-name': 'bench-' + (n++ % 3) });
  res.end('ok\\n');
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

const TRIAL_MS = 2000;
const TRIES = 3;
const MAX_TRIALS = 14;

function startServer(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new HarnessError(`bench server exited (code ${code}) before listening`)));
    child.stdout!.once('data', (d: Buffer) => resolve({ child, url: `http://127.0.0.1:${Number(String(d).trim())}/` }));
  });
}

const cpuMicros = (since: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(since);
  return c.user + c.system;
};

async function cannon(url: string, seconds: number) {
  const since = process.cpuUsage();
  const r = await autocannon({ url, connections: 50, pipelining: 1, duration: seconds });
  const errors = r.errors + r.timeouts + r.non2xx;
  if (errors > 0) throw new HarnessError(`autocannon saw ${errors} errors against the bench server`);
  return { reqPerSec: r.requests.average, total: r.requests.total, cpuUsPerRequest: cpuMicros(since) / r.requests.total };
}

interface Trial {
  rate: number;
  achieved: number;
  errors: LoadSummary['errors'];
  late: number;
  p99Ms: number;
  pass: boolean;
  cpuUsPerRequest: number;
}

async function trial(url: string, keepAlive: boolean, rate: number): Promise<Trial> {
  const since = process.cpuUsage();
  // A deep in-flight cap: a server stall of ~100 ms at 20k/s is queued, not
  // dropped, and the rate holds if the pair catches up (achieved >= 99%).
  // Defaults otherwise (64 connections), as the suites run it.
  const { summary: s } = await runLoad({ url, rate: Math.round(rate), keepAlive, durationMs: TRIAL_MS, maxInFlight: 4096 });
  const cpu = cpuMicros(since);
  const pass = s.achievedRate >= 0.99 * s.targetRate && s.errorCount === 0 && s.late <= 0.01 * s.sent;
  return { rate: s.targetRate, achieved: s.achievedRate, errors: s.errors, late: s.late, p99Ms: s.latencyMs.p99, pass, cpuUsPerRequest: cpu / Math.max(1, s.sent) };
}

/** Steps up by 25% from `start` until a rate fails (TRIES times), then bisects. */
async function maxRate(name: string, url: string, keepAlive: boolean, start: number, ceiling: number) {
  const trials: Trial[] = [];
  const attempt = async (rate: number) => {
    for (let tries = 0; tries < TRIES && trials.length < MAX_TRIALS; tries++) {
      const t = await trial(url, keepAlive, rate);
      trials.push(t);
      const why = t.pass ? 'holds' : `fails (${[t.achieved < 0.99 * t.rate ? `achieved ${t.achieved.toFixed(0)}/s` : '', ...Object.entries(t.errors).map(([k, n]) => `${k} ${n}`), t.late > 0 ? `${t.late} late` : ''].filter(Boolean).join(', ')})`;
      info(`  ${name}: ${t.rate}/s ${why}, p99 ${t.p99Ms.toFixed(1)}ms, ${t.cpuUsPerRequest.toFixed(0)}us CPU/request`);
      if (t.pass) return t;
      await new Promise((r) => setTimeout(r, 300));
    }
    return undefined;
  };
  let best: Trial | undefined;
  let low = 0;
  let high = ceiling;
  let rate = start;
  // Up (or down, if the start already fails) in steps, then bisect.
  while (trials.length < MAX_TRIALS && rate <= ceiling && rate >= 50) {
    const t = await attempt(rate);
    if (t) {
      best = t;
      low = rate;
      if (high < ceiling) break;
      rate *= 1.25;
    } else {
      high = rate;
      if (low > 0) break;
      rate *= 0.7;
    }
  }
  while (trials.length < MAX_TRIALS && low > 0 && high / low > 1.05) {
    rate = (low + high) / 2;
    const t = await attempt(rate);
    if (t) [best, low] = [t, rate];
    else high = rate;
  }
  return { maxRate: best?.rate ?? 0, cpuUsPerRequest: best?.cpuUsPerRequest, trials };
}

main(async () => {
  if (!parseCommand('npm run bench:load --', { only: [] })) return;
  const { child, url } = await startServer();
  try {
    info(`bench server at ${url} (pid ${child.pid}); load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${cpus().length} cores`);
    info('warm-up: autocannon 2s');
    await cannon(url, 2);
    info('autocannon: 50 connections, pipelining 1, 8s');
    const ac = await cannon(url, 8);
    info(`  autocannon: ${ac.reqPerSec.toFixed(0)} req/s, ${ac.cpuUsPerRequest.toFixed(0)}us CPU/request`);
    info(`ours, keep-alive on: ${TRIAL_MS / 1000}s trials from ${Math.round(ac.reqPerSec / 2)}/s`);
    const on = await maxRate('keep-alive on', url, true, ac.reqPerSec / 2, ac.reqPerSec * 1.5);
    info(`ours, keep-alive off: ${TRIAL_MS / 1000}s trials from ${Math.round(ac.reqPerSec / 10)}/s`);
    const off = await maxRate('keep-alive off', url, false, ac.reqPerSec / 10, ac.reqPerSec * 1.5);
    info(`ours, keep-alive on, overloaded at ${Math.round(ac.reqPerSec * 1.2)}/s`);
    const peak = await trial(url, true, ac.reqPerSec * 1.2);
    info(`  peak: achieved ${peak.achieved.toFixed(0)}/s, ${peak.cpuUsPerRequest.toFixed(0)}us CPU/request`);
    const ratio = on.maxRate / ac.reqPerSec;
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      cores: cpus().length,
      loadAverage: loadavg(),
      trialMs: TRIAL_MS,
      autocannon: { connections: 50, pipelining: 1, seconds: 8, ...ac },
      keepAliveOn: on,
      keepAliveOff: off,
      peak,
      ratio,
      goal: 0.8,
    };
    mkdirSync('reports', { recursive: true });
    writeFileSync('reports/bench-load.json', JSON.stringify(results, null, 2) + '\n');

    const cpu = (n?: number) => (n === undefined ? '-' : n.toFixed(0));
    console.log('\n| generator | req/s | vs autocannon | CPU us/request |\n|---|---|---|---|');
    console.log(`| autocannon (closed, 50 conn) | ${ac.reqPerSec.toFixed(0)} | 1.00 | ${cpu(ac.cpuUsPerRequest)} |`);
    console.log(`| ours, keep-alive on | ${on.maxRate} | ${ratio.toFixed(2)} | ${cpu(on.cpuUsPerRequest)} |`);
    console.log(`| ours, keep-alive off | ${off.maxRate} | ${(off.maxRate / ac.reqPerSec).toFixed(2)} | ${cpu(off.cpuUsPerRequest)} |`);
    console.log(`| ours, keep-alive on, peak achieved (overloaded, errors allowed) | ${peak.achieved.toFixed(0)} | ${(peak.achieved / ac.reqPerSec).toFixed(2)} | ${cpu(peak.cpuUsPerRequest)} |`);
    info(`ratio ${ratio.toFixed(2)} (goal >= 0.8); results: reports/bench-load.json`);
  } finally {
    child.kill();
  }
});
