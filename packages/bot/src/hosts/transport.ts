import type { ActionInputOf, ActionName } from '@recio/protocol/actions';
import type { ActionResult } from '@recio/protocol/messages';

/** One agent action to run on one host. Params are checked against the action's schema first. */
export interface HostRequest<A extends ActionName = ActionName> {
  action: A;
  params: ActionInputOf<A>;
}

export interface RunOptions {
  /** The whole call, connect included, ends by then (ms from now). */
  deadlineMs?: number;
  signal?: AbortSignal;
  /** Carried into the agent's request id and its host-side audit line, for tracing one delivery end to end. */
  traceId?: string;
  onChunk?: (stream: 'stdout' | 'stderr', data: string) => void;
}

/**
 * What came back from a host: the agent's result plus where it ran and its output. Shaped like
 * execa's result: the same for success and failure.
 */
export interface HostResult extends ActionResult {
  host: string;
  action: ActionName;
  requestId: string;
  output: string;
  outputTruncated: boolean;
  /**
   * True when we cannot know whether the action took effect: the deadline passed or the connection
   * dropped after the request was sent. Never to be read as success.
   */
  outcomeUnknown: boolean;
}

/** How the bot reaches one host: over SSH to its agent, or in-process for the host named `local`. */
export interface Transport {
  readonly host: string;
  run<A extends ActionName>(request: HostRequest<A>, options?: RunOptions): Promise<HostResult>;
  close(): Promise<void>;
}
