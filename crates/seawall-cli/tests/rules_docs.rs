//! `docs/rules/` is generated from the catalog: it must match what the catalog produces today.

#[test]
fn docs_rules_match_the_catalog() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
    let pages = seawall_scan::registry::markdown_pages();
    let mut stale = Vec::new();
    for (name, text) in &pages {
        match fs_err::read_to_string(dir.join(name)) {
            Ok(on_disk) if &on_disk == text => {}
            _ => stale.push(name.clone()),
        }
    }
    let names: std::collections::BTreeSet<&str> = pages.iter().map(|(n, _)| n.as_str()).collect();
    for e in fs_err::read_dir(&dir).into_iter().flatten().flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with("SW-") && !names.contains(n.as_str()) {
            stale.push(n);
        }
    }
    assert!(
        stale.is_empty(),
        "docs/rules is out of date for {} page(s) (first: {:?}); run `seawall rules --format markdown --output docs/rules`",
        stale.len(),
        stale.first()
    );
}
