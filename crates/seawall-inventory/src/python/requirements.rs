//! pip requirements files: the line format pip reads with `pip install -r` (options, continuation
//! lines, comments, per-requirement options, environment markers, `${VAR}` references, includes).
//!
//! Hand-written: a requirements file is pip's own line format, not PEP 508 alone, and no maintained
//! Rust crate parses it (`pep508_rs` parses one requirement string; pip's options, continuations
//! and includes are around it). The rules follow pip's `req_file.py`: lines ending in `\` are
//! joined, comments start at `#` at the start of a line or after whitespace, the first
//! whitespace-separated token starting with `-` begins the per-requirement options.
//!
//! **What becomes a package.** A requirement pinned with `==V` (no wildcard) or `===V` has version
//! `V`; any other requirement (`>=1.0`, `~=2.1`, `==2.*`, `==${VERSION}`, no specifier) has an
//! **empty version** and its specifier in `properties["constraint"]` — a range is never taken as a
//! version. A direct reference (`name @ url`, a wheel or sdist path or URL) is reported with the
//! version its file name carries (`numpy-1.9.2-cp34-none-win32.whl`), else none, and
//! `properties["python.direct_reference"]`. `-r` / `-c` includes are followed after the walk
//! ([`crate::resolve()`]). Lines pip would reject are warnings naming the line; when a name can still
//! be read (`foo==1.0 trailing text`) the package is reported too.

/// One requirement (a line naming a distribution).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// Name as written (not normalised).
    pub name: String,
    /// The pinned version (`==V` / `===V`), if pinned.
    pub pinned: Option<String>,
    /// The whole specifier as written, whitespace removed (`>=1.0,<2`), empty when none.
    pub specifier: String,
    /// The URL or path of a direct reference (`name @ url`, `./pkg-1.0.tar.gz`).
    pub direct: Option<String>,
    /// 1-based line where the requirement starts.
    pub line: u32,
}

/// An include line: `-r FILE` (install what FILE lists) or `-c FILE` (constrain versions to FILE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// True for `-c` / `--constraint`.
    pub constraint: bool,
    /// The path as written (relative to the including file's directory unless absolute).
    pub path: String,
    /// 1-based line of the include.
    pub line: u32,
}

/// A parsed requirements file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequirementsFile {
    /// The requirements, in file order.
    pub requirements: Vec<Requirement>,
    /// `-r` / `-c` includes, in file order.
    pub includes: Vec<Include>,
    /// Lines pip would reject: (1-based line, message).
    pub problems: Vec<(u32, String)>,
}

/// pip's global options that take a value (the value may follow as the next token or after `=`).
const GLOBAL_WITH_VALUE: &[&str] = &[
    "-i",
    "--index-url",
    "--extra-index-url",
    "-f",
    "--find-links",
    "--trusted-host",
    "--no-binary",
    "--only-binary",
    "--use-feature",
    "-e",
    "--editable",
];
/// pip's global options without a value.
const GLOBAL_FLAGS: &[&str] = &["--no-index", "--pre", "--prefer-binary", "--require-hashes"];
/// Per-requirement options (all take a value).
const PER_REQUIREMENT: &[&str] =
    &["--hash", "--global-option", "--install-option", "--config-settings", "-C"];

/// Joins continuation lines and strips comments: `(first line, logical line)` pairs.
fn logical_lines(text: &str) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = 0u32;
    for (i, raw) in text.lines().enumerate() {
        let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if cur.is_empty() {
            start = lineno;
        }
        match raw.strip_suffix('\\') {
            Some(cont) => {
                cur.push_str(cont);
                cur.push(' ');
            }
            None => {
                cur.push_str(raw);
                out.push((start, strip_comment(&cur).trim().to_string()));
                cur.clear();
            }
        }
    }
    if !cur.is_empty() {
        out.push((start, strip_comment(&cur).trim().to_string()));
    }
    out
}

/// pip's comment rule: `#` at the start of the line or after whitespace.
fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes.get(i - 1).is_some_and(u8::is_ascii_whitespace)) {
            return line.get(..i).unwrap_or(line);
        }
    }
    line
}

