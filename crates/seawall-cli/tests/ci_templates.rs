//! The CI integration files run what they say: `.github/workflows/seawall.yml`, `action.yml`,
//! `ci/gitlab/seawall.gitlab-ci.yml` and `.pre-commit-hooks.yaml` are parsed (a small YAML-subset reader below:
//! seawall-cli has no YAML dependency), the `seawall …` command lines / scripts they contain are extracted and run
//! verbatim with this build's `seawall` first on PATH, against small projects built here. Only what CI has and a
//! test must not use is changed: `--offline` is appended to scans, `seawall db update` reads the bundled
//! `examples/osv` (`--db-source`), and CI variables (`$CI_PROJECT_DIR`, `$GITHUB_OUTPUT`) point into a temp dir.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A tiny reader for the block-style YAML these files use: mappings, sequences (also of mappings), plain and
/// quoted scalars, `|` / `>` block scalars, comments. Flow collections (`[a, b]`) stay strings.
mod yaml {
    #[derive(Debug, Clone, PartialEq)]
    pub(crate) enum Y {
        Str(String),
        Seq(Vec<Y>),
        Map(Vec<(String, Y)>),
    }

    impl Y {
        pub(crate) fn get(&self, key: &str) -> Option<&Y> {
            match self {
                Y::Map(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
                _ => None,
            }
        }
        pub(crate) fn str(&self) -> Option<&str> {
            match self {
                Y::Str(s) => Some(s),
                _ => None,
            }
        }
        pub(crate) fn s(&self, key: &str) -> Option<&str> {
            self.get(key).and_then(Y::str)
        }
        pub(crate) fn seq(&self) -> &[Y] {
            match self {
                Y::Seq(v) => v,
                _ => &[],
            }
        }
        pub(crate) fn map(&self) -> &[(String, Y)] {
            match self {
                Y::Map(m) => m,
                _ => &[],
            }
        }
    }

    struct Line {
        indent: usize,
        text: String,
    }

    pub(crate) fn parse(src: &str) -> Y {
        let mut lines: Vec<Line> = src
            .lines()
            .map(|l| {
                let indent = l.len() - l.trim_start_matches(' ').len();
                Line { indent, text: l[indent..].trim_end().to_string() }
            })
            .collect();
        let mut i = 0;
        skip_blank(&lines, &mut i);
        if i >= lines.len() {
            return Y::Str(String::new());
        }
        let indent = lines[i].indent;
        block(&mut lines, &mut i, indent)
    }

    fn is_blank(l: &Line) -> bool {
        l.text.is_empty() || l.text.starts_with('#')
    }

    fn skip_blank(lines: &[Line], i: &mut usize) {
        while *i < lines.len() && is_blank(&lines[*i]) {
            *i += 1;
        }
    }

    fn is_item(t: &str) -> bool {
        t == "-" || t.starts_with("- ")
    }

    fn block(lines: &mut [Line], i: &mut usize, indent: usize) -> Y {
        if is_item(&lines[*i].text) { seq(lines, i, indent) } else { map(lines, i, indent) }
    }

    fn seq(lines: &mut [Line], i: &mut usize, indent: usize) -> Y {
        let mut out = Vec::new();
        loop {
            skip_blank(lines, i);
            if *i >= lines.len() || lines[*i].indent != indent || !is_item(&lines[*i].text) {
                return Y::Seq(out);
            }
            let rest = lines[*i].text[1..].trim_start().to_string();
            if rest.is_empty() {
                *i += 1;
                skip_blank(lines, i);
                let inner = lines[*i].indent;
                out.push(block(lines, i, inner));
            } else if split_key(&rest).is_some() {
                // `- key: value` starts a mapping whose keys sit at the column after "- ".
                let col = indent + (lines[*i].text.len() - rest.len());
                lines[*i] = Line { indent: col, text: rest };
                out.push(map(lines, i, col));
            } else if rest.starts_with('|') || rest.starts_with('>') {
                *i += 1;
                out.push(Y::Str(block_scalar(lines, i, indent, &rest)));
            } else {
                *i += 1;
                out.push(Y::Str(scalar(&rest)));
            }
        }
    }

