//! Loading a compose project as `docker compose` does before any check: the project's files (`-f a
//! -f b`, or `compose.yaml` + `compose.override.yaml`) merged in order, top-level `include:`,
//! service `extends:` (same file or `file:`), and interpolation with the project's `.env`.
//!
//! Merge rules follow the Compose specification's "merge" section: mappings merge key by key;
//! `command`, `entrypoint` and `healthcheck.test` are replaced; `environment`, `labels`, `sysctls`,
//! `extra_hosts` merge by key (list and map forms alike); other sequences (`ports`, `volumes`,
//! `cap_add`, `security_opt`, …) are the union of both, in order; scalars are replaced.
//! Every node keeps the file and line it was written at, so findings on a merged service point at
//! the file that set the value.

use std::collections::BTreeMap;

use seawall_core::ScanWarning;

use super::interp::{interpolate, parse_dotenv};
use crate::project::{Sources, Tree, dir_of, join};
use crate::yaml::{Node, Val, parse_one};

const MAX_DEPTH: u32 = 16;

/// A loaded, merged, interpolated compose project.
#[derive(Debug, Clone)]
pub(crate) struct Project {
    /// The merged model (`services`, `networks`, …).
    pub(crate) root: Node,
    /// Files that could not be read or parsed.
    pub(crate) warnings: Vec<ScanWarning>,
}

/// Keys whose sequence value replaces the base one instead of being merged.
const REPLACED: &[&str] = &["command", "entrypoint", "test", "args"];
/// Keys whose list form `K=V` merges by key like a mapping.
const KEYED: &[&str] = &["environment", "labels", "sysctls", "extra_hosts", "annotations", "args"];

fn keyed_map(n: &Node) -> Node {
    match &n.v {
        Val::Seq(items) => {
            let mut m = Vec::new();
            for it in items {
                if let Some(s) = it.as_str() {
                    let (k, v) = match s.split_once('=') {
                        Some((k, v)) => (k, Node { v: Val::Str(v.to_string()), ..it.clone() }),
                        None => (s, Node { v: Val::Null, ..it.clone() }),
                    };
                    m.push((Node { v: Val::Str(k.to_string()), ..it.clone() }, v));
                }
            }
            Node { v: Val::Map(m), ..n.clone() }
        }
        _ => n.clone(),
    }
}

fn seq_key(n: &Node) -> String {
    match &n.v {
        Val::Map(_) => n
            .get("target")
            .or_else(|| n.get("source"))
            .and_then(Node::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("{:?}", n.v)),
        _ => {
            // volumes `src:dst[:mode]` merge by destination
            let s = n.as_str().unwrap_or_default();
            let parts: Vec<&str> = s.split(':').collect();
            if parts.len() >= 2 && (parts[1].starts_with('/') || parts[1].starts_with('$')) {
                parts[1].to_string()
            } else {
                s.to_string()
            }
        }
    }
}

/// Merges `over` into `base` per the Compose specification.
pub(crate) fn merge(base: &mut Node, over: Node, key: &str) {
    if KEYED.contains(&key) && (base.is_map() || matches!(base.v, Val::Seq(_))) {
        let mut b = keyed_map(base);
        let o = keyed_map(&over);
        if b.is_map() && o.is_map() {
            if let Val::Map(om) = o.v {
                for (k, v) in om {
                    if let Some(ks) = k.as_str().map(str::to_string) {
                        b.insert(&ks, v);
                    }
                }
            }
            *base = b;
            return;
        }
    }
    match (&mut base.v, over.v) {
        (Val::Map(_), Val::Map(om)) => {
            for (k, v) in om {
                let Some(ks) = k.as_str().map(str::to_string) else { continue };
                match base.get_mut(&ks) {
                    Some(b) => merge(b, v, &ks),
                    None => {
                        if let Val::Map(m) = &mut base.v {
                            m.push((k, v));
                        }
                    }
                }
            }
        }
        (Val::Seq(bs), Val::Seq(os)) if !REPLACED.contains(&key) => {
            for o in os {
                let k = seq_key(&o);
                match bs.iter().position(|b| seq_key(b) == k) {
                    Some(i) => bs[i] = o,
                    None => bs.push(o),
                }
            }
        }
        (_, v) => {
            *base = Node { v, line: over.line, col: over.col, src: over.src };
        }
    }
}

struct Loader<'a> {
    tree: &'a Tree<'a>,
    srcs: &'a mut Sources,
    files: Vec<String>,
    warnings: Vec<ScanWarning>,
}

