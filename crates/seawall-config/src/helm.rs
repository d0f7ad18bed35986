//! Helm charts: a directory with `Chart.yaml`, its `values*.yaml`, `templates/` (`*.yaml`, `*.tpl`)
//! and `charts/` subcharts are one unit.
//!
//! When a `helm` binary is on `PATH` and the chart is on disk, it is rendered with
//! `helm template` (default values, no cluster access) and the manifests are checked like any
//! others, located at their template file. Otherwise the chart's `values.yaml` settings that map to
//! pod security (`securityContext`, `podSecurityContext`, `hostNetwork`, `image.tag`,
//! `service.type`, secret-like literals) are checked, and the chart is reported as not fully
//! analysed: templates are not rendered, so everything they hard-code is unseen.

use std::path::Path;

use seawall_core::{Finding, ScanWarning};

use crate::ConfigOptions;
use crate::catalog::k8s::*;
use crate::emit::finding;
use crate::project::{Sources, Tree, dir_of, join};
use crate::yaml::{Node, Val, parse_one};

/// The chart a path belongs to: the outermost ancestor directory holding a `Chart.yaml`.
pub(crate) fn chart_of(rel: &str, tree: &Tree<'_>) -> Option<String> {
    let mut dir = dir_of(rel).to_string();
    let mut found = None;
    loop {
        if tree.text(&join(&dir, "Chart.yaml")).is_some() {
            found = Some(dir.clone());
        }
        if dir.is_empty() {
            break;
        }
        dir = dir_of(&dir).to_string();
    }
    found
}

/// `helm` in the directories of [`ConfigOptions::search_path`] (`$PATH`, passed by the binary).
fn helm_on_path(opts: &ConfigOptions) -> Option<std::path::PathBuf> {
    let path = opts.search_path.as_deref()?;
    std::env::split_paths(path).map(|p| p.join("helm")).find(|p| p.is_file())
}

/// Checks one chart (see the module documentation).
pub(crate) fn analyze_chart(
    chart: &str,
    tree: &Tree<'_>,
    srcs: &mut Sources,
    opts: &ConfigOptions,
) -> (Vec<Finding>, Vec<ScanWarning>) {
    let chart_yaml = join(chart, "Chart.yaml");
    let name = tree
        .text(&chart_yaml)
        .and_then(|t| parse_one(t).ok())
        .and_then(|c| c.get("name").and_then(Node::as_str).map(str::to_string))
        .unwrap_or_else(|| chart.to_string());
    let prefix = if chart.is_empty() { String::new() } else { format!("{chart}/") };
    let templates: Vec<&str> = tree
        .paths()
        .filter(|p| {
            p.starts_with(&format!("{prefix}templates/"))
                || p.contains("/charts/") && p.starts_with(&prefix) && p.contains("/templates/")
        })
        .collect();
    if let (Some(helm), Some(root)) = (helm_on_path(opts), opts.project_root.as_deref()) {
        match render(&helm, &root.join(chart)) {
            Ok(text) => return check_rendered(chart, &text, srcs),
            Err(e) => {
                let (f, mut w) = values_only(chart, &name, tree, srcs);
                w.push(ScanWarning::at("config", srcs.file_loc(&chart_yaml), format!("Helm chart {name}: `helm template` failed ({e}); only values.yaml settings were checked, {} template file(s) not analysed", templates.len())));
                return (f, w);
            }
        }
    }
    let (f, mut w) = values_only(chart, &name, tree, srcs);
    w.push(ScanWarning::at(
        "config",
        srcs.file_loc(&chart_yaml),
        format!(
            "Helm chart {name} not fully analysed: `helm` is not on PATH, so its {} template file(s) were not rendered; values.yaml settings were checked. Install helm, or run `helm template` and scan the output",
            templates.len()
        ),
    ));
    (f, w)
}

fn render(helm: &Path, chart: &Path) -> Result<String, String> {
    let out = std::process::Command::new(helm)
        .arg("template")
        .arg("seawall")
        .arg(chart)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).lines().next().unwrap_or("error").to_string());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn zero_lines(n: &mut Node) {
    n.line = 0;
    n.col = 0;
    match &mut n.v {
        Val::Seq(s) => s.iter_mut().for_each(zero_lines),
        Val::Map(m) => m.iter_mut().for_each(|(k, v)| {
            zero_lines(k);
            zero_lines(v);
        }),
        _ => {}
    }
}

