/**
 * Scrubs secrets from text before it leaves where it was made (the host, the store, Slack).
 * Patterns cover what leaks in practice: tokens, keys, connection strings with passwords.
 */
const PATTERNS: ReadonlyArray<[RegExp, string]> = [
  [/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g, '[redacted private key]'],
  [/\bxox[abposr]-[A-Za-z0-9-]{8,}/g, '[redacted slack token]'],
  [/\bxapp-[A-Za-z0-9-]{8,}/g, '[redacted slack token]'],
  [/\b((?:postgres(?:ql)?|mysql|redis|amqp|mongodb(?:\+srv)?):\/\/[^:/@\s]+):[^@\s]+@/gi, '$1:[redacted]@'],
  [
    /\b(PGPASSWORD|PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|PRIVATE_KEY)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi,
    '$1$2[redacted]',
  ],
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/g, '[redacted aws key]'],
];

export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  for (const [pattern, replacement] of PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

/** The same, through every string of a JSON-like value. */
export function redactDeep<T>(value: T, knownSecrets: readonly string[] = []): T {
  if (typeof value === 'string') return redactSecrets(value, knownSecrets) as T;
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, knownSecrets)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, knownSecrets)])) as T;
  }
  return value;
}
