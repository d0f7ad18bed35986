//! Property tests: no engine panics on any input, comparison is antisymmetric and reflexive on
//! arbitrary strings, and transitive on well-formed versions of each ecosystem.

use std::cmp::Ordering;

use proptest::prelude::*;
use seawall_version::{Engine, Version, fuzz_compare};

const ENGINES: [Engine; 7] =
    [Engine::Pep440, Engine::Dpkg, Engine::Apk, Engine::Rpm, Engine::Semver, Engine::Maven, Engine::Fallback];

/// Version-ish strings built from the characters that matter to the engines.
fn versionish() -> impl Strategy<Value = String> {
    "[0-9a-zA-Z.~^+_:!-]{0,16}"
}

/// Well-formed versions per engine, for transitivity.
fn well_formed(engine: Engine) -> BoxedStrategy<String> {
    match engine {
        Engine::Pep440 => {
            "([0-9]!)?[0-9]{1,2}(\\.[0-9]{1,2}){0,3}((a|b|rc)[0-9])?(\\.post[0-9])?(\\.dev[0-9])?".boxed()
        }
        Engine::Dpkg => {
            "([0-9]:)?[0-9]{1,2}(\\.[0-9a-z]{1,2}){0,3}(~[a-z0-9]{1,3})?(-[0-9a-z.~+]{1,4})?".boxed()
        }
        Engine::Apk => {
            "[0-9]{1,2}(\\.[0-9]{1,2}){0,3}[a-z]?(_(alpha|beta|rc|p|git)[0-9]?)?(-r[0-9])?".boxed()
        }
        Engine::Rpm => {
            "([0-9]:)?[0-9a-z]{1,3}(\\.[0-9a-z]{1,3}){0,3}(~[a-z0-9]{1,2})?(-[0-9a-z.]{1,5})?".boxed()
        }
        Engine::Semver => {
            "v?[0-9]{1,2}\\.[0-9]{1,2}\\.[0-9]{1,2}(-[a-z0-9]{1,3}(\\.[a-z0-9]{1,3}){0,2})?".boxed()
        }
        Engine::Maven => {
            "[0-9]{1,2}(\\.[0-9]{1,2}){0,3}(-(alpha|beta|rc|SNAPSHOT|sp|[0-9])(-?[0-9])?)?".boxed()
        }
        Engine::Fallback => "[0-9a-z.]{0,10}".boxed(),
    }
}

fn engine_and_versions(min: usize, max: usize) -> impl Strategy<Value = (usize, Vec<String>)> {
    (0usize..ENGINES.len())
        .prop_flat_map(move |i| (Just(i), proptest::collection::vec(well_formed(ENGINES[i]), min..max)))
}

fn cmp(e: Engine, a: &str, b: &str) -> Ordering {
    Version::parse(e, a).compare(&Version::parse(e, b))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics_on_bytes(data in proptest::collection::vec(any::<u8>(), 0..64)) {
        fuzz_compare(&data);
    }

    #[test]
    fn antisymmetric_and_reflexive(a in versionish(), b in versionish()) {
        for e in ENGINES {
            prop_assert_eq!(cmp(e, &a, &a), Ordering::Equal, "{:?} reflexive {}", e, a);
            prop_assert_eq!(cmp(e, &a, &b), cmp(e, &b, &a).reverse(), "{:?} {} {}", e, a, b);
        }
    }

    #[test]
    fn transitive_on_well_formed((idx, vs) in engine_and_versions(3, 4)) {
        let e = ENGINES[idx];
        let (a, b, c) = (&vs[0], &vs[1], &vs[2]);
        let ab = cmp(e, a, b);
        let bc = cmp(e, b, c);
        let ac = cmp(e, a, c);
        if ab != Ordering::Greater && bc != Ordering::Greater {
            prop_assert_ne!(ac, Ordering::Greater, "{:?}: {} <= {} <= {} but {} > {}", e, a, b, c, a, c);
        }
        if ab == Ordering::Equal && bc == Ordering::Equal {
            prop_assert_eq!(ac, Ordering::Equal);
        }
    }

    #[test]
    fn sorting_is_consistent((idx, vs) in engine_and_versions(2, 12)) {
        let e = ENGINES[idx];
        let mut vs: Vec<Version> = vs.iter().map(|s| Version::parse(e, s)).collect();
        vs.sort_by(|a, b| a.compare(b));
        for i in 0..vs.len() {
            for j in i + 1..vs.len() {
                prop_assert_ne!(vs[i].compare(&vs[j]), Ordering::Greater, "{:?} {:?}", vs[i], vs[j]);
            }
        }
    }
}
