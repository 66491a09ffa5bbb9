import { dumpLines } from '../operations/dump-lines.js';
import type { Answer } from '../operations/types.js';
import type { Reply } from './reply.js';
import { renderBackups } from './views/backups.js';
import { renderText } from './views/help.js';
import { escapeText, shortId } from './views/kit.js';
import { renderStatus } from './views/status.js';
import { renderTail } from './views/tail.js';

/**
 * Shows the core's answer where the request came from. Runs are told by their own live message
 * (through the outbox); here the person only learns that theirs started. Choosing a tag or a
 * service needs a modal and is the caller's business; this is the fallback when none can open.
 */
export async function showAnswer(answer: Answer, reply: Reply): Promise<void> {
  switch (answer.type) {
    case 'text':
    case 'help':
      return reply.answer(renderText(answer.text));
    case 'denied':
      return reply.private(renderText(`:no_entry: ${answer.text}`));
    case 'status':
      return reply.answer(renderStatus(answer.results));
    case 'backups':
      return reply.answer(renderBackups(answer));
    case 'tail': {
      const view = renderTail(answer);
      await reply.answer(view);
      if (view.file) await reply.upload(view.file);
      return;
    }
    case 'run': {
      const where = reply.threadTs
        ? 'in this thread'
        : reply.surface === 'home' && /^[CG]/.test(reply.channel)
          ? `in <#${reply.channel}>`
          : 'in the channel';
      const started = `*${escapeText(answer.title)}* (run \`${shortId(answer.run.id)}\`)`;
      const text = answer.created
        ? `:arrow_forward: Started ${started}. Its live message is ${where}.`
        : `This request already started ${started}; it is not run twice.`;
      return reply.answer(renderText(text));
    }
    case 'choose_dump':
      return reply.answer(renderText(dumpLines(answer).join('\n')));
    case 'choose_tag':
      return reply.answer(
        renderText('Which release? `/recio rollback <tag>` — `/recio rollback` on its own offers the tags.'),
      );
    case 'choose_service':
      return reply.answer(
        renderText(
          `Which service? \`${answer.verb} <service>\` — one of ${answer.services.map((s) => `\`${s}\``).join(', ')}.`,
        ),
      );
    case 'report': {
      await reply.upload({
        filename: `incident-${shortId(answer.incidentId)}.md`,
        title: `Incident ${shortId(answer.incidentId)} report`,
        content: answer.markdown,
      });
      return reply.answer(
        renderText(
          `The report of incident \`${shortId(answer.incidentId)}\` is posted as a file ` +
            `${reply.threadTs ? 'in this thread' : 'in the channel'}.`,
        ),
      );
    }
  }
}
