import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { assertLoadTarget, classifyError, formatSummary, runLoad, summarize, timelineCsv, type LoadRecord } from '../fixtures/load.ts';

// Real servers on 127.0.0.1, modest rates and generous tolerances: these run
// on busy 2-core machines, where the event loop can stall for tens of ms.

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

test('open model: a response delayed by 500 ms delays neither later sends nor their latency', async () => {
  // Every 5th request waits 500 ms; a closed-loop client would fall behind.
  const server = await serve((_req, res, n) => {
    const slow = n % 5 === 0;
    res.setHeader('x-pod-name', slow ? 'slow' : 'fast');
    if (slow) setTimeout(() => res.end('late'), 500);
    else res.end('ok');
  });
  try {
    const { records, summary } = await runLoad({ url: server.url, rate: 200, maxRequests: 200, keepAlive: true });
    expect(summary.errorCount).toBe(0);
    expect(summary.sent).toBe(200);
    // Sent on schedule: request i left at about i * 5 ms, slow ones or not.
    const lateness = records.map((r) => r.start - r.scheduled);
    expect(Math.max(...lateness)).toBeLessThan(150);
    expect(records.at(-1)!.start).toBeGreaterThan(900);
    expect(records.at(-1)!.start).toBeLessThan(1150);
    // Latency from the scheduled start includes the delay, for slow ones only.
    const slow = records.filter((r) => r.pod === 'slow');
    expect(slow.length).toBe(40);
    for (const r of slow) expect(r.end - r.scheduled).toBeGreaterThanOrEqual(495);
    expect(summary.latencyMs.p50).toBeLessThan(100);
    expect(summary.latencyMs.p90).toBeGreaterThanOrEqual(495);
  } finally {
    await server.close();
  }
});

test('keep-alive off opens one TCP connection per request; keep-alive on reuses them', async () => {
  const server = await serve(ok);
  try {
    const off = await runLoad({ url: server.url, rate: 100, maxRequests: 30, keepAlive: false });
    expect(off.summary.ok).toBe(30);
    expect(server.connections()).toBe(30);
    const before = server.connections();
    const on = await runLoad({ url: server.url, rate: 100, maxRequests: 30, keepAlive: true });
    expect(on.summary.ok).toBe(30);
    expect(server.connections() - before).toBeLessThanOrEqual(5);
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
  const silent = await serve(() => {});
  try {
    const classes = async (url: string, extra = {}) => (await runLoad({ url, rate: 50, maxRequests: 4, keepAlive: true, ...extra })).summary.errors;
    expect(await classes(refusedUrl)).toEqual({ 'connect-refused': 4 });
    expect(await classes(reset.url)).toEqual({ reset: 4 });
    expect(await classes(status.url)).toEqual({ 'http-5xx': 2, 'http-4xx': 2 });
    const start = Date.now();
    const t = await runLoad({ url: silent.url, rate: 50, maxRequests: 2, keepAlive: true, timeoutMs: 300 });
    expect(t.summary.errors).toEqual({ timeout: 2 });
    expect(Date.now() - start).toBeLessThan(1500);
    for (const r of t.records) expect(r.end - r.start).toBeGreaterThanOrEqual(250);
  } finally {
    await Promise.all([reset.close(), status.close(), silent.close()]);
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
    let start = Date.now();
    const timed = await runLoad({ url: server.url, rate: 100, durationMs: 300, keepAlive: true });
    expect(timed.records).toHaveLength(30);
    expect(Date.now() - start).toBeLessThan(1500);
    start = Date.now();
    const seen: number[] = [];
    const stopped = await runLoad({ url: server.url, rate: 100, durationMs: 10_000, keepAlive: true, signal: AbortSignal.timeout(300), onRecord: (r) => seen.push(r.i) });
    expect(Date.now() - start).toBeLessThan(1500);
    expect(stopped.aborted).toBe(true);
    expect(stopped.records.length).toBeGreaterThan(10);
    expect(stopped.records.length).toBeLessThan(100);
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
    // 20 due within 200 ms, 5 answered after 400 ms: the other 15 are dropped.
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
