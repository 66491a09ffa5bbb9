import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AgentConfig } from './agent-config.js';

/** supervisord's XML-RPC interface on its unix socket, with the socket's Basic auth if it has one. */
export interface SupervisordEndpoint {
  socket: string;
  username?: string;
  password?: string;
}

// Where supervisorctl looks when it is given no -c (supervisor 4's ClientOptions, absolute ones).
const SEARCH_PATH = ['/usr/etc/supervisord.conf', '/etc/supervisord.conf', '/etc/supervisor/supervisord.conf'];

/** The supervisord config the configured supervisorctl argv reads: its `-c`, else the first one found. */
function supervisorctlConfig(argv: readonly string[]): string[] {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if ((arg === '-c' || arg === '--configuration') && argv[i + 1] !== undefined) return [argv[i + 1] as string];
    if (arg.startsWith('--configuration=')) return [arg.slice('--configuration='.length)];
    if (arg.startsWith('-c') && arg.length > 2) return [arg.slice(2)];
  }
  return SEARCH_PATH;
}

/**
 * The few keys we need from a supervisord config (Python ConfigParser syntax: `key = value` or
 * `key: value`, `;`/`#` comments, `%(here)s`). [include]d files are not read: the socket and its
 * credentials live in the main file on every layout we know; when they do not, `supervisord.socket`
 * in the agent config names them.
 */
export function parseSupervisordIni(text: string, path: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s[;#].*$/, '').trim();
    if (line === '' || line.startsWith(';') || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set((header[1] ?? '').trim(), current);
      continue;
    }
    const pair = /^([^=:]+)[=:](.*)$/.exec(line);
    if (pair && current) {
      current.set((pair[1] ?? '').trim().toLowerCase(), (pair[2] ?? '').trim().replaceAll('%(here)s', dirname(path)));
    }
  }
  return sections;
}

function fromSupervisordConfig(path: string): SupervisordEndpoint | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    // Not there (or not readable by the agent's account): the next path, then the argv fallback.
    return undefined;
  }
  const ini = parseSupervisordIni(text, path);
  const ctl = ini.get('supervisorctl');
  const server = ini.get('unix_http_server');
  const url = ctl?.get('serverurl');
  // An http:// serverurl means supervisorctl does not use the socket: neither do we.
  const socket = url === undefined ? server?.get('file') : url.startsWith('unix://') ? url.slice(7) : undefined;
  if (socket === undefined) return undefined;
  const username = ctl?.get('username') ?? server?.get('username');
  // [unix_http_server] may hold a {SHA} hash, which cannot log in; [supervisorctl] holds the plain one.
  const password = ctl?.get('password') ?? server?.get('password');
  return {
    socket,
    ...(username ? { username } : {}),
    ...(password && !password.startsWith('{SHA}') ? { password } : {}),
  };
}

/**
 * The socket to speak XML-RPC on, or undefined for the supervisorctl argv. Read at each call (a
 * file read, microseconds): a supervisord reconfigured to another socket is followed.
 */
export function supervisordEndpoint(config: AgentConfig): SupervisordEndpoint | undefined {
  const section = config.supervisord;
  if (section.via === 'supervisorctl') return undefined;
  if (section.socket !== undefined) {
    return {
      socket: section.socket,
      ...(section.username ? { username: section.username } : {}),
      ...(section.password ? { password: section.password } : {}),
    };
  }
  for (const path of supervisorctlConfig(config.supervisorctl)) {
    const found = fromSupervisordConfig(path);
    if (found !== undefined) return found;
  }
  return undefined;
}
