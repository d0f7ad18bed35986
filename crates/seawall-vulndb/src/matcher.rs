//! Matching inventory packages against the database, producing `Finding`s.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};
use std::rc::Rc;

use seawall_core::{Finding, FindingKind, OsInfo, Package, PackageRef, Severity};
use seawall_version::{Engine, Version};

use crate::eval::{Hit, Installed, ParsedEntry};
use crate::names::{conda_to_pypi, ecosystem_base, ecosystem_release, normalize_name};
use crate::osv::{Affected, Vulnerability};
use crate::severity::{SeveritySource, severity_of};
use crate::{DbError, VulnDb};

/// Seed practice of vulnerability findings ("Regularly update dependencies").
pub const PRACTICE: u8 = 7;

/// OS ecosystems whose advisories are keyed by the source package.
const SOURCE_KEYED: &[&str] = &["Debian", "Ubuntu", "Alpine", "Wolfi", "Chainguard", "MinimOS"];

/// A parsed record, cached for the duration of one matching run.
pub(crate) struct ParsedRecord {
    pub(crate) vuln: Vulnerability,
    pub(crate) entries: Vec<ParsedEntry>,
}

impl ParsedRecord {
    pub(crate) fn new(vuln: Vulnerability) -> ParsedRecord {
        let entries =
            vuln.affected.iter().enumerate().filter_map(|(i, a)| ParsedEntry::parse(i, a)).collect();
        ParsedRecord { vuln, entries }
    }
}

/// Per-run caches: ids per (ecosystem base, name) and parsed records per id.
#[derive(Default)]
pub(crate) struct Cache {
    ids: HashMap<(String, String), Rc<Vec<String>>>,
    records: HashMap<String, Option<Rc<ParsedRecord>>>,
}

impl Cache {
    pub(crate) fn ids(&mut self, db: &VulnDb, base: &str, name: &str) -> Result<Rc<Vec<String>>, DbError> {
        let key = (base.to_string(), name.to_string());
        if let Some(v) = self.ids.get(&key) {
            return Ok(Rc::clone(v));
        }
        let v = Rc::new(db.ids_for_package(base, name)?);
        self.ids.insert(key, Rc::clone(&v));
        Ok(v)
    }

    pub(crate) fn record(&mut self, db: &VulnDb, id: &str) -> Result<Option<Rc<ParsedRecord>>, DbError> {
        if let Some(r) = self.records.get(id) {
            return Ok(r.clone());
        }
        let r = db.get(id)?.map(|v| Rc::new(ParsedRecord::new(v)));
        self.records.insert(id.to_string(), r.clone());
        Ok(r)
    }
}

/// What a package is looked up as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Query {
    /// Full ecosystem (with release) used for the lookup.
    pub(crate) ecosystem: String,
    /// Normalised name used for the lookup.
    pub(crate) name: String,
    /// Version compared.
    pub(crate) version: String,
    /// `Some("PyPI")` for conda packages matched against PyPI advisories.
    pub(crate) via: Option<&'static str>,
    /// The lookup used the source package.
    pub(crate) via_source: bool,
}

