// The class board (npm run board -- --submissions DIR): the class report a
// grading wrote (class.json) as a board, students by labs, with what the
// report's table does not say: per check, how many students lost it and
// their most common causes (where the teaching should go next), and the
// class's mean per lab. Read from the report, never graded again.
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../core/options.ts';
import type { Rubric, ScoredCheck, StudentScore } from '../grading/rubric.ts';
import { causeZh, checkZh, LABS, type Words } from '../course/words.ts';

/** class.json as writeClassReport writes it (lib/grading/class-grading.ts). */
export interface ClassReport {
  rubric: Rubric;
  results: { name: string; score: StudentScore; rows: unknown[]; alone?: string }[];
}

export function readClassReport(file: string): ClassReport {
  if (!existsSync(file)) throw new UsageError(`${file} does not exist: grade the class first (npm test -- --submissions DIR), or point HARNESS_REPORT_DIR at the folder of its report`);
  let doc: ClassReport;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as ClassReport;
  } catch (err) {
    throw new UsageError(`${file}: not JSON (${(err as Error).message.split('\n')[0]})`);
  }
  if (!doc || typeof doc.rubric !== 'object' || !Array.isArray(doc.results)) throw new UsageError(`${file} is not a class report (it needs "rubric" and "results", as npm test -- --submissions writes them)`);
  return doc;
}

export type CellState = 'pass' | 'partial' | 'fail' | 'none';

export interface ClassStudent {
  name: string;
  /** false: the grading did not happen or did not finish (no rows); not a score of 0 */
  graded: boolean;
  earned: number;
  points: number;
  notJudged: number;
  labs: Record<string, { earned: number; points: number; state: CellState; lost: string[] }>;
}

export interface CheckStats {
  lab: string;
  check: string;
  title: Words;
  points: number;
  /** students who lost it (failed; not run because an earlier step of theirs failed; no such row in their run) */
  failed: string[];
  /** students it was judged for (the harness's own limits are left out) */
  judged: number;
  /** the causes, most common first, with the students who got each */
  causes: { cause: Words; students: string[] }[];
}

export interface ClassView {
  /** mean: the graded students' mean share of the points judged for them, in the lab's points */
  labs: { id: string; title: Words; points: number; mean?: number }[];
  /** the same for the total */
  meanTotal?: number;
  students: ClassStudent[];
  checks: CheckStats[];
  /** folders of DIR the report has no row for, and students of the report with no folder in DIR */
  notInReport: string[];
  notInFolder: string[];
}

/** What differs between two students' causes for the same mistake: pod names and template hashes, addresses, durations. */
export function causeKey(cause: string): string {
  return cause
    .replace(/\b([a-z0-9]+(?:-[a-z0-9]+)*?)-[a-z0-9]{8,10}-[a-z0-9]{5}\b/g, '$1-…')
    .replace(/\bpod-template-hash=[a-z0-9]+/g, 'pod-template-hash=…')
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, '…')
    .replace(/\b\d+(?:\.\d+)? ?(ms|s)\b/g, '… $1');
}

/** The outcomes that cost a student the check's points (what the harness could not judge costs nothing). */
const LOST: ScoredCheck['outcome'][] = ['fail', 'not run', 'missing'];

const cellState = (earned: number, points: number): CellState => (points === 0 ? 'none' : earned === points ? 'pass' : earned === 0 ? 'fail' : 'partial');

export function classView(report: ClassReport, folders: string[]): ClassView {
  const labIds = Object.keys(report.rubric);
  const students: ClassStudent[] = report.results.map((r) => {
    const graded = r.rows.length > 0;
    const labs = Object.fromEntries(
      labIds.map((id) => {
        const l = r.score.labs.find((x) => x.lab === id);
        const lost = l?.checks.filter((c) => LOST.includes(c.outcome)).map((c) => `${c.check}: ${c.cause}`) ?? [];
        return [id, { earned: l?.earned ?? 0, points: l?.points ?? 0, state: graded ? cellState(l?.earned ?? 0, l?.points ?? 0) : 'none', lost }];
      }),
    );
    return { name: r.name, graded, earned: r.score.earned, points: r.score.points, notJudged: r.score.notJudged, labs };
  });
  const graded = students.filter((s) => s.graded);
  // A share, not a sum: points the harness could not judge for a student are out of that student's total, not lost.
  const meanShare = (scores: { earned: number; points: number }[], of: number) => {
    const judged = scores.filter((x) => x.points > 0);
    return judged.length ? (judged.reduce((n, x) => n + x.earned / x.points, 0) / judged.length) * of : undefined;
  };
  const labs = labIds.map((id) => {
    const points = report.rubric[id].checks.reduce((n, c) => n + c.points, 0);
    return { id, title: LABS.find((l) => l.id === id)?.title ?? { zh: id, en: id }, points, mean: meanShare(graded.map((s) => s.labs[id]), points) };
  });
  const meanTotal = meanShare(graded, labs.reduce((n, l) => n + l.points, 0));
  const checks = labIds.flatMap((lab) =>
    report.rubric[lab].checks.map((c): CheckStats => {
      const outcomes = report.results.filter((r) => r.rows.length).map((r) => ({ name: r.name, scored: r.score.labs.find((l) => l.lab === lab)?.checks.find((x) => x.check === c.check) }));
      const lost = outcomes.filter((o) => o.scored && LOST.includes(o.scored.outcome));
      const byCause = new Map<string, string[]>();
      for (const o of lost) {
        const key = causeKey(o.scored!.cause);
        byCause.set(key, [...(byCause.get(key) ?? []), o.name]);
      }
      const causes = [...byCause].sort((a, b) => b[1].length - a[1].length).map(([en, who]) => ({ cause: { en, zh: causeZh(en) }, students: who }));
      return {
        lab,
        check: c.check,
        title: { en: c.check, zh: checkZh(c.check) ?? c.check },
        points: c.points,
        failed: lost.map((o) => o.name),
        judged: outcomes.filter((o) => o.scored && o.scored.outcome !== 'not judged').length,
        causes,
      };
    }),
  );
  const names = new Set(report.results.map((r) => r.name));
  return { labs, meanTotal, students, checks, notInReport: folders.filter((f) => !names.has(f)), notInFolder: [...names].filter((n) => !folders.includes(n)) };
}
