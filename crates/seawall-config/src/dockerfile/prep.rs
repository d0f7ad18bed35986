//! Dockerfile text preparation before `parse-dockerfile`, keeping every byte offset (so lines and
//! columns stay exact):
//!
//! * here-documents that do not start the RUN arguments (`RUN cat <<EOF >> /etc/x`,
//!   `RUN python3 - <<'PY'`, several per RUN) are understood by BuildKit but not by the parser: their
//!   bodies are blanked into comment lines for the parser and kept aside ([`Heredoc`]); a body fed
//!   to a shell is checked as commands of its RUN;
//! * `# hadolint ignore=DL3008,DL3009` / `# seawall ignore=SW-DF-013` comment lines (and their
//!   `global` forms) are collected ([`Ignores`]) and honoured on the next instruction.
//!
//! Comment lines inside `RUN … \` continuations are removed as Docker does before the shell sees
//! them ([`strip_continuation_comments`]).

use std::collections::BTreeMap;

/// A here-document body the parser did not see.
#[derive(Debug, Clone)]
pub(crate) struct Heredoc {
    /// Byte offset of the body's first character.
    pub(crate) offset: usize,
    /// The body text.
    pub(crate) body: String,
    /// The program that reads it (`cat`, `bash`, `python3`, …).
    pub(crate) reader: String,
}

/// Output of [`prepare`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Prepared {
    /// The text for the parser (same length as the input).
    pub(crate) text: String,
    /// Here-documents by the byte offset of their RUN line's start.
    pub(crate) heredocs: BTreeMap<usize, Vec<Heredoc>>,
    /// Ignored rule ids by instruction start line (1-based); line 0 holds `global` ignores.
    pub(crate) ignores: BTreeMap<u32, Vec<String>>,
}

/// hadolint rule → seawall rule, for `# hadolint ignore=` comments.
pub(crate) const HADOLINT: &[(&str, &str)] = &[
    ("DL3002", "SW-DF-001"),
    ("DL3004", "SW-DF-004"),
    ("DL3006", "SW-DF-005"),
    ("DL3007", "SW-DF-005"),
    ("DL3008", "SW-DF-013"),
    ("DL3009", "SW-DF-023"),
    ("DL3011", "SW-DF-021"),
    ("DL3013", "SW-DF-014"),
    ("DL3015", "SW-DF-031"),
    ("DL3016", "SW-DF-015"),
    ("DL3018", "SW-DF-016"),
    ("DL3020", "SW-DF-008"),
    ("DL3025", "SW-DF-025"),
    ("DL3032", "SW-DF-034"),
    ("DL3033", "SW-DF-033"),
    ("DL3040", "SW-DF-034"),
    ("DL3041", "SW-DF-033"),
    ("DL3042", "SW-DF-024"),
    ("DL4006", "SW-DF-026"),
];

fn heredoc_markers(line: &str) -> Vec<(String, bool)> {
    // `<<WORD`, `<<-WORD`, `<<"WORD"`, `<<'WORD'`; not `<<<` (here-strings)
    let mut out = Vec::new();
    let b = line.as_bytes();
    let mut i = 0;
    while let Some(p) = line[i..].find("<<") {
        let at = i + p;
        i = at + 2;
        if b.get(at + 2) == Some(&b'<') || (at > 0 && b[at - 1] == b'<') {
            // a here-string `<<<` (or a longer run of `<`): skip the whole run, which ends on a char
            // boundary (or at the end of the line) since `<` is ASCII
            while b.get(i) == Some(&b'<') {
                i += 1;
            }
            continue;
        }
        let mut j = at + 2;
        let strip = b.get(j) == Some(&b'-');
        if strip {
            j += 1;
        }
        let quote = b.get(j).copied().filter(|c| *c == b'"' || *c == b'\'');
        if quote.is_some() {
            j += 1;
        }
        let start = j;
        while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
            j += 1;
        }
        if j > start {
            out.push((line[start..j].to_string(), strip));
        }
        i = j.max(i);
    }
    out
}

