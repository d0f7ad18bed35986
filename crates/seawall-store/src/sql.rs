//! Every SQL statement of the store, as constants with `$n` parameters: nothing a client sends is
//! ever spliced into SQL text (see the test at the end of this file).

/// An RFC 3339 UTC rendering of a timestamp column, built at compile time.
macro_rules! ts {
    ($col:literal) => {
        concat!("to_char(", $col, " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
    };
}

// ---- projects and tokens ----

pub(crate) const UPSERT_PROJECT: &str = "INSERT INTO projects (name) VALUES ($1)
    ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id";

pub(crate) const INSERT_TOKEN: &str =
    "INSERT INTO tokens (project_id, hash, prefix) VALUES ($1, $2, $3) RETURNING id";

/// The token's project; `last_used_at` is written at most once a minute (not on every request, which
/// would serialize concurrent requests of one token on its row lock).
pub(crate) const AUTHENTICATE: &str = "WITH t AS (
        SELECT t.id, p.id AS project_id, p.name, t.last_used_at FROM tokens t
        JOIN projects p ON p.id = t.project_id
        WHERE t.hash = $1 AND t.revoked_at IS NULL),
    touch AS (
        UPDATE tokens SET last_used_at = now()
        WHERE id = (SELECT id FROM t)
          AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))
    SELECT id, project_id, name FROM t";

pub(crate) const REVOKE_TOKEN: &str = "UPDATE tokens SET revoked_at = now()
    WHERE revoked_at IS NULL AND (id::text = $1 OR prefix = $1) RETURNING id";

pub(crate) const LIST_TOKENS: &str = concat!(
    "SELECT t.id, p.name, t.prefix, ",
    ts!("t.created_at"),
    ", ",
    ts!("t.last_used_at"),
    ", ",
    ts!("t.revoked_at"),
    " FROM tokens t JOIN projects p ON p.id = t.project_id
    WHERE ($1::text IS NULL OR p.name = $1) ORDER BY t.id"
);

// ---- jobs ----

pub(crate) const ENQUEUE: &str = "INSERT INTO jobs
    (project_id, reference, platform, insecure, credentials, dedupe_key, max_attempts)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (project_id, dedupe_key) WHERE status IN ('queued', 'running') DO NOTHING
    RETURNING id";

pub(crate) const ACTIVE_JOB: &str = "SELECT id, status FROM jobs
    WHERE project_id = $1 AND dedupe_key = $2 AND status IN ('queued', 'running')";

/// The latest finished job whose result for this digest is fresh: made with the scanner and
/// vulnerability-DB versions of a worker that is alive now.
pub(crate) const FRESH_JOB_FOR_DIGEST: &str = "SELECT j.id FROM images i
    JOIN results r ON r.image_id = i.id AND r.origin = 'worker'
    JOIN jobs j ON j.result_id = r.id AND j.status = 'done'
    WHERE i.project_id = $1 AND i.digest = $2 AND j.platform IS NOT DISTINCT FROM $3
      AND EXISTS (SELECT 1 FROM workers w WHERE w.scanner = r.scanner
                  AND w.db_version IS NOT DISTINCT FROM r.db_version
                  AND w.last_seen > now() - interval '5 minutes')
    ORDER BY j.finished_at DESC LIMIT 1";

pub(crate) const CLAIM: &str = "WITH next AS (
        SELECT id FROM jobs
        WHERE status = 'queued' AND run_after <= now()
        ORDER BY run_after, created_at, id
        LIMIT 1
        FOR UPDATE SKIP LOCKED)
    UPDATE jobs j SET status = 'running', attempts = j.attempts + 1, lease_owner = $1,
        lease_expires = now() + make_interval(secs => $2), started_at = now()
    FROM next WHERE j.id = next.id
    RETURNING j.id, j.project_id, j.reference, j.platform, j.insecure, j.credentials, j.attempts,
        j.max_attempts";

pub(crate) const HEARTBEAT: &str = "UPDATE jobs SET lease_expires = now() + make_interval(secs => $3)
    WHERE id = $1 AND lease_owner = $2 AND status = 'running'";

/// Backoff of attempt n (1-based): 5 s · 2^(n-1), at most 10 minutes.
macro_rules! backoff {
    () => {
        "now() + make_interval(secs => least(600, 5 * power(2, greatest(attempts - 1, 0))))"
    };
}