/// The lookup for one package, or `None` when it cannot be matched (conda native library, empty
/// version, …).
pub(crate) fn query_for(p: &Package, os: Option<&OsInfo>) -> Option<Query> {
    if p.version.trim().is_empty() || p.name.trim().is_empty() {
        return None;
    }
    let base = ecosystem_base(&p.ecosystem);
    if base.eq_ignore_ascii_case("conda") {
        let hint = p.properties.get("conda.python_dist").map(|v| v == "true");
        let name = conda_to_pypi(&p.name, hint)?;
        return Some(Query {
            ecosystem: "PyPI".into(),
            name,
            version: p.version.clone(),
            via: Some("PyPI"),
            via_source: false,
        });
    }
    let mut ecosystem = p.ecosystem.clone();
    if ecosystem_release(&ecosystem).is_empty()
        && let Some(os_eco) = os.and_then(OsInfo::osv_ecosystem)
        && ecosystem_base(&os_eco).eq_ignore_ascii_case(base)
    {
        ecosystem = os_eco;
    }
    // RHEL images: OSV's Red Hat ecosystem carries the product stream as release.
    if base.eq_ignore_ascii_case("Red Hat")
        && ecosystem_release(&ecosystem).is_empty()
        && let Some(os) = os.filter(|o| o.id == "rhel")
        && let Some(major) = os.version_id.split('.').next().filter(|m| !m.is_empty())
    {
        ecosystem = format!("Red Hat:enterprise_linux:{major}");
    }
    let base = ecosystem_base(&ecosystem).to_string();
    if SOURCE_KEYED.iter().any(|s| s.eq_ignore_ascii_case(&base))
        && let Some(src) = p.source.as_ref().filter(|s| !s.name.trim().is_empty())
    {
        let version = if src.version.trim().is_empty() { p.version.clone() } else { src.version.clone() };
        return Some(Query {
            name: normalize_name(&base, &src.name),
            ecosystem,
            version,
            via: None,
            via_source: true,
        });
    }
    // Go toolchain versions are recorded as `go1.21.0`; OSV's Go ranges say `1.21.0`.
    let version = match p.version.strip_prefix("go") {
        Some(rest) if base == "Go" && rest.starts_with(|c: char| c.is_ascii_digit()) => rest.to_string(),
        _ => p.version.clone(),
    };
    Some(Query { name: normalize_name(&base, &p.name), ecosystem, version, via: None, via_source: false })
}

/// One record that affects one package.
pub(crate) struct RecordHit {
    pub(crate) record: Rc<ParsedRecord>,
    pub(crate) entries: Vec<usize>,
    pub(crate) fixed: Vec<String>,
}

/// All records that affect `q`.
pub(crate) fn hits_for(db: &VulnDb, cache: &mut Cache, q: &Query) -> Result<Vec<RecordHit>, DbError> {
    let base = ecosystem_base(&q.ecosystem);
    let release = ecosystem_release(&q.ecosystem);
    let ids = cache.ids(db, base, &q.name)?;
    let mut out = Vec::new();
    let mut installed = Installed::new(&q.version);
    for id in ids.iter() {
        let Some(record) = cache.record(db, id)? else {
            continue;
        };
        let mut entries = Vec::new();
        let mut fixed = Vec::new();
        for e in record.entries.iter().filter(|e| e.applies_to(base, release, &q.name)) {
            if let Some(Hit { fixed: f, .. }) = e.check_installed(&mut installed) {
                entries.push(e.index);
                fixed.extend(f);
            }
        }
        if !entries.is_empty() {
            out.push(RecordHit { record: Rc::clone(&record), entries, fixed });
        }
    }
    Ok(out)
}

/// Rank of an id prefix for choosing the primary id of a group (lower wins).
fn id_rank(id: &str) -> u8 {
    let prefix = id.split('-').next().unwrap_or("");
    match prefix {
        "GHSA" => 0,
        "PYSEC" | "RUSTSEC" | "GO" | "OSV" | "MAL" => 1,
        "CVE" => 3,
        _ => 2,
    }
}

/// The deterministic primary id: among the ids of stored records, the best-ranked prefix
/// (`GHSA` < ecosystem databases such as `PYSEC`/`RUSTSEC`/`GO` < distribution advisories such as
/// `DSA`/`USN`/`ALPINE` < `CVE`), ties broken by string order.
pub fn primary_id<'a>(record_ids: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    record_ids.into_iter().min_by(|a, b| id_rank(a).cmp(&id_rank(b)).then_with(|| a.cmp(b)))
}