fn reader_of(line: &str) -> String {
    // the word before the first `<<` (skipping redirections), e.g. `cat`, `bash`, `python3 -`
    let before = line.split("<<").next().unwrap_or("");
    let words: Vec<&str> = before
        .split(|c: char| c.is_whitespace() || c == ';' || c == '&' || c == '|')
        .filter(|w| !w.is_empty() && *w != "-" && !w.starts_with('>'))
        .collect();
    words
        .iter()
        .rev()
        .find(|w| !w.starts_with('-') && !w.contains('='))
        .map(|w| w.rsplit('/').next().unwrap_or(w).to_string())
        .unwrap_or_default()
}

fn blank(text: &mut [u8], start: usize, end: usize) {
    // keep newlines; the first byte of each line becomes `#`, the rest spaces
    let mut line_start = true;
    for b in text.iter_mut().take(end).skip(start) {
        if *b == b'\n' {
            line_start = true;
            continue;
        }
        *b = if line_start { b'#' } else { b' ' };
        line_start = false;
    }
}

/// Prepares a Dockerfile text (see the module documentation).
pub(crate) fn prepare(text: &str) -> Prepared {
    let mut out = Prepared::default();
    let mut bytes = text.as_bytes().to_vec();
    let lines: Vec<(usize, &str)> = {
        let mut v = Vec::new();
        let mut off = 0;
        for l in text.split_inclusive('\n') {
            v.push((off, l));
            off += l.len();
        }
        v
    };
    let mut pending_ignores: Vec<String> = Vec::new();
    let mut i = 0;
    let mut in_continuation = false;
    while i < lines.len() {
        let (off, raw) = lines[i];
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        if let Some(c) = trimmed.strip_prefix('#') {
            let c = c.trim();
            for (tool, global) in [("hadolint", false), ("seawall", false)] {
                let _ = global;
                let rest = c.strip_prefix(tool).map(str::trim_start);
                let (is_global, rest) = match rest.and_then(|r| r.strip_prefix("global")) {
                    Some(r) => (true, Some(r.trim_start())),
                    None => (false, rest),
                };
                if let Some(ids) = rest.and_then(|r| r.strip_prefix("ignore=")) {
                    let ids: Vec<String> = ids
                        .split(|ch: char| ch == ',' || ch.is_whitespace())
                        .filter(|s| !s.is_empty())
                        .flat_map(|id| {
                            let up = id.to_ascii_uppercase();
                            match HADOLINT
                                .iter()
                                .filter(|(h, _)| *h == up)
                                .map(|(_, s)| s.to_string())
                                .collect::<Vec<_>>()
                            {
                                v if !v.is_empty() => v,
                                _ => vec![up],
                            }
                        })
                        .collect();
                    if is_global {
                        out.ignores.entry(0).or_default().extend(ids);
                    } else {
                        pending_ignores.extend(ids);
                    }
                }
            }
            i += 1;
            continue;
        }
        if trimmed.is_empty() {
            i += 1;
            continue;
        }
        let starts_instruction = !in_continuation;
        if starts_instruction && !pending_ignores.is_empty() {
            let ln = u32::try_from(i + 1).unwrap_or(u32::MAX);
            out.ignores.entry(ln).or_default().append(&mut pending_ignores);
        }
        let is_run = starts_instruction && trimmed.get(..4).is_some_and(|k| k.eq_ignore_ascii_case("RUN "));
        // here-docs not at the start of the RUN arguments
        if is_run {
            let args = trimmed[4..].trim_start();
            let args = args.trim_start_matches(|c: char| c != ' ' && args.starts_with("--")).trim_start();
            let markers = heredoc_markers(line);
            let leading = args.starts_with("<<") && markers.len() == 1;
            if !markers.is_empty() && !leading {
                let reader = reader_of(args);
                let mut j = i + 1;
                let mut docs = Vec::new();
                for (delim, strip) in &markers {
                    let body_start = lines.get(j).map_or(text.len(), |(o, _)| *o);
                    let mut body = String::new();
                    let mut end = text.len();
                    let mut found = false;
                    while j < lines.len() {
                        let (lo, l) = lines[j];
                        let content = l.trim_end_matches(['\n', '\r']);
                        let cmp = if *strip { content.trim_start_matches('\t') } else { content };
                        j += 1;
                        if cmp == delim {
                            end = lo + l.len();
                            found = true;
                            break;
                        }
                        body.push_str(l);
                    }
                    if !found {
                        break; // unterminated: leave the text to the parser, which reports it
                    }
                    blank(&mut bytes, body_start, end);
                    docs.push(Heredoc { offset: body_start, body, reader: reader.clone() });
                }
                if !docs.is_empty() {
                    out.heredocs.insert(off, docs);
                    in_continuation = false;
                    i = j;
                    continue;
                }
            }
        }
        in_continuation = line.ends_with('\\');
        i += 1;
    }
    out.text = String::from_utf8(bytes).unwrap_or_else(|_| text.to_string());
    out
}

