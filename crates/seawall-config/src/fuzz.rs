//! Fuzz entry points: one per parser, each taking arbitrary bytes and never panicking. Wire them to
//! `cargo fuzz` targets as `fuzz_target!(|d: &[u8]| seawall_config::fuzz::dockerfile(d));`.

use seawall_core::Location;

use crate::ConfigOptions;

fn text(data: &[u8]) -> String {
    String::from_utf8_lossy(data).into_owned()
}

/// Dockerfile parser and checks.
pub fn dockerfile(data: &[u8]) {
    let _ = crate::dockerfile::check_dockerfile(
        &Location::file("Dockerfile"),
        &text(data),
        &ConfigOptions::default(),
    );
}

/// Compose parser, checks and graph renderers.
pub fn compose(data: &[u8]) {
    let t = text(data);
    let _ = crate::compose::check_compose(&Location::file("compose.yaml"), &t);
    if let Ok(g) = crate::compose::compose_graph(&t, &Location::file("compose.yaml")) {
        let _ = (g.to_dot(), g.to_mermaid(), g.to_svg());
    }
}

/// Splits fuzz input into up to `names.len()` files at NUL bytes.
fn files<'a>(data: &'a [u8], names: &[&'a str]) -> Vec<(String, String)> {
    data.split(|b| *b == 0).zip(names).map(|(d, n)| ((*n).to_string(), text(d))).collect()
}

fn project(files: &[(String, String)]) {
    let locs: Vec<Location> = files.iter().map(|(n, _)| Location::file(n.clone())).collect();
    let inputs: Vec<crate::project::Input<'_>> =
        files.iter().zip(&locs).map(|((_, t), l)| crate::project::Input { location: l, text: t }).collect();
    let _ = crate::project::analyze(&inputs, &ConfigOptions::default());
    let _ = crate::project::compose_graphs(&inputs, &[]);
}

/// Compose project loading: override merge, `include`, `extends`, `.env` interpolation (input: up to
/// four NUL-separated files).
pub fn compose_project(data: &[u8]) {
    project(&files(data, &["app/compose.yaml", "app/compose.override.yaml", "app/common.yaml", "app/.env"]));
}

/// Kustomize builds: base, overlay and patch (input: up to four NUL-separated files).
pub fn kustomize(data: &[u8]) {
    project(&files(
        data,
        &["base/kustomization.yaml", "base/app.yaml", "overlay/kustomization.yaml", "overlay/patch.yaml"],
    ));
}

/// Helm chart fallback: `Chart.yaml`, `values.yaml` and a template (NUL-separated).
pub fn helm_values(data: &[u8]) {
    project(&files(data, &["chart/Chart.yaml", "chart/values.yaml", "chart/templates/x.yaml"]));
}

/// Kubernetes manifest parser and checks.
pub fn kubernetes(data: &[u8]) {
    let _ = crate::k8s::check_k8s(&Location::file("k8s.yaml"), &text(data));
}

/// daemon.json, systemd unit and NVIDIA runtime config parsers.
pub fn daemon(data: &[u8]) {
    let t = text(data);
    let l = Location::file("x");
    let _ = crate::daemon::check_daemon_json(&l, &t);
    let _ = crate::daemon::check_systemd_unit(&l, &t);
    let _ = crate::daemon::check_nvidia_runtime_config(&l, &t);
}

/// `.dockerignore` parser and the build-context check.
pub fn build_context(data: &[u8]) {
    let t = text(data);
    let ignore = crate::context::DockerIgnore::parse(&t);
    let _ = ignore.excluded(".env");
    let files: Vec<&str> = t.lines().take(64).collect();
    let _ = crate::context::check_build_context(&Location::file("Dockerfile"), &t, Some(&t), &files);
}

/// Image account files (`/etc/passwd`, `/etc/group`, `/etc/shadow`).
pub fn accounts(data: &[u8]) {
    let t = text(data);
    let l = Location::file("/etc/passwd");
    let _ = crate::image::check_shadow(&l, &t);
    let _ = crate::image::check_duplicate_ids(&crate::catalog::image::IMG_DUP_UID, &l, &t, "UID");
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn all_entry_points_survive_bytes(b in proptest::collection::vec(any::<u8>(), 0..400)) {
            super::dockerfile(&b);
            super::compose(&b);
            super::kubernetes(&b);
            super::daemon(&b);
            super::accounts(&b);
            super::build_context(&b);
            super::compose_project(&b);
            super::kustomize(&b);
            super::helm_values(&b);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn project_parsers_survive_yaml_shaped_input(s in "(resources|patches|bases|images|namespace|services|include|extends|file|service|ports|image|apiVersion|kind|metadata|name|spec|template|containers|values|securityContext|op|path|value|\\$\\{[A-Z]+(:-x)?\\}|\\.\\./|:|-|\\n|  |\\[|\\]|\\{|\\}|\\x00|[a-z0-9./]){0,120}") {
            super::compose_project(s.as_bytes());
            super::kustomize(s.as_bytes());
            super::helm_values(s.as_bytes());
        }
    }
}
