/** Someone who opened the Home lately, and the answer to their last click in it. */
export interface Viewer {
  id: string;
  seenAt: number;
  notice?: { text: string; at: Date };
}

/**
 * Whose Home to refresh when an incident changes: the people who opened it lately. Bounded both
 * ways — at most `max` people (the longest unseen go first) and only those seen within
 * `recentForMs` — so a busy workspace costs a bounded number of views.publish calls per change.
 * In memory on purpose: losing it on a restart costs a stale Home until its next opening.
 */
export class RecentViewers {
  private readonly byId = new Map<string, Viewer>();

  constructor(
    private readonly options: { max: number; recentForMs: number; noticeForMs: number; now?: () => number },
  ) {}

  private get now(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Opened the Home (or clicked in it): the most recently seen go last. */
  seen(id: string): Viewer {
    const viewer: Viewer = { ...this.byId.get(id), id, seenAt: this.now };
    this.byId.delete(id);
    this.byId.set(id, viewer);
    while (this.byId.size > this.options.max) this.byId.delete(this.byId.keys().next().value!);
    return viewer;
  }

  forget(id: string): void {
    this.byId.delete(id);
  }

  /** Keeps the answer to a click, to show at the top of that person's Home. */
  tell(id: string, text: string): void {
    this.seen(id).notice = { text, at: new Date(this.now) };
  }

  /** The last answer, while it is still news. */
  noticeFor(id: string): Viewer['notice'] {
    const notice = this.byId.get(id)?.notice;
    return notice && this.now - notice.at.getTime() < this.options.noticeForMs ? notice : undefined;
  }

  /** Everyone seen within the window; the others are forgotten. */
  recent(): string[] {
    const since = this.now - this.options.recentForMs;
    for (const [id, viewer] of this.byId) if (viewer.seenAt < since) this.byId.delete(id);
    return [...this.byId.keys()];
  }
}
