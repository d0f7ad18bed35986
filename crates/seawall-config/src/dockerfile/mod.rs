//! Dockerfile checks (`SW-DF-*` and the `SW-ML-*` exposure rules) on top of `parse-dockerfile`
//! (heredocs included).
//!
//! Entry point: [`check_dockerfile`]. Every finding carries the line and column of the offending
//! instruction or token; absent things (no USER, no HEALTHCHECK) are file-level findings.

mod prep;
mod run;

use std::collections::BTreeMap;

use parse_dockerfile::{Command, HealthcheckArguments, Instruction, Source};
use seawall_core::{Finding, Location, ScanWarning};

use crate::catalog::dockerfile::*;
use crate::emit::{LineIndex, finding};
use crate::{ConfigOptions, mlexpose, secretname, shell, tables};

/// Largest Dockerfile checked (bytes); a larger one is reported as not analysed.
pub const MAX_DOCKERFILE_BYTES: usize = 64 * 1024 * 1024;

pub(crate) struct Ctx<'a> {
    pub(crate) idx: LineIndex<'a>,
    pub(crate) base: Location,
    pub(crate) out: Vec<Finding>,
    /// Here-documents the parser did not see, by the byte offset of their RUN line.
    pub(crate) heredocs: BTreeMap<usize, Vec<prep::Heredoc>>,
}

impl Ctx<'_> {
    pub(crate) fn at(
        &mut self,
        rule: &seawall_core::RuleMeta,
        offset: usize,
        msg: impl Into<String>,
        key: &str,
    ) {
        let loc = self.idx.loc(&self.base, offset);
        self.out.push(finding(rule, loc, msg, key));
    }
    fn file_level(&mut self, rule: &seawall_core::RuleMeta, msg: impl Into<String>) {
        self.out.push(finding(rule, self.base.clone(), msg, ""));
    }
}

/// Per-stage state that later stages built `FROM` this one inherit.
#[derive(Debug, Clone, Default)]
struct StageState {
    name: Option<String>,
    /// Last USER value and its offset.
    user: Option<(String, usize)>,
    /// `Some(true)` for HEALTHCHECK CMD, `Some(false)` for HEALTHCHECK NONE (with offset).
    healthcheck: Option<(bool, usize)>,
    pipefail: bool,
    non_posix_shell: bool,
    pip_no_cache: bool,
}