    fn map(lines: &mut [Line], i: &mut usize, indent: usize) -> Y {
        let mut out = Vec::new();
        loop {
            skip_blank(lines, i);
            if *i >= lines.len() || lines[*i].indent != indent || is_item(&lines[*i].text) {
                return Y::Map(out);
            }
            let text = lines[*i].text.clone();
            let (key, rest) = split_key(&text).unwrap_or_else(|| panic!("not a `key: value` line: {text}"));
            *i += 1;
            let value = if rest.is_empty() {
                skip_blank(lines, i);
                if *i < lines.len()
                    && (lines[*i].indent > indent || (lines[*i].indent == indent && is_item(&lines[*i].text)))
                {
                    let inner = lines[*i].indent;
                    block(lines, i, inner)
                } else {
                    Y::Str(String::new())
                }
            } else if rest.starts_with('|') || rest.starts_with('>') {
                Y::Str(block_scalar(lines, i, indent, &rest))
            } else {
                Y::Str(scalar(&rest))
            };
            out.push((key, value));
        }
    }

    /// `key: rest` (rest may be empty) when the line is a mapping entry; quoted keys are unquoted.
    fn split_key(t: &str) -> Option<(String, String)> {
        let (key, rest) = if let Some(q) = t.chars().next().filter(|c| *c == '"' || *c == '\'') {
            let end = t[1..].find(q)? + 1;
            let after = &t[end + 1..];
            let rest = after.strip_prefix(':')?;
            (t[1..end].to_string(), rest)
        } else {
            if t.starts_with('{') || t.starts_with('[') {
                return None;
            }
            let pos = t.find(": ").or_else(|| t.ends_with(':').then(|| t.len() - 1))?;
            let key = &t[..pos];
            if key.contains(" #") || key.starts_with('#') {
                return None;
            }
            (key.to_string(), &t[pos + 1..])
        };
        if !rest.is_empty() && !rest.starts_with(' ') {
            return None;
        }
        Some((key, rest.trim().to_string()))
    }

    fn scalar(t: &str) -> String {
        let t = t.trim();
        if let Some(body) = t.strip_prefix('\'') {
            let mut out = String::new();
            let mut chars = body.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '\'' {
                    if chars.peek() == Some(&'\'') {
                        chars.next();
                        out.push('\'');
                    } else {
                        break;
                    }
                } else {
                    out.push(c);
                }
            }
            return out;
        }
        if let Some(body) = t.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = body.chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => break,
                    '\\' => match chars.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some(o) => out.push(o),
                        None => {}
                    },
                    _ => out.push(c),
                }
            }
            return out;
        }
        match t.find(" #") {
            Some(p) => t[..p].trim_end().to_string(),
            None => t.to_string(),
        }
    }

    /// The lines of a `|` (literal) or `>` (folded) block scalar indented deeper than `parent`.
    fn block_scalar(lines: &[Line], i: &mut usize, parent: usize, header: &str) -> String {
        let mut raw: Vec<&Line> = Vec::new();
        while *i < lines.len() && (lines[*i].text.is_empty() || lines[*i].indent > parent) {
            raw.push(&lines[*i]);
            *i += 1;
        }
        while raw.last().is_some_and(|l| l.text.is_empty()) {
            raw.pop();
        }
        let base = raw.iter().filter(|l| !l.text.is_empty()).map(|l| l.indent).min().unwrap_or(0);
        let body: Vec<String> = raw
            .iter()
            .map(|l| if l.text.is_empty() { String::new() } else { " ".repeat(l.indent - base) + &l.text })
            .collect();
        let mut s = if header.starts_with('>') { body.join(" ") } else { body.join("\n") };
        if !header.contains('-') {
            s.push('\n');
        }
        s
    }
}

