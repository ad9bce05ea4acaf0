// Polling with a deadline, for what has no watch: the data plane (routes,
// kube-proxy rules) and processes without a probe (MySQL in the pod labs).
// Everything with an API object waits by watch instead (lib/kube/kube.ts).

export class PollTimeout<T> extends Error {
  constructor(
    message: string,
    readonly attempts: T[],
  ) {
    super(message);
  }
}

/** For a `.catch` that explains a timeout: the PollTimeout, or the error thrown on (an API or programming error is not a verdict). */
export function pollTimeout<T>(err: unknown): PollTimeout<T> {
  if (err instanceof PollTimeout) return err as PollTimeout<T>;
  throw err;
}

/**
 * Repeats `attempt` until `ok` holds `times` times in a row (so nothing is
 * called ready on one lucky answer) or the deadline passes, pausing `pauseMs`
 * after a miss. Returns every attempt; on timeout throws a PollTimeout whose
 * message shows the last attempts.
 */
export async function consecutively<T>(
  attempt: () => Promise<T>,
  ok: (t: T) => boolean,
  what: string,
  { times = 3, timeoutMs = 60_000, pauseMs = 250, describe = (t: T) => JSON.stringify(t) } = {},
): Promise<T[]> {
  const attempts: T[] = [];
  const deadline = Date.now() + timeoutMs;
  let streak = 0;
  while (Date.now() < deadline) {
    const t = await attempt();
    attempts.push(t);
    streak = ok(t) ? streak + 1 : 0;
    if (streak >= times) return attempts;
    if (streak === 0 && pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
  }
  const last = attempts.slice(-5).map(describe).join('\n');
  throw new PollTimeout(`${what}: not ${times} consecutive successes within ${timeoutMs / 1000}s; last attempts:\n${last}`, attempts);
}