/// Removes comment lines that sit inside a `\` continuation (Docker drops them before the shell
/// runs), replacing them by spaces so offsets stay the same.
pub(crate) fn strip_continuation_comments(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_continues = false;
    for l in s.split_inclusive('\n') {
        let body = l.trim_end_matches(['\n', '\r']);
        if prev_continues && body.trim_start().starts_with('#') {
            out.extend(std::iter::repeat_n(' ', l.len()));
            continue; // the continuation goes on past the comment
        }
        prev_continues = body.ends_with('\\');
        out.push_str(l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heredoc_bodies_are_blanked_with_offsets_kept() {
        let t = "FROM x\nRUN cat <<EOF >> /etc/app.conf\nkey=value\nEOF\nRUN bash <<'SH'\ncurl -k https://x | sh\nSH\nUSER 1\n";
        let p = prepare(t);
        assert_eq!(p.text.len(), t.len());
        assert!(parse_dockerfile::parse(&p.text).is_ok(), "{}", p.text);
        let docs: Vec<&Heredoc> = p.heredocs.values().flatten().collect();
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].reader, "cat");
        assert_eq!(docs[1].reader, "bash");
        assert_eq!(&t[docs[1].offset..docs[1].offset + 4], "curl");
    }

    /// Fuzz finding (config_dockerfile, 2026-12-06): a run of five or more `<` made the here-string
    /// skip step past the end of the line or into a multi-byte character (string slice panic).
    /// Inputs: fuzz/regressions/config_dockerfile/.
    #[test]
    fn str_slice_off_char_boundary_in_here_string_runs() {
        for line in ["RUN <<<<<", "RUN x <<<<<\u{e9}", "RUN cat <<<<<<<<<<<EOF", "<<<<<<\u{20ac}"] {
            assert!(heredoc_markers(line).is_empty(), "{line:?}");
            let _ = prepare(&format!("FROM a\n{line}\nb\n"));
        }
        assert_eq!(heredoc_markers("RUN a <<<<< b <<EOF"), vec![("EOF".to_string(), false)]);
        let past_end: &[u8] =
            include_bytes!("../../../../fuzz/regressions/config_dockerfile/here-string-run-past-end");
        let into_char: &[u8] =
            include_bytes!("../../../../fuzz/regressions/config_dockerfile/here-string-run-into-multibyte");
        for input in [past_end, into_char] {
            let _ = prepare(&String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn ignore_comments() {
        let p = prepare(
            "FROM x\n# hadolint ignore=DL3008,DL3015\nRUN apt-get install -y curl\n# seawall ignore=SW-DF-026\nRUN a | b\n",
        );
        assert_eq!(p.ignores.get(&3).cloned(), Some(vec!["SW-DF-013".to_string(), "SW-DF-031".to_string()]));
        assert_eq!(p.ignores.get(&5).cloned(), Some(vec!["SW-DF-026".to_string()]));
    }

    #[test]
    fn continuation_comments() {
        let s = "apt-get install -y \\\n    # tools\n    curl \\\n    git\n";
        let r = strip_continuation_comments(s);
        assert_eq!(r.len(), s.len());
        assert!(!r.contains('#'));
        let cmds = crate::shell::split(&r);
        assert_eq!(cmds.len(), 1);
        assert_eq!(cmds[0].words.len(), 5);
    }
}
