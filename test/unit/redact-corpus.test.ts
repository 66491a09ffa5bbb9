import { describe, expect, test } from 'vitest';
import { isSecretName, redactDeep, redactLineArray, redactSecrets } from '@recio/protocol/redact';
import { LineRedactor, MAX_STREAM_LINE } from '@recio/protocol/redact-lines';

// Secret shapes as real .env files, configs, argv and logs carry them: [text, the secret inside].
const SECRETS: Array<[string, string]> = [
  ['DB_PASSWORD=Tr4d3r!pass', 'Tr4d3r!pass'],
  ['POSTGRES_PASSWORD=pgS3cretValue', 'pgS3cretValue'],
  ['KALSHI_API_SECRET=ks_9f8e7d6c5b4a', 'ks_9f8e7d6c5b4a'],
  ['COINBASE_API_KEY=cb-organizations-1234abcd', 'cb-organizations-1234abcd'],
  ['AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'],
  ['export REDIS_PASS=r3d1sP4ss', 'r3d1sP4ss'],
  ['SMTP_PWD=mailpw2026', 'mailpw2026'],
  ['apikey=0123456789abcdef', '0123456789abcdef'],
  ['api-key: f00dcafe1234', 'f00dcafe1234'],
  ['GITHUB_TOKEN="quoted token value"', 'quoted token value'],
  ["SLACK_SIGNING_SECRET='8f742231b10e8888abcd'", '8f742231b10e8888abcd'],
  ['  "password": "hunter2 with spaces"', 'hunter2 with spaces'],
  ['{"db":{"dbPassword":"j50nPa55","user":"rec"}}', 'j50nPa55'],
  ['{"clientSecret":"cs-abcdef123456"}', 'cs-abcdef123456'],
  ['log: {\\"password\\":\\"esc4ped\\"} end', 'esc4ped'],
  ['db_password: yamlPlainSecret', 'yamlPlainSecret'],
  ['  kalshi_private_key: "yaml quoted"', 'yaml quoted'],
  ['    access_token: two words here', 'two words here'],
  ['passphrase = correct horse battery staple', 'correct'],
  ['password => "perlish"', 'perlish'],
  ['run: psql --password s3cr3tArg -h db', 's3cr3tArg'],
  ['pg_dump --db-password=flagValue1 rec', 'flagValue1'],
  ['worker --auth-token "tok en" --verbose', 'tok en'],
  ['https://api.example.com/v1/orders?token=qs7oken123&limit=5', 'qs7oken123'],
  ['DATABASE_URL=postgres://rec:pa55w0rd@db:5432/rec', 'pa55w0rd'],
  ['postgresql://u:p%40ss@h/db', 'p%40ss'],
  ['amqp://rabbit:p@ss@w0rd@mq.internal:5672/', 'p@ss@w0rd'],
  ['https://deploy:gh@pass:word@git.example.com/recio.git', 'gh@pass:word'],
  ['PGPASSWORD=letmein psql', 'letmein'],
  ["password: 'quoted secret'", 'quoted secret'],
  [
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----',
    'b3BlbnNzaC1rZXktdjEAAAAA',
  ],
  [
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7kalshiKey\n-----END RSA PRIVATE KEY-----',
    'MIIEpAIBAAKCAQEA7kalshiKey',
  ],
  [
    '-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOYBGXpgpSecretBody==\n=AbCd\n-----END PGP PRIVATE KEY BLOCK-----',
    'lQOYBGXpgpSecretBody',
  ],
  ['AGE-SECRET-KEY-1QYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSZQGPQYQSSQ9X7K', 'QYQSZQGPQYQSZQGP'],
  ['token xoxb-1234567890-abcdefghij', 'xoxb-1234567890-abcdefghij'],
  ['refresh xoxe-1-My0xLTEtQUJDREVGR0g', 'xoxe-1-My0xLTEtQUJDREVGR0g'],
  ['rotated xoxe.xoxp-1-Mi0yLTEyMzQ1Njc4', 'xoxe.xoxp-1-Mi0yLTEyMzQ1Njc4'],
  ['app xapp-1-A0123-4567-abcdef', 'xapp-1-A0123-4567-abcdef'],
  ['Authorization: Bearer eyJhbGciOi.abc123.def456', 'eyJhbGciOi.abc123.def456'],
  ['curl -H "Authorization: Basic dXNlcjpwYXNzd29yZA=="', 'dXNlcjpwYXNzd29yZA=='],
  ['retrying with bearer 9f8e7d6c5b4a3f2e1d0c', '9f8e7d6c5b4a3f2e1d0c'],
  ['git clone https://ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8@github.com/x/y', 'A1b2C3d4E5f6G7h8I9j0'],
  ['pat github_pat_11ABCDEFG0123456789_abcdefghijklmnop', '0123456789_abcdefghijklmnop'],
  ['aws AKIAABCDEFGHIJKLMNOP', 'AKIAABCDEFGHIJKLMNOP'],
  ['stripe sk_live_51Habcdefghijklmnop1234', 'sk_live_51Habcdefghijklmnop1234'],
  ['jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N', 'dozjgNryP4J3jVmNHl0w5N'],
  ['webhook https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX', 'XXXXXXXXXXXXXXXX'],
  ['Set-Cookie: session=abc123def456; HttpOnly', 'abc123def456'],
  ['KALSHI_CREDENTIALS_JSON={"k":"v-secret-1"}', 'v-secret-1'],
  ['google AIzaSyA1234567890abcdefghijklmnopqrstuv', 'AIzaSyA1234567890abcdefghijklmnopqrstuv'],
];