/// Checks one Dockerfile. `location` names the file (path and layer); parse failures become a warning.
pub fn check_dockerfile(
    location: &Location,
    text: &str,
    opts: &ConfigOptions,
) -> (Vec<Finding>, Vec<ScanWarning>) {
    if text.len() > MAX_DOCKERFILE_BYTES {
        let w = ScanWarning::at(
            "config-files",
            location.clone(),
            format!(
                "Dockerfile of {} bytes exceeds the {MAX_DOCKERFILE_BYTES}-byte limit; not checked",
                text.len()
            ),
        );
        return (Vec::new(), vec![w]);
    }
    let prepared = prep::prepare(text);
    let df = match parse_dockerfile::parse(&prepared.text) {
        Ok(d) => d,
        Err(e) => {
            return (
                Vec::new(),
                vec![ScanWarning::at(
                    "config-files",
                    location.clone(),
                    format!("cannot parse Dockerfile: {e}"),
                )],
            );
        }
    };
    let mut cx = Ctx {
        idx: LineIndex::new(text),
        base: location.clone(),
        out: Vec::new(),
        heredocs: prepared.heredocs.clone(),
    };
    let today = opts.today.clone().unwrap_or_else(tables::today);

    // Global ARG defaults for FROM substitution.
    let mut global_args: BTreeMap<String, String> = BTreeMap::new();
    let mut states: Vec<StageState> = Vec::new();
    let mut cur: Option<StageState> = None;

    for ins in &df.instructions {
        match ins {
            Instruction::From(from) => {
                if let Some(s) = cur.take() {
                    states.push(s);
                }
                let raw = from.image.value.to_string();
                let image = substitute(&raw, &global_args);
                let stage_name = from.as_.as_ref().map(|(_, n)| n.value.to_ascii_lowercase());
                let parent = states
                    .iter()
                    .rev()
                    .find(|s| s.name.as_deref() == Some(&image.to_ascii_lowercase()))
                    .cloned();
                let mut st = match parent {
                    Some(p) => StageState { name: stage_name, ..p },
                    None => {
                        check_from(&mut cx, &image, from.image.span.start, opts, &today);
                        // images whose default user is not root (distroless `:nonroot`, Chainguard)
                        let user =
                            image_runs_nonroot(&image).then(|| ("65532".to_string(), from.from.span.start));
                        StageState { name: stage_name, user, ..Default::default() }
                    }
                };
                st.pip_no_cache = st.pip_no_cache || global_args.contains_key("PIP_NO_CACHE_DIR");
                cur = Some(st);
            }
            Instruction::Arg(arg) => {
                let pairs = env_pairs(text, &arg.arguments.span, &arg.arguments.value, true);
                for (k, v, off) in &pairs {
                    match v {
                        Some(v) => check_secret_pair(&mut cx, "ARG", k, v, *off),
                        None if secretname::is_secret_name(k) => cx.at(
                            &DF_SECRET_BUILD_ARG,
                            *off,
                            format!(
                                "ARG {k}: a value passed with --build-arg is recorded in the image history"
                            ),
                            k,
                        ),
                        None => {}
                    }
                }
                if cur.is_none() {
                    for (k, v, _) in pairs {
                        if let Some(v) = v {
                            global_args.insert(k, v);
                        }
                    }
                }
            }
            _ => {
                if let Some(st) = cur.as_mut() {
                    check_instruction(&mut cx, text, ins, st);
                }
            }
        }
    }
    if let Some(s) = cur.take() {
        states.push(s);
    }

    // Final-stage checks: USER and HEALTHCHECK (inherited through `FROM stage`). A `FROM scratch`
    // stage without CMD/ENTRYPOINT is an artifact (exported files), not something that runs.
    let final_runs = df.stages().last().is_none_or(|st| {
        let base = st.from.image.value.to_ascii_lowercase();
        base != "scratch"
            || st.instructions.iter().any(|i| matches!(i, Instruction::Cmd(_) | Instruction::Entrypoint(_)))
    });
    if let Some(last) = states.last().filter(|_| final_runs) {
        match &last.user {
            None => cx.file_level(&DF_NO_USER, "the final stage has no USER instruction and runs as the base image's user (root for most images)"),
            Some((u, off)) => {
                let user = u.split(':').next().unwrap_or("").trim();
                if is_root_user(u) {
                    cx.at(&DF_USER_ROOT, *off, format!("the last USER is `{u}`"), "");
                } else if !user.is_empty() && !user.starts_with('$') && !user.chars().all(|c| c.is_ascii_digit()) {
                    cx.at(&DF_USER_NAME, *off, format!("USER `{u}` is not numeric; Kubernetes runAsNonRoot cannot verify it"), "");
                }
            }
        }
        match last.healthcheck {
            None => cx.file_level(&DF_NO_HEALTHCHECK, "the final stage defines no HEALTHCHECK"),
            Some((false, off)) => {
                cx.at(&DF_NO_HEALTHCHECK, off, "HEALTHCHECK NONE disables the healthcheck", "")
            }
            Some((true, _)) => {}
        }
    }
    // CMD/ENTRYPOINT shell form: only the final stage matters.
    if let Some(final_stage) = df.stages().last() {
        for ins in final_stage.instructions {
            let (cmd, kw) = match ins {
                Instruction::Cmd(c) => (&c.arguments, "CMD"),
                Instruction::Entrypoint(e) => (&e.arguments, "ENTRYPOINT"),
                _ => continue,
            };
            if let Command::Shell(s) = cmd {
                cx.at(
                    &DF_SHELL_FORM,
                    s.span.start,
                    format!(
                        "{kw} in shell form: `{}`",
                        crate::emit::redact_urls(&s.value.trim().chars().take(120).collect::<String>())
                    ),
                    kw,
                );
            }
        }
    }
    let mut out = cx.out;
    apply_ignores(&mut out, &prepared.ignores, &df, text);
    crate::emit::unique_fingerprints(&mut out);
    (out, Vec::new())
}

