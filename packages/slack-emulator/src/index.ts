/**
 * A local emulation of Slack for recio-bot: the Web API (with Slack's checks, Block Kit limits and
 * rate limits), files upload v2, response_url, trigger ids, and deliveries to the bot over signed
 * HTTP or Socket Mode. Tests start it through test/support/slack-fake.ts; the local console serves it.
 */
export { startSlackEmulator, type SlackEmulator, type SlackEmulatorOptions } from './emulator.js';
export type { ExtraRoutes } from './http/router.js';
export { signSlackRequest, slackSignatureHeaders } from './deliveries/sign.js';
export { changeOneByte, encodeBody, type Tamper } from './deliveries/http-transport.js';
export type { Transport, SendOptions } from './deliveries/deliverer.js';
export type { InputValue } from './deliveries/element-state.js';
export { validateBlocks, type ValidateBlocksOptions } from './block-kit/blocks.js';
export { validateView } from './block-kit/views.js';
export { readMessageContent } from './block-kit/message.js';
export { createManualClock, createSteppingClock, systemClock, type Clock, type ManualClock } from './clock.js';
export { BlockKit, MessageLimits, PostMessagePerChannel, RateTiers, Timing, ViewLimits } from './limits.js';
export type { RateLimitOptions } from './rate-limiter.js';
export {
  parseManifest,
  readManifest,
  PERMISSIVE_MANIFEST,
  type AppManifest,
  type SlashCommandSpec,
} from './manifest.js';
export { METHOD_SCOPES, DELIVERY_SCOPES, scopesNeeded } from './scopes.js';
export { typedMessageText, typedCommandText, escapeEntities } from './deliveries/typed-text.js';
export { EmulatorState } from './state.js';
export {
  Workspace,
  defaultSeed,
  type WorkspaceSeed,
  type SlackUser,
  type SlackChannel,
  type SlackUsergroup,
} from './workspace.js';
export type * from './records.js';
