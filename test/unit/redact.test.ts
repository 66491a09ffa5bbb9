import { describe, expect, test } from 'vitest';
import { redactDeep, redactSecrets } from '@recio/protocol/redact';

describe('redactSecrets', () => {
  const corpus: Array<[string, string]> = [
    ['token xoxb-1234567890-abcdefghij', 'xoxb-1234567890-abcdefghij'],
    ['app xapp-1-A0123-4567-abcdef', 'xapp-1-A0123-4567-abcdef'],
    ['DATABASE_URL=postgres://rec:pa55w0rd@db:5432/rec', 'pa55w0rd'],
    ['postgresql://u:p%40ss@h/db', 'p%40ss'],
    ['PGPASSWORD=letmein psql', 'letmein'],
    ["password: 'quoted secret'", 'quoted secret'],
    [
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
      'b3BlbnNzaC1rZXktdjEAAAAA',
    ],
    ['aws AKIAABCDEFGHIJKLMNOP', 'AKIAABCDEFGHIJKLMNOP'],
  ];
  test.each(corpus)('%s loses its secret', (text, secret) => {
    expect(redactSecrets(text)).not.toContain(secret);
  });

  test('known secrets are removed wherever they appear, nested values too', () => {
    const value = { a: ['the key is k3y-material-1'], b: { c: 'k3y-material-1!' }, n: 3 };
    expect(redactDeep(value, ['k3y-material-1'])).toEqual({
      a: ['the key is [redacted]'],
      b: { c: '[redacted]!' },
      n: 3,
    });
  });

  test('ordinary text is left alone', () => {
    const text = 'trade_executor RUNNING pid 42, uptime 0:00:05 — postgres://localhost/rec';
    expect(redactSecrets(text)).toBe(text);
  });
});
