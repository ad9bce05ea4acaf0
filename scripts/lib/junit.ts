// Reading Playwright's JUnit report: one entry per test case, with its
// outcome and its annotations (Playwright writes them as properties).
import { existsSync, readFileSync } from 'node:fs';

export interface TestCase {
  name: string;
  file: string;
  status: 'passed' | 'failed' | 'skipped';
  /** annotations: [type, description] */
  properties: [string, string][];
}

const unescape = (t: string) => t.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export function parseJUnit(xml: string): TestCase[] {
  return [...xml.matchAll(/<testcase name="([^"]*)" classname="([^"]*)"[^>]*?(\/>|>([\s\S]*?)<\/testcase>)/g)].map((m) => {
    const body = m[4] ?? '';
    return {
      name: unescape(m[1]),
      file: unescape(m[2]),
      status: /<(failure|error)\b/.test(body) ? 'failed' : /<skipped\b/.test(body) ? 'skipped' : 'passed',
      properties: [...body.matchAll(/<property name="([^"]*)" value="([^"]*)"/g)].map((p) => [unescape(p[1]), unescape(p[2])] as [string, string]),
    };
  });
}

export function readJUnit(file: string): TestCase[] | undefined {
  return existsSync(file) ? parseJUnit(readFileSync(file, 'utf8')) : undefined;
}