/// Splits `-rfile`, `-r file`, `--requirement=file` into (option, attached value).
fn split_option(token: &str) -> (&str, Option<&str>) {
    if let Some((k, v)) = token.split_once('=').filter(|(k, _)| k.starts_with("--")) {
        return (k, Some(v));
    }
    if !token.starts_with("--") && token.len() > 2 {
        return (token.get(..2).unwrap_or(token), token.get(2..));
    }
    (token, None)
}

/// What one logical line is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    Blank,
    Include(Include),
    GlobalOption,
    Requirement(Requirement),
    /// Not a valid line; a requirement may still be read from it.
    Invalid(String, Option<Requirement>),
}

fn parse_line(line: &str, lineno: u32) -> Line {
    if line.is_empty() {
        return Line::Blank;
    }
    let tokens: Vec<&str> = line.split_whitespace().collect();
    if tokens.first().is_some_and(|t| t.starts_with('-')) {
        return parse_global(&tokens, lineno);
    }
    // Direct references by path or URL, without a name.
    if line.starts_with(['.', '/']) || line.split_whitespace().next().is_some_and(|t| t.contains("://")) {
        let target = tokens.first().copied().unwrap_or("");
        return match name_version_from_archive(target) {
            Some((name, version)) => Line::Requirement(Requirement {
                name,
                pinned: version,
                specifier: String::new(),
                direct: Some(target.to_string()),
                line: lineno,
            }),
            // A project directory (`./local/pkg`) or a VCS URL without `#egg=`: the name is in
            // files seawall does not read here (the directory's own metadata is inventoried
            // where it lies).
            None => Line::GlobalOption,
        };
    }
    let opts_at = tokens.iter().position(|t| t.starts_with('-')).unwrap_or(tokens.len());
    let (req_tokens, opt_tokens) = tokens.split_at(opts_at);
    let mut problem = per_requirement_problem(opt_tokens);
    let req = req_tokens.join(" ");
    let (r, req_problem) = parse_requirement(&req, lineno);
    problem = problem.or(req_problem);
    match (r, problem) {
        (Some(r), None) => Line::Requirement(r),
        (r, Some(p)) => Line::Invalid(p, r),
        (None, None) => Line::Invalid("not a requirement".into(), None),
    }
}

/// Checks per-requirement options; `Some(message)` for an unknown option.
fn per_requirement_problem(tokens: &[&str]) -> Option<String> {
    let mut i = 0;
    while let Some(t) = tokens.get(i) {
        let (opt, attached) = split_option(t);
        let opt = if t.starts_with("--") { opt } else { t.get(..2).unwrap_or(t) };
        if !PER_REQUIREMENT.contains(&opt) {
            return Some(format!("unknown per-requirement option `{t}`"));
        }
        // `--hash=…` / `-Cvalue` carry their value; otherwise it is the next token.
        let has_value = attached.is_some_and(|v| !v.is_empty()) || (!t.starts_with("--") && t.len() > 2);
        i += if has_value { 1 } else { 2 };
    }
    None
}

fn parse_global(tokens: &[&str], lineno: u32) -> Line {
    let Some(first) = tokens.first() else { return Line::Blank };
    let (opt, attached) = split_option(first);
    let value = attached.filter(|v| !v.is_empty()).or_else(|| tokens.get(1).copied());
    let include = |constraint: bool| match value {
        Some(v) => Line::Include(Include { constraint, path: v.to_string(), line: lineno }),
        None => Line::Invalid(format!("`{first}` without a file"), None),
    };
    match opt {
        "-r" | "--requirement" => include(false),
        "-c" | "--constraint" => include(true),
        // `-e git+https://…#egg=name`: an editable install whose name the URL carries.
        "-e" | "--editable" => match value.and_then(|v| name_version_from_archive(v).map(|nv| (v, nv))) {
            Some((v, (name, version))) => Line::Requirement(Requirement {
                name,
                pinned: version,
                specifier: String::new(),
                direct: Some(v.to_string()),
                line: lineno,
            }),
            None => Line::GlobalOption,
        },
        o if GLOBAL_WITH_VALUE.contains(&o) || GLOBAL_FLAGS.contains(&o) => Line::GlobalOption,
        _ => Line::Invalid(format!("unknown option `{first}`"), None),
    }
}

