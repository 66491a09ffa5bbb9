import { parseJsonArg, readMessageContent } from '../block-kit/message.js';
import { argString, type ParsedRequest } from '../http/read-request.js';
import { FileLimits } from '../limits.js';
import { postMessage } from '../messaging.js';
import type { FileRecord } from '../records.js';
import { SlackApiError, type EmulatorCore, type MethodTable } from './context.js';
import { postableChannel } from './lookup.js';
import { fileJson } from './shapes.js';

/**
 * Files upload v2, the three steps @slack/web-api's filesUploadV2 takes:
 * files.getUploadURLExternal (filename + length → upload_url, file_id), a POST of the bytes to
 * upload_url ("raw bytes or multipart form encoded"; Slack answers 200), then
 * files.completeUploadExternal, which shares the files, optionally into a channel or thread.
 */
export const UPLOAD_PATH_PREFIX = '/upload/v1/';

/** Store the bytes POSTed to an upload_url; answers like files.slack.com ("OK - <bytes>"). */
export function receiveUpload(
  core: EmulatorCore,
  path: string,
  request: ParsedRequest,
): { status: number; text: string } {
  const file = core.state.files.find((f) => f.uploadPath === path);
  if (!file) return { status: 404, text: 'file_not_found' };
  const data =
    request.files[0]?.data ?? (request.contentType.startsWith('multipart/') ? Buffer.alloc(0) : request.rawBody);
  file.content = data;
  file.uploaded = true;
  return { status: 200, text: `OK - ${data.length}` };
}

export const fileMethods: MethodTable = {
  'files.getUploadURLExternal': {
    tier: 'tier4',
    token: 'bot',
    handler({ core, args }) {
      const filename = argString(args, 'filename');
      if (!filename) throw new SlackApiError('invalid_arguments');
      // "missing_argument: … Typically only occurs when the length provided is 0."
      const length = Number(argString(args, 'length'));
      if (!Number.isInteger(length) || length <= 0) throw new SlackApiError('missing_argument');
      const altText = argString(args, 'alt_txt') ?? argString(args, 'alt_text');
      if (altText && [...altText].length > FileLimits.altTextMax) throw new SlackApiError('alt_txt_too_large');
      const snippetType = argString(args, 'snippet_type');
      const record: FileRecord = {
        id: core.ids.objectId('F'),
        uploadPath: `${UPLOAD_PATH_PREFIX}${core.ids.secret(24)}`,
        filename,
        declaredLength: length,
        ...(altText ? { altText } : {}),
        ...(snippetType ? { snippetType } : {}),
        uploaded: false,
        completed: false,
        channels: [],
        created: Math.floor(core.clock.now() / 1000),
        user: core.workspace.bot.userId,
      };
      core.state.fileRecords.set(record.id, record);
      return { upload_url: `${core.baseUrl()}${record.uploadPath}`, file_id: record.id };
    },
  },
  'files.completeUploadExternal': {
    tier: 'tier4',
    token: 'bot',
    handler({ core, args }) {
      const parsed = parseJsonArg(args.files);
      if (!parsed.ok || !Array.isArray(parsed.value) || parsed.value.length === 0)
        throw new SlackApiError('invalid_arguments');
      const entries = parsed.value as Array<{ id?: unknown; title?: unknown }>;
      const files = entries.map((entry) => {
        const file = typeof entry.id === 'string' ? core.state.file(entry.id) : undefined;
        if (!file?.uploaded || file.completed) throw new SlackApiError('file_not_found');
        return { file, title: typeof entry.title === 'string' ? entry.title : undefined };
      });
      const channelRef = argString(args, 'channel_id') ?? argString(args, 'channels');
      if (channelRef?.includes(',')) throw new SlackApiError('invalid_arguments');
      const channel = channelRef === undefined ? undefined : postableChannel(core, channelRef);
      const threadTs = argString(args, 'thread_ts');
      const initialComment = argString(args, 'initial_comment');
      // "If the initial_comment field is provided, the blocks field is ignored."
      const read = readMessageContent(initialComment ? { text: initialComment } : { blocks: args.blocks }, {
        requireContent: false,
      });
      if (!read.ok)
        throw new SlackApiError(read.error, read.messages ? { response_metadata: { messages: read.messages } } : {});
      for (const { file, title } of files) {
        file.completed = true;
        if (title) file.title = title;
        if (channel) file.channels.push(channel.id);
        if (threadTs) file.threadTs = threadTs;
        if (initialComment) file.initialComment = initialComment;
      }
      if (channel) {
        postMessage(core, {
          channel: channel.id,
          content: read.content,
          ...(threadTs ? { threadTs } : {}),
          files: files.map((f) => f.file.id),
          via: 'file_share',
        });
      }
      for (const { file } of files) core.state.emit({ type: 'file_shared', file });
      return { files: files.map(({ file }) => fileJson(core, file)) };
    },
  },
};