pub(crate) const FAIL_JOB: &str = concat!(
    "UPDATE jobs SET
        status = CASE WHEN $3 OR attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
        error = CASE WHEN $3 OR attempts >= max_attempts THEN $4
                     ELSE $4 || ' (attempt ' || attempts || ' of ' || max_attempts || ', retrying)' END,
        digest = coalesce($5, digest),
        run_after = ",
    backoff!(),
    ",
        finished_at = CASE WHEN $3 OR attempts >= max_attempts THEN now() END,
        credentials = CASE WHEN $3 OR attempts >= max_attempts THEN NULL ELSE credentials END,
        lease_owner = NULL, lease_expires = NULL
    WHERE id = $1 AND lease_owner = $2 AND status = 'running'
    RETURNING status"
);

pub(crate) const REAP_EXPIRED: &str = concat!(
    "UPDATE jobs SET
        status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'queued' END,
        error = 'worker ' || coalesce(lease_owner, '?') || ' lost its lease (attempt ' || attempts
                || ' of ' || max_attempts || CASE WHEN attempts >= max_attempts THEN ')' ELSE ', retrying)' END,
        run_after = ",
    backoff!(),
    ",
        finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
        credentials = CASE WHEN attempts >= max_attempts THEN NULL ELSE credentials END,
        lease_owner = NULL, lease_expires = NULL
    WHERE status = 'running' AND lease_expires < now()
    RETURNING id, status"
);

pub(crate) const COMPLETE_JOB: &str = "UPDATE jobs SET status = 'done', digest = $3, result_id = $4,
        finished_at = now(), error = NULL, credentials = NULL, lease_owner = NULL, lease_expires = NULL
    WHERE id = $1 AND lease_owner = $2 AND status = 'running'";

pub(crate) const GET_JOB: &str = concat!(
    "SELECT j.id, j.status, j.digest, j.error, j.reference, j.attempts, j.max_attempts, ",
    ts!("j.created_at"),
    ", ",
    ts!("j.started_at"),
    ", ",
    ts!("j.finished_at"),
    ", j.result_id FROM jobs j WHERE j.id = $1 AND j.project_id = $2"
);

pub(crate) const QUEUE_COUNTS: &str = "SELECT
    (SELECT count(*) FROM jobs WHERE status = 'queued'),
    (SELECT count(*) FROM jobs WHERE status = 'queued' AND run_after <= now()),
    (SELECT count(*) FROM jobs WHERE status = 'running'),
    (SELECT extract(epoch FROM now() - min(created_at))::float8 FROM jobs
        WHERE status = 'queued' AND run_after <= now())";

// ---- workers ----

pub(crate) const REGISTER_WORKER: &str = "INSERT INTO workers (id, hostname, version, scanner, db_version)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (id) DO UPDATE SET hostname = EXCLUDED.hostname, version = EXCLUDED.version,
        scanner = EXCLUDED.scanner, db_version = EXCLUDED.db_version, last_seen = now()";

pub(crate) const WORKER_SEEN: &str = "UPDATE workers SET last_seen = now(), db_version = $2 WHERE id = $1";

pub(crate) const WORKER_DONE: &str = "UPDATE workers SET jobs_done = jobs_done + $2::bigint,
    jobs_failed = jobs_failed + $3::bigint, last_seen = now() WHERE id = $1";

pub(crate) const LIST_WORKERS: &str = "SELECT id, hostname, scanner, db_version,
    extract(epoch FROM now() - last_seen)::float8, jobs_done, jobs_failed
    FROM workers WHERE last_seen > now() - interval '1 day' ORDER BY id";

// ---- results ----

pub(crate) const UPSERT_IMAGE: &str = "INSERT INTO images (project_id, digest, config_digest, reference)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT (project_id, digest) DO UPDATE SET reference = EXCLUDED.reference,
        config_digest = coalesce(EXCLUDED.config_digest, images.config_digest), updated_at = now()
    RETURNING id";

pub(crate) const EXISTING_WORKER_RESULT: &str =
    "SELECT r.id FROM results r JOIN images i ON i.id = r.image_id
    WHERE i.project_id = $1 AND i.digest = $2 AND r.origin = 'worker' AND r.scanner = $3
      AND coalesce(r.db_version, '') = coalesce($4, '')";

