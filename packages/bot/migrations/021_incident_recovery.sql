-- Recovery is seen (issue 13): when the probes behind an incident were healthy again. Cleared when
-- the fault is seen again; an untouched monitor incident quiet since then resolves itself.
ALTER TABLE incidents ADD COLUMN recovered_at timestamptz;
