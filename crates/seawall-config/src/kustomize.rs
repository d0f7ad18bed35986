//! A kustomize subset, enough to check what `kubectl apply -k` deploys: `resources` (files and
//! kustomization directories; `bases` too), `components`, strategic-merge patches
//! (`patchesStrategicMerge`, `patches` without JSON ops) and JSON 6902 patches (`patchesJson6902`,
//! `patches` with a list of ops) applied to the resources they target, then `namespace`,
//! `namePrefix` / `nameSuffix`, `commonLabels` / `labels` (with `includeSelectors` /
//! `includeTemplates`), `images` (`newName`, `newTag`, `digest`) and `replicas`, in kustomize's
//! order (resources → patches → transformers, one level at a time, overlays after their bases).
//! `secretGenerator` literals are reported as plaintext secrets. Remote resources, `helmCharts`,
//! `replacements`, `vars` and generator options are not applied: each is reported as not analysed.
//!
//! Hand-written: no Rust crate implements kustomize; this follows the kustomization reference on
//! kubectl.docs.kubernetes.io (see `docs/config.md` for the supported subset).

use std::collections::BTreeSet;

use seawall_core::{Finding, ScanWarning};

use crate::catalog::k8s::K8S_PLAINTEXT_SECRET;
use crate::emit::finding;
use crate::project::{Sources, Tree, dir_of, join};
use crate::yaml::{Node, Val, parse_multi, parse_one};

const MAX_DEPTH: u32 = 20;

/// One kustomization built: its name (directory) and the resulting documents.
#[derive(Debug, Clone)]
pub(crate) struct Build {
    pub(crate) name: String,
    pub(crate) docs: Vec<Node>,
}

/// Everything built from a tree's kustomizations.
#[derive(Debug, Clone, Default)]
pub(crate) struct Output {
    pub(crate) builds: Vec<Build>,
    /// Files read as resources, patches or sub-kustomizations (not checked on their own).
    pub(crate) consumed: BTreeSet<String>,
    pub(crate) warnings: Vec<ScanWarning>,
    pub(crate) findings: Vec<Finding>,
}

const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "APIService",
    "IngressClass",
    "RuntimeClass",
    "ClusterIssuer",
    "PodSecurityPolicy",
];

fn kustomization_in(dir: &str, tree: &Tree<'_>) -> Option<String> {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .map(|n| join(dir, n))
        .find(|p| tree.text(p).is_some())
}

fn is_remote(r: &str) -> bool {
    r.contains("://") || r.starts_with("github.com/") || r.starts_with("git@") || r.contains("?ref=")
}

fn strs(n: Option<&Node>) -> Vec<&Node> {
    n.map(Node::seq).unwrap_or(&[]).iter().collect()
}

/// Builds every kustomization that no other kustomization uses.
pub(crate) fn build_all(kusts: &[String], tree: &Tree<'_>, srcs: &mut Sources) -> Output {
    let mut out = Output::default();
    let mut used_dirs = BTreeSet::new();
    for k in kusts {
        let Some(root) = tree.text(k).and_then(|t| parse_one(t).ok()) else { continue };
        let dir = dir_of(k);
        for key in ["resources", "bases", "components"] {
            for r in strs(root.get(key)).into_iter().filter_map(Node::as_str) {
                used_dirs.insert(join(dir, r));
            }
        }
    }
    for k in kusts {
        let dir = dir_of(k).to_string();
        if used_dirs.contains(&dir) {
            continue;
        }
        let mut b = Builder { tree, srcs, out: &mut out };
        let docs = b.build(&dir, 0);
        let name = if dir.is_empty() { ".".to_string() } else { dir };
        out.builds.push(Build { name, docs });
    }
    out
}

struct Builder<'a, 'b> {
    tree: &'a Tree<'a>,
    srcs: &'a mut Sources,
    out: &'b mut Output,
}