/// Checks `helm template` output; each document is located at its `# Source:` template (without a
/// line: rendered lines are not template lines).
fn check_rendered(chart: &str, text: &str, srcs: &mut Sources) -> (Vec<Finding>, Vec<ScanWarning>) {
    let mut docs = Vec::new();
    let mut warnings = Vec::new();
    for chunk in text.split("\n---") {
        let source = chunk.lines().find_map(|l| l.strip_prefix("# Source: ")).unwrap_or("rendered.yaml");
        // `# Source: <chart name>/templates/x.yaml`: re-root on the chart directory
        let rel = join(chart, source.split_once('/').map_or(source, |(_, r)| r));
        match crate::k8s::parse_docs(chunk) {
            Ok(d) => {
                let id = srcs.id(&rel);
                for mut n in d {
                    n.set_src(id);
                    zero_lines(&mut n);
                    docs.push(n);
                }
            }
            Err(e) => warnings.push(ScanWarning::at(
                "config",
                srcs.file_loc(&rel),
                format!("cannot parse rendered template: {e}"),
            )),
        }
    }
    let refs: Vec<&Node> = docs.iter().collect();
    let (mut f, w) = crate::k8s::check_nodes(&refs, srcs, Some(chart));
    for x in &mut f {
        x.details.insert("rendered".into(), "helm template".into());
    }
    warnings.extend(w);
    (f, warnings)
}

fn values_only(
    chart: &str,
    name: &str,
    tree: &Tree<'_>,
    srcs: &mut Sources,
) -> (Vec<Finding>, Vec<ScanWarning>) {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    let values = join(chart, "values.yaml");
    let Some(text) = tree.text(&values) else { return (out, warnings) };
    let mut root = match parse_one(text) {
        Ok(r) => r,
        Err(e) => {
            warnings.push(ScanWarning::at(
                "config",
                srcs.file_loc(&values),
                format!("cannot parse values.yaml: {e}"),
            ));
            return (out, warnings);
        }
    };
    let id = srcs.id(&values);
    root.set_src(id);
    let ml = crate::compose::role_of(name, None).is_sensitive();
    walk(&root, "", srcs, &mut out, name, ml);
    (out, warnings)
}

fn emit(
    out: &mut Vec<Finding>,
    srcs: &Sources,
    rule: &seawall_core::RuleMeta,
    n: &Node,
    chart: &str,
    path: &str,
    msg: String,
) {
    let mut f = finding(
        rule,
        srcs.loc(n),
        format!("Helm chart {chart} values {path}: {msg}"),
        &format!("{chart}|{path}"),
    );
    f.details.insert("source".into(), "helm values".into());
    out.push(f);
}