/// True for characters of a PEP 508 name.
fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

/// Parses a requirement string (no options). Returns the requirement (when a name could be read)
/// and a problem when the string is not valid.
fn parse_requirement(s: &str, lineno: u32) -> (Option<Requirement>, Option<String>) {
    let s = s.trim();
    let name_end = s.find(|c: char| !is_name_char(c)).unwrap_or(s.len());
    let name = s.get(..name_end).unwrap_or("");
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return (None, Some(format!("`{s}` does not start with a distribution name")));
    }
    let mut req = Requirement {
        name: name.to_string(),
        pinned: None,
        specifier: String::new(),
        direct: None,
        line: lineno,
    };
    let mut rest = s.get(name_end..).unwrap_or("").trim_start();
    if let Some(after) = rest.strip_prefix('[') {
        let Some((_, r)) = after.split_once(']') else {
            return (Some(req), Some("unclosed `[` in extras".into()));
        };
        rest = r.trim_start();
    }
    if let Some(url) = rest.strip_prefix('@') {
        // `name @ url ; markers`: the marker separator needs whitespace before it in a URL.
        let url = url.trim();
        let url = url.split_once(" ;").map_or(url, |(u, _)| u).trim();
        if url.is_empty() {
            return (Some(req), Some("`@` without a URL".into()));
        }
        req.pinned = name_version_from_archive(url).and_then(|(_, v)| v);
        req.direct = Some(url.to_string());
        return (Some(req), None);
    }
    let (spec, markers) = match rest.split_once(';') {
        Some((spec, m)) => (spec.trim(), Some(m.trim())),
        None => (rest.trim(), None),
    };
    if markers.is_some_and(str::is_empty) {
        return (Some(req), Some("empty environment marker after `;`".into()));
    }
    let spec = spec.strip_prefix('(').and_then(|x| x.strip_suffix(')')).unwrap_or(spec).trim();
    req.specifier = spec.chars().filter(|c| !c.is_whitespace()).collect();
    if spec.is_empty() {
        return (Some(req), None);
    }
    let mut clauses = Vec::new();
    for clause in spec.split(',') {
        let clause = clause.trim();
        let op_len = clause.bytes().take_while(|b| matches!(b, b'=' | b'<' | b'>' | b'!' | b'~')).count();
        let (op, version) = clause.split_at(op_len);
        let version = version.trim();
        if !matches!(op, "==" | "===" | "!=" | "<=" | ">=" | "<" | ">" | "~=") {
            req.specifier.clear();
            let problem = if op.is_empty() {
                format!("unexpected text `{spec}` after the name")
            } else {
                format!("unknown comparison `{op}`")
            };
            return (Some(req), Some(problem));
        }
        if version.is_empty() {
            return (Some(req), Some(format!("`{op}` without a version")));
        }
        let mut words = version.split_whitespace();
        let first = words.next().unwrap_or("");
        let env_var = first.contains("${") && first.contains('}');
        let chars_ok = first.chars().all(|c| c.is_ascii_alphanumeric() || "._-+!*".contains(c));
        if words.next().is_some() || !(chars_ok || env_var) {
            // `==1.0 trailing text`: the first word is the version pip would have read.
            if (op == "==" || op == "===") && chars_ok && !first.contains('*') {
                req.pinned = Some(first.to_string());
            }
            return (Some(req), Some(format!("unexpected text in version specifier `{spec}`")));
        }
        clauses.push((op, first));
    }
    if let [(op, v)] = clauses.as_slice() {
        let env_var = v.contains("${");
        if (*op == "===" || (*op == "==" && !v.contains('*'))) && !env_var {
            req.pinned = Some((*v).to_string());
        }
    }
    (Some(req), None)
}

