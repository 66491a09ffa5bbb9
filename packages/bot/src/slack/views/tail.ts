import { context, escapeText, fallbackText, Limits, outputTail, section, type Block } from './kit.js';

export interface TailAnswer {
  host: string;
  service: string;
  lines: string[];
  ok: boolean;
  error?: string;
}

/** A file to upload beside the message when the output does not fit in it. */
export interface Attachment {
  filename: string;
  title: string;
  content: string;
}

/**
 * `/recio tail`: the last lines that fit one message; when the log is longer than that, the
 * message says how much it shows and the whole text goes up as a file beside it.
 */
export function renderTail(answer: TailAnswer): { text: string; blocks: Block[]; file?: Attachment } {
  const name = `\`${escapeText(answer.service)}\` on \`${escapeText(answer.host)}\``;
  if (!answer.ok) {
    return {
      text: fallbackText(`tail ${answer.service} failed`),
      blocks: [section(`:x: Could not read the log of ${name}: ${escapeText(answer.error ?? 'failed')}`)],
    };
  }
  if (answer.lines.length === 0)
    return { text: `${answer.service}: the log is empty`, blocks: [section(`The log of ${name} is empty.`)] };
  const out = outputTail(answer.lines, Limits.sectionText - 200);
  const blocks: Block[] = [
    section(
      `*Last ${out.shown === out.total ? `${out.total} lines` : `${out.shown} of ${out.total} lines`}* ` +
        `of ${name}\n${out.text}`,
    ),
  ];
  if (out.shown === out.total) return { text: fallbackText(`tail ${answer.service}`), blocks };
  const filename = `${answer.service}-${answer.host}.log`;
  blocks.push(
    context(
      `Only the last ${out.shown} lines fit in a message: ` +
        `all ${out.total} lines are in the file \`${escapeText(filename)}\` posted here.`,
    ),
  );
  return {
    text: fallbackText(`tail ${answer.service}: last ${out.shown} of ${out.total} lines`),
    blocks,
    file: {
      filename,
      title: `${answer.service} on ${answer.host}: last ${out.total} lines`,
      content: `${answer.lines.join('\n')}\n`,
    },
  };
}
