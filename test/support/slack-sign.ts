import { changeOneByte, signSlackRequest, type Tamper } from '@recio/slack-emulator/index';

/**
 * Slack's request signing, and the forgeries a bot must refuse (pass them as `tamper` to any
 * `fake.deliver.*` call). Slack's docs: reject a timestamp more than five minutes from now.
 */
export { signSlackRequest };

export const forged = {
  /** A well-formed signature made with the wrong secret. */
  badSignature: (): Tamper => ({
    signature: signSlackRequest('not-the-signing-secret', Math.floor(Date.now() / 1000), 'x'),
  }),
  /** Signed correctly, then one byte of the body changed. */
  oneByteChanged: (): Tamper => ({ alterBody: (body) => changeOneByte(body) }),
  /** Signed correctly with a timestamp `seconds` away from now (±360 = six minutes). */
  skewed: (seconds: number): Tamper => ({ timestampSkewSeconds: seconds }),
  /** No signature headers at all. */
  unsigned: (): Tamper => ({ unsigned: true }),
};