/// Marks findings silenced by `# hadolint ignore=` / `# seawall ignore=` comments as suppressed
/// (inline): on the line before an instruction they cover that instruction (all its lines); `global`
/// forms cover the file. Policy moves them to the report's `suppressed` list.
fn apply_ignores(
    out: &mut [Finding],
    ignores: &BTreeMap<u32, Vec<String>>,
    df: &parse_dockerfile::Dockerfile<'_>,
    text: &str,
) {
    if ignores.is_empty() {
        return;
    }
    let idx = LineIndex::new(text);
    let starts: Vec<u32> = df.instructions.iter().map(|i| idx.line_col(instruction_start(i)).0).collect();
    let global = ignores.get(&0).cloned().unwrap_or_default();
    for f in out.iter_mut() {
        let at = if global.contains(&f.id) {
            Some(0)
        } else {
            f.location.line.and_then(|line| {
                let start = starts.iter().copied().filter(|s| *s <= line).max().unwrap_or(0);
                ignores.get(&start).is_some_and(|ids| ids.contains(&f.id)).then_some(start)
            })
        };
        if let Some(start) = at {
            let mut s = seawall_core::Suppression::new(seawall_core::SuppressedBy::Inline);
            s.source = Some(if start == 0 {
                format!("{} (global ignore comment)", f.location.path)
            } else {
                format!("{}:{}", f.location.path, start.saturating_sub(1))
            });
            s.reason = Some("ignore comment in the Dockerfile".into());
            f.suppression = Some(s);
        }
    }
}

fn instruction_start(i: &Instruction<'_>) -> usize {
    match i {
        Instruction::Add(x) => x.add.span.start,
        Instruction::Arg(x) => x.arg.span.start,
        Instruction::Cmd(x) => x.cmd.span.start,
        Instruction::Copy(x) => x.copy.span.start,
        Instruction::Entrypoint(x) => x.entrypoint.span.start,
        Instruction::Env(x) => x.env.span.start,
        Instruction::Expose(x) => x.expose.span.start,
        Instruction::From(x) => x.from.span.start,
        Instruction::Healthcheck(x) => x.healthcheck.span.start,
        Instruction::Label(x) => x.label.span.start,
        Instruction::Maintainer(x) => x.maintainer.span.start,
        Instruction::Onbuild(x) => x.onbuild.span.start,
        Instruction::Run(x) => x.run.span.start,
        Instruction::Shell(x) => x.shell.span.start,
        Instruction::Stopsignal(x) => x.stopsignal.span.start,
        Instruction::User(x) => x.user.span.start,
        Instruction::Volume(x) => x.volume.span.start,
        Instruction::Workdir(x) => x.workdir.span.start,
        _ => 0,
    }
}

/// `root`, `0`, `0:0`, `root:root`, `0:anything`.
pub(crate) fn is_root_user(u: &str) -> bool {
    let user = u.trim().split(':').next().unwrap_or("").trim();
    user.is_empty() || user == "root" || user == "0"
}

fn substitute(s: &str, args: &BTreeMap<String, String>) -> String {
    let mut out = s.to_string();
    for (k, v) in args {
        out = out.replace(&format!("${{{k}}}"), v).replace(&format!("${k}"), v);
    }
    out
}

/// True for an image value that is not a reference yet: an unresolved `$VAR` / `{{ … }}`
/// placeholder or an operator's `"FILLED BY THE OPERATOR"` / `REPLACE_ME` text. Pin rules do not
/// apply to it.
pub(crate) fn is_placeholder_image(image: &str) -> bool {
    let i = image.trim();
    if i.is_empty()
        || i.contains('$')
        || i.contains("{{")
        || i.contains('<')
        || i.contains(char::is_whitespace)
    {
        return true;
    }
    let upper = i.to_ascii_uppercase();
    i == upper && i.chars().any(|c| c.is_ascii_alphabetic()) && !i.contains('/') && !i.contains(':')
        || ["REPLACE_ME", "REPLACEME", "PLACEHOLDER", "CHANGEME", "CHANGE_ME", "TO_BE_FILLED", "FILLED_BY"]
            .iter()
            .any(|p| upper.contains(p))
}

