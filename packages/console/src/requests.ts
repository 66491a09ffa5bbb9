import { z } from 'zod';

/** The bodies the page posts, checked before anything reaches the emulator. */
const UserId = z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'expected a user id (U…)');
const ChannelId = z.string().regex(/^[CDG][A-Z0-9]{2,}$/, 'expected a conversation id (C…, D…, G…)');
const Ts = z.string().regex(/^\d{1,12}\.\d{1,6}$/, 'expected a message timestamp (1700000000.000100)');
const ViewId = z.string().regex(/^V[A-Z0-9]+$/, 'expected a view id (V…)');
/** Slack's own ceilings: action_id/block_id 255 chars, button values 2000, messages 40000. */
const ElementId = z.string().min(1).max(255);
const Value = z.union([z.string().max(2000), z.array(z.string().max(2000)).max(100)]);

/** Per input block_id, per action_id: what the person entered (empty inputs left out). */
const InputValues = z.record(ElementId, z.record(ElementId, Value));

export const CommandRequest = z.strictObject({
  user: UserId,
  channel: ChannelId,
  command: z.string().regex(/^\/[a-z0-9_-]{1,31}$/, 'expected a slash command such as /recio'),
  text: z.string().max(4000),
});

export const MessageRequest = z.strictObject({
  user: UserId,
  channel: ChannelId,
  text: z.string().min(1).max(40_000),
  threadTs: Ts.optional(),
});

export const ClickRequest = z.union([
  // In a message or an ephemeral message.
  z.strictObject({
    user: UserId,
    channel: ChannelId,
    ts: Ts,
    ephemeral: z.boolean().optional(),
    actionId: ElementId,
    blockId: ElementId.optional(),
    value: Value.optional(),
  }),
  // In the user's open modal, with what its inputs hold at that moment.
  z.strictObject({
    user: UserId,
    viewId: ViewId,
    actionId: ElementId,
    blockId: ElementId.optional(),
    value: Value.optional(),
    values: InputValues.optional(),
  }),
]);

export const SubmitRequest = z.strictObject({ user: UserId, viewId: ViewId, values: InputValues });

export const CloseRequest = z.strictObject({ user: UserId, viewId: ViewId, all: z.boolean().optional() });

/** "Start a practice REC.IO": the person asking, nothing else. */
export const PracticeRequest = z.strictObject({ user: UserId });

export type CommandRequest = z.infer<typeof CommandRequest>;
export type MessageRequest = z.infer<typeof MessageRequest>;
export type ClickRequest = z.infer<typeof ClickRequest>;
export type SubmitRequest = z.infer<typeof SubmitRequest>;
export type CloseRequest = z.infer<typeof CloseRequest>;