impl Loader<'_> {
    fn env_for(&self, rel: &str) -> BTreeMap<String, String> {
        let dir = dir_of(rel);
        self.tree.text(&join(dir, ".env")).map(parse_dotenv).unwrap_or_default()
    }

    /// Reads, interpolates and resolves `include:` of one file.
    fn file(&mut self, rel: &str, env: &BTreeMap<String, String>, depth: u32) -> Option<Node> {
        if depth > MAX_DEPTH {
            self.warnings.push(ScanWarning::at(
                "config",
                self.srcs.file_loc(rel),
                "compose include/extends nesting deeper than 16 levels: not analysed further",
            ));
            return None;
        }
        let Some(text) = self.tree.text(rel) else {
            self.warnings.push(ScanWarning::at(
                "config",
                self.srcs.file_loc(rel),
                "compose file referenced by include/extends/-f was not found in the scanned tree: not analysed",
            ));
            return None;
        };
        let mut root = match parse_one(text) {
            Ok(r) => r,
            Err(e) => {
                self.warnings.push(ScanWarning::at(
                    "config",
                    self.srcs.file_loc(rel),
                    format!("cannot parse compose file: {e}"),
                ));
                return None;
            }
        };
        let id = self.srcs.id(rel);
        root.set_src(id);
        if !self.files.iter().any(|f| f == rel) {
            self.files.push(rel.to_string());
        }
        interpolate_tree(&mut root, env);
        if let Some(inc) = root.remove("include") {
            let dir = dir_of(rel).to_string();
            for entry in inc.seq() {
                let paths: Vec<String> = match &entry.v {
                    Val::Str(s) => vec![s.clone()],
                    Val::Map(_) => match entry.get("path") {
                        Some(p) if matches!(p.v, Val::Seq(_)) => {
                            p.seq().iter().filter_map(Node::as_str).map(str::to_string).collect()
                        }
                        Some(p) => p.as_str().map(|s| vec![s.to_string()]).unwrap_or_default(),
                        None => Vec::new(),
                    },
                    _ => Vec::new(),
                };
                let mut first: Option<Node> = None;
                for p in paths {
                    let target = join(&dir, &p);
                    let mut env2 = self.env_for(&target);
                    for (k, v) in env {
                        env2.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                    if let Some(n) = self.file(&target, &env2, depth + 1) {
                        match first.as_mut() {
                            Some(f) => merge(f, n, ""),
                            None => first = Some(n),
                        }
                    }
                }
                if let Some(included) = first {
                    // The including file wins on conflicts (Compose reports them as errors).
                    let mut merged = included;
                    let own = std::mem::replace(&mut root, Node::new(Val::Null));
                    for top in ["services", "networks", "volumes", "secrets", "configs"] {
                        if merged.get(top).is_none() {
                            merged.insert(top, Node::new(Val::Map(Vec::new())));
                        }
                    }
                    merge(&mut merged, own, "");
                    root = merged;
                }
            }
        }
        Some(root)
    }

    /// Resolves `extends` of every service of `root` (whose file is `rel`).
    fn extends(&mut self, root: &mut Node, rel: &str, env: &BTreeMap<String, String>, depth: u32) {
        let names: Vec<String> = root
            .get("services")
            .map(Node::map)
            .unwrap_or(&[])
            .iter()
            .filter_map(|(k, _)| k.as_str().map(str::to_string))
            .collect();
        for name in names {
            let mut seen = vec![name.clone()];
            self.resolve(root, rel, &name, env, depth, &mut seen);
        }
    }

    fn resolve(
        &mut self,
        root: &mut Node,
        rel: &str,
        name: &str,
        env: &BTreeMap<String, String>,
        depth: u32,
        seen: &mut Vec<String>,
    ) {
        let Some(svc) = root.get_mut("services").and_then(|s| s.get_mut(name)) else { return };
        let Some(ext) = svc.remove("extends") else { return };
        let (base_name, file) = match &ext.v {
            Val::Str(s) => (s.clone(), None),
            _ => (
                ext.get("service").and_then(Node::as_str).unwrap_or_default().to_string(),
                ext.get("file").and_then(Node::as_str).map(str::to_string),
            ),
        };
        if base_name.is_empty() || depth > MAX_DEPTH {
            return;
        }
        let base = match file {
            Some(f) => {
                let target = join(dir_of(rel), &f);
                let env2 = self.env_for(&target);
                let env2 = if env2.is_empty() { env.clone() } else { env2 };
                let Some(mut other) = self.file(&target, &env2, depth + 1) else { return };
                let mut seen2 = vec![base_name.clone()];
                self.resolve(&mut other, &target, &base_name, &env2, depth + 1, &mut seen2);
                other.get("services").and_then(|s| s.get(&base_name)).cloned()
            }
            None => {
                if seen.contains(&base_name) {
                    return; // a cycle: Compose refuses it; keep the service as written
                }
                seen.push(base_name.clone());
                self.resolve(root, rel, &base_name, env, depth + 1, seen);
                root.get("services").and_then(|s| s.get(&base_name)).cloned()
            }
        };
        let Some(mut merged) = base else {
            self.warnings.push(ScanWarning::at(
                "config",
                self.srcs.loc(&ext),
                format!("extends: service {base_name} not found: {name} analysed without its base"),
            ));
            return;
        };
        let Some(svc) = root.get_mut("services").and_then(|s| s.get_mut(name)) else { return };
        let own = std::mem::replace(svc, Node::new(Val::Null));
        merge(&mut merged, own, "");
        *svc = merged;
    }
}

