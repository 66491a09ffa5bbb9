import { ErrorCode, RecioError } from '@recio/protocol/errors';
import type { Runbooks } from './loader.js';
import { TOPOLOGY_FILE, type Topology } from './topology.js';

const BRINGS_UP = new Set(['service.restart', 'service.start']);

/**
 * Every runbook brings programs up in dependency order (commands/topology.yml): never a program
 * before one it needs (auto_entry_supervisor before the watchdogs whose feeds it trades on). Steps
 * run in file order, a for_each in the order of its values; a program named by a run parameter is
 * only known at run time and is not judged here. Problems as `<file>: steps.N…: <message>`.
 */
export function restartOrderProblems(runbooks: Runbooks, topology: Topology, displayDir: string): string[] {
  const problems: string[] = [];
  for (const [id, book] of runbooks) {
    const upAt = new Map<string, string>();
    const order: Array<{ program: string; path: string }> = [];
    for (const [index, step] of book.steps.entries()) {
      if (!BRINGS_UP.has(step.action)) continue;
      const named = step.params.service;
      if (typeof named !== 'string') continue;
      const each = step.for_each;
      if (each !== undefined && named === `{{${each.param}}}`)
        for (const [i, v] of each.values.entries())
          order.push({ program: v, path: `steps.${index}.for_each.values.${i}` });
      else if (!named.includes('{{')) order.push({ program: named, path: `steps.${index}.params.service` });
    }
    for (const { program, path } of order) {
      for (const needed of topology.programsNeeded(program)) {
        const later = order.findIndex((o) => o.program === needed);
        if (later !== -1 && !upAt.has(needed))
          problems.push(
            `${displayDir}/${id}.yml: ${path}: brings ${program} up before ${needed}, which it needs ` +
              `(${TOPOLOGY_FILE}); bring ${needed} up first`,
          );
      }
      upAt.set(program, path);
    }
  }
  return problems;
}

/** Throws ConfigInvalid with every problem, as the runbook loader does (at start and by `recio runbooks check`). */
export function checkRestartOrder(runbooks: Runbooks, topology: Topology, displayDir: string): void {
  const problems = restartOrderProblems(runbooks, topology, displayDir);
  if (problems.length > 0)
    throw new RecioError(ErrorCode.ConfigInvalid, `runbooks out of dependency order:\n  ${problems.join('\n  ')}`, {
      problems,
    });
}
