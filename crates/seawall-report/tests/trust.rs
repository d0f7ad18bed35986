//! Every report format shows the trust summary (signatures, attestations, base image) when the scan
//! checked them (issue 17).

use seawall_core::{BaseImage, TrustCheck, TrustSummary};
use seawall_report::{Format, RenderContext, render_to_string, sample};

#[test]
fn trust_summary_appears_in_every_format() {
    let mut r = sample::report();
    r.trust = Some(TrustSummary {
        signed: true,
        checks: vec![TrustCheck {
            kind: "signature".into(),
            source: "cosign-signature".into(),
            status: "verified".into(),
            signer: Some("key release.pub".into()),
            predicate_type: None,
            detail: None,
        }],
        base: Some(BaseImage {
            name: "registry.example/base/debian:12".into(),
            digest: Some("sha256:00".into()),
            via: "index".into(),
            layers: 1,
            newer_digest: Some("sha256:11".into()),
        }),
    });
    r.normalize();
    for f in Format::ALL {
        // (HTML escapes `/` as `&#x2f;`.)
        let out = render_to_string(&r, f, &RenderContext::new(sample::RULES)).unwrap().replace("&#x2f;", "/");
        assert!(out.contains("key release.pub"), "{f:?} lacks the signer");
        assert!(out.contains("registry.example/base/debian:12"), "{f:?} lacks the base image");
    }
    // Without trust checks nothing is added.
    let plain =
        render_to_string(&sample::report(), Format::Table, &RenderContext::new(sample::RULES)).unwrap();
    assert!(!plain.contains("Trust:"));
}