use yaml::Y;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn load(rel: &str) -> Y {
    let path = repo().join(rel);
    yaml::parse(&fs_err::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// A sandbox: `bin/seawall` (this build), an empty HOME / cache / database path, and a project directory.
struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        fs_err::create_dir_all(dir.path().join("bin")).unwrap();
        fs_err::create_dir_all(dir.path().join("home")).unwrap();
        fs_err::os::unix::fs::symlink(env!("CARGO_BIN_EXE_seawall"), dir.path().join("bin/seawall")).unwrap();
        Sandbox { dir }
    }
    fn path(&self) -> &Path {
        self.dir.path()
    }
    fn project(&self, name: &str) -> PathBuf {
        let p = self.path().join(name);
        fs_err::create_dir_all(&p).unwrap();
        p
    }
    /// `sh -c SCRIPT NAME ARGS…` (or bash) in `cwd`, this build's seawall first on PATH.
    fn shell(&self, sh: &str, script: &str, cwd: &Path, env: &[(&str, String)], args: &[&str]) -> Output {
        let inherited = seawall_core::Environment::from_process().path.and_then(|p| p.into_string().ok());
        let path = format!("{}:{}", self.path().join("bin").display(), inherited.unwrap_or_default());
        let mut cmd = Command::new(sh);
        cmd.arg("-c")
            .arg(script)
            .arg("ci-template")
            .args(args)
            .current_dir(cwd)
            .env("PATH", path)
            .env("HOME", self.path().join("home"))
            .env("SEAWALL_CACHE_DIR", self.path().join("cache"))
            .env("SEAWALL_DB", self.path().join("db/osv.db"))
            .env_remove("DOCKER_HOST")
            .env_remove("SEAWALL_CONFIG");
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }
}

fn show(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A fake but well-formed Anthropic key, assembled at run time so that the repository holds no key-like string.
fn fake_key() -> String {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let body: String = (0..93)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % alphabet.len() as u64) as usize] as char
        })
        .collect();
    format!("{}-{}-{}AA", "sk-ant", "api03", body)
}

/// The insecure fixture: a Dockerfile running as root (MEDIUM only), a privileged compose service (CRITICAL),
/// a pickle calling `os.system` (CRITICAL) and a `.env` with an API key (CRITICAL).
fn insecure(dir: &Path) {
    fs_err::write(
        dir.join("Dockerfile"),
        "FROM python:3.12\nRUN pip install flask\nCMD [\"python\", \"app.py\"]\n",
    )
    .unwrap();
    fs_err::write(dir.join("docker-compose.yml"), "services:\n  app:\n    build: .\n    privileged: true\n")
        .unwrap();
    fs_err::create_dir_all(dir.join("models")).unwrap();
    fs_err::write(
        dir.join("models/model.pkl"),
        b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.",
    )
    .unwrap();
    fs_err::write(dir.join(".env"), format!("ANTHROPIC_API_KEY={}\n", fake_key())).unwrap();
}

/// The clean fixture: nothing at or above HIGH.
fn clean(dir: &Path) {
    fs_err::write(
        dir.join("Dockerfile"),
        format!(
            "FROM python:3.12-slim@sha256:{}\nUSER 10001:10001\nHEALTHCHECK CMD [\"python\", \"-c\", \"1\"]\n\
             CMD [\"python\", \"app.py\"]\n",
            "a".repeat(64)
        ),
    )
    .unwrap();
    fs_err::write(dir.join("app.py"), "print('hello')\n").unwrap();
    fs_err::create_dir_all(dir.join("models")).unwrap();
    // A pickle of an empty dict: protocol 2, EMPTY_DICT, BINPUT 0, STOP.
    fs_err::write(dir.join("models/empty.pkl"), b"\x80\x02}q\x00.").unwrap();
}

fn json_file(path: &Path) -> serde_json::Value {
    let text = fs_err::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// A SARIF 2.1.0 log from seawall; returns the rule ids of its results.
fn sarif_rule_ids(path: &Path) -> Vec<String> {
    let v = json_file(path);
    assert_eq!(v["version"], "2.1.0", "{}", path.display());
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "seawall");
    run["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The `seawall …` lines of a run script (one command per line in these templates).
fn seawall_lines(script: &str) -> Vec<String> {
    script.lines().map(str::trim).filter(|l| l.starts_with("seawall ")).map(str::to_string).collect()
}

/// The command line as a test may run it: scans get `--offline`, `db update` reads the bundled OSV sample.
fn hermetic(line: &str) -> String {
    if line.starts_with("seawall db update") {
        format!("{line} --db-source '{}'", repo().join("examples/osv").display())
    } else {
        format!("{line} --offline")
    }
}

fn job_steps<'a>(workflow: &'a Y, job: &str) -> &'a [Y] {
    workflow.get("jobs").and_then(|j| j.get(job)).and_then(|j| j.get("steps")).map_or(&[], Y::seq)
}