// Text an operator must read as it is: words that look like secret names, and ids that look random.
const NEAR_MISSES: string[] = [
  'password reset link sent to ops@example.com',
  'loading tokenizer from /opt/models/bpe',
  'tokenise the order book feed',
  'the secretary approved the change window',
  'secretaries meeting moved to noon',
  'commit 3f786850e387550fdab836ed7e6dc881de23001b6b0f2b8f5d1f3c6e0b9a7d42 deployed',
  'HEAD is now at 9fceb02d0ae598e95dc970b74767f19372d61af8 v2.3.1',
  'trade_executor RUNNING pid 42, uptime 0:00:05',
  'connecting to postgres://localhost/rec',
  'remote ssh://git@github.com/recio/release.git',
  'Bearer authentication required',
  'passenger count 12',
  'PWD=/home/recio OLDPWD=/tmp',
  'recio ALL=(root) NOPASSWD: /usr/bin/systemctl restart postgresql',
  'api key rotated for kalshi at 04:00',
  'the session token expired, please log in again',
  'xoxo from the team',
  'ghp_ is the prefix GitHub uses',
  'SELECT * FROM trades WHERE id = 42',
  'email alice@example.com about the outage',
  'https://kalshi.com/markets?ticker=BTC-24DEC&limit=5',
  'BEGIN PRIVATE KEY handling moved to the vault',
  'sort_key=created_at primary_key=id',
  'Authorization header missing',
  'uuid 0f8fad5b-d9cb-469f-a165-70867728950e',
  'passwordless login enabled for the console',
  '2026-12-03T03:57:16Z INFO supervisor: started trade_manager',
];