impl Builder<'_, '_> {
    fn warn(&mut self, rel: &str, msg: String) {
        let w = ScanWarning::at("config", self.srcs.file_loc(rel), msg);
        if !self.out.warnings.contains(&w) {
            self.out.warnings.push(w);
        }
    }

    fn build(&mut self, dir: &str, depth: u32) -> Vec<Node> {
        let Some(kpath) = kustomization_in(dir, self.tree) else {
            self.warn(dir, format!("{dir}: no kustomization file in this directory: not analysed"));
            return Vec::new();
        };
        if depth > MAX_DEPTH {
            self.warn(&kpath, "kustomization nesting deeper than 20 levels: not analysed further".into());
            return Vec::new();
        }
        self.out.consumed.insert(kpath.clone());
        let mut k = match self.tree.text(&kpath).map(parse_one) {
            Some(Ok(k)) => k,
            Some(Err(e)) => {
                self.warn(&kpath, format!("cannot parse kustomization: {e}"));
                return Vec::new();
            }
            None => return Vec::new(),
        };
        let kid = self.srcs.id(&kpath);
        k.set_src(kid);
        let mut docs: Vec<Node> = Vec::new();
        for key in ["resources", "bases"] {
            for r in strs(k.get(key)) {
                let Some(rs) = r.as_str() else { continue };
                docs.extend(self.resource(dir, rs, &kpath, depth));
            }
        }
        for c in strs(k.get("components")).into_iter().filter_map(Node::as_str) {
            if is_remote(c) {
                self.warn(&kpath, format!("remote component {c} is not fetched: not analysed"));
                continue;
            }
            let cdir = join(dir, c);
            let comp = self.build(&cdir, depth + 1);
            docs.extend(comp);
        }
        self.generators(&k, &kpath);
        for unsupported in
            ["helmCharts", "replacements", "vars", "configurations", "transformers", "generators"]
        {
            if k.get(unsupported).is_some() {
                self.warn(
                    &kpath,
                    format!("kustomize `{unsupported}` is not applied: the build is analysed without it"),
                );
            }
        }
        self.patches(&k, dir, &kpath, &mut docs);
        transform(&k, &mut docs);
        docs
    }

    fn resource(&mut self, dir: &str, r: &str, kpath: &str, depth: u32) -> Vec<Node> {
        if is_remote(r) {
            self.warn(kpath, format!("remote resource {r} is not fetched: not analysed"));
            return Vec::new();
        }
        let target = join(dir, r);
        if let Some(parsed) = self.tree.docs(&target) {
            self.out.consumed.insert(target.clone());
            return match parsed.as_ref() {
                Ok(d) => {
                    let mut d = crate::k8s::manifests(d.clone());
                    let id = self.srcs.id(&target);
                    d.iter_mut().for_each(|n| n.set_src(id));
                    d
                }
                Err(e) => {
                    self.warn(&target, format!("cannot parse kustomize resource: {e}"));
                    Vec::new()
                }
            };
        }
        if kustomization_in(&target, self.tree).is_some() {
            return self.build(&target, depth + 1);
        }
        self.warn(kpath, format!("resource {r} not found in the scanned tree: not analysed"));
        Vec::new()
    }

    fn generators(&mut self, k: &Node, kpath: &str) {
        for g in strs(k.get("secretGenerator")) {
            let name = g.get("name").and_then(Node::as_str).unwrap_or("?");
            if let Some(lits) = g.get("literals").filter(|l| !l.seq().is_empty()) {
                self.out.findings.push(finding(
                    &K8S_PLAINTEXT_SECRET,
                    self.srcs.loc(lits),
                    format!(
                        "secretGenerator {name} in {kpath} carries its values as literals in the repository"
                    ),
                    &format!("{kpath}|{name}"),
                ));
            }
        }
    }

