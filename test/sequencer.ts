import { readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const DURATIONS = resolve(import.meta.dirname, 'file-durations.json');

/**
 * Longest file first, from the wall times a run recorded (test/file-durations.json): the workers
 * then end together instead of one running the last long file alone. Vitest's own order does the
 * same from its cache, which a clean clone (CI) does not have, so it ordered by file size there
 * (a 38 s file started last, at 761 s of 800). A file not in the record (a new one) starts first:
 * its time is unknown. Only the order changes: which files run, and how, does not.
 */
export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const recorded = JSON.parse(readFileSync(DURATIONS, 'utf8')) as Record<string, number>;
    const root = this.ctx.config.root;
    const secondsOf = (spec: TestSpecification) => recorded[relative(root, spec.moduleId)] ?? Number.MAX_VALUE;
    return [...files].sort((a, b) => secondsOf(b) - secondsOf(a) || a.moduleId.localeCompare(b.moduleId));
  }
}