/// True for images whose default user is not root: distroless `:nonroot` / `:debug-nonroot`
/// tags and Chainguard images (`cgr.dev/chainguard/*`, except their `-dev` variants).
pub(crate) fn image_runs_nonroot(image: &str) -> bool {
    let (_, tag, _) = image_parts(image);
    let tag = tag.unwrap_or_default();
    (image.contains("distroless") && tag.contains("nonroot"))
        || (image.starts_with("cgr.dev/chainguard/") && !tag.contains("-dev") && tag != "dev")
}

/// Splits an image reference into (registry, tag, has_digest).
pub(crate) fn image_parts(image: &str) -> (String, Option<String>, bool) {
    let (name, digest) = match image.split_once('@') {
        Some((n, _)) => (n, true),
        None => (image, false),
    };
    let first = name.split('/').next().unwrap_or("");
    let registry =
        if name.contains('/') && (first.contains('.') || first.contains(':') || first == "localhost") {
            first.to_string()
        } else {
            "docker.io".to_string()
        };
    let last = name.rsplit('/').next().unwrap_or(name);
    let tag = last.split_once(':').map(|(_, t)| t.to_string());
    (registry, tag, digest)
}

fn check_from(cx: &mut Ctx<'_>, image: &str, off: usize, opts: &ConfigOptions, today: &str) {
    if image.eq_ignore_ascii_case("scratch") {
        return;
    }
    if image.contains('$') || image.is_empty() {
        return; // unresolved build argument: nothing reliable to say
    }
    let (registry, tag, digest) = image_parts(image);
    match tag.as_deref() {
        None if !digest => {
            cx.at(&DF_FROM_LATEST, off, format!("`FROM {image}` has no tag (implies :latest)"), image)
        }
        Some("latest") => cx.at(&DF_FROM_LATEST, off, format!("`FROM {image}` uses :latest"), image),
        _ => {}
    }
    if !digest {
        cx.at(&DF_FROM_NO_DIGEST, off, format!("`FROM {image}` is not pinned by digest"), image);
    }
    if !opts.allowed_registries.is_empty() && !registry_allowed(image, &registry, &opts.allowed_registries) {
        cx.at(
            &DF_FROM_REGISTRY,
            off,
            format!("registry `{registry}` of `{image}` is not in the allowed list"),
            image,
        );
    }
    for (product, version, eol) in tables::image_eol(image, today) {
        cx.at(
            &DF_EOL_BASE,
            off,
            format!("`{image}`: {product} {version} is end-of-life since {eol}"),
            &format!("{image}|{product}"),
        );
    }
}

pub(crate) fn registry_allowed(image: &str, registry: &str, allowed: &[String]) -> bool {
    allowed.iter().any(|a| {
        let a = a.trim_end_matches('/');
        a == registry || image.starts_with(&format!("{a}/")) || (a == "docker.io" && registry == "docker.io")
    })
}

/// `K=V` pairs of ENV/ARG arguments with the byte offset of each key in `text`.
fn env_pairs(
    text: &str,
    span: &std::ops::Range<usize>,
    value: &str,
    is_arg: bool,
) -> Vec<(String, Option<String>, usize)> {
    let raw = text.get(span.clone()).unwrap_or(value);
    let words = shell::split(raw).into_iter().flat_map(|c| c.words).collect::<Vec<_>>();
    let mut out = Vec::new();
    if words.is_empty() {
        return out;
    }
    if !words[0].text.contains('=') && !is_arg {
        // legacy `ENV KEY value with spaces`
        let val = words[1..].iter().map(|w| w.text.as_str()).collect::<Vec<_>>().join(" ");
        out.push((words[0].text.clone(), Some(val), span.start + words[0].offset));
        return out;
    }
    for w in words {
        match w.text.split_once('=') {
            Some((k, v)) => out.push((k.to_string(), Some(v.to_string()), span.start + w.offset)),
            None => out.push((w.text.clone(), None, span.start + w.offset)),
        }
    }
    out
}