/// `numpy-1.9.2-cp34-none-win32.whl` → (`numpy`, `1.9.2`); `pkg-1.0.tar.gz` → (`pkg`, `1.0`), from
/// the last path segment of a path or URL (query and fragment removed). `#egg=name` fragments of
/// VCS URLs give the name without a version.
fn name_version_from_archive(target: &str) -> Option<(String, Option<String>)> {
    let (base, fragment) = target.split_once('#').map_or((target, ""), |(b, f)| (b, f));
    let base = base.split('?').next().unwrap_or(base);
    let file = base.trim_end_matches('/').rsplit('/').next().unwrap_or(base);
    // URLs escape the `+` of local versions (`torch-2.0.1%2Bcu118-….whl`).
    let decoded = file.replace("%2B", "+").replace("%2b", "+");
    let file = decoded.as_str();
    if let Some(stem) = file.strip_suffix(".whl") {
        let mut parts = stem.splitn(3, '-');
        let (name, version) = (parts.next()?, parts.next()?);
        return (!name.is_empty() && !version.is_empty())
            .then(|| (name.to_string(), Some(version.to_string())));
    }
    let sdist = [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip"].iter().find_map(|e| file.strip_suffix(e));
    if let Some(stem) = sdist {
        let bytes = stem.as_bytes();
        let idx = (1..bytes.len())
            .rev()
            .find(|&i| bytes.get(i - 1) == Some(&b'-') && bytes.get(i).is_some_and(u8::is_ascii_digit))?;
        return Some((stem.get(..idx - 1)?.to_string(), Some(stem.get(idx..)?.to_string())));
    }
    let egg = fragment.split('&').find_map(|kv| kv.strip_prefix("egg="))?;
    (!egg.is_empty()).then(|| (egg.to_string(), None))
}

/// Parses a pip requirements file (a UTF-8 byte-order mark is ignored, as pip does). Fuzz entry
/// point.
pub fn parse_requirements(text: &str) -> RequirementsFile {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut f = RequirementsFile::default();
    for (lineno, line) in logical_lines(text) {
        match parse_line(&line, lineno) {
            Line::Blank | Line::GlobalOption => {}
            Line::Include(i) => f.includes.push(i),
            Line::Requirement(r) => f.requirements.push(r),
            Line::Invalid(problem, r) => {
                f.problems.push((lineno, format!("line {lineno}: {problem}")));
                f.requirements.extend(r);
            }
        }
    }
    f
}

/// True when the first bytes of a file read as a requirements file: every complete line is blank,
/// a comment, a pip option or a valid requirement, and at least one is a requirement or an include.
/// Used to recognise `*.in` files and include candidates by content.
pub(crate) fn looks_like_requirements(head: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(head)
        .or_else(|e| std::str::from_utf8(head.get(..e.valid_up_to()).unwrap_or(&[])))
    else {
        return false;
    };
    // The last line may be cut by the sniff window: judge complete lines only (all of a short file).
    let complete = match text.rfind('\n') {
        Some(i) if head.len() >= seawall_analyzer::SNIFF_LEN => text.get(..i).unwrap_or(""),
        _ => text,
    };
    if complete.contains('\0') {
        return false;
    }
    let mut any = false;
    for (lineno, line) in logical_lines(complete) {
        match parse_line(&line, lineno) {
            Line::Blank | Line::GlobalOption => {}
            Line::Include(_) | Line::Requirement(_) => any = true,
            Line::Invalid(..) => return false,
        }
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn pins(text: &str) -> Vec<(String, Option<String>)> {
        parse_requirements(text).requirements.into_iter().map(|r| (r.name, r.pinned)).collect()
    }

    fn p(name: &str, v: Option<&str>) -> (String, Option<String>) {
        (name.to_string(), v.map(String::from))
    }

    const REQS: &str = "\
# ML service
torch==1.13.0  # old
transformers[torch] == 4.30.0 ; python_version >= \"3.8\"
numpy>=1.21,<2
requests
Flask===2.0.1
pyyaml==5.*
-r other.txt
--index-url https://example.invalid/simple
-e git+https://example.invalid/x.git#egg=x
./local/pkg
mlflow @ https://example.invalid/mlflow-2.9.0-py3-none-any.whl
pillow==9.0.0 \\
    --hash=sha256:abc
";

    #[test]
    fn requirements() {
        let f = parse_requirements(REQS);
        let got: Vec<_> =
            f.requirements.iter().map(|r| (r.name.as_str(), r.pinned.as_deref(), r.line)).collect();
        assert_eq!(
            got,
            [
                ("torch", Some("1.13.0"), 2),
                ("transformers", Some("4.30.0"), 3),
                ("numpy", None, 4),
                ("requests", None, 5),
                ("Flask", Some("2.0.1"), 6),
                ("pyyaml", None, 7),
                ("x", None, 10),
                ("mlflow", Some("2.9.0"), 12),
                ("pillow", Some("9.0.0"), 13),
            ]
        );
        assert_eq!(f.requirements[2].specifier, ">=1.21,<2");
        assert_eq!(
            f.requirements[7].direct.as_deref(),
            Some("https://example.invalid/mlflow-2.9.0-py3-none-any.whl")
        );
        assert_eq!(f.includes, [Include { constraint: false, path: "other.txt".into(), line: 8 }]);
        assert_eq!(f.problems, []);
    }

    #[test]
    fn per_requirement_options() {
        let text = "foo1==1.0 --hash=sha256:123\nfoo2==1.0 --hash=sha256:123 --global-option=foo --config-settings=bar\n\
                    foo5==1.0; python_version < \"2.7\" --hash=sha256:123\nfoo8==1.0 --hash=sha256:1 --hash=sha256:2\n\
                    foo13==1.0 --hash sha256:123\nfoo14==1.0 -C bar\nfoo16-Client==1.0\nfoo17--hash==1.0\nfoo18==1.0 -Cbar\n";
        let f = parse_requirements(text);
        assert_eq!(f.problems, []);
        let names: Vec<_> = f.requirements.iter().map(|r| (r.name.as_str(), r.pinned.as_deref())).collect();
        assert_eq!(
            names,
            [
                ("foo1", Some("1.0")),
                ("foo2", Some("1.0")),
                ("foo5", Some("1.0")),
                ("foo8", Some("1.0")),
                ("foo13", Some("1.0")),
                ("foo14", Some("1.0")),
                ("foo16-Client", Some("1.0")),
                ("foo17--hash", Some("1.0")),
                ("foo18", Some("1.0")),
            ]
        );
    }

    #[test]
    fn env_vars_and_empty_pins_are_not_versions() {
        let f = parse_requirements(
            "asdf==1.2\nqwert==${MY_VARIABLE_1}\nfoo10== --hash=sha256:123\nanother==1.0\n",
        );
        let got: Vec<_> = f
            .requirements
            .iter()
            .map(|r| (r.name.as_str(), r.pinned.as_deref(), r.specifier.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("asdf", Some("1.2"), "==1.2"),
                ("qwert", None, "==${MY_VARIABLE_1}"),
                ("foo10", None, "=="),
                ("another", Some("1.0"), "==1.0")
            ]
        );
        assert_eq!(f.problems.len(), 1, "{:?}", f.problems);
        assert!(f.problems[0].1.contains("without a version"));
    }

    #[test]
    fn version_ranges_are_constraints() {
        let got = pins(
            "newspaper3k>=0.2.2\nasdf==0.7.*\nqwerty \\\n  == 0.1\npkg<=1.2.3\nyolo===1.0\nc >= 1.0.0, <= 2.0.0, != 3.0.0\n",
        );
        assert_eq!(
            got,
            [
                p("newspaper3k", None),
                p("asdf", None),
                p("qwerty", Some("0.1")),
                p("pkg", None),
                p("yolo", Some("1.0")),
                p("c", None)
            ]
        );
    }

    #[test]
    fn invalid_lines_are_problems_with_the_name_kept() {
        let f = parse_requirements(
            "foo7==1.0 unexpected_text --hash=sha256:1\nasdf 1.0\n==1.0\n-foo==1.0\n--requirements x.txt\n",
        );
        let got: Vec<_> = f.requirements.iter().map(|r| (r.name.as_str(), r.pinned.as_deref())).collect();
        assert_eq!(got, [("foo7", Some("1.0")), ("asdf", None)]);
        let lines: Vec<u32> = f.problems.iter().map(|(l, _)| *l).collect();
        // `-foo==1.0` is pip's `-f oo==1.0` (find-links): valid.
        assert_eq!(lines, [1, 2, 3, 5]);
    }

    #[test]
    fn includes() {
        let f = parse_requirements(
            "-r base.txt\n-rdev.txt\n--requirement=x/y.txt\n-c constraints.txt\n--constraint c2.txt\n-r\n",
        );
        let got: Vec<_> = f.includes.iter().map(|i| (i.constraint, i.path.as_str())).collect();
        assert_eq!(
            got,
            [
                (false, "base.txt"),
                (false, "dev.txt"),
                (false, "x/y.txt"),
                (true, "constraints.txt"),
                (true, "c2.txt")
            ]
        );
        assert_eq!(f.problems.len(), 1);
    }

    #[test]
    fn direct_references() {
        let got = pins(
            "./downloads/numpy-1.9.2-cp34-none-win32.whl\nhttp://x.invalid/wxPython_Phoenix-3.0.3.dev1820+49a8884-cp34-none-win_amd64.whl\n\
             https://x.invalid/pkg-2.0.tar.gz\ngit+https://x.invalid/r.git#egg=thing\n./local/dir\nurllib3 @ https://github.com/urllib3/urllib3/archive/refs/tags/1.26.8.zip\n\
             https://download.pytorch.org/whl/cu118/torch-2.0.1%2Bcu118-cp310-cp310-linux_x86_64.whl\n",
        );
        assert_eq!(
            got,
            [
                p("numpy", Some("1.9.2")),
                p("wxPython_Phoenix", Some("3.0.3.dev1820+49a8884")),
                p("pkg", Some("2.0")),
                p("thing", None),
                p("urllib3", None),
                p("torch", Some("2.0.1+cu118")),
            ]
        );
    }

    #[test]
    fn comments_and_continuations() {
        let got =
            pins("# c\n\npkgA==1.0 \\\n  --hash=sha256:123\n# x\nrequests ==1.0 # this one\npkg1==1.0 \\");
        assert_eq!(got, [p("pkgA", Some("1.0")), p("requests", Some("1.0")), p("pkg1", Some("1.0"))]);
        let f = parse_requirements("pkgB==2.0\n");
        assert_eq!(f.requirements[0].line, 1);
        assert_eq!(parse_requirements("a\\\n==1\n\nb==2").requirements[1].line, 4);
        // A byte-order mark and CRLF line ends, as Windows editors write them.
        assert_eq!(
            pins("\u{feff}numpy==1.0\r\nscipy==1.1\r\n"),
            [p("numpy", Some("1.0")), p("scipy", Some("1.1"))]
        );
    }

    #[test]
    fn sniffing() {
        assert!(looks_like_requirements(b"# deps\nnumpy==1.0\n-r base.txt\n"));
        assert!(looks_like_requirements(b"-c constraints.txt\n"));
        assert!(!looks_like_requirements(b"include README.md\nrecursive-include src *.py\n"));
        assert!(!looks_like_requirements(b"#undef HAVE_X\n#define Y 1\n"));
        assert!(!looks_like_requirements(b"Hello world, this is a note.\n"));
        assert!(!looks_like_requirements(b"\x7fELF\0\0\0"));
        // A long file: the line cut by the sniff window is not judged.
        let mut long = b"numpy==1.0\n".repeat(60);
        long.truncate(512);
        assert!(looks_like_requirements(&long));
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_requirements(&s);
            let _ = looks_like_requirements(s.as_bytes());
        }
        #[test]
        fn never_panics_reqish(s in "[a-zA-Z_.\\-\\[\\]=<>~!*,;@ \\\\#${}/:\n]{0,80}") {
            let _ = parse_requirements(&s);
        }
    }
}