/// Groups hits whose id sets ({id} ∪ aliases) overlap (union–find).
fn group_hits(hits: Vec<RecordHit>) -> Vec<Vec<RecordHit>> {
    let n = hits.len();
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (i, h) in hits.iter().enumerate() {
        let v = &h.record.vuln;
        for id in std::iter::once(&v.id).chain(v.aliases.iter()).chain(v.upstream.iter()) {
            if let Some(&j) = owner.get(id.as_str()) {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[a] = b;
                }
            } else {
                owner.insert(id.as_str(), i);
            }
        }
    }
    let roots: Vec<usize> = (0..n).map(|i| find(&mut parent, i)).collect();
    let mut groups: Vec<Vec<RecordHit>> = Vec::new();
    let mut index: HashMap<usize, usize> = HashMap::new();
    for (h, root) in hits.into_iter().zip(roots) {
        let g = *index.entry(root).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(h);
    }
    groups
}

fn sort_versions(engine: Engine, v: &mut Vec<String>) {
    let mut parsed: Vec<(Version, String)> = v.drain(..).map(|s| (Version::parse(engine, &s), s)).collect();
    parsed.sort_by(|a, b| a.0.compare(&b.0).then_with(|| a.1.cmp(&b.1)));
    parsed.dedup_by(|a, b| a.1 == b.1);
    v.extend(parsed.into_iter().map(|(_, s)| s));
}

/// Builds the finding for one group of hits on one package.
fn finding_for(p: &Package, q: &Query, group: &[RecordHit]) -> Finding {
    let record_ids: Vec<&str> = group.iter().map(|h| h.record.vuln.id.as_str()).collect();
    let primary = primary_id(record_ids.iter().copied()).unwrap_or("").to_string();
    let main = group.iter().find(|h| h.record.vuln.id == primary).unwrap_or(&group[0]);

    let mut ids: BTreeSet<String> = BTreeSet::new();
    let mut known: Vec<(Severity, SeveritySource)> = Vec::new();
    let mut cvss = Vec::new();
    let mut refs: BTreeSet<String> = BTreeSet::new();
    let mut fixed: Vec<String> = Vec::new();
    for h in group {
        let v = &h.record.vuln;
        ids.insert(v.id.clone());
        ids.extend(v.aliases.iter().cloned());
        ids.extend(v.upstream.iter().cloned());
        let affected: Vec<&Affected> = h.entries.iter().filter_map(|&i| v.affected.get(i)).collect();
        let (s, c, src) = severity_of(v, &affected);
        if src != SeveritySource::Default {
            known.push((s, src));
        }
        for score in c {
            if !cvss.iter().any(|x: &seawall_core::Cvss| x.vector == score.vector) {
                cvss.push(score);
            }
        }
        refs.extend(v.references.iter().map(|r| r.url.clone()).filter(|u| !u.is_empty()));
        fixed.extend(h.fixed.iter().cloned());
    }
    let (severity, source) =
        known.iter().copied().max_by_key(|k| k.0).unwrap_or((Severity::Medium, SeveritySource::Default));
    ids.remove(&primary);
    let engine = Engine::for_ecosystem(&q.ecosystem);
    sort_versions(engine, &mut fixed);

    let mut f = Finding::new(
        FindingKind::Vulnerability,
        primary.clone(),
        severity,
        PRACTICE,
        main.record.vuln.title(),
    );
    f.location = p.locations.first().cloned().unwrap_or_default();
    f.aliases = ids.into_iter().collect();
    f.cvss = cvss;
    f.package =
        Some(PackageRef { name: p.name.clone(), version: p.version.clone(), ecosystem: p.ecosystem.clone() });
    f.status = Some(if fixed.is_empty() {
        seawall_core::FixStatus::Unfixed
    } else {
        seawall_core::FixStatus::Fixed
    });
    f.message = if fixed.is_empty() {
        format!("{} {} is affected by {primary}; no fixed version is known", p.name, p.version)
    } else {
        format!("{} {} is affected by {primary}; fixed in {}", p.name, p.version, fixed.join(", "))
    };
    f.fixed_versions = fixed;
    f.references = refs.into_iter().take(32).collect();
    let mut record_list: Vec<&str> = record_ids;
    record_list.sort_unstable();
    f.details.insert("osv_records".into(), record_list.join(","));
    f.details.insert("matched_ecosystem".into(), q.ecosystem.clone());
    f.details.insert("matched_name".into(), q.name.clone());
    f.details.insert("matched_version".into(), q.version.clone());
    f.details.insert(
        "severity_source".into(),
        match source {
            SeveritySource::Cvss => "cvss",
            SeveritySource::Label => "label",
            SeveritySource::Default => "default",
        }
        .into(),
    );
    if let Some(via) = q.via {
        f.details.insert("matched_via".into(), via.into());
    }
    if q.via_source {
        f.details.insert("source_package".into(), format!("{} {}", q.name, q.version));
    }
    f.ensure_fingerprint();
    f
}