fn walk(n: &Node, path: &str, srcs: &Sources, out: &mut Vec<Finding>, chart: &str, ml: bool) {
    let Val::Map(m) = &n.v else {
        for (i, it) in n.seq().iter().enumerate() {
            // env-style lists: {name: HF_TOKEN, value: literal}
            if let (Some(k), Some(v)) =
                (it.get("name").and_then(Node::as_str), it.get("value").and_then(Node::as_str))
                && crate::secretname::is_secret_literal(k, v)
            {
                emit(
                    out,
                    srcs,
                    &K8S_SECRET_ENV_LITERAL,
                    it,
                    chart,
                    &format!("{path}[{i}]"),
                    format!("{k} has a literal value"),
                );
            }
            walk(it, &format!("{path}[{i}]"), srcs, out, chart, ml);
        }
        return;
    };
    for (k, v) in m {
        let Some(key) = k.as_str() else { continue };
        let p = if path.is_empty() { key.to_string() } else { format!("{path}.{key}") };
        let sc = path.ends_with("ecurityContext");
        match key {
            "privileged" if sc && v.is_true() => {
                emit(out, srcs, &K8S_PSS_PRIVILEGED, v, chart, &p, "privileged: true".into())
            }
            "allowPrivilegeEscalation" if sc && v.is_true() => emit(
                out,
                srcs,
                &K8S_PSS_PRIV_ESCALATION,
                v,
                chart,
                &p,
                "allowPrivilegeEscalation: true".into(),
            ),
            "runAsUser" if sc && v.as_str() == Some("0") => {
                emit(out, srcs, &K8S_PSS_RUN_AS_USER_ROOT, v, chart, &p, "runAsUser: 0".into())
            }
            "runAsNonRoot" if sc && v.is_false() => {
                emit(out, srcs, &K8S_PSS_RUN_AS_NON_ROOT, v, chart, &p, "runAsNonRoot: false".into())
            }
            "hostNetwork" | "hostPID" | "hostIPC" if v.is_true() => {
                emit(out, srcs, &K8S_PSS_HOST_NAMESPACES, v, chart, &p, format!("{key}: true"))
            }
            "tag" if path.ends_with("image") && v.as_str() == Some("latest") => {
                emit(out, srcs, &K8S_IMAGE_LATEST, v, chart, &p, "image tag latest".into())
            }
            "type"
                if ml
                    && path.ends_with("service")
                    && matches!(v.as_str(), Some("LoadBalancer" | "NodePort")) =>
            {
                emit(
                    out,
                    srcs,
                    &K8S_ML_PORT_EXPOSED,
                    v,
                    chart,
                    &p,
                    format!("an ML control plane's Service of type {}", v.as_str().unwrap_or("")),
                )
            }
            _ => {
                if let Some(s) = v.as_str()
                    && !matches!(v.v, Val::Bool(_))
                    && crate::secretname::is_secret_literal(key, s)
                {
                    emit(
                        out,
                        srcs,
                        &K8S_SECRET_ENV_LITERAL,
                        v,
                        chart,
                        &p,
                        format!("{key} has a literal value"),
                    );
                }
            }
        }
        if key == "add" && sc_parent(path) {
            let caps: Vec<&str> = v.seq().iter().filter_map(Node::as_str).collect();
            if !caps.is_empty() {
                emit(
                    out,
                    srcs,
                    &K8S_PSS_CAPABILITIES,
                    v,
                    chart,
                    &p,
                    format!("capabilities added: {}", caps.join(", ")),
                );
            }
        }
        walk(v, &p, srcs, out, chart, ml);
    }
}

fn sc_parent(path: &str) -> bool {
    path.ends_with("ecurityContext.capabilities")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_fallback_finds_settings_and_reports_the_chart() {
        let files = vec![
            ("charts/mlflow/Chart.yaml", "apiVersion: v2\nname: mlflow\nversion: 0.1.0\n"),
            (
                "charts/mlflow/values.yaml",
                "image:\n  repository: ghcr.io/mlflow/mlflow\n  tag: latest\nsecurityContext:\n  privileged: true\n  runAsUser: 0\nservice:\n  type: LoadBalancer\nauth:\n  adminPassword: changeme\n",
            ),
            ("charts/mlflow/templates/deployment.yaml", "kind: Deployment\nspec: {{ .Values.x }}\n"),
            ("charts/mlflow/templates/_helpers.tpl", "{{- define \"x\" -}}{{- end -}}\n"),
        ];
        let t = Tree::new(files);
        assert_eq!(chart_of("charts/mlflow/templates/deployment.yaml", &t).as_deref(), Some("charts/mlflow"));
        let mut srcs = Sources::default();
        let opts = ConfigOptions::default();
        let (f, w) = analyze_chart("charts/mlflow", &t, &mut srcs, &opts);
        let ids: Vec<(&str, Option<u32>)> = f.iter().map(|x| (x.id.as_str(), x.location.line)).collect();
        assert!(ids.contains(&("SW-K8S-031", Some(3))), "{ids:?}");
        assert!(ids.contains(&("SW-K8S-003", Some(5))), "{ids:?}");
        assert!(ids.contains(&("SW-K8S-015", Some(6))), "{ids:?}");
        assert!(ids.contains(&("SW-K8S-025", Some(8))), "{ids:?}");
        assert!(ids.contains(&("SW-K8S-026", Some(10))), "{ids:?}");
        // No search path (and no tree on disk): helm is never run, whatever the machine has installed.
        assert_eq!(w.len(), 1);
        assert!(
            w[0].message.contains("not fully analysed") && w[0].message.contains("2 template file(s)"),
            "{w:?}"
        );
    }
}
