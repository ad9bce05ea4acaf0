// A check's outcome, shared by every check: a failure names its causes and
// carries the exchanges seen; what the harness cannot judge is NotJudged,
// never a verdict (the suites, --live and grading word it the same way).
import type { Exchange } from './http.ts';
import type { EdgeVerdict } from './routes.ts';

/** A check's verdict: the causes in plain words, and the HTTP exchanges seen, as evidence. */
export class CheckFailure extends Error {
  constructor(
    message: string,
    readonly transcript: Exchange[] = [],
    /** a route case's verdict on each edge, when it was checked on several */
    readonly edges: EdgeVerdict[] = [],
  ) {
    super(message);
  }
}

/**
 * What the harness cannot judge, for a reason of its own (an upstream image
 * that names no pod and has no text of its own, a machine too busy to
 * measure): the row is "not judged: <reason>", never a pass or a fail
 * (fixtures/cluster.ts notJudged: no points, none lost; --strict fails the run).
 */
export class NotJudged extends Error {
  constructor(readonly reason: string) {
    super(`not judged: ${reason}`);
  }
}

/** Passes when there is nothing to report; fails with one line per problem. */
export function noProblems(problems: string[]): void {
  if (problems.length) throw new Error(problems.join('\n'));
}

export const fail = (what: string, causes: string[], transcript: Exchange[] = []): never => {
  throw new CheckFailure(`${what}: ${causes.join('; ')}`, transcript);
};
