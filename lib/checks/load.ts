// Open-model HTTP load for suites that watch a route under change (rollouts,
// scaling, failover): requests leave on a fixed schedule whatever the server
// does, so a stalled backend shows up as latency and errors instead of
// silently slowing the client down (the "coordinated omission" of closed-loop
// tools). Only to loopback or private cluster addresses: this is a test
// harness, not a way to load someone else. The figures: load-stats.ts.
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { IncomingHttpHeaders } from 'node:http';
import { Pool, type Dispatcher } from 'undici';
import { summarize, type LoadRecord, type LoadSummary } from './load-stats.ts';

export type ErrorClass = 'connect-refused' | 'reset' | 'timeout' | 'tls' | 'http-5xx' | 'http-4xx' | 'overload' | 'other';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  body?: string | Buffer;
  /** E.g. the Host of the route under test. */
  headers?: Record<string, string>;
  /** TLS SNI, when it differs from the address connected to. */
  servername?: string;
  /** false for the course's self-signed certificates. Default true. */
  rejectUnauthorized?: boolean;
  ca?: string | Buffer;
  /** true: connections are reused; false: a new TCP connection per request. */
  keepAlive: boolean;
  /** Requests per second. */
  rate: number;
  /** The schedule ends at the first of durationMs and maxRequests. */
  durationMs?: number;
  maxRequests?: number;
  /** Per request, from its send, waiting for a connection included. Default 5000. */
  timeoutMs?: number;
  /** Default 256; a due request finding this many in flight is dropped as 'overload'. */
  maxInFlight?: number;
  /**
   * Connections open at once, at most (default 64). A request finding them
   * all busy waits in undici's queue (never longer than timeoutMs), and the
   * wait is in its latency, which runs from the scheduled time. Unbounded,
   * every stall would end in a burst of new connections whose cost (here and
   * in the server) feeds the next stall: at ~10k req/s on 2 cores, 64
   * connections held rates that 256 or more did not.
   */
  connections?: number;
  /** A send this long after its scheduled time counts as late. Default 10. */
  lateThresholdMs?: number;
  /** Stops the schedule; requests in flight still finish (within timeoutMs). */
  signal?: AbortSignal;
  /** Called once per request, when its outcome is known (e.g. to mark phases); must not throw. */
  onRecord?: (r: LoadRecord) => void;
}

export interface LoadResult {
  records: LoadRecord[];
  summary: LoadSummary;
  elapsedMs: number;
  /** Stopped early by the signal. */
  aborted: boolean;
}

const isPrivateV4 = (ip: string) => {
  const [a, b] = ip.split('.').map(Number);
  return a === 127 || a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
};

// URL writes IPv6 groups without leading zeros: fc00::/7 is a first group fcXX or fdXX.
const isPrivateV6 = (ip: string) => ip === '::1' || /^f[cd][0-9a-f]{2}:/i.test(ip);

/**
 * Throws unless the URL's host is localhost, a loopback address or a private
 * cluster address (10/8, 172.16/12, 192.168/16, fc00::/7), written as an IP
 * literal: no name is resolved, so nothing can point the load elsewhere.
 */
