//! A tolerant shell-command splitter: enough of POSIX sh to find simple commands, pipelines and
//! their words in RUN instructions, compose `command:` strings and Kubernetes `args`.
//!
//! It never fails: unbalanced quotes end at the end of the text. Words keep their byte offset in the
//! source so that findings point at the exact token.

/// One word of a simple command with its byte offset in the analysed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    pub(crate) text: String,
    pub(crate) offset: usize,
}

/// A simple command: its words, and whether its stdout is piped into the next command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct SimpleCommand {
    pub(crate) words: Vec<Word>,
    pub(crate) piped: bool,
}

impl SimpleCommand {
    /// Words after leading `VAR=value` assignments and wrappers such as `sudo`, `env`, `exec`,
    /// `nohup`, `time`.
    pub(crate) fn program_words(&self) -> &[Word] {
        let mut i = 0;
        while let Some(w) = self.words.get(i) {
            let t = w.text.as_str();
            // shell keywords: the command after `then`, `do`, `else`, `!` … is checked like any other
            if is_assignment(t)
                || matches!(
                    t,
                    "sudo"
                        | "exec"
                        | "nohup"
                        | "time"
                        | "env"
                        | "-E"
                        | "su-exec"
                        | "gosu"
                        | "if"
                        | "then"
                        | "else"
                        | "elif"
                        | "do"
                        | "while"
                        | "until"
                        | "!"
                )
            {
                i += 1;
            } else {
                break;
            }
        }
        self.words.get(i..).unwrap_or(&[])
    }

    /// The program's base name (`/usr/bin/pip3` → `pip3`), or "".
    pub(crate) fn program(&self) -> &str {
        self.program_words().first().map_or("", |w| base_name(&w.text))
    }

    /// Leading `VAR=value` assignments.
    pub(crate) fn assignments(&self) -> impl Iterator<Item = (&str, &str, usize)> {
        self.words
            .iter()
            .take_while(|w| is_assignment(&w.text))
            .filter_map(|w| w.text.split_once('=').map(|(k, v)| (k, v, w.offset)))
    }

    /// True if any word equals `t`.
    pub(crate) fn has(&self, t: &str) -> bool {
        self.words.iter().any(|w| w.text == t)
    }
}

