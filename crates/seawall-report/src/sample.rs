//! A small, fixed report that exercises every field, with a matching rule catalog.
//!
//! Used by the snapshot and schema tests of this crate and handy for trying the formats
//! (`seawall_report::sample::report()`).

use seawall_core::{
    Cvss, Finding, FindingKind, LayerInfo, Location, ModelFile, OsInfo, Package, PackageRef, Report,
    RuleMeta, ScanWarning, ScannerStatus, Severity, SourcePackage, Target, TargetKind,
};

/// Rules referenced by [`report`].
pub static RULES: &[RuleMeta] = &[
    RuleMeta {
        id: "SW-DF-001",
        kind: FindingKind::Misconfiguration,
        severity: Severity::High,
        practice: 4,
        title: "Image runs as root",
        rationale: "A process running as **root** inside the container is root on the host's kernel: one \
                    container escape away from the host.",
        fix: "Create an unprivileged user and switch to it:\n\n```dockerfile\nRUN useradd -r -u 10001 app\nUSER 10001\n```",
        references: &["https://docs.docker.com/build/building/best-practices/#user"],
    },
    RuleMeta {
        id: "SW-SEC-010",
        kind: FindingKind::Secret,
        severity: Severity::Critical,
        practice: 6,
        title: "Hugging Face access token",
        rationale: "A token in an image layer can be read by anyone who can pull the image, even after a later \
                    layer deletes the file.",
        fix: "Revoke the token, then pass it at build time with `RUN --mount=type=secret`.",
        references: &["https://docs.docker.com/build/building/secrets/"],
    },
    RuleMeta {
        id: "SW-MOD-001",
        kind: FindingKind::Model,
        severity: Severity::Critical,
        practice: 1,
        title: "Pickle model calls a dangerous function",
        rationale: "Loading a pickle runs the callables it names; `os.system` means arbitrary code execution.",
        fix: "Convert the model to safetensors, or load it with `torch.load(..., weights_only=True)`.",
        references: &["https://huggingface.co/docs/hub/security-pickle"],
    },
    RuleMeta {
        id: "SW-CMP-003",
        kind: FindingKind::Misconfiguration,
        severity: Severity::Medium,
        practice: 5,
        title: "Jupyter published on all interfaces",
        rationale: "A notebook server reachable from the network is a remote shell.",
        fix: "Publish on 127.0.0.1 only: `ports: [\"127.0.0.1:8888:8888\"]`.",
        references: &[],
    },
];

fn loc(path: &str, layer: u32) -> Location {
    Location::file(path).with_layer(Some(layer))
}