    /// The patch documents of a `path:` or inline `patch:` entry.
    fn patch_docs(&mut self, dir: &str, entry: &Node, kpath: &str) -> Vec<Node> {
        let (text, id, line_off, rel) = if let Some(p) = entry
            .as_str()
            .filter(|s| !s.contains('\n'))
            .map(str::to_string)
            .or_else(|| entry.get("path").and_then(Node::as_str).map(str::to_string))
        {
            let target = join(dir, &p);
            let Some(t) = self.tree.text(&target) else {
                self.warn(kpath, format!("patch {p} not found in the scanned tree: not applied"));
                return Vec::new();
            };
            self.out.consumed.insert(target.clone());
            (t.to_string(), self.srcs.id(&target), 0, target)
        } else if let Some(inline) = entry.as_str().or_else(|| entry.get("patch").and_then(Node::as_str)) {
            let n = if entry.as_str().is_some() { entry } else { entry.get("patch").unwrap_or(entry) };
            (inline.to_string(), n.src, n.line, kpath.to_string())
        } else {
            return Vec::new();
        };
        match parse_multi(&text) {
            Ok(mut docs) => {
                for d in &mut docs {
                    d.set_src(id);
                    if line_off > 0 {
                        shift_lines(d, line_off);
                    }
                }
                docs
            }
            Err(e) => {
                self.warn(&rel, format!("cannot parse kustomize patch: {e}"));
                Vec::new()
            }
        }
    }

    fn patches(&mut self, k: &Node, dir: &str, kpath: &str, docs: &mut [Node]) {
        for e in strs(k.get("patchesStrategicMerge")) {
            for p in self.patch_docs(dir, e, kpath) {
                apply_smp(docs, &p, None);
            }
        }
        for e in strs(k.get("patches")) {
            let target = e.get("target");
            for p in self.patch_docs(dir, e, kpath) {
                if matches!(p.v, Val::Seq(_)) {
                    if let Some(t) = target {
                        apply_json6902(docs, t, &p);
                    }
                } else {
                    apply_smp(docs, &p, target);
                }
            }
        }
        for e in strs(k.get("patchesJson6902")) {
            let Some(t) = e.get("target") else { continue };
            for p in self.patch_docs(dir, e, kpath) {
                apply_json6902(docs, t, &p);
            }
        }
    }
}

fn shift_lines(n: &mut Node, by: u32) {
    if n.line > 0 {
        n.line += by;
    }
    match &mut n.v {
        Val::Seq(s) => s.iter_mut().for_each(|x| shift_lines(x, by)),
        Val::Map(m) => m.iter_mut().for_each(|(k, v)| {
            shift_lines(k, by);
            shift_lines(v, by);
        }),
        _ => {}
    }
}

fn name_matches(pattern: &str, name: &str) -> bool {
    if pattern == name {
        return true;
    }
    // kustomize targets take regular expressions; the common `.*` / prefix forms are supported
    match pattern.split_once(".*") {
        Some((pre, post)) => {
            name.starts_with(pre) && name.ends_with(post) && name.len() >= pre.len() + post.len()
        }
        None => false,
    }
}

fn target_matches(doc: &Node, t: &Node) -> bool {
    let get = |k: &str| t.get(k).and_then(Node::as_str);
    let kind = doc.get("kind").and_then(Node::as_str).unwrap_or("");
    let name = doc.path(&["metadata", "name"]).and_then(Node::as_str).unwrap_or("");
    let ns = doc.path(&["metadata", "namespace"]).and_then(Node::as_str);
    if get("kind").is_some_and(|k| k != kind) || get("name").is_some_and(|n| !name_matches(n, name)) {
        return false;
    }
    if let Some(want) = get("namespace")
        && ns.is_some_and(|n| n != want)
    {
        return false;
    }
    if let Some(sel) = get("labelSelector") {
        let labels = crate::k8s::netpol::labels(doc.path(&["metadata", "labels"]));
        for req in sel.split(',') {
            let (k, v) = req.split_once('=').unwrap_or((req, ""));
            let v = v.trim_start_matches('=');
            if labels.get(k.trim()).map(String::as_str) != Some(v.trim()) {
                return false;
            }
        }
    }
    true
}

