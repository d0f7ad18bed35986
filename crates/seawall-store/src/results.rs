//! Results: the report bytes, completeness, counts, and the inventory and findings row by row.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;

use seawall_core::{FindingKind, Report, Severity};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    Counts, FindingFilter, FindingRow, ImageSummary, NewResult, PackageHit, Page, ResultSummary, Store,
    StoreError, Stored, sql,
};

/// Finding and package counts of a report.
pub fn counts_of(report: &Report) -> Counts {
    let mut c = Counts { packages: report.packages.len() as i64, ..Default::default() };
    for f in &report.findings {
        c.findings += 1;
        match f.severity {
            Severity::Critical => c.critical += 1,
            Severity::High => c.high += 1,
            Severity::Medium => c.medium += 1,
            Severity::Low => c.low += 1,
            Severity::Info => c.info += 1,
        }
        match f.kind {
            FindingKind::Vulnerability => c.vulnerabilities += 1,
            FindingKind::Secret => c.secrets += 1,
            FindingKind::Model => c.models += 1,
            FindingKind::Misconfiguration => c.misconfigurations += 1,
        }
    }
    c
}

fn severity_rank(s: Severity) -> i16 {
    match s {
        Severity::Info => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

/// zstd level for stored reports: fast, and JSON reports shrink ~8x.
const ZSTD_LEVEL: i32 = 3;
/// Decompressed reports above this are refused (a corrupt or hostile row must not exhaust memory).
const MAX_REPORT_BYTES: u64 = 1 << 30;

pub(crate) fn compress(bytes: &[u8]) -> Result<Vec<u8>, StoreError> {
    zstd::encode_all(bytes, ZSTD_LEVEL).map_err(|e| StoreError::Corrupt(format!("compression failed: {e}")))
}

pub(crate) fn decompress(bytes: &[u8], sha256: &str) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::new();
    zstd::Decoder::new(bytes)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .take(MAX_REPORT_BYTES + 1)
        .read_to_end(&mut out)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if out.len() as u64 > MAX_REPORT_BYTES {
        return Err(StoreError::Corrupt("stored report exceeds 1 GiB".into()));
    }
    if hex::encode(Sha256::digest(&out)) != sha256 {
        return Err(StoreError::Corrupt("stored report does not match its SHA-256".into()));
    }
    Ok(out)
}

/// A stored report.
#[derive(Debug, Clone)]
pub struct StoredReport {
    /// Result id.
    pub result_id: i64,
    /// The JSON bytes exactly as rendered.
    pub json: Vec<u8>,
    /// Their hex SHA-256 (the base of ETags).
    pub sha256: String,
}

fn summary_from(r: &tokio_postgres::Row, at: usize) -> ResultSummary {
    let completeness: serde_json::Value = r.get(at + 4);
    let counts: serde_json::Value = r.get(at + 5);
    ResultSummary {
        result_id: r.get(at),
        digest: r.get(at + 1),
        origin: r.get(at + 2),
        complete: r.get(at + 3),
        // An unreadable stored verdict reads as incomplete, never as complete.
        completeness: serde_json::from_value(completeness).unwrap_or_else(|_| seawall_core::Completeness {
            status: seawall_core::CompletenessStatus::Incomplete,
            reasons: Vec::new(),
        }),
        counts: serde_json::from_value(counts).unwrap_or_default(),
        scanner: r.get(at + 6),
        db_version: r.get(at + 7),
        layers_walked: r.get(at + 8),
        layers_cached: r.get(at + 9),
        created_at: r.get(at + 10),
        worker: r.get(at + 11),
    }
}

fn image_from(r: &tokio_postgres::Row) -> (i64, ImageSummary) {
    let has_result: bool = r.get(5);
    (
        r.get(0),
        ImageSummary {
            digest: r.get(1),
            config_digest: r.get(2),
            reference: r.get(3),
            updated_at: r.get(4),
            latest: has_result.then(|| summary_from(r, 6)),
        },
    )
}

fn hit_from(r: &tokio_postgres::Row) -> (i64, PackageHit) {
    let purl: Option<String> = r.get(6);
    (
        r.get(0),
        PackageHit {
            digest: r.get(1),
            reference: r.get(2),
            ecosystem: r.get::<_, Option<String>>(3).unwrap_or_default(),
            name: r.get::<_, Option<String>>(4).unwrap_or_default(),
            version: r.get::<_, Option<String>>(5).unwrap_or_default(),
            purl: purl.filter(|p| !p.is_empty()),
        },
    )
}

/// Parses a numeric cursor (`None` → start).
pub fn parse_id_cursor(cursor: Option<&str>) -> Result<i64, StoreError> {
    match cursor {
        None | Some("") => Ok(0),
        Some(c) => c.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            StoreError::Invalid(format!("invalid cursor {c:?}: expected the next_cursor of a page"))
        }),
    }
}

