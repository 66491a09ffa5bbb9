import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { RECIO_PROGRAMS } from '@recio/agent/agent-config';
import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { formatIssues } from '@recio/protocol/zod-issues';

export const TOPOLOGY_FILE = 'topology.yml';

const Name = z.string().regex(/^[a-z][a-z0-9_]{0,40}$/, 'lower-case letters, digits and _');

const TopologySpec = z.strictObject({
  causes: z.record(
    Name,
    z.strictObject({ kind: z.enum(['db', 'provider', 'release']), runbook: z.string().min(1).optional() }),
  ),
  programs: z.record(Name, z.array(Name)).default({}),
  feeds: z.record(Name, z.array(Name)).default({}),
});
export type TopologySpec = z.infer<typeof TopologySpec>;

/**
 * The system's dependencies: which cause (a database, a provider, the release) a program or feed
 * failure is a symptom of. Nodes are `postgresql`, `kalshi`… (causes), `program:<name>`, `feed:<name>`.
 */
export class Topology {
  private readonly needs = new Map<string, string[]>();

  constructor(readonly spec: TopologySpec) {
    for (const [program, deps] of Object.entries(spec.programs))
      this.needs.set(`program:${program}`, deps.map(this.ref));
    for (const [feed, deps] of Object.entries(spec.feeds)) this.needs.set(`feed:${feed}`, deps.map(this.ref));
  }

  private readonly ref = (name: string) => (name in this.spec.causes ? name : `program:${name}`);

  /** Every cause the node depends on, directly or through other programs (none for a cause itself). */
  causesOf(node: string): Set<string> {
    const out = new Set<string>();
    const seen = new Set<string>();
    const walk = (n: string) => {
      if (seen.has(n)) return;
      seen.add(n);
      for (const dep of this.needs.get(n) ?? []) {
        if (dep in this.spec.causes) out.add(dep);
        else walk(dep);
      }
    };
    walk(node);
    return out;
  }

  /** The causes of one kind (`db`: postgresql), for a monitor that checks them before opening a symptom. */
  causesOfKind(kind: 'db' | 'provider' | 'release'): string[] {
    return Object.entries(this.spec.causes)
      .filter(([, c]) => c.kind === kind)
      .map(([name]) => name);
  }

  /** The programs a program needs, directly or through others (what must be up before it starts). */
  programsNeeded(program: string): Set<string> {
    const out = new Set<string>();
    const walk = (p: string) => {
      for (const dep of this.spec.programs[p] ?? [])
        if (dep in this.spec.programs && !out.has(dep)) {
          out.add(dep);
          walk(dep);
        }
    };
    walk(program);
    return out;
  }

  kindOf(cause: string): 'db' | 'provider' | 'release' | undefined {
    return this.spec.causes[cause]?.kind;
  }
}

/**
 * The node an incident fingerprint (incidents/failure.ts) stands for: `db:<host>` → the db cause,
 * `provider:kalshi` → kalshi, `release:<host>/<tag>` → the release cause, `program:<host>/<p>` →
 * `program:<p>`, `feed:<f>` → `feed:<f>`.
 */
export function nodeOfFingerprint(topology: Topology, fingerprint: string): string | undefined {
  const [kind, rest = ''] = fingerprint.split(/:(.*)/s);
  switch (kind) {
    case 'db':
      return topology.causesOfKind('db')[0];
    case 'release':
      return topology.causesOfKind('release')[0];
    case 'provider':
      return topology.kindOf(rest) === 'provider' ? rest : undefined;
    case 'program':
      return `program:${rest.split('/').at(-1)}`;
    case 'feed':
      return `feed:${rest}`;
    default:
      return undefined;
  }
}

