import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, test } from '@playwright/test';
import { assertLoadTarget, classifyError, runLoad, type LoadOptions } from '../lib/checks/load.ts';
import { formatSummary, summarize, timelineCsv, type LoadRecord } from '../lib/checks/load-stats.ts';

// Real servers on 127.0.0.1. These run on busy 2-core machines (a cluster and
// other workers beside them), where the event loop can stall for a second: no
// assertion bounds how long something took. They assert orders that hold on
// any machine instead, mostly that Node runs due timers in order of expiry, so
// a server's timer set to expire after the scheduler's fires after them
// however late both run.

interface TestServer {
  url: string;
  /** TCP connections accepted so far. */
  connections: () => number;
  close: () => Promise<void>;
}

async function serve(handle: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<TestServer> {
  let requests = 0;
  let connections = 0;
  const server = createServer((req, res) => handle(req, res, requests++));
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

const ok = (_req: IncomingMessage, res: ServerResponse) => res.end('ok');

// Every 5th request (in the order they arrive) is answered 500 ms after it came.
const slowEveryFifth = () =>
  serve((_req, res, n) => {
    const slow = n % 5 === 0;
    res.setHeader('x-pod-name', slow ? 'slow' : 'fast');
    if (slow) setTimeout(() => res.end('late'), 500);
    else res.end('ok');
  });

/**
 * No send waited for a slow response: every request due in the first 250 ms
 * after a slow one left was sent before its response came. The server's timer
 * for that response expires at least 500 ms after the request left, after the
 * scheduler's timers for those sends, so it fires after them on any machine
 * (the other 250 ms is room for the timers' rounding and a preempted tick).
 */
function expectNoSendWaited(records: LoadRecord[]) {
  const slow = records.filter((r) => r.pod === 'slow');
  expect(slow.length).toBeGreaterThan(0);
  const waited = slow.flatMap((s) =>
    records.filter((r) => r.i > s.i && r.scheduled < s.start + 250 && r.start >= s.end).map((r) => `${r.i} left after the response to ${s.i}`),
  );
  expect(waited, 'sends that waited for a slow response').toEqual([]);
}

/**
 * Nor did their answers wait behind it: fast responses came while a slow one
 * sent before them was still awaited (a pool that queued them behind it would
 * have none; a busy machine would need to freeze 500 ms around every one).
 */
function expectAnswersOvertook(records: LoadRecord[]) {
  const slow = records.filter((r) => r.pod === 'slow');
  const overtaking = records.filter((r) => r.pod === 'fast' && slow.some((s) => s.i < r.i && r.end < s.end));
  expect(overtaking.length, 'fast responses that came before a slow one sent earlier').toBeGreaterThan(0);
}

/** The negative control: request i leaves at its scheduled time or once the answer to i - 1 has come, whichever is later. */
async function closedLoop(url: string, rate: number, count: number): Promise<LoadRecord[]> {
  const records: LoadRecord[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const scheduled = (i * 1000) / rate;
    const wait = scheduled - (performance.now() - t0);
    if (wait > 0) await sleep(wait);
    const start = performance.now() - t0;
    const res = await fetch(url);
    await res.arrayBuffer();
    records.push({ i, scheduled, start, end: performance.now() - t0, status: res.status, pod: res.headers.get('x-pod-name') ?? undefined });
  }
  return records;
}

// timeoutMs longer than the test: no stall turns a slow answer into a timeout.
const slowRun = (url: string, extra: Partial<LoadOptions> = {}) => runLoad({ url, rate: 200, keepAlive: true, timeoutMs: 30_000, ...extra });

test('open model: a response delayed by 500 ms delays neither later sends nor their latency', async () => {
  const server = await slowEveryFifth();
  try {
    const { records, summary } = await slowRun(server.url, { maxRequests: 200 });
    expect(summary.errorCount).toBe(0);
    expect(summary.sent).toBe(200);
    // On the sender's own schedule: in order, none before its time.
    expect(records.every((r, k) => r.i === k && r.start >= r.scheduled)).toBe(true);
    expectNoSendWaited(records);
    expectAnswersOvertook(records);
    // Latency runs from the scheduled time: the slow ones' includes the delay.
    const slow = records.filter((r) => r.pod === 'slow');
    expect(slow.length).toBe(40);
    for (const r of slow) expect(r.end - r.scheduled).toBeGreaterThanOrEqual(495);
    expect(summary.latencyMs.p90).toBeGreaterThanOrEqual(495);
  } finally {
    await server.close();
  }
});

test('negative controls: a closed-loop client and a pool of one connection fail those assertions', async () => {
  const [closedServer, singleServer] = await Promise.all([slowEveryFifth(), slowEveryFifth()]);
  try {
    const [closed, single] = await Promise.all([closedLoop(closedServer.url, 200, 20), slowRun(singleServer.url, { maxRequests: 20, connections: 1 })]);
    // The closed loop sends the request after a slow one once its answer has come.
    expect(() => expectNoSendWaited(closed)).toThrow(/sends that waited for a slow response/);
    // One connection: sent on schedule, but each fast request queues behind the slow one before it.
    expect(single.summary.errorCount).toBe(0);
    expectNoSendWaited(single.records);
    expect(() => expectAnswersOvertook(single.records)).toThrow(/fast responses that came before a slow one sent earlier/);
  } finally {
    await Promise.all([closedServer.close(), singleServer.close()]);
  }
});

test('keep-alive off opens one TCP connection per request; keep-alive on reuses them', async () => {
  const server = await serve(ok);
  try {
    // One connection at a time: how many the server sees is then up to
    // keep-alive alone, not to how many requests a stalled machine sends at once.
    const off = await runLoad({ url: server.url, rate: 100, maxRequests: 30, keepAlive: false, connections: 1 });
    expect(off.summary.ok).toBe(30);
    expect(server.connections()).toBe(30);
    const on = await runLoad({ url: server.url, rate: 100, maxRequests: 30, keepAlive: true, connections: 1 });
    expect(on.summary.ok).toBe(30);
    expect(server.connections()).toBe(31);
  } finally {
    await server.close();
  }
});

test('errors are classified: connection refused, reset, 5xx and 4xx, timeout', async () => {
  // A port nobody listens on: bound, then closed.
  const closed = await serve(ok);
  const refusedUrl = closed.url;
  await closed.close();
  const reset = await serve((req) => req.socket.destroy());
  const status = await serve((_req, res, n) => {
    res.statusCode = n % 2 === 0 ? 503 : 404;
    res.end();
  });
  // Answers 2 s after the request came, long after timeoutMs: the client's
  // timeout timers fire first on any machine, so a run that honours timeoutMs
  // ends in timeouts and one that ignores it gets the answers.
  const late = await serve((_req, res) => {
    const timer = setTimeout(() => res.end('late'), 2000);
    res.on('close', () => clearTimeout(timer));
  });
  try {
    const classes = async (url: string, extra = {}) => (await runLoad({ url, rate: 50, maxRequests: 4, keepAlive: true, ...extra })).summary.errors;
    expect(await classes(refusedUrl)).toEqual({ 'connect-refused': 4 });
    expect(await classes(reset.url)).toEqual({ reset: 4 });
    expect(await classes(status.url)).toEqual({ 'http-5xx': 2, 'http-4xx': 2 });
    const t = await runLoad({ url: late.url, rate: 50, maxRequests: 2, keepAlive: true, timeoutMs: 300 });
    expect(t.summary.errors).toEqual({ timeout: 2 });
    for (const r of t.records) expect(r.end - r.start).toBeGreaterThanOrEqual(250);
  } finally {
    await Promise.all([reset.close(), status.close(), late.close()]);
  }
});

test('classifyError on the error shapes undici and node produce', () => {
  const err = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  expect(classifyError(err('ECONNREFUSED'))).toBe('connect-refused');
  expect(classifyError(new AggregateError([err('ECONNREFUSED')], ''))).toBe('connect-refused');
  expect(classifyError(err('UND_ERR_SOCKET', 'other side closed'))).toBe('reset');
  expect(classifyError(err('ECONNRESET'))).toBe('reset');
  expect(classifyError(new Error('other side closed'))).toBe('reset');
  for (const code of ['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']) expect(classifyError(err(code))).toBe('timeout');
  for (const code of ['ERR_TLS_CERT_ALTNAME_INVALID', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'CERT_HAS_EXPIRED', 'ERR_SSL_WRONG_VERSION_NUMBER']) expect(classifyError(err(code))).toBe('tls');
  expect(classifyError(new TypeError('fetch failed', { cause: err('ECONNREFUSED') }))).toBe('connect-refused');
  expect(classifyError(err('EHOSTUNREACH'))).toBe('other');
  expect(classifyError('a string')).toBe('other');
});

test('versions and pods are counted from the response headers, with first and last times', async () => {
  // v1 from pod-a and pod-b for the first 20 requests, then v2 from pod-c.
  const server = await serve((_req, res, n) => {
    res.setHeader('x-app-version', n < 20 ? 'v1' : 'v2');
    res.setHeader('x-pod-name', n < 20 ? (n % 2 ? 'pod-b' : 'pod-a') : 'pod-c');
    res.end('ok');
  });
  try {
    const { summary } = await runLoad({ url: server.url, rate: 100, maxRequests: 50, keepAlive: true });
    expect(summary.pods).toEqual({ 'pod-a': 10, 'pod-b': 10, 'pod-c': 30 });
    expect(Object.fromEntries(Object.entries(summary.versions).map(([v, s]) => [v, s.count]))).toEqual({ v1: 20, v2: 30 });
    expect(summary.versions.v1.last).toBeLessThan(summary.versions.v2.first);
    expect(summary.versions.v2.last).toBeGreaterThan(summary.versions.v2.first);
    expect(formatSummary(summary)).toMatch(/versions: v1 20 \(first [\d.]+s, last [\d.]+s\), v2 30/);
  } finally {
    await server.close();
  }
});

test('bounds: maxRequests and durationMs end the run, the signal ends it early', async () => {
  const server = await serve(ok);
  try {
    expect((await runLoad({ url: server.url, rate: 200, maxRequests: 25, durationMs: 10_000, keepAlive: true })).records).toHaveLength(25);
    const timed = await runLoad({ url: server.url, rate: 100, durationMs: 300, keepAlive: true });
    expect(timed.records).toHaveLength(30);
    // Aborted once the 10th outcome is known (an event, not a time): nothing
    // is sent after it, and every request sent gets its outcome.
    const controller = new AbortController();
    let abortedAt = Infinity;
    const seen: number[] = [];
    const onRecord = (r: LoadRecord) => {
      seen.push(r.i);
      if (seen.length === 10) {
        abortedAt = r.end;
        controller.abort();
      }
    };
    const stopped = await runLoad({ url: server.url, rate: 100, durationMs: 10_000, keepAlive: true, signal: controller.signal, onRecord });
    expect(stopped.aborted).toBe(true);
    expect(stopped.records.length).toBeGreaterThanOrEqual(10);
    expect(Math.max(...stopped.records.map((r) => r.start))).toBeLessThanOrEqual(abortedAt);
    expect(seen.sort((a, b) => a - b)).toEqual(stopped.records.map((r) => r.i));
    await expect(runLoad({ url: server.url, rate: 100, keepAlive: true })).rejects.toThrow(/durationMs or maxRequests/);
  } finally {
    await server.close();
  }
});

test('over maxInFlight, due requests are dropped as overload, not queued', async () => {
  const server = await serve((_req, res) => setTimeout(() => res.end('ok'), 400));
  try {
    const { summary } = await runLoad({ url: server.url, rate: 100, maxRequests: 20, keepAlive: true, maxInFlight: 5 });
    // 20 due within 200 ms, 5 answered 400 ms after they came: the other 15 are
    // dropped (the server's timers expire after the scheduler's, on any machine).
    expect(summary.errors).toEqual({ overload: 15 });
    expect(summary.sent).toBe(5);
    expect(summary.ok).toBe(5);
  } finally {
    await server.close();
  }
});

test('only loopback and private cluster addresses, as IP literals', async () => {
  await expect(runLoad({ url: 'http://8.8.8.8/', rate: 1, maxRequests: 1, keepAlive: true })).rejects.toThrow(
    /load target 8\.8\.8\.8 refused: only localhost, 127\.0\.0\.0\/8, ::1 or private cluster addresses .* no name is resolved/,
  );
  for (const url of ['http://example.com/', 'https://[2001:4860:4860::8888]/', 'http://172.32.0.1/', 'http://11.0.0.1/', 'http://0.0.0.0/', 'http://[::ffff:8.8.8.8]/', 'http://[fd::1]/']) {
    expect(() => assertLoadTarget(url), url).toThrow(/refused/);
  }
  expect(() => assertLoadTarget('ftp://127.0.0.1/')).toThrow(/only http and https/);
  for (const url of ['http://127.0.0.1:8080/', 'http://localhost/', 'http://[::1]/', 'http://10.96.0.10/', 'https://172.18.0.2/', 'http://192.168.1.1/', 'http://[fd00::1]/', 'http://0x7f.1/']) {
    expect(() => assertLoadTarget(url), url).not.toThrow();
  }
});

test('summarize, percentiles and the timeline on hand-made records', () => {
  const rec = (i: number, latency: number, extra: Partial<LoadRecord> = {}): LoadRecord => ({ i, scheduled: i * 10, start: i * 10, end: i * 10 + latency, status: 200, ...extra });
  // Latencies 1..100 ms for 100 requests, then special cases.
  const records = Array.from({ length: 100 }, (_, i) => rec(i, i + 1, { version: i < 60 ? 'v1' : 'v2', pod: `p${i % 2}` }));
  records[5] = rec(5, 6, { start: 50 + 30 }); // sent 30 ms late
  records[7] = rec(7, 8, { status: 503, errorClass: 'http-5xx' });
  records[8] = rec(8, 9, { status: undefined, errorClass: 'other', error: 'weird' });
  records.push({ i: 100, scheduled: 1000, start: 1000, end: 1000, errorClass: 'overload' });
  const s = summarize(records, { rate: 100 }, 2000);
  expect(s).toMatchObject({ targetRate: 100, scheduled: 101, sent: 100, ok: 98, errorCount: 3, late: 1, maxLatenessMs: 30, latenessMs: { p50: 0, p99: 0, max: 30 } });
  expect(s.errors).toEqual({ 'http-5xx': 1, other: 1, overload: 1 });
  expect(s.achievedRate).toBe(50);
  expect(s.latencyMs).toEqual({ p50: 50, p90: 90, p99: 99, max: 100 });
  expect(s.pods).toEqual({ p0: 49, p1: 48 });
  expect(s.versions.v1).toEqual({ count: 57, first: 1, last: 590 + 60 });
  expect(s.versions.v2).toEqual({ count: 40, first: 600 + 61, last: 990 + 100 });
  expect(s.otherSamples).toEqual(['weird']);
  expect(summarize([], { rate: 10 }, 0).latencyMs).toEqual({ p50: 0, p90: 0, p99: 0, max: 0 });

  const text = formatSummary(s);
  expect(text).toContain('rate: target 100/s, achieved 50.0/s over 2.00s; 100 sent of 101 due, 98 ok');
  expect(text).toContain('errors: http-5xx 1, other 1, overload 1');
  expect(text).toContain('schedule lag (send after its time): p50 0.0ms p99 0.0ms max 30.0ms; 1 late sends');
  expect(text).toContain('other errors, e.g.: weird');

  const csv = timelineCsv([rec(0, 2.5, { version: 'v1', pod: 'a' }), rec(1, 1, { status: undefined, errorClass: 'other', error: 'x, "y"' })]).split('\n');
  expect(csv[0]).toBe('i,scheduled_ms,start_ms,end_ms,latency_ms,status,error_class,version,pod,error');
  expect(csv[1]).toBe('0,0.00,0.00,2.50,2.50,200,,v1,a,');
  expect(csv[2]).toBe('1,10.00,10.00,11.00,1.00,,other,,,"x, ""y"""');
  expect(csv).toHaveLength(4);
});
