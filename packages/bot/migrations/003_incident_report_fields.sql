-- The report's root cause and follow-ups, written by the system_architect after the incident, and
-- how often a joined fault flapped (a flapping service never makes a second thread).
ALTER TABLE incidents ADD COLUMN root_cause text;
ALTER TABLE incidents ADD COLUMN follow_ups text;
ALTER TABLE incidents ADD COLUMN detail jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE incidents ADD COLUMN occurrences integer NOT NULL DEFAULT 1;
