import { PRIVATE_KEY_BEGIN, PRIVATE_KEY_END, REDACTED_PRIVATE_KEY, redactSecrets } from './redact.js';

const KEY_MARKER = /-----(?:BEGIN|END) [A-Z0-9 ]*PRIVATE KEY/;

function longestLine(text: string): number {
  let longest = 0;
  for (let from = 0; from < text.length; ) {
    const newline = text.indexOf('\n', from);
    const end = newline < 0 ? text.length : newline + 1;
    longest = Math.max(longest, end - from);
    from = end;
  }
  return longest;
}

/** A line longer than this is cut: its head is redacted and sent, the rest is withheld, never sent. */
export const MAX_STREAM_LINE = 64 * 1024;

/**
 * Redacts a stream (a program's stdout arriving in pipe-sized chunks) on whole lines. A chunk
 * boundary can fall inside a secret (`…DB_PASS` | `WORD=hunter2`); each half alone matches no rule,
 * so a partial line is held back until its newline (or the end) arrives. A private key block is
 * withheld from its BEGIN line to its END line. Memory stays bounded: a line over MAX_STREAM_LINE
 * keeps only its head.
 */
export class LineRedactor {
  private pending = '';
  private withheld = 0;
  private inKey = false;

  constructor(private readonly knownSecrets: readonly string[] = []) {}

  /** Takes a chunk; returns what may be sent now (whole lines only, redacted), possibly ''. */
  push(chunk: string): string {
    const lastNewline = chunk.lastIndexOf('\n');
    if (lastNewline < 0) {
      this.hold(chunk);
      return '';
    }
    // Fast path, the usual case: the complete lines in hand hold no key block and none is over the
    // cap, so they are redacted as one text (every rule stays within a line), not one call per line.
    const complete = this.pending + chunk.slice(0, lastNewline + 1);
    if (!this.inKey && this.withheld === 0 && !KEY_MARKER.test(complete) && longestLine(complete) <= MAX_STREAM_LINE) {
      this.pending = '';
      this.hold(chunk.slice(lastNewline + 1));
      return redactSecrets(complete, this.knownSecrets);
    }
    let out = '';
    let from = 0;
    for (;;) {
      const newline = chunk.indexOf('\n', from);
      if (newline < 0) break;
      this.hold(chunk.slice(from, newline + 1));
      out += this.release();
      from = newline + 1;
    }
    this.hold(chunk.slice(from));
    return out;
  }

  /** The end of the stream: the held-back partial line, redacted. */
  flush(): string {
    const out = this.pending === '' && this.withheld === 0 ? '' : this.release();
    this.inKey = false;
    return out;
  }

  private hold(piece: string): void {
    const room = MAX_STREAM_LINE - this.pending.length;
    if (piece.length <= room) {
      this.pending += piece;
      return;
    }
    this.pending += piece.slice(0, Math.max(0, room));
    // The newline that ends the line is kept, so the next line starts on its own.
    const endsLine = piece.endsWith('\n');
    this.withheld += piece.length - Math.max(0, room) - (endsLine ? 1 : 0);
    if (endsLine) this.pending += '\n';
  }

  private release(): string {
    let line = this.pending;
    const cut = this.withheld;
    this.pending = '';
    this.withheld = 0;
    if (cut > 0) {
      const ending = line.endsWith('\n') ? '\n' : '';
      line = `${ending ? line.slice(0, -1) : line} [… ${cut} more characters of this line withheld]${ending}`;
    }
    if (this.inKey) {
      if (PRIVATE_KEY_END.test(line)) this.inKey = false;
      return '';
    }
    const begin = line.search(PRIVATE_KEY_BEGIN);
    if (begin >= 0 && !PRIVATE_KEY_END.test(line.slice(begin))) {
      this.inKey = true;
      return `${redactSecrets(line.slice(0, begin), this.knownSecrets)}${REDACTED_PRIVATE_KEY}\n`;
    }
    return redactSecrets(line, this.knownSecrets);
  }
}
