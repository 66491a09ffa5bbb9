/**
 * The local Slack console: a page on loopback that looks and behaves like a Slack channel for the
 * bot, served from the Slack emulation. `npm start` without Slack tokens runs the bot against it.
 */
export { startConsole, type ConsoleOptions, type RunningConsole } from './start-console.js';
export { defaultConsoleSeed, workspaceSeedOf, roleMembersOf, type ConsoleSeed, type ConsolePerson } from './seed.js';
export { isLoopbackHost } from './loopback.js';
export type { ConsoleModeInfo, PracticeAnswer, PracticeOffer } from './mode.js';