#[test]
fn yaml_subset_reader() {
    let y = yaml::parse(
        "# c\na: 1 # note\nb:\n  - x\n  - k: 'it''s'\n    l: \"q\\\"\"\n  -\n    m: n\nc: |\n  one\n    two\n\nd:\n- e\nf: [g, h]\n",
    );
    assert_eq!(y.s("a"), Some("1"));
    let b = y.get("b").unwrap().seq();
    assert_eq!(b[0].str(), Some("x"));
    assert_eq!(b[1].s("k"), Some("it's"));
    assert_eq!(b[1].s("l"), Some("q\""));
    assert_eq!(b[2].s("m"), Some("n"));
    assert_eq!(y.s("c"), Some("one\n  two\n"));
    assert_eq!(y.get("d").unwrap().seq()[0].str(), Some("e"));
    assert_eq!(y.s("f"), Some("[g, h]"));
}

#[test]
fn github_workflow_runs_its_scan_and_uploads_the_sarif_it_writes() {
    let wf = load(".github/workflows/seawall.yml");
    let steps = job_steps(&wf, "repository");
    let lines: Vec<String> = steps.iter().filter_map(|s| s.s("run")).flat_map(seawall_lines).collect();
    assert_eq!(
        lines,
        ["seawall scan fs . --format sarif --output seawall.sarif --fail-on HIGH"],
        "{lines:?}"
    );
    let upload = steps
        .iter()
        .find(|s| s.s("uses").is_some_and(|u| u.starts_with("github/codeql-action/upload-sarif@")))
        .expect("an upload-sarif step");
    assert_eq!(upload.get("with").and_then(|w| w.s("sarif_file")), Some("seawall.sarif"));
    assert!(
        upload.s("if").unwrap_or_default().contains("!cancelled()"),
        "the upload must run when the scan fails"
    );
    let perms = wf.get("jobs").and_then(|j| j.get("repository")).and_then(|j| j.get("permissions")).unwrap();
    assert_eq!(perms.s("security-events"), Some("write"));

    let sb = Sandbox::new();
    let bad = sb.project("insecure");
    insecure(&bad);
    let out = sb.shell("sh", &hermetic(&lines[0]), &bad, &[], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let ids = sarif_rule_ids(&bad.join("seawall.sarif"));
    for want in ["SW-MODEL-001", "SW-CTR-001", "SW-SEC-003", "SW-DF-002"] {
        assert!(ids.iter().any(|i| i == want), "{want} not in {ids:?}");
    }

    // Offline without a vulnerability database the scan is incomplete, which fails the gate.
    let good = sb.project("clean");
    clean(&good);
    let out = sb.shell("sh", &hermetic(&lines[0]), &good, &[], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("INCOMPLETE: "), "{}", show(&out));
    // With the database (as the first online scan would fetch it) the clean project passes.
    let out = sb.shell("sh", &hermetic("seawall db update"), &good, &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let out = sb.shell("sh", &hermetic(&lines[0]), &good, &[], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    sarif_rule_ids(&good.join("seawall.sarif"));
}

/// `${{ inputs.NAME }}` → the step's `with:` value or the action's default; other expressions are not expected.
fn action_env(action: &Y, step: &Y, with: &BTreeMap<String, String>) -> Vec<(String, String)> {
    let inputs = action.get("inputs").unwrap();
    step.get("env")
        .map_or(&[][..], Y::map)
        .iter()
        .map(|(k, v)| {
            let expr = v.str().unwrap().trim();
            let name = expr
                .strip_prefix("${{ inputs.")
                .and_then(|r| r.strip_suffix(" }}"))
                .unwrap_or_else(|| panic!("{k}: {expr} is not an input"));
            let def = inputs.get(name).unwrap_or_else(|| panic!("no input {name}"));
            let val =
                with.get(name).cloned().unwrap_or_else(|| def.s("default").unwrap_or_default().to_string());
            (k.clone(), val)
        })
        .collect()
}

#[test]
fn github_action_scan_step_runs_with_its_defaults_and_the_workflow_inputs_exist() {
    let action = load("action.yml");
    assert_eq!(action.get("runs").and_then(|r| r.s("using")), Some("composite"));
    let steps = action.get("runs").and_then(|r| r.get("steps")).unwrap().seq();
    let inputs: Vec<&str> = action.get("inputs").unwrap().map().iter().map(|(k, _)| k.as_str()).collect();
    for key in [
        "scan-type",
        "target",
        "format",
        "output",
        "fail-on",
        "args",
        "install",
        "seawall-url",
        "seawall-sha256",
    ] {
        assert!(inputs.contains(&key), "action input {key} missing");
    }
    // Every `with:` the example workflow passes to `uses: ./` is an input of the action.
    let wf = load(".github/workflows/seawall.yml");
    for (_, job) in wf.get("jobs").unwrap().map() {
        for step in job.get("steps").map_or(&[][..], Y::seq) {
            if step.s("uses") == Some("./") {
                for (k, _) in step.get("with").map_or(&[][..], Y::map) {
                    assert!(inputs.contains(&k.as_str()), "workflow passes unknown input {k}");
                }
            }
        }
    }
    // The install step never falls back to an unpinned `cargo install --git`.
    let install = steps.iter().find(|s| s.s("name") == Some("Install seawall")).unwrap();
    let script = install.s("run").unwrap();
    assert!(!script.contains("--git"), "{script}");
    assert!(script.contains("sha256sum -c"), "downloads are checked: {script}");

    let sb = Sandbox::new();
    // The database step, with the bundled OSV sample as db-source.
    let db = steps.iter().find(|s| s.s("name") == Some("Update the vulnerability database")).unwrap();
    let with: BTreeMap<String, String> =
        [("db-source".to_string(), repo().join("examples/osv").display().to_string())].into();
    let env = action_env(&action, db, &with);
    let env: Vec<(&str, String)> = env.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    let out = sb.shell("bash", db.s("run").unwrap(), sb.path(), &env, &[]);
    assert!(sb.path().join("db/osv.db").is_file(), "{}", show(&out));

    let scan = steps.iter().find(|s| s.s("id") == Some("scan")).unwrap();
    assert_eq!(scan.s("shell"), Some("bash"));
    let script = scan.s("run").unwrap();
    for (name, fixture, code) in [("insecure", insecure as fn(&Path), 1), ("clean", clean, 0)] {
        let dir = sb.project(name);
        fixture(&dir);
        let with: BTreeMap<String, String> =
            [("args".to_string(), "--offline --output html=seawall.html".to_string())].into();
        let gh_out = dir.join("github-output");
        let mut env: Vec<(&str, String)> = Vec::new();
        let resolved = action_env(&action, scan, &with);
        for (k, v) in &resolved {
            env.push((k.as_str(), v.clone()));
        }
        env.push(("GITHUB_OUTPUT", gh_out.display().to_string()));
        let out = sb.shell("bash", script, &dir, &env, &[]);
        assert_eq!(out.status.code(), Some(code), "{name}: {}", show(&out));
        assert_eq!(fs_err::read_to_string(&gh_out).unwrap(), format!("exit-code={code}\n"));
        let ids = sarif_rule_ids(&dir.join("seawall.sarif"));
        assert_eq!(ids.contains(&"SW-MODEL-001".to_string()), code == 1, "{ids:?}");
        let html = fs_err::read_to_string(dir.join("seawall.html")).unwrap();
        assert!(
            html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"),
            "{}",
            &html[..40]
        );
    }
}

#[test]
fn gitlab_template_script_writes_its_artifacts_and_fails_on_high() {
    let ci = load("ci/gitlab/seawall.gitlab-ci.yml");
    let job = ci.get("seawall").expect("job `seawall`");
    let before: Vec<&str> = job.get("before_script").unwrap().seq().iter().filter_map(Y::str).collect();
    let script: Vec<&str> = job.get("script").unwrap().seq().iter().filter_map(Y::str).collect();
    let scans: Vec<&&str> = script.iter().filter(|l| l.starts_with("seawall scan")).collect();
    assert_eq!(scans.len(), 1, "{script:?}");
    assert!(scans[0].contains("--fail-on \"$SEAWALL_FAIL_ON\""), "{}", scans[0]);
    let artifacts = job.get("artifacts").unwrap();
    assert_eq!(artifacts.s("when"), Some("always"), "reports are kept when the job fails");
    let paths: Vec<&str> = artifacts.get("paths").unwrap().seq().iter().filter_map(Y::str).collect();
    assert!(paths.contains(&"seawall.json") && paths.contains(&"seawall.sarif"), "{paths:?}");

    let vars: Vec<(String, String)> = ci
        .get("variables")
        .unwrap()
        .map()
        .iter()
        .map(|(k, v)| (k.clone(), v.str().unwrap().to_string()))
        .collect();
    assert!(vars.iter().any(|(k, v)| k == "SEAWALL_FAIL_ON" && v == "HIGH"), "{vars:?}");

    let sb = Sandbox::new();
    for (name, fixture, code) in [("insecure", insecure as fn(&Path), 1), ("clean", clean, 0)] {
        let dir = sb.project(name);
        fixture(&dir);
        let project = dir.display().to_string();
        // GitLab exports the variables (values expanded once) and runs before_script + script in one shell,
        // stopping at the first failing line.
        let mut env: Vec<(&str, String)> = vec![("CI_PROJECT_DIR", project.clone())];
        for (k, v) in &vars {
            env.push((k.as_str(), v.replace("$CI_PROJECT_DIR", &project)));
        }
        let mut body = String::from("set -e\n");
        for line in before.iter().chain(&script) {
            let line = if line.starts_with("seawall ") { hermetic(line) } else { line.to_string() };
            body.push_str(&line);
            body.push('\n');
        }
        let out = sb.shell("sh", &body, &dir, &env, &[]);
        assert_eq!(out.status.code(), Some(code), "{name}: {}", show(&out));
        assert!(dir.join(".seawall-cache/osv.db").is_file(), "the database lands in the cached directory");
        for p in &paths {
            assert!(dir.join(p).is_file(), "{name}: artifact {p} not written");
        }
        let report = json_file(&dir.join("seawall.json"));
        let ids: Vec<&str> =
            report["findings"].as_array().unwrap().iter().filter_map(|f| f["id"].as_str()).collect();
        assert_eq!(ids.contains(&"SW-MODEL-001"), code == 1, "{ids:?}");
        sarif_rule_ids(&dir.join("seawall.sarif"));
        assert!(!fs_err::read_to_string(dir.join("seawall.md")).unwrap().trim().is_empty());
    }
}

/// One hook run: project directory, staged files, expected exit code.
type Run<'a> = (&'a Path, Vec<&'a str>, i32);

#[test]
fn pre_commit_hooks_run_per_file_and_fail_on_high() {
    let hooks = load(".pre-commit-hooks.yaml");
    let by_id = |id: &str| -> Y {
        hooks.seq().iter().find(|h| h.s("id") == Some(id)).cloned().unwrap_or_else(|| panic!("hook {id}"))
    };
    let sb = Sandbox::new();
    let bad = sb.project("insecure");
    insecure(&bad);
    let good = sb.project("clean");
    clean(&good);
    // (hook, the seawall command it must run, files → expected exit code)
    let cases: [(&str, &str, Vec<Run<'_>>); 3] = [
        (
            "seawall-config",
            "seawall scan config",
            vec![
                (&bad, vec!["Dockerfile", "docker-compose.yml"], 1),
                (&bad, vec!["Dockerfile"], 0), // running as root is MEDIUM
                (&good, vec!["Dockerfile"], 0),
            ],
        ),
        (
            "seawall-secrets",
            "--scanners secret",
            vec![(&bad, vec!["Dockerfile", ".env"], 1), (&good, vec!["Dockerfile", "app.py"], 0)],
        ),
        (
            "seawall-models",
            "seawall scan model",
            vec![(&bad, vec!["models/model.pkl"], 1), (&good, vec!["models/empty.pkl"], 0)],
        ),
    ];
    for (id, must, runs) in cases {
        let hook = by_id(id);
        assert_eq!(hook.s("language"), Some("system"), "{id}");
        assert_eq!(hook.s("pass_filenames"), Some("true"), "{id}");
        let entry = hook.s("entry").unwrap();
        assert!(entry.contains(must) && entry.contains("--fail-on HIGH"), "{id}: {entry}");
        for (dir, files, code) in runs {
            // pre-commit splits `entry` like a shell and appends the staged file names.
            let out = sb.shell("sh", &format!("{entry} \"$@\""), dir, &[], &files);
            assert_eq!(out.status.code(), Some(code), "{id} {files:?}: {}", show(&out));
        }
    }
}