/// Matches `packages` against the database.
///
/// * One indexed query per distinct (ecosystem, name); records are parsed once per call.
/// * OS packages without a release in their ecosystem take it from `os` (`Debian` → `Debian:12`);
///   Debian/Ubuntu/Alpine/Wolfi/Chainguard packages are matched by their source package when the
///   inventory recorded one.
/// * conda packages that are Python distributions are matched against PyPI advisories
///   (`details["matched_via"] = "PyPI"`).
/// * Records that share an id or alias are collapsed into one finding per package; its `id` is
///   [`primary_id`] of the records, `aliases` lists every other id.
///
/// Findings are returned sorted (`Finding::sort_key`).
pub fn match_packages(
    db: &VulnDb,
    packages: &[Package],
    os: Option<&OsInfo>,
) -> Result<Vec<Finding>, DbError> {
    let mut cache = Cache::default();
    let mut findings = Vec::new();
    for p in packages {
        let Some(q) = query_for(p, os) else { continue };
        let hits = hits_for(db, &mut cache, &q)?;
        if hits.is_empty() {
            continue;
        }
        for group in group_hits(hits) {
            findings.push(finding_for(p, &q, &group));
        }
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()).then_with(|| cmp_pkg(a, b)));
    Ok(findings)
}

fn cmp_pkg(a: &Finding, b: &Finding) -> Ordering {
    a.package.cmp(&b.package)
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_core::{Location, SourcePackage};

    #[test]
    fn queries() {
        let go = Package::new("stdlib", "go1.21.0", "Go", Location::file("/usr/local/go/VERSION"));
        assert_eq!(query_for(&go, None).map(|q| q.version).as_deref(), Some("1.21.0"));
        let mut deb = Package::new("libssl3", "3.0.11-1~deb12u2", "Debian", Location::file("s"));
        deb.source = Some(SourcePackage { name: "openssl".into(), version: String::new() });
        let os = OsInfo { id: "debian".into(), version_id: "12".into(), ..Default::default() };
        let q = query_for(&deb, Some(&os)).unwrap_or_else(|| panic!("query"));
        assert_eq!(
            (q.ecosystem.as_str(), q.name.as_str(), q.version.as_str()),
            ("Debian:12", "openssl", "3.0.11-1~deb12u2")
        );
        assert!(q.via_source);
        let rhel = OsInfo { id: "rhel".into(), version_id: "9.3".into(), ..Default::default() };
        let rpm = Package::new("openssl", "1:3.0.7-24.el9", "Red Hat", Location::file("r"));
        assert_eq!(
            query_for(&rpm, Some(&rhel)).map(|q| q.ecosystem).as_deref(),
            Some("Red Hat:enterprise_linux:9")
        );
        let empty = Package::new("x", "", "PyPI", Location::file("r"));
        assert!(query_for(&empty, None).is_none());
        let py = Package::new("Foo.Bar", "1.0", "pypi", Location::file("r"));
        assert_eq!(query_for(&py, None).map(|q| q.name).as_deref(), Some("foo-bar"));
        assert_eq!(primary_id(["CVE-1", "PYSEC-1", "GHSA-x", "DSA-1"]), Some("GHSA-x"));
        assert_eq!(primary_id(["CVE-1", "DSA-1"]), Some("DSA-1"));
    }
}
