-- One thread per cause (issue 13): a symptom incident seen before its cause is merged into the
-- cause's incident (resolved, pointing at it); the cause's incident lists its symptoms.
ALTER TABLE incidents ADD COLUMN merged_into uuid REFERENCES incidents(id);
ALTER TABLE incidents ADD COLUMN symptoms jsonb NOT NULL DEFAULT '[]'::jsonb;
