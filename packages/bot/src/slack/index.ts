// The Slack edge's public face for main.ts (and the test harness). Only src/slack imports Bolt.
export { createSlackApp, type SlackApp, type SlackAppDeps } from './app.js';
export { createPublisher, type Publisher, type PublisherDeps } from './publisher.js';
export { createSlackWebClient, webClientOptions, type SlackSettings } from './web-client.js';
export { createGroupMembers } from './group-members.js';
export { accessFromConfig, slackSettingsFromConfig } from './settings.js';
export type { ExtraRoute } from './receiver.js';
export type { HomeTabs, HomeTabsOptions } from './home/home-tabs.js';
