import { createHmac } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { signSlackRequest } from '../support/slack-sign.js';

/** Slack's worked example from "Verifying requests from Slack". */
const secret = '8f742231b10e8888abcd99yyyzzz85a5';
const timestamp = 1531420618;
const body =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V' +
  '&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=' +
  '&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN' +
  '&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const documented = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

describe('signSlackRequest', () => {
  test('matches an independent HMAC of the documented example', () => {
    const independent = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    expect(signSlackRequest(secret, timestamp, body)).toBe(independent);
  });

  test("matches Slack's documented signature", () => {
    expect(signSlackRequest(secret, timestamp, body)).toBe(documented);
    expect(signSlackRequest(secret, String(timestamp), body)).toBe(documented);
  });

  test('any change of secret, timestamp or body changes it', () => {
    expect(signSlackRequest(`${secret}x`, timestamp, body)).not.toBe(documented);
    expect(signSlackRequest(secret, timestamp + 1, body)).not.toBe(documented);
    expect(signSlackRequest(secret, timestamp, body.replace('foobar', 'foobaz'))).not.toBe(documented);
  });
});