/// `NAME=value` with a valid shell variable name.
pub(crate) fn is_assignment(t: &str) -> bool {
    match t.split_once('=') {
        Some((k, _)) => {
            !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !k.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// Last path component.
pub(crate) fn base_name(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Splits a shell text into simple commands. Operators `&&`, `||`, `;`, `&`, newlines, `(`, `)`,
/// `{`, `}` separate commands; `|` separates and marks the left command as piped. Backslash-newline
/// continuations are joined; `#` comments at word start are skipped; `$(…)` and backticks are kept
/// inside the word (and also analysed as nested commands by the caller if needed).
pub(crate) fn split(text: &str) -> Vec<SimpleCommand> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut cur = SimpleCommand::default();
    let mut word = String::new();
    let mut wstart: Option<usize> = None;
    let mut i = 0;
    let flush_word = |cur: &mut SimpleCommand, word: &mut String, wstart: &mut Option<usize>| {
        if let Some(s) = wstart.take() {
            cur.words.push(Word { text: std::mem::take(word), offset: s });
        }
    };
    let flush_cmd = |out: &mut Vec<SimpleCommand>, cur: &mut SimpleCommand, piped: bool| {
        if !cur.words.is_empty() {
            cur.piped = piped;
            out.push(std::mem::take(cur));
        }
    };
    while i < b.len() {
        let c = b[i];
        match c {
            b'\\' if b.get(i + 1) == Some(&b'\n') => i += 2,
            b'\\' if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') => i += 3,
            b'\\' => {
                wstart.get_or_insert(i);
                if let Some(ch) = text.get(i + 1..).and_then(|s| s.chars().next()) {
                    word.push(ch);
                    i += 1 + ch.len_utf8();
                } else {
                    i += 1;
                }
            }
            b'\'' | b'"' => {
                wstart.get_or_insert(i);
                let q = c;
                i += 1;
                let start = i;
                while i < b.len() && b[i] != q {
                    if q == b'"' && b[i] == b'\\' && i + 1 < b.len() {
                        i += 1;
                    }
                    i += 1;
                }
                word.push_str(text.get(start..i.min(b.len())).unwrap_or(""));
                i += 1;
            }
            b'$' if b.get(i + 1) == Some(&b'(') => {
                // keep command substitutions inside the word, balanced
                wstart.get_or_insert(i);
                let start = i;
                let mut depth = 0usize;
                while i < b.len() {
                    if b[i] == b'(' {
                        depth += 1;
                    } else if b[i] == b')' {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            i += 1;
                            break;
                        }
                    }
                    i += 1;
                }
                word.push_str(text.get(start..i.min(b.len())).unwrap_or(""));
            }
            b'#' if wstart.is_none() => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b' ' | b'\t' | b'\r' => {
                flush_word(&mut cur, &mut word, &mut wstart);
                i += 1;
            }
            b'\n' | b';' | b'(' | b')' => {
                flush_word(&mut cur, &mut word, &mut wstart);
                flush_cmd(&mut out, &mut cur, false);
                i += 1;
            }
            b'&' => {
                flush_word(&mut cur, &mut word, &mut wstart);
                flush_cmd(&mut out, &mut cur, false);
                i += if b.get(i + 1) == Some(&b'&') { 2 } else { 1 };
            }
            b'|' => {
                flush_word(&mut cur, &mut word, &mut wstart);
                if b.get(i + 1) == Some(&b'|') {
                    flush_cmd(&mut out, &mut cur, false);
                    i += 2;
                } else {
                    flush_cmd(&mut out, &mut cur, true);
                    i += 1;
                }
            }
            _ => {
                wstart.get_or_insert(i);
                if let Some(ch) = text.get(i..).and_then(|s| s.chars().next()) {
                    word.push(ch);
                    i += ch.len_utf8();
                } else {
                    i += 1;
                }
            }
        }
    }
    flush_word(&mut cur, &mut word, &mut wstart);
    flush_cmd(&mut out, &mut cur, false);
    // `{` / `}` grouping words are not commands
    for c in &mut out {
        c.words.retain(|w| w.text != "{" && w.text != "}");
    }
    out.retain(|c| !c.words.is_empty());
    out
}

/// Turns an exec-form argument vector into one simple command (offsets are those given).
pub(crate) fn from_argv(args: &[(String, usize)]) -> Vec<SimpleCommand> {
    // `sh -c "script"` is analysed as the script.
    if args.len() >= 3 {
        let prog = base_name(&args[0].0);
        if matches!(prog, "sh" | "bash" | "dash" | "zsh")
            && args[1].0.starts_with('-')
            && args[1].0.contains('c')
        {
            let (script, off) = &args[2];
            return split(script)
                .into_iter()
                .map(|mut c| {
                    for w in &mut c.words {
                        w.offset += off;
                    }
                    c
                })
                .collect();
        }
    }
    vec![SimpleCommand {
        words: args.iter().map(|(t, o)| Word { text: t.clone(), offset: *o }).collect(),
        piped: false,
    }]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(c: &SimpleCommand) -> Vec<&str> {
        c.words.iter().map(|w| w.text.as_str()).collect()
    }

    #[test]
    fn splits_operators_and_pipes() {
        let cmds = split("apt-get update && apt-get install -y curl \\\n  git; curl -fsSL https://x | sh");
        assert_eq!(cmds.len(), 4);
        assert_eq!(texts(&cmds[1]), vec!["apt-get", "install", "-y", "curl", "git"]);
        assert!(cmds[2].piped);
        assert_eq!(cmds[3].program(), "sh");
    }

    #[test]
    fn quotes_offsets_and_assignments() {
        let src = "FOO=1 sudo /usr/bin/pip3 install 'torch==2.1' \"a b\"";
        let cmds = split(src);
        assert_eq!(cmds.len(), 1);
        assert_eq!(cmds[0].program(), "pip3");
        assert_eq!(cmds[0].words[4].text, "torch==2.1");
        assert_eq!(cmds[0].words[5].text, "a b");
        assert_eq!(&src[cmds[0].words[4].offset..cmds[0].words[4].offset + 1], "'");
        assert_eq!(cmds[0].assignments().next(), Some(("FOO", "1", 0)));
    }

    #[test]
    fn unbalanced_and_comments_do_not_panic() {
        assert_eq!(split("echo 'oops").len(), 1);
        assert_eq!(split("# just a comment\n").len(), 0);
        assert_eq!(split("echo $(curl x | sh").len(), 1);
        assert!(split("\\").len() <= 1);
    }

    #[test]
    fn argv_with_sh_c() {
        let argv =
            vec![("sh".to_string(), 0), ("-c".to_string(), 3), ("ollama serve & sleep 1".to_string(), 10)];
        let cmds = from_argv(&argv);
        assert_eq!(cmds.len(), 2);
        assert_eq!(cmds[0].program(), "ollama");
        assert_eq!(cmds[0].words[0].offset, 10);
    }
}
