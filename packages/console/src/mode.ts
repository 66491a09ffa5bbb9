/**
 * What the console's banner says about the bot it fronts: where the store is, which hosts the
 * bot reaches, whether anything is watched, and — when there is no REC.IO to watch — the offer of
 * a practice one (the sandbox) with what it needs. The console mode changes it while it starts
 * the sandbox; pages are told to redraw.
 */
export interface PracticeOffer {
  /** `offered`: the button shows; `starting`: the sandbox is coming up; `failed`: it did not. */
  state: 'offered' | 'starting' | 'running' | 'failed';
  /** What the machine lacks for it, e.g. ["sshd (openssh-server)"]. */
  needs?: string[];
  /** The last word about it (a progress line, or why it failed). */
  message?: string;
}

export interface ConsoleModeInfo {
  label: string;
  /** How to point the bot at real hosts, shown when nothing is watched. */
  hint?: string;
  practice?: PracticeOffer;
}

/** The answer to the page's "Start a practice REC.IO". */
export interface PracticeAnswer {
  ok: boolean;
  message: string;
}
