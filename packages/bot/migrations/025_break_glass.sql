-- A lone operator (issue 13): when an approval has waited long enough, its requester may break the
-- glass and run the step alone, with a written reason and the typed target. Loud and reviewed: the
-- record stays open until a security_officer or another lead_operator reviews it with a note.
-- Numbered 025 to leave 022-024 to the other issue 13 branches.

-- When the approval's message first offered "Break glass" (one conditional update, so two
-- replicas sweeping at once rewrite the message once).
ALTER TABLE approvals ADD COLUMN break_glass_offered_at timestamptz;

CREATE TABLE break_glass (
  id           text PRIMARY KEY,
  -- One break per approval: a double-submitted modal, two modals or two replicas break it once.
  approval_id  text NOT NULL UNIQUE REFERENCES approvals (id),
  run_id       uuid NOT NULL REFERENCES runs (id),
  step_id      uuid NOT NULL REFERENCES run_steps (id),
  incident_id  uuid REFERENCES incidents (id),
  broken_by    text NOT NULL,
  reason       text NOT NULL CHECK (length(btrim(reason)) >= 20),
  typed_target text NOT NULL,
  broken_at    timestamptz NOT NULL DEFAULT now(),
  reviewed_by  text,
  reviewed_at  timestamptz,
  review_note  text,
  -- Nobody reviews their own break, and a review is whole: who, when and what they wrote.
  CHECK (reviewed_by IS NULL OR reviewed_by <> broken_by),
  CHECK ((reviewed_by IS NULL) = (reviewed_at IS NULL) AND (reviewed_by IS NULL) = (review_note IS NULL))
);
CREATE INDEX break_glass_unreviewed ON break_glass (broken_at) WHERE reviewed_at IS NULL;
CREATE INDEX break_glass_run ON break_glass (run_id);
CREATE INDEX break_glass_incident ON break_glass (incident_id) WHERE incident_id IS NOT NULL;
