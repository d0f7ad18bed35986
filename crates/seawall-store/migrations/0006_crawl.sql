-- seawall fleet schema, version 6: scheduled crawls of registries that cannot send push events.
-- One row per (project, registry): what to crawl (repository globs), how often, how fast (requests per
-- second), the registry credentials sealed with the server key, and the lease of the `seawall serve`
-- replica crawling it now (replicas claim due rows with FOR UPDATE SKIP LOCKED).
CREATE TABLE crawl_registries (
    id               bigserial PRIMARY KEY,
    project_id       bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    registry         text NOT NULL,
    insecure         boolean NOT NULL DEFAULT false,
    -- XChaCha20-Poly1305 (nonce || ciphertext) under the server key, bound to the project and registry.
    credentials      bytea,
    interval_seconds integer NOT NULL CHECK (interval_seconds BETWEEN 10 AND 604800),
    rate_limit       double precision NOT NULL CHECK (rate_limit > 0 AND rate_limit <= 1000),
    include          text[] NOT NULL DEFAULT '{}',
    exclude          text[] NOT NULL DEFAULT '{}',
    max_tags         integer NOT NULL DEFAULT 1000 CHECK (max_tags > 0),
    next_run_at      timestamptz NOT NULL DEFAULT now(),
    lease_owner      text,
    lease_expires    timestamptz,
    last_started_at  timestamptz,
    last_finished_at timestamptz,
    last_error       text,
    last_stats       jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, registry)
);
CREATE INDEX crawl_registries_due ON crawl_registries (next_run_at);

-- Every manifest digest a crawl found, with the job it queued: a digest is queued again only when it
-- has no result in the project and its job is gone or failed more than a day ago.
CREATE TABLE crawl_digests (
    crawl_id   bigint NOT NULL REFERENCES crawl_registries (id) ON DELETE CASCADE,
    digest     text NOT NULL,
    reference  text NOT NULL,
    job_id     uuid,
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (crawl_id, digest)
);