export function assertLoadTarget(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`load target "${url}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`load target ${url}: only http and https`);
  // WHATWG URL has already normalised IPv4 spellings (0x7f.1 is 127.0.0.1).
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const family = isIP(host);
  const allowed = host === 'localhost' || (family === 4 && isPrivateV4(host)) || (family === 6 && isPrivateV6(host));
  if (!allowed) {
    throw new Error(
      `load target ${u.host} refused: only localhost, 127.0.0.0/8, ::1 or private cluster addresses (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7) as IP literals; no name is resolved`,
    );
  }
  return u;
}

const TLS_CODES = /^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_(GET|VERIFY)|HOSTNAME_MISMATCH|ERR_OSSL)/;

/** Timeout by the sweep in runLoad. */
const TIMEOUT_CODE = 'LOAD_TIMEOUT';

/** The class of a transport error (HTTP statuses are classed by the caller). */
export function classifyError(err: unknown): ErrorClass {
  // Node wraps: AggregateError (happy eyeballs for localhost), fetch's cause.
  const e = err as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown[]; name?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  if (!code && e?.cause) return classifyError(e.cause);
  if (code === 'ECONNREFUSED') return 'connect-refused';
  if (['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'UND_ERR_SOCKET'].includes(code) || /other side closed|socket hang up/i.test(message)) return 'reset';
  if (['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', TIMEOUT_CODE].includes(code) || e?.name === 'TimeoutError') return 'timeout';
  if (TLS_CODES.test(code) || /SSL routines|certificate/i.test(message)) return 'tls';
  if (!code && Array.isArray(e?.errors) && e.errors.length > 0) return classifyError(e.errors[0]);
  return 'other';
}

const statusClass = (status: number): ErrorClass | undefined => (status >= 500 ? 'http-5xx' : status >= 400 ? 'http-4xx' : undefined);

const header = (headers: IncomingHttpHeaders, name: string) => {
  const v = headers[name];
  return v === undefined ? undefined : Array.isArray(v) ? v.join(',') : v;
};

interface InFlight {
  rec: LoadRecord;
  controller?: Dispatcher.DispatchController;
  /** Given up on by the sweep; undici's late callback only frees the slot. */
  timedOut: boolean;
}

/**
 * Runs the schedule: request i leaves at t0 + i/rate. Never retries. Resolves
 * when the schedule is over (or the signal fired) and every request sent has
 * an outcome.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const url = assertLoadTarget(options.url);
  const { rate, keepAlive, signal, onRecord } = options;
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxInFlight = options.maxInFlight ?? 256;
  if (!(rate > 0)) throw new Error(`load rate must be > 0 (got ${rate})`);
  if (options.durationMs === undefined && options.maxRequests === undefined) throw new Error('load needs durationMs or maxRequests');
  const total = Math.min(options.maxRequests ?? Infinity, options.durationMs === undefined ? Infinity : Math.ceil((options.durationMs * rate) / 1000));
  const interval = 1000 / rate;

  // One pool, pipelining 1, opening connections as needed up to the limit.
  const pool = new Pool(url.origin, {
    connections: options.connections ?? 64,
    pipelining: 1,
    connect: { timeout: timeoutMs, rejectUnauthorized: options.rejectUnauthorized ?? true, servername: options.servername, ca: options.ca },
  });
  // One options object for every request (undici copies what it needs).
  // Without keep-alive, `reset: true` makes undici send `Connection: close`
  // and destroy the socket once the response is read, so the pool's client
  // connects anew for its next request: one TCP connection per request
  // (unit/load.test.ts counts the server's 'connection' events).
  // undici takes the SNI from the Host header unless the request names one.
  const dispatchOptions: Dispatcher.DispatchOptions & { servername?: string } = {
    path: url.pathname + url.search,
    servername: options.servername,
    method: options.method ?? 'GET',
    headers: options.headers,
    body: options.body ?? null,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    reset: !keepAlive,
  };

  const records: LoadRecord[] = [];
  // Oldest first (a Map keeps insertion order), for the timeout sweep.
  const inFlight = new Map<number, InFlight>();
  const t0 = performance.now();
  const clock = () => performance.now() - t0;
  let next = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let finish = () => {};
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const maybeFinish = () => {
    if (stopped && inFlight.size === 0) finish();
  };

  const complete = (f: InFlight, err?: Error) => {
    inFlight.delete(f.rec.i);
    if (!f.timedOut) {
      f.rec.end = clock();
      if (err) {
        f.rec.errorClass = classifyError(err);
        f.rec.error = err.message || String((err as { code?: string }).code ?? err);
      }
      onRecord?.(f.rec);
    }
    maybeFinish();
  };

  // Undici's own timeouts (connect, headers, body) each get timeoutMs; this
  // sweep bounds the whole request, queueing included, to it.
  const timeoutError = () => Object.assign(new Error(`load request timed out after ${timeoutMs}ms`), { code: TIMEOUT_CODE });
  const sweep = setInterval(() => {
    const now = clock();
    for (const f of inFlight.values()) {
      if (f.timedOut) continue;
      if (now - f.rec.start < timeoutMs) break;
      f.timedOut = true;
      Object.assign(f.rec, { end: now, errorClass: 'timeout', error: `no complete answer within ${timeoutMs}ms` });
      onRecord?.(f.rec);
      f.controller?.abort(timeoutError());
    }
  }, Math.min(50, timeoutMs / 4));

  const send = (i: number, now: number) => {
    const rec: LoadRecord = { i, scheduled: i * interval, start: now, end: now };
    records.push(rec);
    if (inFlight.size >= maxInFlight) {
      // Dropped, not queued: a queue behind the cap would delay the request
      // by an unbounded amount and turn the open model back into a closed
      // one; a drop shows up as its own error class instead.
      rec.errorClass = 'overload';
      onRecord?.(rec);
      return;
    }
    const f: InFlight = { rec, timedOut: false };
    inFlight.set(i, f);
    pool.dispatch(dispatchOptions, {
      // Called by undici when the request gets a connection.
      onRequestStart(controller) {
        f.controller = controller;
        if (f.timedOut) controller.abort(timeoutError());
      },
      onResponseStart(_controller, statusCode, headers) {
        rec.status = statusCode;
        rec.errorClass = statusClass(statusCode);
        rec.version = header(headers, 'x-app-version');
        rec.pod = header(headers, 'x-pod-name');
      },
      // The body is read to its end and dropped.
      onResponseData() {},
      onResponseEnd() {
        complete(f);
      },
      onResponseError(_controller, err) {
        complete(f, err);
      },
    });
  };

  const stop = () => {
    stopped = true;
    clearTimeout(timer);
    maybeFinish();
  };
  signal?.addEventListener('abort', stop);

  // Wakes up, sends everything due (a batch when the rate is above ~1000/s,
  // as timers have a 1 ms resolution), sleeps until the next is due.
  const tick = () => {
    let now = clock();
    while (next < total && next * interval <= now) {
      send(next++, now);
      now = clock();
    }
    if (next >= total || signal?.aborted) return stop();
    timer = setTimeout(tick, Math.max(1, Math.floor(next * interval - now)));
  };
  if (signal?.aborted) stop();
  else tick();

  try {
    await finished;
  } finally {
    clearInterval(sweep);
    signal?.removeEventListener('abort', stop);
    await pool.destroy();
  }
  const lastEnd = records.reduce((m, r) => Math.max(m, r.end), 0);
  const elapsedMs = Math.max(records.length * interval, lastEnd);
  return { records, summary: summarize(records, options, elapsedMs), elapsedMs, aborted: !!signal?.aborted && next < total };
}
