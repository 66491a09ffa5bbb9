/**
 * Scrubs secrets from text before it leaves where it was made (the host, the store, Slack).
 *
 * Two kinds of rule: formats that are secrets wherever they appear (a Slack or GitHub token, a
 * private key block, a password in a URL), and values named as secrets (`DB_PASSWORD=…`,
 * `"apiKey": "…"`, `db_password: …`, `--kalshi-api-secret …`): a key name counts when one of the
 * words below appears anywhere in it. Near-misses stay readable on purpose ("password reset link
 * sent", "tokenizer", "secretary", a commit id): an operator reading a log at 3 a.m. needs the rest
 * of the text. Every rule works on one line at most, so redacting line by line is as strict as
 * redacting the whole text (see redact-lines.ts for streams); only private key blocks span lines.
 */

/**
 * The words that make a name a secret's name, matched anywhere in it (case-insensitive, so
 * `clientSecret`, `CLIENT_SECRET` and `client-secret` alike). The lookarounds keep ordinary words out:
 * `secretary`, `tokenizer`/`tokenise`, sudo's `NOPASSWD`, `passenger`, `$PWD`.
 */
const SECRET_WORD = [
  'pass(?:word|phrase)',
  '(?<!no)passwd',
  '(?<![a-z])pass(?![a-z])',
  '[_-]pwd(?![a-z])',
  'secret(?!ar(?:y|ies))',
  'token(?!i[sz])',
  'credential',
  '(?:api|access|secret|private|signing|master|encryption|auth)[_.-]?key',
  'authorization',
  'cookie',
].join('|');

const NAME_CHAR = '[A-Za-z0-9_.-]';
/**
 * A whole name (all its name characters, taken at once) with a secret word somewhere in it. The
 * name is captured in a lookahead and consumed by a backreference: an atomic match, so a
 * long run of name characters that is not followed by `=` or `:` costs one pass, not one per
 * occurrence of the word (`token_token_…` would otherwise take seconds per 64 KiB line).
 */
const nameAt = (group: number, prefix = '') =>
  `(?<!${NAME_CHAR})(?=${prefix}${NAME_CHAR}*?(?:${SECRET_WORD}))(?=(${prefix}${NAME_CHAR}+))\\${group}`;

/** A value in quotes: JSON/YAML/shell double quotes, single quotes, or quotes escaped inside a JSON string. */
const QUOTED = String.raw`"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|\\"(?:[^"\\\n]|\\[^"\n])*\\"`;

/**
 * `NAME=value`, `name: value`, `"name": "value"`, `name => 'value'`, `--name=value`. After `:` an
 * unquoted value runs to the end of the line (YAML: `db_password: two words`), as does a JSON
 * object or list after `=`; otherwise it ends at a space, a quote or `&` (the next query parameter).
 */
const ASSIGNED = new RegExp(
  String.raw`(${nameAt(2)})(\\?["']?)([ \t]*(?:=>|[=:])[ \t]*)` +
    String.raw`(${QUOTED}|(?<=:[ \t]*)[^\s"'][^\n]*|[{[][^\n]*|[^\s"'&]+)`,
  'gi',
);
/** `--name value` (a flag and its argument, as in a logged argv). */
const FLAG_ARGUMENT = new RegExp(String.raw`${nameAt(1, '-{1,2}')}([ \t]+)(${QUOTED}|[^\s"'-][^\s"']*)`, 'gi');

/** Private key blocks: PEM (`-----BEGIN OPENSSH PRIVATE KEY-----`) and PGP (`… PRIVATE KEY BLOCK-----`). */
export const PRIVATE_KEY_BEGIN = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
export const PRIVATE_KEY_END = /-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----/;
export const REDACTED_PRIVATE_KEY = '[redacted private key]';