/** Problems of a parsed spec: unknown programs and names, runbooks without a file, cycles. With paths. */
function problemsOf(spec: TopologySpec, file: string, runbookIds: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const known = new Set<string>([...Object.keys(spec.causes), ...Object.keys(spec.programs)]);
  for (const [name, cause] of Object.entries(spec.causes)) {
    if (cause.runbook !== undefined && !runbookIds.has(cause.runbook))
      problems.push(`${file}: causes.${name}.runbook: no file ${cause.runbook}.yml beside it`);
  }
  for (const [program, deps] of Object.entries(spec.programs)) {
    if (!(RECIO_PROGRAMS as readonly string[]).includes(program))
      problems.push(`${file}: programs.${program}: unknown program (REC.IO's are ${RECIO_PROGRAMS.join(', ')})`);
    for (const [i, dep] of deps.entries())
      if (!known.has(dep))
        problems.push(`${file}: programs.${program}.${i}: "${dep}" is neither a cause nor a program`);
  }
  for (const [feed, deps] of Object.entries(spec.feeds))
    for (const [i, dep] of deps.entries())
      if (!known.has(dep)) problems.push(`${file}: feeds.${feed}.${i}: "${dep}" is neither a cause nor a program`);
  // A cycle among programs: depth-first, the path named as it was walked.
  const state = new Map<string, 'walking' | 'done'>();
  const walk = (program: string, path: string[]): void => {
    if (state.get(program) === 'done') return;
    if (state.get(program) === 'walking') {
      const loop = [...path.slice(path.indexOf(program)), program].join(' → ');
      problems.push(`${file}: programs.${path.at(-1)}: a dependency cycle: ${loop}`);
      return;
    }
    state.set(program, 'walking');
    for (const dep of spec.programs[program] ?? []) if (dep in spec.programs) walk(dep, [...path, program]);
    state.set(program, 'done');
  };
  for (const program of Object.keys(spec.programs)) walk(program, []);
  return problems;
}

/** REC.IO's real graph, for a runbook dir without a topology.yml. */
export const DEFAULT_TOPOLOGY = `causes:
  postgresql: { kind: db }
  kalshi: { kind: provider }
  coinbase: { kind: provider }
  release: { kind: release }
programs:
  trade_manager: [postgresql, release]
  trade_executor: [postgresql, release]
  active_trade_supervisor: [postgresql, release]
  auto_entry_supervisor: [postgresql, release, kalshi_api_watchdog, btc_price_watchdog]
  kalshi_api_watchdog: [postgresql, kalshi, release]
  btc_price_watchdog: [postgresql, coinbase, release]
feeds:
  kalshi: [kalshi_api_watchdog]
  btc_price: [btc_price_watchdog]
`;

/** REC.IO's graph (DEFAULT_TOPOLOGY), for a core assembled without a runbook dir (tests, drills). */
export function defaultTopology(): Topology {
  const result = parseTopology(DEFAULT_TOPOLOGY, 'the default topology', new Set());
  if (Array.isArray(result)) throw new RecioError(ErrorCode.Internal, `the default topology: ${result.join('; ')}`);
  return result;
}

export function parseTopology(text: string, file: string, runbookIds: ReadonlySet<string>): Topology | string[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    return [`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`];
  }
  const parsed = TopologySpec.safeParse(raw);
  if (!parsed.success) return formatIssues(parsed.error, `${file}: `);
  const problems = problemsOf(parsed.data, file, runbookIds);
  return problems.length > 0 ? problems : new Topology(parsed.data);
}

/**
 * `<dir>/topology.yml`, checked; REC.IO's graph when the dir has none. Throws ConfigInvalid with
 * every problem as `<file>: <path>: <message>`, as the runbook loader does.
 */
export function loadTopology(dir: string, displayDir: string, runbookIds: ReadonlySet<string>): Topology {
  const path = join(dir, TOPOLOGY_FILE);
  const file = `${displayDir}/${TOPOLOGY_FILE}`;
  const result = existsSync(path)
    ? parseTopology(readFileSync(path, 'utf8'), file, runbookIds)
    : parseTopology(DEFAULT_TOPOLOGY, 'the default topology', runbookIds);
  if (Array.isArray(result))
    throw new RecioError(ErrorCode.ConfigInvalid, `invalid topology:\n  ${result.join('\n  ')}`, { problems: result });
  return result;
}