/// Parses a findings cursor `RESULT.ORDINAL`.
pub fn parse_finding_cursor(cursor: Option<&str>) -> Result<(i64, i32), StoreError> {
    match cursor {
        None | Some("") => Ok((0, -1)),
        Some(c) => c
            .split_once('.')
            .and_then(|(a, b)| Some((a.parse::<i64>().ok()?, b.parse::<i32>().ok()?)))
            .filter(|(a, b)| *a >= 0 && *b >= 0)
            .ok_or_else(|| {
                StoreError::Invalid(format!("invalid cursor {c:?}: expected the next_cursor of a page"))
            }),
    }
}

impl Store {
    /// The id of an existing worker result for (digest, scanner, DB version) in a project.
    pub async fn existing_result(
        &self,
        project_id: i64,
        digest: &str,
        scanner: &str,
        db_version: Option<&str>,
    ) -> Result<Option<i64>, StoreError> {
        let c = self.client().await?;
        Ok(c.query_opt(sql::EXISTING_WORKER_RESULT, &[&project_id, &digest, &scanner, &db_version])
            .await?
            .map(|r| r.get(0)))
    }

    /// Stores a result in one transaction. With `job = Some((id, worker))` the job is completed in the
    /// same transaction, and nothing is stored unless the worker still holds the job's lease (so a job
    /// has exactly one result even when a lease expired under a slow worker). Returns `None` in that
    /// lost-lease case.
    pub async fn store_result(
        &self,
        new: &NewResult<'_>,
        job: Option<(Uuid, &str)>,
    ) -> Result<Option<Stored>, StoreError> {
        // Recomputed, not trusted from the report's own field (uploads come from elsewhere).
        let completeness = new.report.compute_completeness();
        let complete = completeness.is_complete();
        let counts =
            serde_json::to_value(counts_of(new.report)).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let reasons = serde_json::to_value(&completeness).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let compressed = compress(new.report_json)?;
        let sha = hex::encode(Sha256::digest(new.report_json));

        // Distinct package identities, sorted (a fixed insert order avoids deadlocks between workers).
        let mut keys: BTreeSet<(&str, &str, &str, &str)> = BTreeSet::new();
        for p in &new.report.packages {
            keys.insert((&p.ecosystem, &p.name, &p.version, p.purl.as_deref().unwrap_or("")));
        }
        let (mut ecos, mut names, mut versions, mut purls) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (e, n, v, p) in &keys {
            ecos.push(*e);
            names.push(*n);
            versions.push(*v);
            purls.push(*p);
        }

        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let image_id: i64 = tx
            .query_one(sql::UPSERT_IMAGE, &[&new.project_id, &new.digest, &new.config_digest, &new.reference])
            .await?
            .get(0);
        let inserted = tx
            .query_opt(
                sql::INSERT_RESULT,
                &[
                    &new.project_id,
                    &image_id,
                    &new.origin.as_str(),
                    &new.scanner,
                    &new.db_version,
                    &complete,
                    &reasons,
                    &counts,
                    &compressed,
                    &sha,
                    &new.layers_walked,
                    &new.layers_cached,
                    &new.worker,
                ],
            )
            .await?;
        let stored = match inserted {
            Some(row) => {
                let result_id: i64 = row.get(0);
                tx.execute(sql::UPSERT_PACKAGES, &[&ecos, &names, &versions, &purls]).await?;
                let rows = tx.query(sql::PACKAGE_IDS, &[&ecos, &names, &versions, &purls]).await?;
                let mut ids: Vec<i64> = Vec::with_capacity(rows.len());
                let mut by_name: BTreeMap<(String, String, String), i64> = BTreeMap::new();
                for r in &rows {
                    let id: i64 = r.get(0);
                    ids.push(id);
                    by_name.entry((r.get(1), r.get(2), r.get(3))).or_insert(id);
                }
                tx.execute(sql::INSERT_RESULT_PACKAGES, &[&result_id, &ids]).await?;
                let findings: Vec<serde_json::Value> = new
                    .report
                    .findings
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        let package_id = f.package.as_ref().and_then(|p| {
                            by_name.get(&(p.ecosystem.clone(), p.name.clone(), p.version.clone())).copied()
                        });
                        serde_json::json!({
                            "ordinal": i,
                            "kind": f.kind.as_str(),
                            "rule_id": f.id,
                            "aliases": f.aliases,
                            "severity": f.severity.as_str(),
                            "severity_rank": severity_rank(f.severity),
                            "practice": f.practice,
                            "title": f.title,
                            "path": f.location.path,
                            "layer": f.location.layer,
                            "package_id": package_id,
                            "fingerprint": f.fingerprint,
                        })
                    })
                    .collect();
                let findings = serde_json::Value::Array(findings);
                tx.execute(sql::INSERT_FINDINGS, &[&result_id, &findings]).await?;
                Stored { result_id, existed: false }
            }
            None => {
                let row = tx
                    .query_one(
                        sql::EXISTING_WORKER_RESULT,
                        &[&new.project_id, &new.digest, &new.scanner, &new.db_version],
                    )
                    .await?;
                Stored { result_id: row.get(0), existed: true }
            }
        };
        tx.execute(sql::SET_LATEST, &[&image_id, &stored.result_id]).await?;
        if let Some((job_id, worker)) = job {
            let n =
                tx.execute(sql::COMPLETE_JOB, &[&job_id, &worker, &new.digest, &stored.result_id]).await?;
            if n != 1 {
                tx.rollback().await?;
                return Ok(None);
            }
        }
        tx.commit().await?;
        Ok(Some(stored))
    }

    /// Completes a job with an existing result (the digest had a fresh result already); `false` when
    /// the worker no longer held the lease.
    pub async fn complete_with_existing(
        &self,
        job: Uuid,
        worker: &str,
        digest: &str,
        result_id: i64,
    ) -> Result<bool, StoreError> {
        let c = self.client().await?;
        Ok(c.execute(sql::COMPLETE_JOB, &[&job, &worker, &digest, &result_id]).await? == 1)
    }

    pub(crate) async fn result_summary_with(
        &self,
        c: &tokio_postgres::Client,
        project_id: i64,
        result_id: i64,
    ) -> Result<Option<ResultSummary>, StoreError> {
        Ok(c.query_opt(sql::RESULT_BY_ID, &[&result_id, &project_id]).await?.map(|r| summary_from(&r, 0)))
    }

    /// The latest report of an image (by manifest or config digest) in a project.
    pub async fn latest_report(
        &self,
        project_id: i64,
        digest: &str,
    ) -> Result<Option<StoredReport>, StoreError> {
        let c = self.client().await?;
        let Some(r) = c.query_opt(sql::LATEST_REPORT, &[&project_id, &digest]).await? else {
            return Ok(None);
        };
        let blob: Vec<u8> = r.get(1);
        let sha: String = r.get(2);
        let json = decompress(&blob, &sha)?;
        Ok(Some(StoredReport { result_id: r.get(0), json, sha256: sha }))
    }

    /// The report of one result of the project (the result a job produced) and when it was stored
    /// (RFC 3339, UTC); `None` for unknown ids and results of other projects.
    pub async fn report_of_result(
        &self,
        project_id: i64,
        result_id: i64,
    ) -> Result<Option<(StoredReport, String)>, StoreError> {
        let c = self.client().await?;
        let Some(r) = c.query_opt(sql::REPORT_OF_RESULT, &[&result_id, &project_id]).await? else {
            return Ok(None);
        };
        let blob: Vec<u8> = r.get(1);
        let sha: String = r.get(2);
        let json = decompress(&blob, &sha)?;
        Ok(Some((StoredReport { result_id: r.get(0), json, sha256: sha }, r.get(3))))
    }

    /// One image with its latest result.
    pub async fn image(&self, project_id: i64, digest: &str) -> Result<Option<ImageSummary>, StoreError> {
        let c = self.client().await?;
        Ok(c.query_opt(sql::IMAGE_SUMMARY, &[&project_id, &digest]).await?.map(|r| image_from(&r).1))
    }

    /// Images of a project in id order, `limit` per page.
    pub async fn list_images(
        &self,
        project_id: i64,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<ImageSummary>, StoreError> {
        let after = parse_id_cursor(cursor)?;
        let c = self.client().await?;
        let rows = c.query(sql::LIST_IMAGES, &[&project_id, &after, &(limit + 1)]).await?;
        let mut items: Vec<(i64, ImageSummary)> = rows.iter().map(image_from).collect();
        let next_cursor = if items.len() as i64 > limit {
            items.truncate(limit as usize);
            items.last().map(|(id, _)| id.to_string())
        } else {
            None
        };
        Ok(Page { items: items.into_iter().map(|(_, i)| i).collect(), next_cursor })
    }

    /// Images whose latest result contains package `name` (optionally of one ecosystem, with or
    /// without its release suffix), keeping the versions `keep` accepts; paged by image.
    pub async fn images_with_package(
        &self,
        project_id: i64,
        name: &str,
        ecosystem: Option<&str>,
        keep: &(dyn Fn(&str, &str) -> bool + Sync),
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<PackageHit>, StoreError> {
        const BATCH: i64 = 500;
        let mut after = parse_id_cursor(cursor)?;
        let c = self.client().await?;
        let mut items: Vec<PackageHit> = Vec::new();
        let mut images = 0i64;
        let mut current: Option<i64> = None;
        // Rows are filtered by version after the query, so batches are read until the page is full.
        loop {
            let rows =
                c.query(sql::IMAGES_WITH_PACKAGE, &[&project_id, &name, &ecosystem, &after, &BATCH]).await?;
            let full = rows.len() as i64 == BATCH;
            let first_image: Option<i64> = rows.first().map(|r| r.get(0));
            let last_image: Option<i64> = rows.last().map(|r| r.get(0));
            // A full batch may end in the middle of an image: its rows are read again next time
            // (unless the whole batch is that one image).
            let cut = if full && first_image != last_image { last_image } else { None };
            for r in &rows {
                let (image_id, hit) = hit_from(r);
                if Some(image_id) == cut {
                    break;
                }
                if !keep(&hit.ecosystem, &hit.version) {
                    continue;
                }
                if current != Some(image_id) {
                    if images == limit {
                        return Ok(Page { items, next_cursor: current.map(|i| i.to_string()) });
                    }
                    images += 1;
                    current = Some(image_id);
                }
                items.push(hit);
            }
            match (full, cut, last_image) {
                (true, Some(cut), _) => after = cut - 1,
                (true, None, Some(last)) => after = last,
                _ => return Ok(Page { items, next_cursor: None }),
            }
        }
    }

    /// Images whose latest result has a finding with this id or alias (CVE, GHSA, PYSEC, rule id).
    pub async fn images_with_advisory(
        &self,
        project_id: i64,
        id: &str,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<PackageHit>, StoreError> {
        let after = parse_id_cursor(cursor)?;
        let c = self.client().await?;
        let rows = c.query(sql::IMAGES_WITH_ADVISORY, &[&project_id, &id, &after, &(limit * 4 + 1)]).await?;
        let mut items = Vec::new();
        let mut images: Vec<i64> = Vec::new();
        let mut next_cursor = None;
        for r in &rows {
            let (image_id, hit) = hit_from(r);
            if images.last() != Some(&image_id) {
                if images.len() as i64 == limit {
                    next_cursor = images.last().map(|i| i.to_string());
                    break;
                }
                images.push(image_id);
            }
            items.push(hit);
        }
        Ok(Page { items, next_cursor })
    }

    /// Findings of the latest results of a project's images, filtered, in stable order.
    pub async fn findings(
        &self,
        project_id: i64,
        filter: &FindingFilter,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<FindingRow>, StoreError> {
        let (after_result, after_ordinal) = parse_finding_cursor(cursor)?;
        let c = self.client().await?;
        let rows = c
            .query(
                sql::FINDINGS,
                &[
                    &project_id,
                    &filter.kind,
                    &filter.severities,
                    &filter.practice,
                    &filter.id,
                    &filter.digest,
                    &after_result,
                    &after_ordinal,
                    &(limit + 1),
                ],
            )
            .await?;
        let mut items = Vec::new();
        let mut next_cursor = None;
        for (i, r) in rows.iter().enumerate() {
            if i as i64 == limit {
                break;
            }
            if i as i64 == limit - 1 && rows.len() as i64 > limit {
                next_cursor = Some(format!("{}.{}", r.get::<_, i64>(0), r.get::<_, i32>(1)));
            }
            items.push(FindingRow {
                digest: r.get(2),
                reference: r.get(3),
                kind: r.get(4),
                id: r.get(5),
                aliases: r.get(6),
                severity: r.get(7),
                practice: r.get(8),
                title: r.get(9),
                path: r.get(10),
                layer: r.get(11),
                package: r.get(12),
                version: r.get(13),
                fingerprint: r.get(14),
            });
        }
        Ok(Page { items, next_cursor })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_core::{Finding, Location, Package, Target, TargetKind};

    #[test]
    fn counts_by_severity_and_kind() {
        let mut r = Report::new(Target::new(TargetKind::Image, "x"));
        r.packages.push(Package::new("a", "1", "PyPI", Location::file("/x")));
        r.findings.push(Finding::new(FindingKind::Secret, "S", Severity::High, 6, "s"));
        r.findings.push(Finding::new(FindingKind::Vulnerability, "V", Severity::Critical, 7, "v"));
        let c = counts_of(&r);
        assert_eq!(
            (c.packages, c.findings, c.high, c.critical, c.secrets, c.vulnerabilities),
            (1, 2, 1, 1, 1, 1)
        );
    }

    #[test]
    fn reports_roundtrip_and_detect_corruption() {
        let json = br#"{"schema_version":1}"#;
        let sha = hex::encode(Sha256::digest(json));
        let z = compress(json).unwrap();
        assert_eq!(decompress(&z, &sha).unwrap(), json);
        assert!(decompress(&z, &"0".repeat(64)).is_err());
        assert!(decompress(b"not zstd", &sha).is_err());
    }

    #[test]
    fn cursors_are_validated() {
        assert_eq!(parse_id_cursor(None).unwrap(), 0);
        assert_eq!(parse_id_cursor(Some("42")).unwrap(), 42);
        assert!(parse_id_cursor(Some("1 OR 1=1")).is_err());
        assert!(parse_id_cursor(Some("-5")).is_err());
        assert_eq!(parse_finding_cursor(Some("7.3")).unwrap(), (7, 3));
        assert!(parse_finding_cursor(Some("7;DROP")).is_err());
        assert!(parse_finding_cursor(Some("7")).is_err());
    }
}
