import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from './clock.js';

/**
 * Identifiers shaped like Slack's: message timestamps "1732600000.000100" (seconds, a dot, six
 * digits, unique and increasing within a workspace), object ids with their letter prefix (V… views,
 * F… files, Ev… events), trigger ids "13345224609.738474920.8088930838d88f008e0".
 */
export interface IdSource {
  messageTs(): string;
  objectId(prefix: string): string;
  triggerId(): string;
  envelopeId(): string;
  secret(bytes?: number): string;
}

const ALNUM = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function createIdSource(clock: Clock): IdSource {
  let lastMicros = 0n;
  let counter = 0;
  return {
    messageTs() {
      // Slack's ts is a unique key per channel; derive it from the clock but never repeat.
      const fromClock = BigInt(clock.now()) * 1000n;
      lastMicros = fromClock > lastMicros ? fromClock : lastMicros + 1n;
      const seconds = lastMicros / 1_000_000n;
      const micros = (lastMicros % 1_000_000n).toString().padStart(6, '0');
      return `${seconds}.${micros}`;
    },
    objectId(prefix) {
      counter += 1;
      const bytes = randomBytes(8);
      let tail = '';
      for (const b of bytes) tail += ALNUM[b % ALNUM.length];
      return `${prefix}${counter.toString(36).toUpperCase().padStart(2, '0')}${tail}`;
    },
    triggerId() {
      const a = Math.floor(clock.now() / 1000) * 10 + Math.floor(Math.random() * 10);
      const b = Math.floor(Math.random() * 1e9);
      return `${a}.${b}.${randomBytes(16).toString('hex')}`;
    },
    envelopeId: () => randomUUID(),
    secret: (bytes = 12) => randomBytes(bytes).toString('base64url'),
  };
}

/** Compare two Slack timestamps numerically (they are decimal strings with equal precision). */
export function compareTs(a: string, b: string): number {
  const [as, au = ''] = a.split('.');
  const [bs, bu = ''] = b.split('.');
  const bySeconds = Number(as) - Number(bs);
  if (bySeconds !== 0) return bySeconds;
  return Number(au.padEnd(6, '0')) - Number(bu.padEnd(6, '0'));
}
