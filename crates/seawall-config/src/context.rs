//! Build-context checks: a Dockerfile that copies its whole context (`COPY . …`, `ADD . …`) while
//! the context holds secret files (`.env`, `id_rsa`, `kaggle.json`, …) that `.dockerignore` does not
//! exclude bakes those secrets into a layer (`SW-DF-019`).

use globset::{GlobBuilder, GlobMatcher};
use parse_dockerfile::{Instruction, Source};
use seawall_core::{Finding, Location};

use crate::catalog::dockerfile::DF_SECRET_FILE_COPY;
use crate::dockerfile::is_secret_file;
use crate::emit::{LineIndex, finding};

/// `.dockerignore` rules (Docker's semantics: later rules win, `!` re-includes, a rule excluding a
/// directory excludes everything below it, `**` matches any number of directories).
#[derive(Debug, Default)]
pub struct DockerIgnore {
    rules: Vec<(GlobMatcher, bool)>,
}

impl DockerIgnore {
    /// Parses a `.dockerignore` text; invalid patterns are skipped.
    pub fn parse(text: &str) -> Self {
        let mut rules = Vec::new();
        for line in text.lines() {
            let l = line.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let (neg, pat) = match l.strip_prefix('!') {
                Some(p) => (true, p.trim()),
                None => (false, l),
            };
            let pat = pat.trim_start_matches("./").trim_start_matches('/').trim_end_matches('/');
            if pat.is_empty() {
                continue;
            }
            if let Ok(g) = GlobBuilder::new(pat).literal_separator(true).build() {
                rules.push((g.compile_matcher(), neg));
            }
        }
        DockerIgnore { rules }
    }

    /// True when `rel` (relative to the context, `/`-separated) is excluded from the context.
    pub fn excluded(&self, rel: &str) -> bool {
        let mut excluded = false;
        // the path itself and every parent directory
        let parts: Vec<&str> = rel.split('/').collect();
        for (m, neg) in &self.rules {
            let hit = (1..=parts.len()).any(|n| m.is_match(parts[..n].join("/")));
            if hit {
                excluded = !neg;
            }
        }
        excluded
    }
}

/// Byte offsets of COPY/ADD instructions (without `--from`) whose source is the whole context.
fn whole_context_copies(text: &str) -> Vec<usize> {
    let Ok(df) = parse_dockerfile::parse(text) else { return Vec::new() };
    let mut out = Vec::new();
    let whole = |v: &str| matches!(v, "." | "./" | "*" | "./*");
    for ins in &df.instructions {
        let (src, flags_from, off) = match ins {
            Instruction::Copy(c) => {
                (&c.src, c.options.iter().any(|f| f.name.value == "from"), c.copy.span.start)
            }
            Instruction::Add(a) => (&a.src, false, a.add.span.start),
            _ => continue,
        };
        if !flags_from && src.iter().any(|s| matches!(s, Source::Path(p) if whole(&p.value))) {
            out.push(off);
        }
    }
    out
}

/// `SW-DF-019` findings for secret files in the build context of a Dockerfile that copies the whole
/// context. `context_files` are paths relative to the context directory.
pub fn check_build_context(
    dockerfile: &Location,
    text: &str,
    dockerignore: Option<&str>,
    context_files: &[&str],
) -> Vec<Finding> {
    let copies = whole_context_copies(text);
    let Some(&first) = copies.first() else { return Vec::new() };
    let ignore = DockerIgnore::parse(dockerignore.unwrap_or(""));
    let mut leaked: Vec<&str> =
        context_files.iter().copied().filter(|f| is_secret_file(f) && !ignore.excluded(f)).collect();
    leaked.sort_unstable();
    leaked.dedup();
    if leaked.is_empty() {
        return Vec::new();
    }
    let idx = LineIndex::new(text);
    let shown: Vec<&str> = leaked.iter().take(10).copied().collect();
    vec![finding(
        &DF_SECRET_FILE_COPY,
        idx.loc(dockerfile, first),
        format!(
            "the build context is copied whole and contains secret file(s) not excluded by .dockerignore: {}{}",
            shown.join(", "),
            if leaked.len() > shown.len() { ", …" } else { "" }
        ),
        "context",
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerignore_semantics() {
        let i = DockerIgnore::parse("# c\n.env\n**/*.pem\nsecrets/\n!secrets/public.txt\n");
        assert!(i.excluded(".env"));
        assert!(!i.excluded("app/.env"), "`.env` only matches at the root in Docker");
        assert!(i.excluded("a/b/key.pem"));
        assert!(i.excluded("secrets/id_rsa"));
        assert!(!i.excluded("secrets/public.txt"));
        assert!(!i.excluded("app/main.py"));
        let all = DockerIgnore::parse("**/.env\n");
        assert!(all.excluded("app/.env") && all.excluded(".env"));
    }

    #[test]
    fn context_leaks() {
        let l = Location::file("Dockerfile");
        let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\n";
        let files = [".env", "app/main.py", "kaggle.json", ".env.example"];
        let f = check_build_context(&l, df, None, &files);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].location.line, Some(3));
        assert!(f[0].message.contains(".env, kaggle.json"));
        assert!(check_build_context(&l, df, Some(".env\nkaggle.json\n"), &files).is_empty());
        assert!(
            check_build_context(&l, "FROM x\nCOPY app/ /app/\n", None, &files).is_empty(),
            "no whole-context copy"
        );
        assert!(check_build_context(&l, "FROM x\nCOPY --from=build . /app\n", None, &files).is_empty());
        assert!(check_build_context(&l, df, None, &["app/main.py"]).is_empty());
        assert_eq!(check_build_context(&l, "FROM x\nADD . /app\n", None, &[".aws/credentials"]).len(), 1);
    }
}