describe('redaction corpus', () => {
  test('the corpus is as large as promised', () => {
    expect(SECRETS.length).toBeGreaterThanOrEqual(40);
    expect(NEAR_MISSES.length).toBeGreaterThanOrEqual(20);
  });

  test.each(SECRETS)('%s loses its secret', (text, secret) => {
    const out = redactSecrets(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('[redacted');
  });

  test.each(NEAR_MISSES)('%s stays readable', (text) => {
    expect(redactSecrets(text)).toBe(text);
  });

  test('the key name stays, so the operator knows what was there', () => {
    expect(redactSecrets('DB_PASSWORD=x1y2z3')).toBe('DB_PASSWORD=[redacted]');
    expect(redactSecrets('  "password": "hunter2"')).toBe('  "password": "[redacted]"');
    expect(redactSecrets('psql --password s3cr3t -h db')).toBe('psql --password [redacted] -h db');
    expect(redactSecrets('amqp://rabbit:p@ss@mq/')).toBe('amqp://rabbit:[redacted]@mq/');
  });

  test('names count when the word is anywhere in them', () => {
    for (const name of ['DB_PASSWORD', 'kalshiApiSecret', 'X_AUTH_TOKEN', 'COINBASE_API_KEY', 'gcp_credentials_json'])
      expect(isSecretName(name)).toBe(true);
    for (const name of ['secretary', 'tokenizer', 'NOPASSWD', 'passenger', 'PWD', 'sort_key'])
      expect(isSecretName(name)).toBe(false);
  });

  test('a field named as a secret loses its value in structured results, whatever it looks like', () => {
    const value = { env: { DB_PASSWORD: 'plain', PORT: '5432' }, db: { password: 1234 }, name: 'rec' };
    expect(redactDeep(value)).toEqual({
      env: { DB_PASSWORD: '[redacted]', PORT: '5432' },
      db: { password: '[redacted]' },
      name: 'rec',
    });
  });

  test('in an argv array, the element after a secret-named flag is the secret', () => {
    expect(redactDeep({ argv: ['psql', '--password', 'hunter2', '-h', 'db'] })).toEqual({
      argv: ['psql', '--password', '[redacted]', '-h', 'db'],
    });
    expect(redactLineArray(['git', '--no-pager', 'log', '--tokenizer', 'x'])).toEqual([
      'git',
      '--no-pager',
      'log',
      '--tokenizer',
      'x',
    ]);
  });

  test('a key block split over a log tail (an array of lines) is redacted line by line', () => {
    const tail = [
      'boot',
      '-----BEGIN RSA PRIVATE KEY-----',
      'MIIEpAIBAAKCAQEAtailLine1',
      'tail2==',
      '-----END RSA PRIVATE KEY-----',
      'up',
    ];
    const out = redactLineArray(tail);
    expect(out.join('\n')).not.toMatch(/tailLine1|tail2==/);
    expect(out[0]).toBe('boot');
    expect(out.at(-1)).toBe('up');
    // A tail window that begins inside the block: the END line reveals the key lines above it.
    const cut = redactLineArray([
      'MIIEpAIBAAKCAQEAcutLine',
      'QUJDREVGR0hJSktMTU5PUA==',
      '-----END RSA PRIVATE KEY-----',
      'ok',
    ]);
    expect(cut).toEqual(['[redacted]', '[redacted]', '[redacted]', 'ok']);
  });
});

describe('streams are redacted on whole lines', () => {
  const stream = (chunks: string[]) => {
    const redactor = new LineRedactor();
    return chunks.map((c) => redactor.push(c)).join('') + redactor.flush();
  };

  test('a secret split at every possible point never leaks, and nothing else is lost', () => {
    const text = 'before\nKALSHI_API_SECRET=ks_live_9f8e7d6c\nafter xoxb-1234567890-abcdefghij done\ntail';
    for (let cut = 1; cut < text.length; cut++) {
      const out = stream([text.slice(0, cut), text.slice(cut)]);
      expect(out).not.toContain('ks_live_9f8e7d6c');
      expect(out).not.toMatch(/xoxb-\d/);
      expect(out).toBe(redactSecrets(text));
    }
  });

  test('a partial line is held back until its newline arrives', () => {
    const redactor = new LineRedactor();
    expect(redactor.push('ok line\nDB_PASS')).toBe('ok line\n');
    expect(redactor.push('WORD=hunter2\n')).toBe('DB_PASSWORD=[redacted]\n');
    expect(redactor.flush()).toBe('');
  });

  test('a private key block arriving in pieces is withheld from BEGIN to END', () => {
    const out = stream([
      'start\n-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNz',
      'aC1rZXktdjEA\nAAAA\n-----END OPENSSH ',
      'PRIVATE KEY-----\nend\n',
    ]);
    expect(out).toBe('start\n[redacted private key]\nend\n');
  });

  test('an endless line is cut at the cap; the rest is withheld and counted, never sent', () => {
    const long = `${'a'.repeat(MAX_STREAM_LINE - 5)}DB_PASSWORD=${'z'.repeat(100)}`;
    const out = stream([long.slice(0, 70_000), long.slice(70_000), '\nnext\n']);
    expect(out).not.toContain('zzz');
    expect(out).toMatch(/\[… \d+ more characters of this line withheld\]\nnext\n$/);
    expect(out.length).toBeLessThan(MAX_STREAM_LINE + 100);
  });
});