pub(crate) const INSERT_RESULT: &str = "INSERT INTO results
    (project_id, image_id, origin, scanner, db_version, complete, completeness, counts, report,
     report_sha256, layers_walked, layers_cached, worker)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
    ON CONFLICT (image_id, scanner, coalesce(db_version, '')) WHERE origin = 'worker' DO NOTHING
    RETURNING id";

pub(crate) const UPSERT_PACKAGES: &str = "INSERT INTO packages (ecosystem, name, version, purl)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
    ON CONFLICT (ecosystem, name, version, purl) DO NOTHING";

pub(crate) const PACKAGE_IDS: &str = "SELECT p.id, p.ecosystem, p.name, p.version, p.purl FROM packages p
    JOIN unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS k(ecosystem, name, version, purl)
      ON p.ecosystem = k.ecosystem AND p.name = k.name AND p.version = k.version AND p.purl = k.purl";

pub(crate) const INSERT_RESULT_PACKAGES: &str = "INSERT INTO result_packages (result_id, package_id)
    SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING";

pub(crate) const INSERT_FINDINGS: &str = "INSERT INTO findings
    (result_id, ordinal, kind, rule_id, aliases, severity, severity_rank, practice, title, path, layer,
     package_id, fingerprint)
    SELECT $1, f.ordinal, f.kind, f.rule_id,
        coalesce((SELECT array_agg(a) FROM jsonb_array_elements_text(f.aliases) a), '{}'),
        f.severity, f.severity_rank, f.practice, f.title, f.path, f.layer, f.package_id, f.fingerprint
    FROM jsonb_to_recordset($2::jsonb) AS f(ordinal int, kind text, rule_id text, aliases jsonb,
        severity text, severity_rank int2, practice int2, title text, path text, layer int,
        package_id bigint, fingerprint text)";

pub(crate) const SET_LATEST: &str = "UPDATE images SET latest_result_id = $2, updated_at = now()
    WHERE id = $1 AND (latest_result_id IS NULL OR latest_result_id <= $2)";

/// The columns of a result summary, after `r.` / `i.` aliases.
macro_rules! result_cols {
    () => {
        concat!(
            "r.id, i.digest, r.origin, r.complete, r.completeness, r.counts, r.scanner, r.db_version, ",
            "r.layers_walked, r.layers_cached, ",
            ts!("r.created_at"),
            ", r.worker"
        )
    };
}

pub(crate) const RESULT_BY_ID: &str = concat!(
    "SELECT ",
    result_cols!(),
    " FROM results r JOIN images i ON i.id = r.image_id WHERE r.id = $1 AND r.project_id = $2"
);

pub(crate) const LATEST_REPORT: &str = "SELECT r.id, r.report, r.report_sha256 FROM images i
    JOIN results r ON r.id = i.latest_result_id
    WHERE i.project_id = $1 AND (i.digest = $2 OR i.config_digest = $2)
    ORDER BY i.id LIMIT 1";

/// One result's report, by id within a project, with its creation time.
pub(crate) const REPORT_OF_RESULT: &str = concat!(
    "SELECT r.id, r.report, r.report_sha256, ",
    ts!("r.created_at"),
    " FROM results r WHERE r.id = $1 AND r.project_id = $2"
);

pub(crate) const IMAGE_SUMMARY: &str = concat!(
    "SELECT i.id, i.digest, i.config_digest, i.reference, ",
    ts!("i.updated_at"),
    ", r.id IS NOT NULL, ",
    result_cols!(),
    " FROM images i LEFT JOIN results r ON r.id = i.latest_result_id
    WHERE i.project_id = $1 AND (i.digest = $2 OR i.config_digest = $2) ORDER BY i.id LIMIT 1"
);

pub(crate) const LIST_IMAGES: &str = concat!(
    "SELECT i.id, i.digest, i.config_digest, i.reference, ",
    ts!("i.updated_at"),
    ", r.id IS NOT NULL, ",
    result_cols!(),
    " FROM images i LEFT JOIN results r ON r.id = i.latest_result_id
    WHERE i.project_id = $1 AND i.id > $2 ORDER BY i.id LIMIT $3"
);

