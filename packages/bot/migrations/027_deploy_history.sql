-- The release watch survives a restart and a leader change (issue 13): what each app host had
-- checked out, when the monitor first saw it, and whether every program ran with it (a "good"
-- release, the one a rollback goes back to). A bot started after a bad deploy reads the good head
-- it saw before; a new leader reads what the old one saw.
CREATE TABLE deploy_history (
  id bigserial PRIMARY KEY,
  host text NOT NULL,
  commit text NOT NULL,
  tag text,
  seen_at timestamptz NOT NULL DEFAULT now(),
  -- When every watched program was first seen RUNNING with this head checked out.
  good_at timestamptz,
  -- The row this one followed on the host: one successor per row, so two replicas seeing the same
  -- change at once record it once.
  after_id bigint REFERENCES deploy_history(id),
  UNIQUE (host, after_id)
);
-- The first row of a host has no predecessor (NULLs are distinct in UNIQUE): at most one such row.
CREATE UNIQUE INDEX deploy_history_first ON deploy_history (host) WHERE after_id IS NULL;

-- A release fault the monitor reported and has not yet seen recover, one per host: while it is
-- open, a new head is its rollback under way, not another bad deploy.
CREATE TABLE release_faults (
  host text PRIMARY KEY,
  failure jsonb NOT NULL,
  opened_at timestamptz NOT NULL DEFAULT now()
);
