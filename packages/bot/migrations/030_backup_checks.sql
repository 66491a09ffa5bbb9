-- The latest result of each scheduled backup job per host (the nightly restore test, the config
-- and history archives), so App Home, `recio doctor` and the checklist can say when it last passed.
CREATE TABLE backup_checks (
  job     text NOT NULL,
  host    text NOT NULL,
  ok      boolean NOT NULL,
  subject text,
  detail  text NOT NULL,
  at      timestamptz NOT NULL DEFAULT now(),
  -- When it last passed: kept across failures, so a failing job still says since when.
  last_ok timestamptz,
  PRIMARY KEY (job, host)
);