pub(crate) const IMAGES_WITH_PACKAGE: &str =
    "SELECT i.id, i.digest, i.reference, p.ecosystem, p.name, p.version, p.purl
    FROM packages p
    JOIN result_packages rp ON rp.package_id = p.id
    JOIN images i ON i.latest_result_id = rp.result_id
    WHERE i.project_id = $1 AND p.name = $2 AND ($3::text IS NULL OR p.ecosystem = $3
          OR split_part(p.ecosystem, ':', 1) = $3)
      AND i.id > $4
    ORDER BY i.id, p.ecosystem, p.version
    LIMIT $5";

pub(crate) const IMAGES_WITH_ADVISORY: &str =
    "SELECT DISTINCT i.id, i.digest, i.reference, p.ecosystem, p.name, p.version, p.purl
    FROM images i
    JOIN findings f ON f.result_id = i.latest_result_id
    LEFT JOIN packages p ON p.id = f.package_id
    WHERE i.project_id = $1 AND (f.rule_id = $2 OR f.aliases @> ARRAY[$2]::text[]) AND i.id > $3
    ORDER BY i.id, p.ecosystem, p.version
    LIMIT $4";

pub(crate) const FINDINGS: &str = "SELECT f.result_id, f.ordinal, i.digest, i.reference, f.kind, f.rule_id,
        f.aliases, f.severity, f.practice, f.title, f.path, f.layer, p.name, p.version, f.fingerprint
    FROM images i
    JOIN findings f ON f.result_id = i.latest_result_id
    LEFT JOIN packages p ON p.id = f.package_id
    WHERE i.project_id = $1
      AND ($2::text IS NULL OR f.kind = $2)
      AND (cardinality($3::text[]) = 0 OR f.severity = ANY($3))
      AND ($4::int2 IS NULL OR f.practice = $4)
      AND ($5::text IS NULL OR f.rule_id = $5 OR f.aliases @> ARRAY[$5]::text[])
      AND ($6::text IS NULL OR i.digest = $6)
      AND (f.result_id, f.ordinal) > ($7, $8)
    ORDER BY f.result_id, f.ordinal
    LIMIT $9";

// ---- layer cache ----

pub(crate) const CACHE_GET: &str = "UPDATE layer_cache SET hits = hits + 1, last_used = now()
    WHERE key = $1 RETURNING walk, walk_sha256";

/// The first walk stored wins; later ones only count (`writes`).
pub(crate) const CACHE_PUT: &str = "INSERT INTO layer_cache (key, walk, walk_sha256, size)
    VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET writes = layer_cache.writes + 1";

pub(crate) const CACHE_DELETE: &str = "DELETE FROM layer_cache WHERE key = $1";

pub(crate) const CACHE_EVICT: &str =
    "DELETE FROM layer_cache WHERE last_used < now() - make_interval(days => $1)";

pub(crate) const CACHE_STATS: &str = "SELECT count(*), coalesce(sum(hits), 0)::bigint,
    coalesce(sum(size), 0)::bigint, coalesce(sum(writes - 1), 0)::bigint FROM layer_cache";

pub(crate) const CACHE_LOCK: &str = "SELECT pg_advisory_lock($1)";
pub(crate) const CACHE_UNLOCK: &str = "SELECT pg_advisory_unlock($1)";

// ---- re-evaluation after a vulnerability-DB update ----

pub(crate) const REMATCH_DONE: &str = "SELECT 1 FROM rematch_runs WHERE db_version = $1";

/// One re-match at a time, fleet-wide.
pub(crate) const REMATCH_LOCK: &str = "SELECT pg_advisory_xact_lock(7340611)";

pub(crate) const REMATCH_PACKAGES: &str = "SELECT DISTINCT p.id, p.ecosystem, p.name, p.version, p.purl
    FROM images i JOIN result_packages rp ON rp.result_id = i.latest_result_id
    JOIN packages p ON p.id = rp.package_id";

/// The latest results' vulnerability findings are the baseline: first seen when they were scanned.
pub(crate) const REMATCH_SEED: &str = "INSERT INTO image_advisories
        (image_id, advisory, package_id, severity, aliases, first_seen, first_db_version)
    SELECT DISTINCT ON (i.id, f.rule_id, f.package_id) i.id, f.rule_id, f.package_id, f.severity, f.aliases,
        r.created_at, r.db_version
    FROM images i JOIN results r ON r.id = i.latest_result_id JOIN findings f ON f.result_id = r.id
    WHERE f.kind = 'vulnerability' AND f.package_id IS NOT NULL
    ON CONFLICT DO NOTHING";

