-- seawall fleet schema, version 5: monitor agents reporting to the service (`seawall monitor
-- --report-to`, `seawall audit docker --upload`). Hosts, the containers each host runs now (the
-- latest audit replaces a host's set) and the alerts, deduplicated on (project, host, agent sequence
-- number) so that an agent's retry after a lost answer is harmless.
CREATE TABLE agent_hosts (
    project_id     bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    hostname       text NOT NULL,
    agent_version  text NOT NULL,
    first_seen     timestamptz NOT NULL DEFAULT now(),
    last_seen      timestamptz NOT NULL DEFAULT now(),
    -- Highest sequence number received, and that of the audit the container set comes from.
    last_seq       bigint NOT NULL DEFAULT 0,
    last_audit_seq bigint NOT NULL DEFAULT 0,
    last_audit_at  timestamptz,
    PRIMARY KEY (project_id, hostname)
);

CREATE TABLE agent_containers (
    project_id   bigint NOT NULL,
    hostname     text NOT NULL,
    container_id text NOT NULL,
    name         text NOT NULL,
    image_ref    text NOT NULL,
    -- The image id (sha256 of the image configuration), as the Engine reports it.
    image_digest text NOT NULL,
    state        text NOT NULL,
    seen_at      timestamptz NOT NULL,
    -- `repo@sha256:…` manifest digests the image was pulled as.
    repo_digests text[] NOT NULL DEFAULT '{}',
    -- Findings of the container's runtime-configuration audit (seawall Finding objects).
    findings     jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (project_id, hostname, container_id),
    FOREIGN KEY (project_id, hostname) REFERENCES agent_hosts (project_id, hostname) ON DELETE CASCADE
);
CREATE INDEX agent_containers_image_digest ON agent_containers (project_id, image_digest);
CREATE INDEX agent_containers_repo_digests ON agent_containers USING gin (repo_digests);

CREATE TABLE agent_alerts (
    id           bigserial PRIMARY KEY,
    project_id   bigint NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    hostname     text NOT NULL,
    agent_seq    bigint NOT NULL,
    kind         text NOT NULL,
    severity     text NOT NULL,
    container_id text NOT NULL DEFAULT '',
    message      text NOT NULL,
    body         jsonb NOT NULL,
    occurred_at  timestamptz NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (project_id, hostname, agent_seq)
);
CREATE INDEX agent_alerts_recent ON agent_alerts (project_id, id);