fn apply_smp(docs: &mut [Node], patch: &Node, target: Option<&Node>) {
    for d in docs.iter_mut() {
        let hit = match target {
            Some(t) => target_matches(d, t),
            None => {
                let pk = patch.get("kind").and_then(Node::as_str);
                let pn = patch.path(&["metadata", "name"]).and_then(Node::as_str);
                let pns = patch.path(&["metadata", "namespace"]).and_then(Node::as_str);
                pk == d.get("kind").and_then(Node::as_str)
                    && pn == d.path(&["metadata", "name"]).and_then(Node::as_str)
                    && (pns.is_none() || pns == d.path(&["metadata", "namespace"]).and_then(Node::as_str))
            }
        };
        if hit {
            let mut p = patch.clone();
            if target.is_some() {
                // a targeted patch may name another resource: never rename the target
                if let Some(m) = p.get_mut("metadata") {
                    m.remove("name");
                    m.remove("namespace");
                }
            }
            smp(d, &p);
        }
    }
}

/// Merge keys of strategic-merge lists (from the Kubernetes API's `patchMergeKey` tags).
fn merge_key(field: &str) -> Option<&'static str> {
    Some(match field {
        "containers" | "initContainers" | "ephemeralContainers" | "volumes" | "env" | "imagePullSecrets" => {
            "name"
        }
        "volumeMounts" => "mountPath",
        "ports" => "containerPort",
        "volumeDevices" => "devicePath",
        _ => return None,
    })
}

fn smp(base: &mut Node, patch: &Node) {
    if patch.get("$patch").and_then(Node::as_str) == Some("replace") {
        *base = patch.clone();
        base.remove("$patch");
        return;
    }
    for (k, v) in patch.map() {
        let Some(key) = k.as_str() else { continue };
        if key.starts_with("$setElementOrder") || key == "$patch" || key.starts_with("$retainKeys") {
            continue;
        }
        if v.get("$patch").and_then(Node::as_str) == Some("delete") || matches!(v.v, Val::Null) {
            base.remove(key);
            continue;
        }
        match base.get_mut(key) {
            Some(b) if b.is_map() && v.is_map() => smp(b, v),
            Some(b)
                if matches!(b.v, Val::Seq(_)) && matches!(v.v, Val::Seq(_)) && merge_key(key).is_some() =>
            {
                let mk = merge_key(key).unwrap_or("name");
                let Val::Seq(items) = &mut b.v else { continue };
                for pv in v.seq() {
                    let id = pv.get(mk).and_then(Node::as_str);
                    let del = pv.get("$patch").and_then(Node::as_str) == Some("delete");
                    match items.iter().position(|it| id.is_some() && it.get(mk).and_then(Node::as_str) == id)
                    {
                        Some(i) if del => {
                            items.remove(i);
                        }
                        Some(i) => smp(&mut items[i], pv),
                        None if !del => items.push(pv.clone()),
                        None => {}
                    }
                }
            }
            Some(b) => *b = v.clone(),
            None => base.insert(key, v.clone()),
        }
    }
}

fn pointer(path: &str) -> Vec<String> {
    path.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect()
}

