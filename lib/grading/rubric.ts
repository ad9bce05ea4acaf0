// The class grading rubric (manifests/rubric.yaml, or --rubric FILE): points
// per check, by lab, and the course chapter a failing row's hint points to.
// Scoring is a pure function of a student's graded rows.
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { UsageError } from '../core/options.ts';

export interface RubricCheck {
  check: string;
  points: number;
}

export interface RubricLab {
  chapter: string;
  checks: RubricCheck[];
}

export type Rubric = Record<string, RubricLab>;

/** Reads and validates a rubric; a mistake in it is one line naming the file and the place. */
export function loadRubric(file: string): Rubric {
  let doc: unknown;
  try {
    doc = load(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UsageError(`rubric ${file}: ${(err as Error).message.split('\n')[0]}`);
  }
  const labs = (doc as { labs?: unknown })?.labs;
  if (!labs || typeof labs !== 'object' || Array.isArray(labs)) throw new UsageError(`rubric ${file}: needs a "labs" map (lab folder name -> chapter and checks)`);
  const rubric: Rubric = {};
  for (const [lab, value] of Object.entries(labs as Record<string, unknown>)) {
    const v = value as { chapter?: unknown; checks?: unknown };
    if (!Array.isArray(v?.checks)) throw new UsageError(`rubric ${file}: labs.${lab}.checks must be a list`);
    rubric[lab] = {
      chapter: typeof v.chapter === 'string' ? v.chapter : lab,
      checks: v.checks.map((c: unknown, i: number) => {
        const { check, points } = (c ?? {}) as { check?: unknown; points?: unknown };
        if (typeof check !== 'string' || !check) throw new UsageError(`rubric ${file}: labs.${lab}.checks[${i}].check must be the beginning of a check's title`);
        if (typeof points !== 'number' || points < 0) throw new UsageError(`rubric ${file}: labs.${lab}.checks[${i}].points must be a number >= 0`);
        return { check, points };
      }),
    };
  }
  return rubric;
}

/** One graded row, as the lab report has it ("lab 20-deployments: ..." or "files: ..."). */
export interface GradedRow {
  title: string;
  result: 'pass' | 'fail' | 'skipped' | 'n/a' | 'known';
  detail: string;
}

export interface ScoredCheck {
  check: string;
  points: number;
  earned: number;
  /**
   * pass, fail, "not run" (an earlier step failed, or it was skipped: the
   * student's), "not judged" (the harness could not: no points, none lost),
   * or missing (no such row in the run)
   */
  outcome: 'pass' | 'fail' | 'not run' | 'not judged' | 'missing';
  cause: string;
}

export interface LabScore {
  lab: string;
  chapter: string;
  earned: number;
  /** the points of the checks that were judged */
  points: number;
  /** the points of the checks the harness could not judge, out of the lab's total */
  notJudged: number;
  checks: ScoredCheck[];
}

export interface StudentScore {
  labs: LabScore[];
  earned: number;
  /** the rubric's total less what was not judged */
  points: number;
  /** the points the harness could not judge for this student (the rubric's total shrinks by as much) */
  notJudged: number;
  /** rows no rubric entry names */
  unscored: string[];
}

/** A student's rows scored against the rubric: partial credit per lab, 0 (and why) for what did not run, and what the harness could not judge left out of the total. */
export function score(rows: GradedRow[], rubric: Rubric): StudentScore {
  const used = new Set<GradedRow>();
  const labs = Object.entries(rubric).map(([lab, spec]): LabScore => {
    const checks = spec.checks.map((c): ScoredCheck => {
      const row = rows.find((r) => r.title.startsWith(`lab ${lab}: ${c.check}`));
      if (!row) return { check: c.check, points: c.points, earned: 0, outcome: 'missing', cause: 'no such check in this run' };
      used.add(row);
      if (row.result === 'pass' || row.result === 'n/a') return { check: c.check, points: c.points, earned: c.points, outcome: 'pass', cause: '' };
      // The harness's own limit: no points, none lost.
      if (row.result === 'skipped' && /^not judged\b/.test(row.detail)) return { check: c.check, points: c.points, earned: 0, outcome: 'not judged', cause: row.detail };
      const notRun = row.result === 'skipped' || /^not run\b/.test(row.detail);
      return { check: c.check, points: c.points, earned: 0, outcome: notRun ? 'not run' : 'fail', cause: notRun && !/^not run\b/.test(row.detail) ? `not run: ${row.detail}` : row.detail };
    });
    const judged = checks.filter((c) => c.outcome !== 'not judged');
    return { lab, chapter: spec.chapter, checks, earned: sum(judged.map((c) => c.earned)), points: sum(judged.map((c) => c.points)), notJudged: sum(checks.filter((c) => c.outcome === 'not judged').map((c) => c.points)) };
  });
  return {
    labs,
    earned: sum(labs.map((l) => l.earned)),
    points: sum(labs.map((l) => l.points)),
    notJudged: sum(labs.map((l) => l.notJudged)),
    unscored: rows.filter((r) => !used.has(r) && r.result !== 'pass').map((r) => r.title),
  };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

/** The hint beside a failing row: the course section it belongs to. */
export function hint(rubric: Rubric, lab: string): string {
  const chapter = rubric[lab]?.chapter;
  return chapter ? `see the course's section ${chapter}` : '';
}
