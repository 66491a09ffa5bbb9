import { redactSecrets } from '@recio/protocol/redact';
import { lineDiff } from './line-diff.js';

/** Who owns a file, by name: the user may not exist yet when the plan is made. */
export interface Owner {
  user: string;
  group: string;
}

/**
 * One change to the host. `recio agent install` and `uninstall` first plan a list of these from
 * what is there, then print them (dry run) or apply them: both read the same list, so what a dry
 * run shows is what a real run does.
 */
export type Operation =
  | { kind: 'create-user'; user: string; home: string; shell: string; comment: string }
  | { kind: 'update-user'; user: string; shell?: string; unlock?: boolean }
  | { kind: 'make-dir'; path: string; mode: number; owner: Owner }
  | { kind: 'set-attributes'; path: string; mode: number; owner: Owner; was: string }
  | {
      kind: 'write-file';
      path: string;
      content: string;
      mode: number;
      owner: Owner;
      previous?: string;
      secrets?: string[];
    }
  | { kind: 'write-sudoers'; path: string; content: string; previous?: string }
  | { kind: 'remove-file'; path: string }
  | { kind: 'remove-dir'; path: string }
  | { kind: 'remove-user'; user: string; home: string };

export interface Plan {
  operations: Operation[];
  /** Things left alone on purpose, or worth knowing, each one line. */
  notes: string[];
}

export const modeText = (mode: number): string => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
const ownerText = (owner: Owner): string => `${owner.user}:${owner.group}`;
const indent = (text: string): string[] =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => `      ${line}`);

/** How an operation reads in the install's output: one headline, then what it writes or changes. */
export function describeOperation(op: Operation): string[] {
  switch (op.kind) {
    case 'create-user':
      return [
        `+ create user ${op.user} (system account, shell ${op.shell}, home ${op.home}, ` +
          'password field "*": key login only)',
      ];
    case 'update-user': {
      const changes = [
        op.shell ? `shell → ${op.shell}` : '',
        op.unlock ? 'password field "!…" → "*" (sshd refuses locked accounts without PAM)' : '',
      ];
      return [`~ update user ${op.user}: ${changes.filter(Boolean).join('; ')}`];
    }
    case 'make-dir':
      return [`+ mkdir ${op.path} (${modeText(op.mode)} ${ownerText(op.owner)})`];
    case 'set-attributes':
      return [`~ chmod/chown ${op.path}: ${op.was} → ${modeText(op.mode)} ${ownerText(op.owner)}`];
    case 'write-file': {
      const verb = op.previous === undefined ? '+ write' : '~ rewrite';
      const head = `${verb} ${op.path} (${modeText(op.mode)} ${ownerText(op.owner)})`;
      // The config may hold database passwords: the dry run is read on screens and in tickets.
      const shown = op.previous === undefined ? op.content : lineDiff(op.previous, op.content);
      return [head, ...indent(redactSecrets(shown, op.secrets ?? []))];
    }
    case 'write-sudoers': {
      const verb = op.previous === undefined ? '+ write' : '~ rewrite';
      const head = `${verb} ${op.path} (0440 root:root; checked with visudo -cf before it is moved into place)`;
      return [head, ...indent(op.previous === undefined ? op.content : lineDiff(op.previous, op.content))];
    }
    case 'remove-file':
      return [`- remove ${op.path}`];
    case 'remove-dir':
      return [`- remove ${op.path} and everything in it`];
    case 'remove-user':
      return [`- remove user ${op.user} and its home ${op.home}`];
  }
}