fn get_ptr<'a>(n: &'a Node, toks: &[String]) -> Option<&'a Node> {
    let mut cur = n;
    for t in toks {
        cur = match &cur.v {
            Val::Map(_) => cur.get(t)?,
            Val::Seq(s) => s.get(t.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn get_ptr_mut<'a>(n: &'a mut Node, toks: &[String]) -> Option<&'a mut Node> {
    let mut cur = n;
    for t in toks {
        cur = match &mut cur.v {
            Val::Map(m) => m.iter_mut().find(|(k, _)| k.as_str() == Some(t.as_str())).map(|(_, v)| v)?,
            Val::Seq(s) => s.get_mut(t.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn ptr_set(doc: &mut Node, toks: &[String], value: Node, insert: bool) {
    let Some((last, parent)) = toks.split_last() else {
        *doc = value;
        return;
    };
    let Some(p) = get_ptr_mut(doc, parent) else { return };
    match &mut p.v {
        Val::Map(_) => p.insert(last, value),
        Val::Seq(s) => {
            if last == "-" {
                s.push(value);
            } else if let Ok(i) = last.parse::<usize>() {
                if insert && i <= s.len() {
                    s.insert(i, value);
                } else if let Some(slot) = s.get_mut(i) {
                    *slot = value;
                }
            }
        }
        _ => {}
    }
}

fn ptr_remove(doc: &mut Node, toks: &[String]) -> Option<Node> {
    let (last, parent) = toks.split_last()?;
    let p = get_ptr_mut(doc, parent)?;
    match &mut p.v {
        Val::Map(_) => p.remove(last),
        Val::Seq(s) => {
            let i = last.parse::<usize>().ok().filter(|i| *i < s.len())?;
            Some(s.remove(i))
        }
        _ => None,
    }
}

fn apply_json6902(docs: &mut [Node], target: &Node, ops: &Node) {
    for d in docs.iter_mut().filter(|d| target_matches(d, target)) {
        for op in ops.seq() {
            let kind = op.get("op").and_then(Node::as_str).unwrap_or("");
            let path = pointer(op.get("path").and_then(Node::as_str).unwrap_or(""));
            match kind {
                "add" | "replace" => {
                    if let Some(v) = op.get("value") {
                        ptr_set(d, &path, v.clone(), kind == "add");
                    }
                }
                "remove" => {
                    ptr_remove(d, &path);
                }
                "copy" | "move" => {
                    let from = pointer(op.get("from").and_then(Node::as_str).unwrap_or(""));
                    let v = if kind == "move" { ptr_remove(d, &from) } else { get_ptr(d, &from).cloned() };
                    if let Some(v) = v {
                        ptr_set(d, &path, v, true);
                    }
                }
                _ => {}
            }
        }
    }
}

fn set_str(n: &mut Node, key: &str, value: String, at: &Node) {
    match n.get_mut(key) {
        Some(v) => v.v = Val::Str(value),
        None => n.insert(key, Node { v: Val::Str(value), ..at.clone() }),
    }
}

fn add_labels(n: Option<&mut Node>, labels: &[(String, Node)]) {
    let Some(n) = n else { return };
    for (k, v) in labels {
        n.insert(k, v.clone());
    }
}

fn pod_template_meta(doc: &mut Node) -> Option<&mut Node> {
    let kind = doc.get("kind").and_then(Node::as_str).unwrap_or("").to_string();
    let spec = doc.get_mut("spec")?;
    let t = if kind == "CronJob" {
        spec.get_mut("jobTemplate")?.get_mut("spec")?.get_mut("template")?
    } else {
        spec.get_mut("template")?
    };
    t.map_entry("metadata")?.map_entry("labels")
}

fn transform(k: &Node, docs: &mut [Node]) {
    let ns = k.get("namespace").and_then(Node::as_str).map(str::to_string);
    let prefix = k.get("namePrefix").and_then(Node::as_str).unwrap_or("").to_string();
    let suffix = k.get("nameSuffix").and_then(Node::as_str).unwrap_or("").to_string();
    let mut selector_labels: Vec<(String, Node)> = Vec::new();
    let mut template_labels: Vec<(String, Node)> = Vec::new();
    let mut meta_labels: Vec<(String, Node)> = Vec::new();
    for (lk, lv) in k.get("commonLabels").map(Node::map).unwrap_or(&[]) {
        if let Some(lk) = lk.as_str() {
            selector_labels.push((lk.to_string(), lv.clone()));
        }
    }
    for l in strs(k.get("labels")) {
        let sel = l.get("includeSelectors").is_some_and(Node::is_true);
        let tpl = l.get("includeTemplates").is_some_and(Node::is_true);
        for (lk, lv) in l.get("pairs").map(Node::map).unwrap_or(&[]) {
            let Some(lk) = lk.as_str() else { continue };
            let e = (lk.to_string(), lv.clone());
            if sel {
                selector_labels.push(e);
            } else if tpl {
                template_labels.push(e);
            } else {
                meta_labels.push(e);
            }
        }
    }
    for d in docs.iter_mut() {
        let kind = d.get("kind").and_then(Node::as_str).unwrap_or("").to_string();
        let at = d.clone();
        if let Some(m) = d.map_entry("metadata") {
            if let Some(ns) = &ns
                && !CLUSTER_SCOPED.contains(&kind.as_str())
            {
                set_str(m, "namespace", ns.clone(), &at);
            }
            if (!prefix.is_empty() || !suffix.is_empty())
                && kind != "Namespace"
                && kind != "CustomResourceDefinition"
            {
                let name = m.get("name").and_then(Node::as_str).unwrap_or("").to_string();
                set_str(m, "name", format!("{prefix}{name}{suffix}"), &at);
            }
            let all: Vec<(String, Node)> =
                selector_labels.iter().chain(&template_labels).chain(&meta_labels).cloned().collect();
            if !all.is_empty() {
                add_labels(m.map_entry("labels"), &all);
            }
        }
        if !selector_labels.is_empty() || !template_labels.is_empty() {
            let tl: Vec<(String, Node)> = selector_labels.iter().chain(&template_labels).cloned().collect();
            add_labels(pod_template_meta(d), &tl);
        }
        if !selector_labels.is_empty() {
            if kind == "Service" {
                add_labels(d.get_mut("spec").and_then(|s| s.map_entry("selector")), &selector_labels);
            } else if let Some(sel) =
                d.get_mut("spec").and_then(|s| s.get_mut("selector")).filter(|s| s.is_map())
            {
                add_labels(sel.map_entry("matchLabels"), &selector_labels);
            }
        }
        if kind == "RoleBinding" || kind == "ClusterRoleBinding" {
            // kustomize sets the namespace of ServiceAccount subjects of the same build
            if let (Some(ns), Some(Val::Seq(subjects))) = (&ns, d.get_mut("subjects").map(|s| &mut s.v)) {
                for s in subjects
                    .iter_mut()
                    .filter(|s| s.get("kind").and_then(Node::as_str) == Some("ServiceAccount"))
                {
                    let at = s.clone();
                    set_str(s, "namespace", ns.clone(), &at);
                }
            }
        }
    }
    // images
    for img in strs(k.get("images")) {
        let Some(name) = img.get("name").and_then(Node::as_str) else { continue };
        let new_name = img.get("newName").and_then(Node::as_str);
        let new_tag = img.get("newTag").and_then(Node::as_str);
        let digest = img.get("digest").and_then(Node::as_str);
        for d in docs.iter_mut() {
            rewrite_images(d, &|old: &str| {
                let (base, tag, dig) = split_image(old);
                if base != name {
                    return None;
                }
                let base = new_name.unwrap_or(base);
                let tag = if new_tag.is_some() || digest.is_some() { new_tag } else { tag };
                let dig = if digest.is_some() || new_tag.is_some() { digest } else { dig };
                let mut s = base.to_string();
                if let Some(t) = tag {
                    s.push(':');
                    s.push_str(t);
                }
                if let Some(g) = dig {
                    s.push('@');
                    s.push_str(g);
                }
                Some(s)
            });
        }
    }
    for r in strs(k.get("replicas")) {
        let (Some(name), Some(count)) = (r.get("name").and_then(Node::as_str), r.get("count")) else {
            continue;
        };
        for d in docs.iter_mut() {
            if d.path(&["metadata", "name"]).and_then(Node::as_str) == Some(name)
                && let Some(spec) = d.get_mut("spec")
            {
                spec.insert("replicas", count.clone());
            }
        }
    }
}

/// `(name, tag, digest)` of an image reference.
fn split_image(i: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match i.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (i, None),
    };
    let slash = rest.rfind('/').map_or(0, |p| p + 1);
    match rest[slash..].rfind(':') {
        Some(c) => (&rest[..slash + c], Some(&rest[slash + c + 1..]), digest),
        None => (rest, None, digest),
    }
}

fn rewrite_images(n: &mut Node, f: &dyn Fn(&str) -> Option<String>) {
    match &mut n.v {
        Val::Map(m) => {
            for (k, v) in m.iter_mut() {
                if k.as_str() == Some("image")
                    && let Val::Str(s) = &mut v.v
                {
                    if let Some(new) = f(s) {
                        *s = new;
                    }
                } else {
                    rewrite_images(v, f);
                }
            }
        }
        Val::Seq(s) => s.iter_mut().for_each(|x| rewrite_images(x, f)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(files: &[(&str, &str)]) -> Output {
        let t = Tree::new(files.to_vec());
        let mut srcs = Sources::default();
        let kusts: Vec<String> = files
            .iter()
            .filter(|(p, _)| p.ends_with("kustomization.yaml"))
            .map(|(p, _)| p.to_string())
            .collect();
        build_all(&kusts, &t, &mut srcs)
    }

    const DEP: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: model\nspec:\n  selector:\n    matchLabels: {app: model}\n  template:\n    metadata:\n      labels: {app: model}\n    spec:\n      containers:\n        - name: server\n          image: ghcr.io/acme/model:1.0\n          securityContext:\n            privileged: true\n";

    #[test]
    fn overlay_patches_images_namespace_prefix() {
        let out = build(&[
            ("base/kustomization.yaml", "resources: [deploy.yaml]\n"),
            ("base/deploy.yaml", DEP),
            (
                "overlays/prod/kustomization.yaml",
                "resources: [../../base]\nnamespace: prod\nnamePrefix: prod-\ncommonLabels: {env: prod}\nimages:\n  - name: ghcr.io/acme/model\n    digest: sha256:abc\npatches:\n  - path: harden.yaml\n  - target: {kind: Deployment, name: model}\n    patch: |-\n      - op: add\n        path: /spec/template/spec/automountServiceAccountToken\n        value: false\n",
            ),
            (
                "overlays/prod/harden.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: model\nspec:\n  template:\n    spec:\n      containers:\n        - name: server\n          securityContext:\n            privileged: false\n",
            ),
        ]);
        assert!(out.warnings.is_empty(), "{:?}", out.warnings);
        assert_eq!(out.builds.len(), 1, "the base is used by the overlay: one build");
        let d = &out.builds[0].docs[0];
        assert_eq!(d.path(&["metadata", "name"]).and_then(Node::as_str), Some("prod-model"));
        assert_eq!(d.path(&["metadata", "namespace"]).and_then(Node::as_str), Some("prod"));
        let c = &d.path(&["spec", "template", "spec", "containers"]).unwrap().seq()[0];
        assert_eq!(c.get("image").and_then(Node::as_str), Some("ghcr.io/acme/model@sha256:abc"));
        assert!(c.path(&["securityContext", "privileged"]).unwrap().is_false());
        assert!(d.path(&["spec", "template", "spec", "automountServiceAccountToken"]).unwrap().is_false());
        assert_eq!(
            d.path(&["spec", "template", "metadata", "labels", "env"]).and_then(Node::as_str),
            Some("prod")
        );
        assert!(out.consumed.contains("overlays/prod/harden.yaml"));
        assert!(out.consumed.contains("base/deploy.yaml"));
    }

    #[test]
    fn remote_and_missing_resources_are_reported() {
        let out = build(&[(
            "k/kustomization.yaml",
            "resources:\n  - https://github.com/x/y//base?ref=v1\n  - nope.yaml\nhelmCharts: [{name: x}]\n",
        )]);
        assert_eq!(out.warnings.len(), 3, "{:?}", out.warnings);
    }

    #[test]
    fn images_split() {
        assert_eq!(
            split_image("localhost:5000/a/b:1@sha256:x"),
            ("localhost:5000/a/b", Some("1"), Some("sha256:x"))
        );
        assert_eq!(split_image("nginx"), ("nginx", None, None));
    }
}