const FORMATS: ReadonlyArray<[RegExp, string]> = [
  [new RegExp(`${PRIVATE_KEY_BEGIN.source}[\\s\\S]*?(?:${PRIVATE_KEY_END.source}|$)`, 'g'), REDACTED_PRIVATE_KEY],
  // Slack: bot/user/app tokens, refresh tokens (xoxe-), rotated tokens (xoxe.xoxp-…), app-level tokens.
  [/\bxox[a-z](?:\.xox[a-z])?-[A-Za-z0-9-]{8,}/g, '[redacted slack token]'],
  [/\bxapp-[A-Za-z0-9-]{8,}/g, '[redacted slack token]'],
  [/\bhttps:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9/_-]+/g, '[redacted slack webhook]'],
  // GitHub personal, OAuth, user-to-server, server-to-server and refresh tokens; fine-grained PATs.
  [/\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})/g, '[redacted github token]'],
  [/\bglpat-[A-Za-z0-9_-]{20,}/g, '[redacted gitlab token]'],
  [/\bnpm_[A-Za-z0-9]{36}\b/g, '[redacted npm token]'],
  [/\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}/g, '[redacted stripe key]'],
  [/\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}/g, '[redacted api key]'],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g, '[redacted google key]'],
  [/\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g, '[redacted aws key]'],
  // age identities (bech32, upper case) and plugin identities.
  [/\bAGE-(?:SECRET-KEY|PLUGIN-[A-Z0-9]+)-1[0-9A-Z]{20,}/g, '[redacted age key]'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[redacted jwt]'],
  // A bearer token wherever it appears; a word without digits or punctuation is prose ("Bearer authentication").
  [/\b([Bb]earer\s+)(?=[A-Za-z0-9._~+/=-]*[0-9._~+/-])[A-Za-z0-9._~+/=-]{8,}/g, '$1[redacted]'],
  // URL user-info: the password runs to the last `@` before the host (passwords contain `@`).
  // The scheme starts where no scheme character precedes it: one attempt per run of such characters,
  // not one per `.` in `a.a.a.…` (which made a 64 KiB line take seconds).
  [/(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*:\/\/[^\s:/?#@]*):[^\s/?#]*@/gi, '$1:[redacted]@'],
];

function quotedLike(value: string): string {
  if (value.startsWith('\\"')) return '\\"[redacted]\\"';
  if (value.startsWith('"')) return '"[redacted]"';
  if (value.startsWith("'")) return "'[redacted]'";
  return '[redacted]';
}

export function redactSecrets(text: string, knownSecrets: readonly string[] = []): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  }
  for (const [pattern, replacement] of FORMATS) out = out.replace(pattern, replacement);
  out = out.replace(ASSIGNED, (_m, name: string, _whole: string, quote: string, sep: string, value: string) =>
    value.startsWith('[redacted') ? `${name}${quote}${sep}${value}` : `${name}${quote}${sep}${quotedLike(value)}`,
  );
  return out.replace(FLAG_ARGUMENT, (_m, flag: string, space: string, value: string) =>
    value.startsWith('[redacted') ? `${flag}${space}${value}` : `${flag}${space}${quotedLike(value)}`,
  );
}

const SECRET_NAME = new RegExp(`^(?:${nameAt(1)})$`, 'i');
const SECRET_FLAG = new RegExp(`^(?:${nameAt(1, '-{1,2}')})$`, 'i');

/** Whether a key (an env var, a JSON field) names a secret by the rule above. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * Redacts consecutive lines (a log tail kept as an array): each line alone, and every line of a
 * private key block whose BEGIN and END sit on different lines.
 */
/** A line of a key block's body: base64, or a PEM header (`Proc-Type: …`, `Comment: …`). */
const KEY_BODY_LINE = /^\s*(?:[A-Za-z0-9+/=]{16,}|[A-Za-z-]+: .*|=[A-Za-z0-9+/]{4})?\s*$/;

export function redactLineArray(lines: readonly string[], knownSecrets: readonly string[] = []): string[] {
  let inKey = false;
  const out = lines.map((line, index) => {
    // An argv array: `['psql', '--password', 'hunter2']` — the value is the element after the flag.
    if (index > 0 && SECRET_FLAG.test(lines[index - 1] ?? '')) return '[redacted]';
    if (inKey) {
      if (PRIVATE_KEY_END.test(line)) inKey = false;
      return '[redacted]';
    }
    const begin = line.search(PRIVATE_KEY_BEGIN);
    inKey = begin >= 0 && !PRIVATE_KEY_END.test(line.slice(begin));
    return redactSecrets(line, knownSecrets);
  });
  // A tail that starts inside a key block has its END but not its BEGIN: the key lines above it go too.
  lines.forEach((line, index) => {
    if (!PRIVATE_KEY_END.test(line) || PRIVATE_KEY_BEGIN.test(line) || out[index] === '[redacted]') return;
    out[index] = '[redacted]';
    for (let above = index - 1; above >= 0 && KEY_BODY_LINE.test(lines[above] ?? ''); above--)
      out[above] = '[redacted]';
  });
  return out;
}

/**
 * The same, through every string of a JSON-like value. A field named as a secret (`password`,
 * `DB_PASSWORD` in an env map) loses its value whatever the value looks like.
 */
export function redactDeep<T>(value: T, knownSecrets: readonly string[] = []): T {
  if (typeof value === 'string') return redactSecrets(value, knownSecrets) as T;
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return redactLineArray(value as string[], knownSecrets) as T;
    return value.map((v) => redactDeep(v, knownSecrets)) as T;
  }
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        isSecretName(k) && (typeof v === 'string' || typeof v === 'number')
          ? '[redacted]'
          : redactDeep(v, knownSecrets),
      ]),
    ) as T;
  }
  return value;
}
