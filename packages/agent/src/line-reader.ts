import type { Readable } from 'node:stream';

/** No request the bot sends comes near this; a longer line is refused before it is parsed or kept. */
export const MAX_REQUEST_LINE_BYTES = 64 * 1024;

/** One line of input: its text, or, past the cap, only its size and first bytes (to find its id). */
export type BoundedLine = { text: string } | { oversize: number; head: string };

const HEAD_BYTES = 256;

/**
 * Splits a byte stream into lines without ever holding more than `maxBytes` of one line: the rest
 * of an oversized line is counted and dropped as it arrives. (readline would buffer a 5 MB line
 * whole before anyone could look at it.)
 */
export async function* boundedLines(input: Readable, maxBytes = MAX_REQUEST_LINE_BYTES): AsyncGenerator<BoundedLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let oversize = 0;
  let head = '';
  const line = (): BoundedLine =>
    oversize > 0 ? { oversize, head } : { text: Buffer.concat(parts).toString('utf8').replace(/\r$/, '') };
  for await (const raw of input) {
    const chunk: Buffer = typeof raw === 'string' ? Buffer.from(raw) : (raw as Buffer);
    let from = 0;
    while (from <= chunk.length) {
      const newline = chunk.indexOf(10, from);
      const piece = chunk.subarray(from, newline < 0 ? chunk.length : newline);
      if (oversize > 0) oversize += piece.length;
      else if (size + piece.length > maxBytes) {
        head = Buffer.concat([...parts, piece])
          .subarray(0, HEAD_BYTES)
          .toString('utf8');
        oversize = size + piece.length;
        parts = [];
        size = 0;
      } else if (piece.length > 0) {
        parts.push(Buffer.from(piece));
        size += piece.length;
      }
      if (newline < 0) break;
      yield line();
      parts = [];
      size = 0;
      oversize = 0;
      head = '';
      from = newline + 1;
    }
  }
  if (oversize > 0 || size > 0) yield line();
}

/** The id a cut-off request line names near its start, so the refusal reaches the caller waiting for it. */
export function idInHead(head: string): string {
  return /"id"\s*:\s*"([A-Za-z0-9_.:-]{1,80})"/.exec(head)?.[1] ?? 'unknown';
}
