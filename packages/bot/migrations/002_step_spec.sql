-- How a step behaves (its runbook key, condition, failure policy, timeout, retry window), kept with
-- the step so a run does what its runbook said when it started, even if the YAML changed since.
ALTER TABLE run_steps ADD COLUMN spec jsonb NOT NULL DEFAULT '{}'::jsonb;