pub(crate) const REMATCH_TEMP: &str = "CREATE TEMP TABLE rematch_m (
        package_id bigint NOT NULL, advisory text NOT NULL, severity text NOT NULL, aliases text[] NOT NULL
    ) ON COMMIT DROP;
    CREATE TEMP TABLE rematch_cur (
        image_id bigint NOT NULL, advisory text NOT NULL, package_id bigint NOT NULL, severity text NOT NULL,
        aliases text[] NOT NULL
    ) ON COMMIT DROP;
    CREATE TEMP TABLE rematch_new (LIKE rematch_cur) ON COMMIT DROP";

pub(crate) const REMATCH_FILL: &str = "INSERT INTO rematch_m (package_id, advisory, severity, aliases)
    SELECT m.package_id, m.advisory, m.severity,
        CASE WHEN m.aliases = '' THEN '{}'::text[] ELSE string_to_array(m.aliases, E'\\n') END
    FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS m(package_id, advisory, severity, aliases)";

/// (image, advisory, package) under the new data.
pub(crate) const REMATCH_CURRENT: &str =
    "INSERT INTO rematch_cur (image_id, advisory, package_id, severity, aliases)
    SELECT DISTINCT ON (i.id, m.advisory, m.package_id) i.id, m.advisory, m.package_id, m.severity, m.aliases
    FROM images i JOIN result_packages rp ON rp.result_id = i.latest_result_id
    JOIN rematch_m m ON m.package_id = rp.package_id";

/// Statistics for the planner: the temporary table, and image_advisories after the seeding (else it
/// plans for an empty table).
pub(crate) const REMATCH_CURRENT_INDEX: &str =
    "CREATE INDEX ON rematch_cur (image_id, package_id); ANALYZE rematch_cur; ANALYZE image_advisories";

/// New findings (or reopened ones); an open row under an alias of the advisory is the same finding.
/// Picked into a temporary table first: an INSERT that checked the table it inserts into would read
/// its own new rows on every probe.
pub(crate) const REMATCH_PICK_NEW: &str = "INSERT INTO rematch_new
    SELECT c.image_id, c.advisory, c.package_id, c.severity, c.aliases FROM rematch_cur c
    WHERE NOT EXISTS (SELECT 1 FROM image_advisories o
        WHERE o.image_id = c.image_id AND o.package_id = c.package_id AND o.closed_at IS NULL
          AND (o.advisory = c.advisory OR o.advisory = ANY (c.aliases)))";

pub(crate) const REMATCH_OPEN: &str = "INSERT INTO image_advisories AS ia
        (image_id, advisory, package_id, severity, aliases, first_seen, first_db_version)
    SELECT n.image_id, n.advisory, n.package_id, n.severity, n.aliases, now(), $1 FROM rematch_new n
    ON CONFLICT (image_id, advisory, package_id) DO UPDATE SET closed_at = NULL, closed_db_version = NULL,
        first_seen = now(), first_db_version = EXCLUDED.first_db_version, severity = EXCLUDED.severity,
        aliases = EXCLUDED.aliases";

/// Open findings the new data no longer reports (fixed by data, withdrawn, or the package is gone).
pub(crate) const REMATCH_CLOSE: &str =
    "UPDATE image_advisories o SET closed_at = now(), closed_db_version = $1
    WHERE o.closed_at IS NULL AND NOT EXISTS (SELECT 1 FROM rematch_cur c
        WHERE c.image_id = o.image_id AND c.package_id = o.package_id
          AND (c.advisory = o.advisory OR o.advisory = ANY (c.aliases)))";

/// The opened findings of projects with a webhook.
pub(crate) const REMATCH_OPENED_FOR_WEBHOOKS: &str = "SELECT i.project_id, i.digest, i.reference, n.advisory,
        n.severity, n.aliases, p.ecosystem, p.name, p.version
    FROM rematch_new n JOIN images i ON i.id = n.image_id JOIN webhooks w ON w.project_id = i.project_id
    JOIN packages p ON p.id = n.package_id
    ORDER BY i.project_id, n.advisory, i.digest, p.id";

pub(crate) const WEBHOOK_THRESHOLDS: &str = "SELECT w.project_id, p.name, w.min_severity
    FROM webhooks w JOIN projects p ON p.id = w.project_id";

pub(crate) const QUEUE_NOTIFICATION: &str = "INSERT INTO webhook_deliveries (project_id, db_version, payload)
    VALUES ($1, $2, $3) ON CONFLICT (project_id, db_version) DO NOTHING";

