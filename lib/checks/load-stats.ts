// What a load run saw, in figures: each request's record, the summary (rates,
// latency percentiles, schedule lag, failures by class and by version, the
// window in which requests failed), its one-line form and a timeline CSV.
import type { ErrorClass, LoadOptions } from './load.ts';

/** One request; times in ms from the start of the run. */
export interface LoadRecord {
  i: number;
  scheduled: number;
  /** When the scheduler sent it (dropped: when it was due); latency is from `scheduled`. */
  start: number;
  end: number;
  status?: number;
  errorClass?: ErrorClass;
  /** The error's message, for transport errors. */
  error?: string;
  version?: string;
  pod?: string;
}

export interface VersionStats {
  count: number;
  /** End of the first and last response carrying this version, ms from the start. */
  first: number;
  last: number;
}

export interface LoadSummary {
  targetRate: number;
  /** Completed requests (any outcome but overload) per second over the run. */
  achievedRate: number;
  elapsedMs: number;
  /** Requests that were due, sent or dropped. */
  scheduled: number;
  /** Not dropped. */
  sent: number;
  /** 2xx and 3xx. */
  ok: number;
  errors: Partial<Record<ErrorClass, number>>;
  errorCount: number;
  /** Sent more than lateThresholdMs after their scheduled time. */
  late: number;
  maxLatenessMs: number;
  /** How long after their scheduled time requests were sent: the generator's own lag. */
  latenessMs: { p50: number; p99: number; max: number };
  /** From the scheduled start, over completed requests. */
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  versions: Record<string, VersionStats>;
  pods: Record<string, number>;
  /** A few distinct messages of 'other' errors. */
  otherSamples: string[];
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** The numbers of a run; pure, so it can be given hand-made records. */
export function summarize(records: LoadRecord[], options: Pick<LoadOptions, 'rate' | 'lateThresholdMs'>, elapsedMs: number): LoadSummary {
  const lateThreshold = options.lateThresholdMs ?? 10;
  const errors: Partial<Record<ErrorClass, number>> = {};
  const versions: Record<string, VersionStats> = {};
  const pods: Record<string, number> = {};
  const latencies: number[] = [];
  const lateness: number[] = [];
  const otherSamples = new Set<string>();
  let sent = 0;
  let ok = 0;
  let errorCount = 0;
  let late = 0;
  let maxLateness = 0;
  for (const r of records) {
    if (r.errorClass) {
      errors[r.errorClass] = (errors[r.errorClass] ?? 0) + 1;
      errorCount++;
      if (r.errorClass === 'other' && r.error && otherSamples.size < 5) otherSamples.add(r.error);
    }
    if (r.errorClass === 'overload') continue;
    sent++;
    if (r.status !== undefined && r.status < 400) ok++;
    const lag = r.start - r.scheduled;
    lateness.push(lag);
    if (lag > lateThreshold) late++;
    if (lag > maxLateness) maxLateness = lag;
    latencies.push(r.end - r.scheduled);
    if (r.version !== undefined) {
      const v = (versions[r.version] ??= { count: 0, first: r.end, last: r.end });
      v.count++;
      if (r.end < v.first) v.first = r.end;
      if (r.end > v.last) v.last = r.end;
    }
    if (r.pod !== undefined) pods[r.pod] = (pods[r.pod] ?? 0) + 1;
  }
  latencies.sort((a, b) => a - b);
  lateness.sort((a, b) => a - b);
  return {
    targetRate: options.rate,
    achievedRate: elapsedMs > 0 ? (sent * 1000) / elapsedMs : 0,
    elapsedMs,
    scheduled: records.length,
    sent,
    ok,
    errors,
    errorCount,
    late,
    maxLatenessMs: maxLateness,
    latenessMs: { p50: percentile(lateness, 50), p99: percentile(lateness, 99), max: lateness.at(-1) ?? 0 },
    latencyMs: { p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1) ?? 0 },
    versions,
    pods,
    otherSamples: [...otherSamples],
  };
}

const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1)) + 'ms';
const s = (n: number) => (n / 1000).toFixed(2) + 's';

/** A few lines for the terminal and the report. */
export function formatSummary(x: LoadSummary): string {
  const errors = Object.entries(x.errors).map(([k, n]) => `${k} ${n}`).join(', ') || 'none';
  const versions = Object.entries(x.versions).map(([v, st]) => `${v} ${st.count} (first ${s(st.first)}, last ${s(st.last)})`).join(', ') || '-';
  const pods = Object.entries(x.pods).map(([p, n]) => `${p} ${n}`).join(', ') || '-';
  const lines = [
    `rate: target ${x.targetRate}/s, achieved ${x.achievedRate.toFixed(1)}/s over ${s(x.elapsedMs)}; ${x.sent} sent of ${x.scheduled} due, ${x.ok} ok`,
    `errors: ${errors}`,
    `schedule lag (send after its time): p50 ${ms(x.latenessMs.p50)} p99 ${ms(x.latenessMs.p99)} max ${ms(x.latenessMs.max)}; ${x.late} late sends`,
    `latency from schedule: p50 ${ms(x.latencyMs.p50)} p90 ${ms(x.latencyMs.p90)} p99 ${ms(x.latencyMs.p99)} max ${ms(x.latencyMs.max)}`,
    `versions: ${versions}`,
    `pods: ${pods}`,
  ];
  if (x.otherSamples.length > 0) lines.push(`other errors, e.g.: ${x.otherSamples.join(' | ')}`);
  return lines.join('\n');
}

const csvField = (v: string | number | undefined) => {
  if (v === undefined) return '';
  const t = String(v);
  return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};

/** One line per request, for attaching to the Playwright report. */
export function timelineCsv(records: LoadRecord[]): string {
  const lines = ['i,scheduled_ms,start_ms,end_ms,latency_ms,status,error_class,version,pod,error'];
  for (const r of records) {
    lines.push(
      [r.i, r.scheduled.toFixed(2), r.start.toFixed(2), r.end.toFixed(2), (r.end - r.scheduled).toFixed(2), r.status, r.errorClass, r.version, r.pod, r.error]
        .map(csvField)
        .join(','),
    );
  }
  return lines.join('\n') + '\n';
}