fn check_secret_pair(cx: &mut Ctx<'_>, kw: &str, k: &str, v: &str, off: usize) {
    if secretname::is_secret_literal(k, v) {
        cx.at(
            &DF_SECRET_ARG_ENV,
            off,
            format!("{kw} {k} has a literal value (stored in the image history/config)"),
            k,
        );
    }
}

const TLS_ENV: &[(&str, &str)] =
    &[("PYTHONHTTPSVERIFY", "0"), ("NODE_TLS_REJECT_UNAUTHORIZED", "0"), ("NPM_CONFIG_STRICT_SSL", "false")];

/// TLS-disabling environment variables (shared with RUN assignments).
pub(crate) fn tls_env_disabled(k: &str, v: &str) -> bool {
    let v = v.trim().trim_matches(|c| c == '"' || c == '\'');
    if TLS_ENV.iter().any(|(n, bad)| k == *n && v.eq_ignore_ascii_case(bad)) {
        return true;
    }
    match k {
        "GIT_SSL_NO_VERIFY" => {
            !v.is_empty() && !matches!(v.to_ascii_lowercase().as_str(), "0" | "false" | "no")
        }
        "PIP_TRUSTED_HOST" => !v.is_empty(),
        "CURL_CA_BUNDLE" | "REQUESTS_CA_BUNDLE" => v.is_empty(),
        _ => false,
    }
}

fn check_env(cx: &mut Ctx<'_>, st: &mut StageState, k: &str, v: &str, off: usize) {
    check_secret_pair(cx, "ENV", k, v, off);
    let val = v.trim().trim_matches(|c| c == '"' || c == '\'');
    if tls_env_disabled(k, v) {
        cx.at(&DF_TLS_DISABLED, off, format!("ENV {k}={val} disables TLS verification"), k);
    }
    if k == "LD_PRELOAD" && !val.is_empty() {
        cx.at(&DF_LD_PRELOAD, off, format!("ENV LD_PRELOAD={val}"), k);
    }
    if matches!(k, "NVIDIA_VISIBLE_DEVICES" | "NVIDIA_DRIVER_CAPABILITIES") && val.eq_ignore_ascii_case("all")
    {
        cx.at(&DF_NVIDIA_ALL, off, format!("ENV {k}=all"), k);
    }
    if k == "PIP_NO_CACHE_DIR" {
        st.pip_no_cache = true;
    }
    for h in mlexpose::check_env(k, v) {
        cx.at(h.rule, off, h.message, k);
    }
}

const SECRET_FILES: &[&str] = &[
    "id_rsa",
    "id_dsa",
    "id_ecdsa",
    "id_ed25519",
    ".env",
    "credentials.json",
    "credentials",
    "kaggle.json",
    ".netrc",
    ".pypirc",
    ".git-credentials",
    ".npmrc",
    ".htpasswd",
    "service-account.json",
    ".dockercfg",
];

pub(crate) fn is_secret_file(path: &str) -> bool {
    let name = shell::base_name(path.trim_end_matches('/'));
    if SECRET_FILES.contains(&name) || name.ends_with(".key") {
        return true;
    }
    name.starts_with(".env.")
        && !matches!(name, ".env.example" | ".env.sample" | ".env.template" | ".env.dist")
}

