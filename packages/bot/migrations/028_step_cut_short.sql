-- §1.3 (issue 13): a lead_operator may cut a retrying step's wait short ("Disable auto entry now").
-- Who did, once: the UPDATE that sets it only moves a running step not yet cut.
ALTER TABLE run_steps ADD COLUMN cut_short_by text;
