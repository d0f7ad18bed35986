-- seawall fleet schema, version 3: re-evaluation of stored inventories when the advisory data changes.
-- One row per (image, advisory, package) that an image is or was affected by: seeded from the
-- vulnerability findings of each image's latest result, then opened and closed by re-matching the
-- distinct packages of the latest results against each new vulnerability-DB version (no rescan).
CREATE TABLE image_advisories (
    image_id          bigint NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    advisory          text NOT NULL,
    package_id        bigint NOT NULL REFERENCES packages (id),
    severity          text NOT NULL,
    aliases           text[] NOT NULL DEFAULT '{}',
    first_seen        timestamptz NOT NULL DEFAULT now(),
    -- The DB version that first reported it (a scan's, or the re-match's).
    first_db_version  text,
    closed_at         timestamptz,
    closed_db_version text,
    PRIMARY KEY (image_id, advisory, package_id)
);
CREATE INDEX image_advisories_open ON image_advisories (package_id) WHERE closed_at IS NULL;
CREATE INDEX image_advisories_advisory ON image_advisories (advisory);
CREATE INDEX image_advisories_aliases ON image_advisories USING gin (aliases);

-- One re-match per DB version, fleet-wide (the first worker that has the version does it).
CREATE TABLE rematch_runs (
    db_version  text PRIMARY KEY,
    worker      text,
    packages    integer NOT NULL,
    matches     integer NOT NULL,
    opened      integer NOT NULL,
    closed      integer NOT NULL,
    seconds     double precision NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now()
);

-- A project's webhook: new findings at or above min_severity after a DB update are POSTed, signed
-- with HMAC-SHA256 of the body under `secret`.
CREATE TABLE webhooks (
    project_id   bigint PRIMARY KEY REFERENCES projects (id) ON DELETE CASCADE,
    url          text NOT NULL,
    secret       text NOT NULL,
    min_severity text NOT NULL DEFAULT 'HIGH',
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The outbox: one notification per (project, DB version), delivered with retries and backoff.
CREATE TABLE webhook_deliveries (
    id              bigserial PRIMARY KEY,
    project_id      bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    db_version      text NOT NULL,
    payload         bytea NOT NULL,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    last_error      text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, db_version)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE delivered_at IS NULL;
