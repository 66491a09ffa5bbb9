-- recio-bot's memory. Forward-only: never edit this file once released; add 002_*.sql instead.
-- Free-text columns (event kinds, outcomes) are left unconstrained where later issues will add
-- values; states that the store's own exactly-once logic relies on are CHECKed.

CREATE TABLE incidents (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  fingerprint     text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('incident', 'drill', 'security')),
  title           text NOT NULL,
  severity        text NOT NULL CHECK (severity IN ('sev1', 'sev2', 'sev3', 'sev4')),
  status          text NOT NULL DEFAULT 'open'
                  CHECK (status IN ('open', 'acknowledged', 'mitigated', 'resolved')),
  scenario        text,
  channel         text,
  thread_ts       text,
  opened_by       text NOT NULL,
  opened_at       timestamptz NOT NULL DEFAULT now(),
  acknowledged_at timestamptz,
  acknowledged_by text,
  mitigated_at    timestamptz,
  resolved_at     timestamptz,
  resolved_by     text,
  report          text,
  updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Open-or-join is an INSERT .. ON CONFLICT against this index: two probes failing at once
-- cannot open two incidents for the same fault, and a resolved one does not block a new one.
CREATE UNIQUE INDEX incidents_one_unresolved_per_fingerprint
  ON incidents (fingerprint) WHERE status <> 'resolved';

CREATE TABLE runs (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  scenario     text NOT NULL,
  state        text NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'skipped',
                                'awaiting_approval', 'interrupted', 'cancelled')),
  requested_by text NOT NULL,
  incident_id  uuid REFERENCES incidents (id),
  dry_run      boolean NOT NULL DEFAULT false,
  params       jsonb NOT NULL DEFAULT '{}'::jsonb,
  dedupe_key   text UNIQUE,
  channel      text,
  thread_ts    text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);
CREATE INDEX runs_incident ON runs (incident_id) WHERE incident_id IS NOT NULL;
CREATE INDEX runs_active ON runs (created_at) WHERE state IN ('pending', 'running', 'awaiting_approval');

CREATE TABLE run_steps (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  run_id         uuid NOT NULL REFERENCES runs (id),
  idx            integer NOT NULL CHECK (idx >= 0),
  title          text NOT NULL,
  host           text NOT NULL,
  action         text NOT NULL,
  params         jsonb NOT NULL DEFAULT '{}'::jsonb,
  approval       text NOT NULL DEFAULT 'none' CHECK (approval IN ('none', 'confirm', 'second_person')),
  idempotent     boolean NOT NULL DEFAULT false,
  state          text NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'running', 'succeeded', 'failed', 'skipped',
                                  'awaiting_approval', 'interrupted', 'cancelled')),
  owner          text,
  lease_until    timestamptz,
  attempt        integer NOT NULL DEFAULT 0,
  started_at     timestamptz,
  finished_at    timestamptz,
  exit_code      integer,
  outcome        text,
  result         jsonb,
  output_excerpt text,
  UNIQUE (run_id, idx),
  -- A running step always has someone answerable for it, and a time after which it is presumed lost.
  CHECK (state <> 'running' OR (owner IS NOT NULL AND lease_until IS NOT NULL))
);
CREATE INDEX run_steps_running ON run_steps (lease_until) WHERE state = 'running';

CREATE TABLE incident_events (
  id          bigserial PRIMARY KEY,
  incident_id uuid REFERENCES incidents (id),
  run_id      uuid REFERENCES runs (id),
  step_id     uuid REFERENCES run_steps (id),
  at          timestamptz NOT NULL DEFAULT now(),
  actor       text NOT NULL,
  kind        text NOT NULL,
  text        text NOT NULL,
  detail      jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- A run started outside an incident (a plain /recio restart) still has a timeline.
  CHECK (incident_id IS NOT NULL OR run_id IS NOT NULL)
);
CREATE INDEX incident_events_incident ON incident_events (incident_id, id) WHERE incident_id IS NOT NULL;
CREATE INDEX incident_events_run ON incident_events (run_id, id) WHERE run_id IS NOT NULL;

CREATE TABLE approvals (
  id            text PRIMARY KEY,
  run_id        uuid NOT NULL REFERENCES runs (id),
  step_id       uuid NOT NULL REFERENCES run_steps (id),
  requested_by  text NOT NULL,
  required_role text,
  binding_hash  text NOT NULL,
  state         text NOT NULL DEFAULT 'pending'
                CHECK (state IN ('pending', 'approved', 'denied', 'expired')),
  decided_by    text,
  decided_at    timestamptz,
  reason        text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  expires_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX approvals_one_pending_per_step ON approvals (step_id) WHERE state = 'pending';
CREATE INDEX approvals_pending_expiry ON approvals (expires_at) WHERE state = 'pending';

CREATE TABLE deliveries (
  key           text PRIMARY KEY,
  kind          text NOT NULL,
  first_seen_at timestamptz NOT NULL DEFAULT now(),
  seen_by       text,
  outcome       text
);
CREATE INDEX deliveries_first_seen ON deliveries (first_seen_at);

CREATE TABLE outbox (
  id              bigserial PRIMARY KEY,
  dedupe_key      text NOT NULL UNIQUE,
  channel         text NOT NULL,
  thread_ts       text,
  -- The dedupe key of an earlier post whose Slack ts is the thread (or the message to update)
  -- when that ts is not known yet at enqueue time: it is resolved when the row is claimed.
  thread_of       text,
  update_of       text,
  user_id         text,
  kind            text NOT NULL CHECK (kind IN ('post', 'update', 'ephemeral', 'delete', 'upload')),
  payload         jsonb NOT NULL,
  state           text NOT NULL DEFAULT 'pending'
                  CHECK (state IN ('pending', 'sent', 'failed', 'superseded')),
  attempts        integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  claimed_by      text,
  slack_ts        text,
  error           text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE INDEX outbox_pending_by_channel ON outbox (channel, id) WHERE state = 'pending';
CREATE INDEX outbox_update_of ON outbox (update_of) WHERE update_of IS NOT NULL AND state = 'pending';

CREATE TABLE locks (
  host        text NOT NULL,
  service     text NOT NULL,
  owner       text NOT NULL,
  purpose     text,
  instance_id text NOT NULL,
  acquired_at timestamptz NOT NULL DEFAULT now(),
  lease_until timestamptz NOT NULL,
  PRIMARY KEY (host, service)
);

-- Ids come from the sequence while the chain's advisory lock is held, so id order is chain order.
CREATE TABLE audit_log (
  id         bigint PRIMARY KEY,
  at         timestamptz NOT NULL,
  actor      text NOT NULL,
  action     text NOT NULL,
  target     text,
  outcome    text,
  detail     jsonb NOT NULL DEFAULT '{}'::jsonb,
  request_id text,
  prev_hash  text NOT NULL,
  hash       text NOT NULL UNIQUE
);
CREATE SEQUENCE audit_log_id_seq OWNED BY audit_log.id;
CREATE INDEX audit_log_target ON audit_log (target, id) WHERE target IS NOT NULL;

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