/// The sample report (already normalised).
pub fn report() -> Report {
    let mut target = Target::new(TargetKind::Image, "registry.example/acme/ml-api:1.4");
    target.digest = Some("sha256:4f2a9c7e1b3d5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8".into());
    target.os = Some(OsInfo {
        id: "debian".into(),
        version_id: "12".into(),
        pretty_name: Some("Debian GNU/Linux 12 (bookworm)".into()),
        version_codename: Some("bookworm".into()),
    });
    target.layers = vec![
        LayerInfo {
            index: 0,
            diff_id: "sha256:1111111111111111111111111111111111111111111111111111111111111111".into(),
            digest: None,
            size: 29_000_000,
            created_by: Some("/bin/sh -c #(nop) ADD file:abc in / ".into()),
        },
        LayerInfo {
            index: 1,
            diff_id: "sha256:2222222222222222222222222222222222222222222222222222222222222222".into(),
            digest: None,
            size: 310_000_000,
            created_by: Some("RUN /bin/sh -c pip install -r requirements.txt".into()),
        },
        LayerInfo {
            index: 2,
            diff_id: "sha256:3333333333333333333333333333333333333333333333333333333333333333".into(),
            digest: None,
            size: 52_000,
            created_by: Some("COPY model.pkl /models/ # buildkit".into()),
        },
    ];
    let mut r = Report::new(target);
    r.tool.version = "0.0.0-sample".into();
    r.scanners = seawall_core::Scanner::ALL.iter().map(|n| ScannerStatus::complete(*n)).collect();

    let mut openssl =
        Package::new("libssl3", "3.0.11-1~deb12u2", "Debian:12", loc("/var/lib/dpkg/status", 0));
    openssl.purl = Some("pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12".into());
    openssl.source = Some(SourcePackage { name: "openssl".into(), version: "3.0.11-1~deb12u2".into() });
    let mut pillow = Package::new(
        "pillow",
        "9.4.0",
        "PyPI",
        loc("/usr/local/lib/python3.11/site-packages/Pillow-9.4.0.dist-info/METADATA", 1),
    );
    pillow.purl = Some("pkg:pypi/pillow@9.4.0".into());
    pillow.properties.insert("license".into(), "HPND".into());
    let mut numpy =
        Package::new("numpy", "1.26.4", "conda", loc("/opt/conda/conda-meta/numpy-1.26.4-py311.json", 1))
            .with_property("conda.channel", "conda-forge")
            .with_property("conda.build", "py311h64a7726_0");
    numpy.purl = Some("pkg:conda/numpy@1.26.4?channel=conda-forge".into());
    r.packages = vec![openssl, pillow, numpy];

    r.models = vec![
        ModelFile {
            location: loc("/models/model.pkl", 2),
            format: "pickle".into(),
            framework: Some("sklearn".into()),
            size: 51_234,
            verdict: seawall_core::ModelVerdict::Unsafe,
        },
        ModelFile {
            location: loc("/models/encoder.safetensors", 2),
            format: "safetensors".into(),
            framework: None,
            size: 1_024,
            verdict: seawall_core::ModelVerdict::Safe,
        },
    ];

    let mut v1 = Finding::new(
        FindingKind::Vulnerability,
        "GHSA-3f63-hfp8-52jq",
        Severity::Critical,
        7,
        "Arbitrary code execution in PIL.ImageMath.eval",
    )
    .with_location(loc("/usr/local/lib/python3.11/site-packages/Pillow-9.4.0.dist-info/METADATA", 1))
    .with_message("pillow 9.4.0 is affected (introduced 0, fixed 10.2.0)");
    v1.aliases = vec!["CVE-2023-50447".into(), "PYSEC-2024-10".into()];
    v1.cvss = vec![Cvss {
        version: "3.1".into(),
        vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H".into(),
        score: 8.1,
    }];
    v1.package =
        Some(PackageRef { name: "pillow".into(), version: "9.4.0".into(), ecosystem: "PyPI".into() });
    v1.fixed_versions = vec!["10.2.0".into()];
    v1.status = Some(seawall_core::FixStatus::Fixed);
    v1.references = vec!["https://github.com/advisories/GHSA-3f63-hfp8-52jq".into()];

    let mut v2 = Finding::new(
        FindingKind::Vulnerability,
        "CVE-2024-5535",
        Severity::Low,
        7,
        "SSL_select_next_proto buffer overread",
    )
    .with_location(loc("/var/lib/dpkg/status", 0));
    v2.package = Some(PackageRef {
        name: "libssl3".into(),
        version: "3.0.11-1~deb12u2".into(),
        ecosystem: "Debian:12".into(),
    });
    v2.status = Some(seawall_core::FixStatus::Unfixed);

    let mut secret =
        Finding::new(FindingKind::Secret, "SW-SEC-010", Severity::Critical, 6, "Hugging Face access token")
            .with_location(loc("/root/.cache/huggingface/token", 1).with_line(1).with_column(1))
            .with_message("token removed by a later layer but still readable in layer 1");
    secret.redacted = Some("hf_A…(37 chars)".into());
    secret.deleted_in_layer = Some(2);

    let mut model = Finding::new(
        FindingKind::Model,
        "SW-MOD-001",
        Severity::Critical,
        1,
        "Pickle model calls a dangerous function",
    )
    .with_location(loc("/models/model.pkl", 2))
    .with_message("GLOBAL posix.system reached by REDUCE");
    model.callables = vec!["posix.system".into()];
    model.opcode_offset = Some(112);
    model.format = Some("pickle".into());

    let root =
        Finding::new(FindingKind::Misconfiguration, "SW-DF-001", Severity::High, 4, "Image runs as root")
            .with_location(Location::file("Dockerfile").with_line(12).with_column(1))
            .with_message("no USER instruction; the image config user is empty");

    let jupyter = Finding::new(
        FindingKind::Misconfiguration,
        "SW-CMP-003",
        Severity::Medium,
        5,
        "Jupyter published on all interfaces",
    )
    .with_location(Location::file("docker-compose.yml").with_line(8))
    .with_detail("service", "notebook");

    let mut live =
        Finding::new(FindingKind::Misconfiguration, "SW-DF-001", Severity::High, 4, "Image runs as root");
    live.location =
        Location { path: "config.user".into(), container: Some("ml-api-1".into()), ..Location::default() };

    r.findings = vec![v1, v2, secret, model, root, jupyter, live];

    let mut sup = Finding::new(FindingKind::Vulnerability, "CVE-2023-44271", Severity::High, 7, "Pillow DoS")
        .with_location(loc("/usr/local/lib/python3.11/site-packages/Pillow-9.4.0.dist-info/METADATA", 1));
    sup.package =
        Some(PackageRef { name: "pillow".into(), version: "9.4.0".into(), ecosystem: "PyPI".into() });
    sup.fixed_versions = vec!["10.0.0".into()];
    sup.suppression = Some(seawall_core::Suppression {
        by: seawall_core::SuppressedBy::Vex,
        source: Some("https://acme.example/vex/2026-01".to_string()),
        reason: Some("not_affected: vulnerable_code_not_in_execute_path".to_string()),
    });
    r.suppressed = vec![sup];
    r.warnings = vec![ScanWarning::at("walker", loc("/opt/huge.bin", 1), "file larger than 4 GiB skipped")];
    r.normalize();
    r
}

/// A previous version of [`report`] for delta tests: the root finding was not there, and an old
/// finding has since been fixed.
pub fn baseline() -> Report {
    let mut r = report();
    r.findings.retain(|f| f.id != "SW-DF-001" || f.location.container.is_some());
    r.findings.push(
        Finding::new(
            FindingKind::Misconfiguration,
            "SW-CMP-003",
            Severity::Medium,
            5,
            "Jupyter published on all interfaces",
        )
        .with_location(Location::file("compose.override.yml").with_line(20))
        .with_detail("service", "lab"),
    );
    r.normalize();
    r
}
