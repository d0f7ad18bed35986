-- seawall fleet schema, version 1: projects and tokens, images, results with their inventory and
-- findings, the job queue, workers.

CREATE TABLE projects (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$'),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- API tokens: only the SHA-256 of the token is stored; `prefix` (the first characters) names a token
-- in listings and for revocation.
CREATE TABLE tokens (
    id           bigserial PRIMARY KEY,
    project_id   bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    hash         bytea NOT NULL UNIQUE CHECK (length(hash) = 32),
    prefix       text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- One row per image digest and project (the manifest digest when the source knows one, else the
-- config digest; reports of non-image targets get a synthetic `target:` key).
CREATE TABLE images (
    id               bigserial PRIMARY KEY,
    project_id       bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    digest           text NOT NULL,
    config_digest    text,
    reference        text NOT NULL,
    latest_result_id bigint,
    first_seen       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, digest)
);

-- One scan result. `report` is the JSON report exactly as `seawall scan … --format json` writes it,
-- zstd-compressed; packages and findings are also stored row by row for fleet queries.
CREATE TABLE results (
    id                 bigserial PRIMARY KEY,
    project_id         bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    image_id           bigint NOT NULL REFERENCES images (id) ON DELETE CASCADE,
    origin             text NOT NULL CHECK (origin IN ('worker', 'upload')),
    scanner            text NOT NULL,
    db_version         text,
    complete           boolean NOT NULL,
    completeness       jsonb NOT NULL,
    counts             jsonb NOT NULL,
    report             bytea NOT NULL,
    report_sha256      text NOT NULL,
    layers_walked      integer,
    layers_cached      integer,
    worker             text,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX results_image ON results (image_id, id DESC);
-- Idempotency: one worker result per (image digest, scanner versions, vulnerability-DB version).
CREATE UNIQUE INDEX results_identity ON results (image_id, scanner, coalesce(db_version, ''))
    WHERE origin = 'worker';

ALTER TABLE images ADD CONSTRAINT images_latest_result
    FOREIGN KEY (latest_result_id) REFERENCES results (id) ON DELETE SET NULL;

-- Distinct package identities, shared by every result that contains them: re-matching after a
-- vulnerability-DB update works on this table, not on the reports.
CREATE TABLE packages (
    id        bigserial PRIMARY KEY,
    ecosystem text NOT NULL,
    name      text NOT NULL,
    version   text NOT NULL,
    purl      text NOT NULL DEFAULT '',
    UNIQUE (ecosystem, name, version, purl)
);
CREATE INDEX packages_name ON packages (name, ecosystem);

CREATE TABLE result_packages (
    result_id  bigint NOT NULL REFERENCES results (id) ON DELETE CASCADE,
    package_id bigint NOT NULL REFERENCES packages (id),
    PRIMARY KEY (result_id, package_id)
);
CREATE INDEX result_packages_package ON result_packages (package_id);

CREATE TABLE findings (
    result_id   bigint NOT NULL REFERENCES results (id) ON DELETE CASCADE,
    ordinal     integer NOT NULL,
    kind        text NOT NULL,
    rule_id     text NOT NULL,
    aliases     text[] NOT NULL DEFAULT '{}',
    severity    text NOT NULL,
    severity_rank smallint NOT NULL,
    practice    smallint NOT NULL,
    title       text NOT NULL,
    path        text NOT NULL,
    layer       integer,
    package_id  bigint REFERENCES packages (id),
    fingerprint text NOT NULL,
    PRIMARY KEY (result_id, ordinal)
);
CREATE INDEX findings_rule ON findings (rule_id);
CREATE INDEX findings_aliases ON findings USING gin (aliases);
CREATE INDEX findings_package ON findings (package_id) WHERE package_id IS NOT NULL;

-- The job queue. Claimed with SELECT … FOR UPDATE SKIP LOCKED; a claim is a lease renewed by
-- heartbeat; an expired lease puts the job back (bounded attempts with backoff).
CREATE TABLE jobs (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    project_id    bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    reference     text NOT NULL,
    platform      text,
    insecure      boolean NOT NULL DEFAULT false,
    -- Registry credentials sealed with the server key (ChaCha20-Poly1305, nonce || ciphertext),
    -- erased when the job ends.
    credentials   bytea,
    dedupe_key    text NOT NULL,
    status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'done', 'failed')),
    attempts      integer NOT NULL DEFAULT 0,
    max_attempts  integer NOT NULL DEFAULT 3 CHECK (max_attempts > 0),
    run_after     timestamptz NOT NULL DEFAULT now(),
    lease_owner   text,
    lease_expires timestamptz,
    digest        text,
    error         text,
    result_id     bigint REFERENCES results (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz
);
CREATE INDEX jobs_ready ON jobs (run_after, created_at, id) WHERE status = 'queued';
CREATE INDEX jobs_leases ON jobs (lease_expires) WHERE status = 'running';
-- A duplicate submission of a queued or running job is the same job.
CREATE UNIQUE INDEX jobs_active ON jobs (project_id, dedupe_key) WHERE status IN ('queued', 'running');
CREATE INDEX jobs_result ON jobs (result_id) WHERE result_id IS NOT NULL;

CREATE FUNCTION seawall_notify_job() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('seawall_jobs', '');
    RETURN NULL;
END
$$;
CREATE TRIGGER jobs_notify AFTER INSERT OR UPDATE OF status ON jobs
    FOR EACH ROW WHEN (NEW.status = 'queued') EXECUTE FUNCTION seawall_notify_job();

-- Workers announce themselves and their vulnerability-DB version (for freshness and /metrics).
CREATE TABLE workers (
    id          text PRIMARY KEY,
    hostname    text NOT NULL,
    version     text NOT NULL,
    scanner     text NOT NULL,
    db_version  text,
    started_at  timestamptz NOT NULL DEFAULT now(),
    last_seen   timestamptz NOT NULL DEFAULT now(),
    jobs_done   bigint NOT NULL DEFAULT 0,
    jobs_failed bigint NOT NULL DEFAULT 0
);
