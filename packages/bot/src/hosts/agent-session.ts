import { ErrorCode, RecioError } from '@recio/protocol/errors';
import { PROTOCOL_VERSION, type ActionResult, type AgentLine, type AgentRequest } from '@recio/protocol/messages';

export interface SessionReply extends ActionResult {
  output: string;
  outputTruncated: boolean;
}

interface Pending {
  resolve: (reply: SessionReply) => void;
  reject: (error: Error) => void;
  onChunk?: (stream: 'stdout' | 'stderr', data: string) => void;
  output: string;
  budget: number;
  truncated: boolean;
}

export type Hello = Extract<AgentLine, { type: 'hello' }>;

/**
 * The bot's end of an agent session: JSON lines over one channel, many requests in flight, each
 * answered by id. Knows nothing of SSH; the transport feeds it bytes and tells it when the channel
 * closed.
 */
export class AgentSession {
  readonly hello: Promise<Hello>;
  private resolveHello!: (hello: Hello) => void;
  private rejectHello!: (error: Error) => void;
  private readonly pending = new Map<string, Pending>();
  private buffer = '';
  private stderrTail = '';
  private closedWith: Error | undefined;

  constructor(
    private readonly host: string,
    private readonly send: (text: string) => void,
  ) {
    this.hello = new Promise<Hello>((resolve, reject) => {
      this.resolveHello = resolve;
      this.rejectHello = reject;
    });
    // A session nobody awaited must not become an unhandled rejection when it closes.
    this.hello.catch(() => undefined);
  }

  get isOpen(): boolean {
    return this.closedWith === undefined;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  request(request: AgentRequest, maxOutputBytes: number, onChunk?: Pending['onChunk']): Promise<SessionReply> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise<SessionReply>((resolve, reject) => {
      this.pending.set(request.id, {
        resolve,
        reject,
        ...(onChunk ? { onChunk } : {}),
        output: '',
        budget: maxOutputBytes,
        truncated: false,
      });
      this.send(`${JSON.stringify(request)}\n`);
    });
  }

  cancel(id: string): void {
    if (this.pending.delete(id) && this.isOpen) this.send(`${JSON.stringify({ v: PROTOCOL_VERSION, cancel: id })}\n`);
  }

  feedStdout(data: string): void {
    this.buffer += data;
    for (let newline = this.buffer.indexOf('\n'); newline >= 0; newline = this.buffer.indexOf('\n')) {
      const text = this.buffer.slice(0, newline);
      this.buffer = this.buffer.slice(newline + 1);
      if (text.trim() !== '') this.onLine(text);
    }
  }

  feedStderr(data: string): void {
    this.stderrTail = (this.stderrTail + data).slice(-2000);
  }

  /** The channel is gone: everything still waiting learns why. */
  close(reason: Error): void {
    if (this.closedWith) return;
    const said = `${this.buffer}\n${this.stderrTail}`.trim();
    this.closedWith =
      said === ''
        ? reason
        : new RecioError(
            (reason as RecioError).code ?? ErrorCode.HostUnreachable,
            `${reason.message}: ${said.slice(-300)}`,
            { host: this.host },
          );
    this.rejectHello(this.closedWith);
    for (const pending of this.pending.values()) pending.reject(this.closedWith);
    this.pending.clear();
  }

  private onLine(text: string): void {
    let line: AgentLine;
    try {
      line = JSON.parse(text) as AgentLine;
    } catch {
      // Not our agent speaking (a login banner, a shell's error): keep it for the error message.
      this.feedStderr(`${text}\n`);
      return;
    }
    if (line.type === 'hello') {
      if (line.v !== PROTOCOL_VERSION) {
        this.close(
          new RecioError(
            ErrorCode.ProtocolMismatch,
            `protocol mismatch on ${this.host}: the bot speaks v${PROTOCOL_VERSION}, ` +
              `the agent (${line.agentVersion}) speaks v${line.v}`,
            { host: this.host },
          ),
        );
        return;
      }
      this.resolveHello(line);
      return;
    }
    const pending = this.pending.get(line.id);
    if (pending === undefined) return; // cancelled, or a line for a request we gave up on
    if (line.type === 'chunk') {
      // Output past the cap is streamed on but not kept: a runaway log must not fill the bot's memory.
      const kept = line.data.slice(0, Math.max(0, pending.budget));
      pending.output += kept;
      pending.budget -= kept.length;
      if (kept.length < line.data.length) pending.truncated = true;
      pending.onChunk?.(line.stream, line.data);
      return;
    }
    this.pending.delete(line.id);
    const { type: _type, id: _id, ...result } = line;
    pending.resolve({ ...result, output: pending.output, outputTruncated: pending.truncated });
  }
}