/// Interpolates every scalar value (not keys) of a tree in place.
pub(crate) fn interpolate_tree(n: &mut Node, env: &BTreeMap<String, String>) {
    match &mut n.v {
        Val::Str(s) if s.contains('$') => {
            *s = interpolate(s, env).value;
        }
        Val::Seq(items) => items.iter_mut().for_each(|i| interpolate_tree(i, env)),
        Val::Map(m) => m.iter_mut().for_each(|(_, v)| interpolate_tree(v, env)),
        _ => {}
    }
}

/// Loads a compose project from its files (the first is the main file, the others override it).
pub(crate) fn load(files: &[String], tree: &Tree<'_>, srcs: &mut Sources) -> Option<Project> {
    let first = files.first()?;
    let mut l = Loader { tree, srcs, files: Vec::new(), warnings: Vec::new() };
    let env = l.env_for(first);
    let mut root: Option<Node> = None;
    for f in files {
        let Some(mut n) = l.file(f, &env, 0) else { continue };
        l.extends(&mut n, f, &env, 0);
        match root.as_mut() {
            Some(r) => merge(r, n, ""),
            None => root = Some(n),
        }
    }
    let root = root?;
    Some(Project { root, warnings: l.warnings })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[(&str, &str)]) -> Vec<(String, String)> {
        files.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    #[test]
    fn override_include_extends_and_env() {
        let files = tree(&[
            (
                "app/compose.yaml",
                "include:\n  - db/compose.yaml\nservices:\n  web:\n    extends: {file: common.yaml, service: base}\n    image: web:${TAG:-1.0}\n    ports: [\"${WEB_PORT:-8000}:8000\"]\n",
            ),
            (
                "app/compose.override.yaml",
                "services:\n  web:\n    ports: [\"9229:9229\"]\n    environment: [DEBUG=1]\n",
            ),
            (
                "app/common.yaml",
                "services:\n  base:\n    environment: {LOG: info}\n    cap_add: [NET_ADMIN]\n",
            ),
            (
                "app/db/compose.yaml",
                "services:\n  db:\n    image: postgres:16\n    ports: [\"${DB_PORT}:5432\"]\n",
            ),
            ("app/.env", "DB_PORT=5433\n"),
        ]);
        let t = Tree::new(files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect());
        let mut srcs = Sources::default();
        let p =
            load(&["app/compose.yaml".into(), "app/compose.override.yaml".into()], &t, &mut srcs).unwrap();
        assert!(p.warnings.is_empty(), "{:?}", p.warnings);
        let web = p.root.path(&["services", "web"]).unwrap();
        assert_eq!(web.get("image").and_then(Node::as_str), Some("web:1.0"));
        let ports: Vec<&str> = web.get("ports").unwrap().seq().iter().filter_map(Node::as_str).collect();
        assert_eq!(ports, vec!["8000:8000", "9229:9229"]);
        assert_eq!(web.path(&["environment", "LOG"]).and_then(Node::as_str), Some("info"));
        assert_eq!(web.path(&["environment", "DEBUG"]).and_then(Node::as_str), Some("1"));
        let cap = &web.get("cap_add").unwrap().seq()[0];
        assert_eq!(srcs.loc(cap).path, "app/common.yaml", "merged values keep their file");
        let db = p.root.path(&["services", "db", "ports"]).unwrap();
        assert_eq!(db.seq()[0].as_str(), Some("5433:5432"), ".env of the included file's directory");
    }

    #[test]
    fn missing_include_is_a_warning_and_cycles_end() {
        let files = tree(&[(
            "compose.yaml",
            "include: [nope.yaml]\nservices:\n  a: {extends: b, image: x}\n  b: {extends: a}\n",
        )]);
        let t = Tree::new(files.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect());
        let mut srcs = Sources::default();
        let p = load(&["compose.yaml".into()], &t, &mut srcs).unwrap();
        assert_eq!(p.warnings.len(), 1);
        assert!(p.root.path(&["services", "a"]).is_some());
    }
}
