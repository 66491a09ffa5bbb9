/**
 * Every number the emulation enforces, in one place, each with where Slack states it. The emulation
 * is only worth something if it rejects what Slack rejects, so these are Slack's documented figures,
 * not figures chosen to make our tests pass.
 */

/** Block Kit (https://api.slack.com/reference/block-kit/blocks, …/block-elements, …/composition-objects). */
export const BlockKit = {
  /** "You can include up to 50 blocks in each message, and 100 blocks in modals or Home tabs." */
  maxBlocksMessage: 50,
  maxBlocksView: 100,
  blockIdMax: 255,
  actionIdMax: 255,
  sectionTextMax: 3000,
  sectionFieldsMax: 10,
  sectionFieldTextMax: 2000,
  headerTextMax: 150,
  actionsElementsMax: 25,
  contextElementsMax: 10,
  /** Context text elements are text objects: "maximum length is 3000 characters" (text object page). */
  contextTextMax: 3000,
  imageUrlMax: 3000,
  imageAltTextMax: 2000,
  imageTitleMax: 2000,
  inputLabelMax: 2000,
  inputHintMax: 2000,
  buttonTextMax: 75,
  buttonValueMax: 2000,
  buttonUrlMax: 3000,
  accessibilityLabelMax: 75,
  placeholderMax: 150,
  selectOptionsMax: 100,
  optionGroupsMax: 100,
  optionGroupLabelMax: 75,
  checkboxOptionsMax: 10,
  radioOptionsMax: 10,
  overflowOptionsMin: 1,
  overflowOptionsMax: 5,
  optionTextMax: 75,
  optionValueMax: 150,
  optionDescriptionMax: 75,
  optionUrlMax: 3000,
  confirmTitleMax: 100,
  confirmTextMax: 300,
  confirmButtonMax: 30,
  plainTextInputLengthMax: 3000,
  /** plain_text_input `max_length`: "between 1 and 3000, inclusive" (`min_length`: 0 to 3000). */
  plainTextInputMaxLengthMin: 1,
  /** The markdown block: "The cumulative limit for all markdown blocks in a single payload is 12,000 characters." */
  markdownCumulativeMax: 12_000,
  videoTitleMax: 200,
} as const;

/** Views (https://api.slack.com/reference/surfaces/views). */
export const ViewLimits = {
  titleMax: 24,
  submitMax: 24,
  closeMax: 24,
  privateMetadataMax: 3000,
  callbackIdMax: 255,
  externalIdMax: 255,
  /** views.push: "push_limit_reached … Currently the limit is 3." */
  stackMax: 3,
  /** views.*: "view_too_large: … greater than 250kb." */
  maxBytes: 250 * 1024,
} as const;

/** Messages (chat.postMessage: "msg_too_long"; Slack truncates/rejects above 40,000 characters). */
export const MessageLimits = {
  textMax: 40_000,
  attachmentsMax: 100,
} as const;

/** Files (files.getUploadURLExternal: "alt_txt_too_large … longer than the limit of 1000 characters"). */
export const FileLimits = {
  altTextMax: 1000,
} as const;

/**
 * Web API rate limit tiers (https://api.slack.com/docs/rate-limits): "applied on a per API method
 * per app per workspace basis". Tier figures are the documented floors ("1+", "20+", "50+", "100+
 * per minute"); each tier tolerates a burst of that many calls, as the page says bursts are allowed.
 */
export type Tier = 'tier1' | 'tier2' | 'tier3' | 'tier4';

export interface BucketLimit {
  /** Sustained rate. */
  perMinute: number;
  /** Calls allowed back to back before the rate applies. */
  burst: number;
}

export const RateTiers: Record<Tier, BucketLimit> = {
  // "Access tier 1 methods infrequently. A small amount of burst behavior is tolerated."
  tier1: { perMinute: 1, burst: 5 },
  tier2: { perMinute: 20, burst: 20 },
  tier3: { perMinute: 50, burst: 50 },
  tier4: { perMinute: 100, burst: 100 },
};

/**
 * chat.postMessage is special-tier: "generally allows posting one message per second per channel".
 * The page adds "Short bursts >1 allowed. If you attempt bursts, there is no guarantee" — since no
 * burst is guaranteed, the emulation grants none by default (configurable).
 */
export const PostMessagePerChannel: BucketLimit = { perMinute: 60, burst: 1 };

/** Interactivity timing (https://api.slack.com/interactivity/handling). */
export const Timing = {
  /** "Your app must respond within 3000 milliseconds" — acks for commands, interactions, events. */
  ackTimeoutMs: 3000,
  /** "trigger_id … expires 3 seconds after being issued" and can be exchanged once. */
  triggerTtlMs: 3000,
  /** response_url: "up to 5 times within 30 minutes of receiving the payload". */
  responseUrlMaxUses: 5,
  responseUrlTtlMs: 30 * 60 * 1000,
  /** Events API retries: "immediately, then after 1 minute, then after 5 minutes" (3 retries). */
  eventRetryDelaysMs: [0, 60_000, 300_000] as readonly number[],
} as const;
