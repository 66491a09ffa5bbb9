-- What a person is shown before approving a step, fixed when the approval is asked for (issue 14):
-- for a restore, the dump (name, size, SHA-256, time) and what it rewinds per table. Not part of
-- what runs: the params are.
ALTER TABLE run_steps ADD COLUMN preview jsonb;