fn is_archive(p: &str) -> bool {
    [".tar", ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tar.zst"]
        .iter()
        .any(|e| p.ends_with(e))
}

fn check_instruction(cx: &mut Ctx<'_>, text: &str, ins: &Instruction<'_>, st: &mut StageState) {
    match ins {
        Instruction::User(u) => st.user = Some((u.arguments.value.trim().to_string(), u.user.span.start)),
        Instruction::Healthcheck(h) => {
            st.healthcheck =
                Some((matches!(h.arguments, HealthcheckArguments::Cmd { .. }), h.healthcheck.span.start));
        }
        Instruction::Shell(s) => {
            let args: Vec<&str> = s.arguments.iter().map(|a| a.value.as_ref()).collect();
            st.pipefail = args.iter().any(|a| a.contains("pipefail"));
            st.non_posix_shell = args.first().is_some_and(|p| {
                let p = p.to_ascii_lowercase();
                p.contains("pwsh") || p.contains("powershell") || p.contains("cmd")
            });
        }
        Instruction::Env(e) => {
            for (k, v, off) in env_pairs(text, &e.arguments.span, &e.arguments.value, false) {
                check_env(cx, st, &k, v.as_deref().unwrap_or(""), off);
            }
        }
        Instruction::Expose(e) => {
            for a in &e.arguments {
                check_expose(cx, &a.value, a.span.start);
            }
        }
        Instruction::Copy(c) => {
            for s in &c.src {
                if let Source::Path(p) = s
                    && is_secret_file(&p.value)
                {
                    cx.at(
                        &DF_SECRET_FILE_COPY,
                        p.span.start,
                        format!("COPY of secret file `{}`", p.value),
                        &p.value,
                    );
                }
            }
        }
        Instruction::Add(a) => {
            let has_checksum = a.options.iter().any(|f| f.name.value == "checksum");
            for s in &a.src {
                let Source::Path(p) = s else { continue };
                let v = p.value.as_ref();
                if is_secret_file(v) {
                    cx.at(&DF_SECRET_FILE_COPY, p.span.start, format!("ADD of secret file `{v}`"), v);
                }
                let remote = v.starts_with("http://") || v.starts_with("https://");
                let git = v.starts_with("git@") || v.ends_with(".git");
                if remote && !git && !has_checksum {
                    cx.at(
                        &DF_ADD_URL_NO_CHECKSUM,
                        p.span.start,
                        format!("ADD {} without --checksum", crate::emit::redact_urls(v)),
                        &crate::emit::redact_urls(v),
                    );
                } else if !remote && !git && !is_archive(v) {
                    cx.at(&DF_ADD, a.add.span.start, format!("ADD {v}: use COPY for local files"), v);
                }
            }
        }
        Instruction::Run(r) => {
            run::check_run(cx, text, r, st.pipefail || st.non_posix_shell, st.pip_no_cache)
        }
        Instruction::Cmd(c) => check_command_ml(cx, &c.arguments),
        Instruction::Entrypoint(e) => check_command_ml(cx, &e.arguments),
        Instruction::Onbuild(o) => check_instruction(cx, text, &o.instruction, st),
        _ => {}
    }
}

fn check_expose(cx: &mut Ctx<'_>, v: &str, off: usize) {
    let port = v.split('/').next().unwrap_or("");
    if port.contains('$') || port.is_empty() {
        return;
    }
    for p in port.split('-') {
        match p.parse::<u64>() {
            Ok(22) => cx.at(&DF_EXPOSE_SSH, off, "EXPOSE 22 (SSH)", "22"),
            Ok(n) if n > 65_535 => cx.at(&DF_EXPOSE_RANGE, off, format!("EXPOSE {n} is out of range"), p),
            Ok(_) => {}
            Err(_) => cx.at(&DF_EXPOSE_RANGE, off, format!("EXPOSE `{v}` is not a valid port"), p),
        }
    }
}

/// Simple commands of a CMD/ENTRYPOINT/RUN command with absolute offsets.
pub(crate) fn commands_of(cmd: &Command<'_>) -> Vec<shell::SimpleCommand> {
    match cmd {
        Command::Shell(s) => shell::split(&prep::strip_continuation_comments(s.value))
            .into_iter()
            .map(|mut c| {
                for w in &mut c.words {
                    w.offset += s.span.start;
                }
                c
            })
            .collect(),
        Command::Exec(e) => {
            let argv: Vec<(String, usize)> =
                e.value.iter().map(|a| (a.value.to_string(), a.span.start)).collect();
            shell::from_argv(&argv)
        }
        _ => Vec::new(),
    }
}

fn check_command_ml(cx: &mut Ctx<'_>, cmd: &Command<'_>) {
    for c in commands_of(cmd) {
        let first = c.words.first().map_or(0, |w| w.offset);
        for h in mlexpose::check_command(&c) {
            cx.at(h.rule, h.offset.unwrap_or(first), h.message, h.rule.id);
        }
    }
}

#[cfg(test)]
mod tests;
