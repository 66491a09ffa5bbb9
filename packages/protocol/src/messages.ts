import { z } from 'zod';

/**
 * The wire between bot and agent: one JSON request in, JSON lines out. Bumped on any change a peer
 * could misread; a mismatch is refused by name, never half-parsed.
 */
export const PROTOCOL_VERSION = 1;

export const RequestId = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,80}$/, 'expected a request id (1-80 of A-Z a-z 0-9 _ . : -)');

export const AgentRequest = z.strictObject({
  v: z.number().int(),
  id: RequestId,
  action: z.string().max(64),
  params: z.record(z.string(), z.unknown()).default({}),
  /** The agent kills the action's processes past this; the bot's own deadline is a little longer. */
  timeoutMs: z.number().int().min(1).max(3_600_000).optional(),
});
export type AgentRequest = z.infer<typeof AgentRequest>;

/** In session mode the bot may cancel a request it no longer waits for. */
export const CancelRequest = z.strictObject({ v: z.number().int(), cancel: RequestId });

/** The action that turns one SSH channel into a long-lived session carrying many requests. */
export const SESSION_ACTION = 'agent.session';

export interface ActionError {
  code: string;
  message: string;
}

/** Same shape for success and failure, like execa's: a non-zero exit is a result, not a crash. */
export interface ActionResult {
  ok: boolean;
  exitCode: number;
  durationMs: number;
  timedOut?: boolean;
  data?: unknown;
  error?: ActionError;
}

export type AgentLine =
  | { type: 'hello'; v: number; agentVersion: string; host: string; actions: string[] }
  | { type: 'chunk'; id: string; stream: 'stdout' | 'stderr'; data: string }
  | ({ type: 'result'; id: string } & ActionResult);