pub(crate) const REMATCH_RECORD: &str = "INSERT INTO rematch_runs
    (db_version, worker, packages, matches, opened, closed, seconds) VALUES ($1, $2, $3, $4, $5, $6, $7)";

pub(crate) const SET_WEBHOOK: &str = "INSERT INTO webhooks (project_id, url, secret, min_severity)
    VALUES ($1, $2, $3, $4)
    ON CONFLICT (project_id) DO UPDATE SET url = EXCLUDED.url, secret = EXCLUDED.secret,
        min_severity = EXCLUDED.min_severity, updated_at = now()";

pub(crate) const CLAIM_DELIVERIES: &str = "UPDATE webhook_deliveries d
    SET next_attempt_at = now() + make_interval(secs => $2)
    FROM webhooks w, projects p
    WHERE d.id IN (SELECT id FROM webhook_deliveries WHERE delivered_at IS NULL AND next_attempt_at <= now()
                   ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
      AND w.project_id = d.project_id AND p.id = d.project_id
    RETURNING d.id, p.name, w.url, w.secret, d.payload, d.attempts";

pub(crate) const DELIVERED: &str = "UPDATE webhook_deliveries SET delivered_at = now(), attempts = attempts + 1, last_error = NULL WHERE id = $1";

pub(crate) const DELIVERY_FAILED: &str = "UPDATE webhook_deliveries
    SET attempts = attempts + 1, last_error = $2, next_attempt_at = now() + make_interval(secs => $3)
    WHERE id = $1";

pub(crate) const EXPOSURE: &str = concat!(
    "SELECT i.digest, i.reference, ia.advisory, ia.severity, p.name, p.version, p.ecosystem, ",
    ts!("ia.first_seen"),
    ", ia.first_db_version, ",
    "CASE WHEN ia.closed_at IS NULL THEN NULL ELSE ",
    ts!("ia.closed_at"),
    " END, ia.closed_db_version,
    ARRAY(SELECT DISTINCT ac.hostname FROM agent_containers ac WHERE ac.project_id = i.project_id
          AND (ac.image_digest = i.digest OR ac.image_digest = i.config_digest
               OR EXISTS (SELECT 1 FROM unnest(ac.repo_digests) rd WHERE split_part(rd, '@', 2) = i.digest))
          ORDER BY 1)
    FROM image_advisories ia JOIN images i ON i.id = ia.image_id JOIN packages p ON p.id = ia.package_id
    WHERE i.project_id = $1 AND (ia.advisory = $2 OR $2 = ANY (ia.aliases))
    ORDER BY i.id, ia.advisory, p.id LIMIT 5000"
);

#[cfg(test)]
mod tests {
    /// Regression guard for SQL injection: every statement of the crate is a constant; no source file
    /// builds SQL text with `format!` or string concatenation at run time.
    #[test]
    fn sql_injection_no_sql_text_built_at_run_time() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let keywords = ["SELECT ", "INSERT ", "UPDATE ", "DELETE ", " WHERE "];
        let mut checked = 0;
        for entry in fs_err::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            let Ok(text) = fs_err::read_to_string(&path) else { continue };
            checked += 1;
            // The code, not the tests (which name the patterns they look for).
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (n, line) in code.lines().enumerate() {
                let builds = line.contains("format!(") || line.contains("push_str(") || line.contains(" + &");
                if builds && keywords.iter().any(|k| line.to_ascii_uppercase().contains(k)) {
                    panic!("{}:{}: SQL built at run time: {line}", path.display(), n + 1);
                }
            }
            // Every query call takes a constant from this module or a literal.
            for (n, line) in code.lines().enumerate() {
                for call in [".query(&format", ".execute(&format", ".query_one(&format", ".query_opt(&format"]
                {
                    assert!(!line.contains(call), "{}:{}: {line}", path.display(), n + 1);
                }
            }
        }
        assert!(checked >= 5, "the source files were not found");
    }

    #[test]
    fn statements_use_positional_parameters_only() {
        for s in [super::FINDINGS, super::CLAIM, super::FAIL_JOB, super::HEARTBEAT, super::LIST_IMAGES] {
            assert!(s.contains("$1"));
            assert!(!s.contains('{') || s.contains("'{}'"), "{s}");
        }
    }
}
