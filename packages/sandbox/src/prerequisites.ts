import { resolveOnSecurePath } from '@recio/agent/install/sudo-rules';
import { findPgBinDir } from './sandbox-postgres.js';

/** One thing `recio sandbox up` needs on this machine, and the Debian package that brings it. */
export interface Prerequisite {
  what: string;
  debianPackage: string;
  found: boolean;
}

/**
 * What the sandbox runs that the machine must have: its own sshd (and ssh-keygen for its keys),
 * supervisord, git for the release repo, and PostgreSQL's server binaries. Checked without
 * starting anything, so the local console can offer a practice REC.IO or say what it lacks.
 */
export function sandboxPrerequisites(): Prerequisite[] {
  const program = (name: string, debianPackage: string): Prerequisite => ({
    what: name,
    debianPackage,
    found: resolveOnSecurePath(name) !== undefined,
  });
  let postgres = true;
  try {
    findPgBinDir();
  } catch {
    postgres = false; // findPgBinDir says why; here only whether.
  }
  return [
    program('sshd', 'openssh-server'),
    program('ssh-keygen', 'openssh-client'),
    program('supervisord', 'supervisor'),
    program('supervisorctl', 'supervisor'),
    program('git', 'git'),
    { what: 'PostgreSQL server (initdb, pg_ctl)', debianPackage: 'postgresql', found: postgres },
  ];
}
