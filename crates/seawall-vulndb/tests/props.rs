//! Property tests: record parsers never panic; range evaluation agrees with interval arithmetic.

use proptest::prelude::*;
use seawall_vulndb::osv::{Affected, AffectedPackage, Event, Range};
use seawall_vulndb::{fuzz_record, is_affected, parse_records};

fn ev(introduced: Option<&str>, fixed: Option<&str>, last: Option<&str>) -> Event {
    Event {
        introduced: introduced.map(str::to_string),
        fixed: fixed.map(str::to_string),
        last_affected: last.map(str::to_string),
        limit: None,
    }
}

fn entry(eco: &str, kind: &str, events: Vec<Event>) -> Affected {
    Affected {
        package: Some(AffectedPackage { ecosystem: eco.into(), name: "p".into(), purl: None }),
        ranges: vec![Range { kind: kind.into(), repo: None, events }],
        ..Default::default()
    }
}

fn ver() -> impl Strategy<Value = (u8, u8, u8)> {
    (0u8..4, 0u8..4, 0u8..4)
}

fn s((a, b, c): (u8, u8, u8)) -> String {
    format!("{a}.{b}.{c}")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn parse_records_never_panics(data in proptest::collection::vec(any::<u8>(), 0..512), yaml in any::<bool>()) {
        let _ = parse_records(if yaml { "x.yaml" } else { "x.json" }, &data);
        fuzz_record(&data);
    }

    #[test]
    fn parse_records_never_panics_on_near_json(
        id in "[A-Z]{1,5}-[0-9]{1,4}",
        v1 in "[0-9a-z.~:+-]{0,8}",
        v2 in "[0-9a-z.~:+-]{0,8}",
        eco in "(PyPI|Debian:12|Alpine:v3.19|npm|Go|Maven|Red Hat|crates.io|Whatever)",
        kind in "(ECOSYSTEM|SEMVER|GIT|X)",
        probe in "[0-9a-z.~:+-]{0,8}",
    ) {
        let json = format!(
            r#"{{"id":"{id}","affected":[{{"package":{{"ecosystem":"{eco}","name":"p"}},"versions":["{v1}"],
            "ranges":[{{"type":"{kind}","events":[{{"introduced":"{v1}"}},{{"fixed":"{v2}"}},{{"limit":"{v2}"}}]}}]}}]}}"#
        );
        if let Ok(recs) = parse_records("a.json", json.as_bytes()) {
            for r in recs {
                for a in &r.affected {
                    let _ = is_affected(&probe, a);
                }
            }
        }
    }

    /// One introduced/fixed pair is the half-open interval [introduced, fixed) (empty when equal).
    #[test]
    fn single_pair_is_half_open_interval(lo in ver(), hi in ver(), v in ver(), semver in any::<bool>()) {
        prop_assume!(lo <= hi);
        let (eco, kind) = if semver { ("npm", "SEMVER") } else { ("PyPI", "ECOSYSTEM") };
        let a = entry(eco, kind, vec![ev(Some(&s(lo)), None, None), ev(None, Some(&s(hi)), None)]);
        prop_assert_eq!(is_affected(&s(v), &a), lo <= v && v < hi);
    }

    /// introduced + last_affected is the closed interval; events may come in any order.
    #[test]
    fn last_affected_is_closed_interval(lo in ver(), hi in ver(), v in ver()) {
        prop_assume!(lo <= hi);
        let a = entry("crates.io", "SEMVER", vec![ev(None, None, Some(&s(hi))), ev(Some(&s(lo)), None, None)]);
        prop_assert_eq!(is_affected(&s(v), &a), lo <= v && v <= hi);
    }

    /// Two disjoint or adjacent intervals, events shuffled: affected iff inside either.
    #[test]
    fn two_intervals(mut b in proptest::collection::vec(ver(), 4), v in ver()) {
        b.sort();
        prop_assume!(b[0] < b[1] && b[2] < b[3]);
        let a = entry("PyPI", "ECOSYSTEM", vec![
            ev(None, Some(&s(b[3])), None),
            ev(Some(&s(b[0])), None, None),
            ev(Some(&s(b[2])), None, None),
            ev(None, Some(&s(b[1])), None),
        ]);
        let expect = (b[0] <= v && v < b[1]) || (b[2] <= v && v < b[3]);
        prop_assert_eq!(is_affected(&s(v), &a), expect);
    }
}
