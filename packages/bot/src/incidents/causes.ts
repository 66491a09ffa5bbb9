import { redactSecrets } from '@recio/protocol/redact';
import type { Incident } from '../domain/index.js';
import { recordTransition } from '../runbooks/transition.js';
import { nodeOfFingerprint, type Topology } from '../runbooks/topology.js';
import type { Store } from '../store/index.js';
import type { Classified, Failure } from './failure.js';
import { MONITOR, replyInThread, updateIncident } from './incident-messages.js';

/** A symptom as the cause's parent lists it: what, where, without its state (one line per program). */
export function symptomLabel(failure: Pick<Failure, 'kind' | 'subject' | 'host'>): string {
  const what = failure.kind === 'feed' ? `${failure.subject} feed` : failure.subject;
  return failure.host ? `${what} on ${failure.host}` : what;
}

/**
 * One thread per cause: a failure whose cause (commands/topology.yml) is an open incident joins it
 * as a symptom — a timeline entry each time, a thread reply and a parent update once per symptom —
 * and a cause seen after its symptoms takes their incidents in ("merged into <link>" in each).
 */
export class CauseLinks {
  constructor(private readonly deps: { store: Store; topology: Topology }) {}

  private nodeOf(fingerprint: string): string | undefined {
    return nodeOfFingerprint(this.deps.topology, fingerprint);
  }

  /** The open incident of a cause of this fingerprint's node, if any (the oldest). */
  async openCauseOf(fingerprint: string): Promise<Incident | undefined> {
    const node = this.nodeOf(fingerprint);
    if (node === undefined) return undefined;
    const causes = this.deps.topology.causesOf(node);
    if (causes.size === 0) return undefined;
    const open = await this.deps.store.incidents.listUnresolved();
    return open.find((i) => i.kind === 'incident' && causes.has(this.nodeOf(i.fingerprint) ?? ''));
  }

  async joinAsSymptom(cause: Incident, failure: Failure, c: Classified): Promise<Incident> {
    const label = symptomLabel(failure);
    return this.deps.store.withTransaction(async (tx) => {
      const { incident, added } = await tx.incidents.addSymptom(cause.id, label);
      await recordTransition(tx, {
        actor: MONITOR,
        incidentId: cause.id,
        kind: 'symptom',
        text: `symptom: ${redactSecrets(failure.detail)}`,
        detail: { fingerprint: c.fingerprint, state: failure.state },
        tell: added
          ? [
              (t) =>
                replyInThread(
                  t,
                  incident,
                  `symptom:${c.fingerprint}`,
                  `:link: ${c.title} — a symptom of this incident (${incident.title}), no thread of its own.`,
                ),
              (t) => updateIncident(t, incident, `symptoms:${incident.symptoms.length}`, incident.title),
            ]
          : [],
      });
      return incident;
    });
  }

  /** The open incidents whose node depends on this cause's node, merged into it. Returns how many. */
  async mergeSymptomsInto(cause: Incident): Promise<number> {
    const node = this.nodeOf(cause.fingerprint);
    if (node === undefined || this.deps.topology.kindOf(node) === undefined) return 0;
    const open = await this.deps.store.incidents.listUnresolved();
    const symptoms = open.filter(
      (i) =>
        i.id !== cause.id &&
        i.kind === cause.kind &&
        this.deps.topology.causesOf(this.nodeOf(i.fingerprint) ?? '').has(node),
    );
    let merged = 0;
    for (const symptom of symptoms) if (await this.merge(symptom, cause)) merged++;
    return merged;
  }

  /** One symptom incident into its cause's. A resolved one (or one merged already) does nothing. */
  async merge(symptom: Incident, cause: Incident): Promise<boolean> {
    const detail = symptom.detail as Partial<Failure>;
    const label =
      detail.kind !== undefined && detail.subject !== undefined
        ? symptomLabel({ kind: detail.kind, subject: detail.subject, host: detail.host })
        : symptom.title;
    return this.deps.store.withTransaction(async (tx) => {
      const { incident: child, changed } = await tx.incidents.mergeInto(symptom.id, cause.id, MONITOR);
      if (!changed) return false;
      const { incident: parent } = await tx.incidents.addSymptom(cause.id, label);
      await recordTransition(tx, {
        actor: MONITOR,
        incidentId: cause.id,
        kind: 'symptom_merged',
        text: `merged the earlier incident "${symptom.title}" (${symptom.id}) into this one: a symptom of it`,
        detail: { merged: symptom.id, fingerprint: symptom.fingerprint },
        audit: {
          action: 'incident.merged',
          target: `incident:${symptom.id}`,
          outcome: 'ok',
          detail: { into: cause.id },
        },
        tell: [
          (t) =>
            replyInThread(t, child, 'merged', `Merged into incident ${cause.id.slice(0, 8)} (${cause.title})`, {
              type: 'merged',
              incidentId: child.id,
            }),
          (t) => updateIncident(t, child, 'merged', `Merged into ${cause.title}`),
          (t) =>
            replyInThread(
              t,
              parent,
              `symptom:${symptom.fingerprint}`,
              `:link: ${symptom.title} — seen before this cause; its incident is merged into this one.`,
            ),
          (t) => updateIncident(t, parent, `symptoms:${parent.symptoms.length}`, parent.title),
        ],
      });
      return true;
    });
  }
}
