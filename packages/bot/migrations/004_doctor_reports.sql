-- What each daily self-check found, so the bot tells the ops channel only when things got worse.
CREATE TABLE doctor_reports (
  id      bigserial PRIMARY KEY,
  at      timestamptz NOT NULL DEFAULT now(),
  failing jsonb NOT NULL
);
