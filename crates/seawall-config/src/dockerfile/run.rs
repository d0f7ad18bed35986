//! Checks on RUN instructions: supply chain (curl | sh, TLS, signatures, pins), caches, sudo,
//! pipefail and ML exposure.

use parse_dockerfile::{Command, RunInstruction};

use super::{Ctx, commands_of, tls_env_disabled};
use crate::catalog::dockerfile::*;
use crate::mlexpose;
use crate::shell::{self, SimpleCommand, Word};

const SHELLS: &[&str] =
    &["sh", "bash", "dash", "zsh", "ash", "ksh", "python", "python3", "perl", "ruby", "node"];

/// The commands of a RUN (its shell text plus heredoc scripts), with absolute offsets.
fn run_commands(
    text: &str,
    r: &RunInstruction<'_>,
    extra: &[super::prep::Heredoc],
) -> (Vec<SimpleCommand>, bool) {
    let mut cmds = commands_of(&r.arguments);
    // here-documents the parser did not see (`RUN bash <<EOF`, `RUN cat <<EOF > f`): those read by
    // a shell are commands of this RUN
    for h in extra.iter().filter(|h| matches!(h.reader.as_str(), "sh" | "bash" | "dash" | "zsh" | "ash")) {
        for mut c in shell::split(&h.body) {
            for w in &mut c.words {
                w.offset += h.offset;
            }
            cmds.push(c);
        }
    }
    let shell_form = matches!(r.arguments, Command::Shell(_));
    let prog = cmds.first().map(|c| c.program().to_string()).unwrap_or_default();
    let heredoc_is_shell = prog.is_empty()
        || prog.starts_with("<<")
        || matches!(prog.as_str(), "sh" | "bash" | "dash" | "zsh" | "ash");
    if heredoc_is_shell {
        for h in &r.here_docs {
            let region = text.get(h.span.clone()).unwrap_or("");
            let base = h.span.start + region.find(h.value.as_ref()).unwrap_or(0);
            for mut c in shell::split(&h.value) {
                for w in &mut c.words {
                    w.offset += base;
                }
                cmds.push(c);
            }
        }
        cmds.retain(|c| !c.program().starts_with("<<"));
    }
    (cmds, shell_form || heredoc_is_shell)
}

fn sub_after<'a>(c: &'a SimpleCommand, subs: &[&str]) -> Option<(usize, &'a [Word])> {
    let pw = c.program_words();
    pw.iter().position(|w| subs.contains(&w.text.as_str())).map(|i| (i, pw.get(i + 1..).unwrap_or(&[])))
}

fn is_pip(c: &SimpleCommand) -> bool {
    let pw = c.program_words();
    let names: Vec<&str> = pw.iter().map(|w| shell::base_name(&w.text)).collect();
    let p = names.first().copied().unwrap_or("");
    (p.starts_with("pip") && p.trim_start_matches("pip").chars().all(|ch| ch.is_ascii_digit() || ch == '.'))
        || (p.starts_with("python") && names.get(1) == Some(&"-m") && names.get(2) == Some(&"pip"))
        || (p == "uv" && names.get(1) == Some(&"pip"))
}

fn install_args(c: &SimpleCommand, verb: &[&str], value_opts: &[&str]) -> Vec<Word> {
    let Some((_, rest)) = sub_after(c, verb) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut skip = false;
    for w in rest {
        if skip {
            skip = false;
            continue;
        }
        if w.text.starts_with('-') {
            if value_opts.contains(&w.text.as_str()) {
                skip = true;
            }
            continue;
        }
        out.push(w.clone());
    }
    out
}

pub(super) fn check_run(
    cx: &mut Ctx<'_>,
    text: &str,
    r: &RunInstruction<'_>,
    pipefail_or_other_shell: bool,
    pip_no_cache_env: bool,
) {
    let line_start = text.get(..r.run.span.start).and_then(|t| t.rfind('\n')).map_or(0, |i| i + 1);
    let extra = cx.heredocs.get(&line_start).cloned().unwrap_or_default();
    let (cmds, is_shell) = run_commands(text, r, &extra);
    let raw = text.get(r.run.span.start..r.arguments_end(text)).unwrap_or("");
    let run_off = r.run.span.start;
    let cache_mount = r
        .options
        .iter()
        .any(|f| f.name.value == "mount" && f.value.as_ref().is_some_and(|v| v.value.contains("type=cache")));

    let mut apt_update: Option<usize> = None;
    let mut apt_install = false;
    let mut pipe_at: Option<usize> = None;
    let mut sudo_seen = false;

    for (i, c) in cmds.iter().enumerate() {
        let prog = c.program();
        let first_off = c.words.first().map_or(run_off, |w| w.offset);
        // sudo (once per RUN)
        if !sudo_seen
            && let Some(w) = c
                .words
                .iter()
                .take_while(|w| shell::is_assignment(&w.text) || w.text == "sudo")
                .find(|w| w.text == "sudo")
        {
            sudo_seen = true;
            cx.at(&DF_SUDO, w.offset, "sudo in RUN", "sudo");
        }
        // curl | sh
        if c.piped
            && matches!(prog, "curl" | "wget")
            && let Some(next) = cmds.get(i + 1)
            && SHELLS.contains(&next.program())
        {
            cx.at(
                &DF_CURL_PIPE_SH,
                first_off,
                format!("`{prog} … | {}` executes a download unverified", next.program()),
                "pipe",
            );
        }
        if SHELLS.contains(&prog)
            && c.words.iter().any(|w| w.text.contains("$(curl") || w.text.contains("$(wget"))
        {
            cx.at(
                &DF_CURL_PIPE_SH,
                first_off,
                format!("`{prog} -c \"$(curl …)\"` executes a download unverified"),
                "subst",
            );
        }
        if c.piped && pipe_at.is_none() {
            pipe_at = Some(first_off);
        }
        // TLS verification
        for w in c.program_words() {
            let t = w.text.as_str();
            let bad = match prog {
                "curl" => {
                    t == "--insecure"
                        || (t.starts_with('-')
                            && !t.starts_with("--")
                            && t.len() > 1
                            && t[1..].chars().all(|ch| ch.is_ascii_alphabetic())
                            && t.contains('k'))
                }
                "wget" => t == "--no-check-certificate",
                "git" => t.to_ascii_lowercase().contains("sslverify=false"),
                "npm" | "yarn" | "pnpm" => t == "--strict-ssl=false" || (t == "strict-ssl" && c.has("false")),
                "conda" | "mamba" | "micromamba" => t == "ssl_verify" && (c.has("false") || c.has("False")),
                _ => false,
            } || (is_pip(c) && (t == "--trusted-host" || t.starts_with("--trusted-host=")))
                || (prog == "pip" || prog == "pip3") && t.contains("trusted-host") && c.has("config");
            if bad {
                cx.at(&DF_TLS_DISABLED, w.offset, format!("`{prog} {t}` disables TLS verification"), t);
            }
        }
        for (k, v, off) in c.assignments() {
            if tls_env_disabled(k, v) {
                cx.at(&DF_TLS_DISABLED, off, format!("{k}={v} disables TLS verification"), k);
            }
        }
        // Signature bypass
        for w in &c.words {
            let t = w.text.as_str();
            if matches!(
                t,
                "--allow-unauthenticated"
                    | "--allow-untrusted"
                    | "--nogpgcheck"
                    | "--nosignature"
                    | "--no-gpg-checks"
                    | "--allow-insecure-repositories"
                    | "--force-yes"
            ) || t.contains("AllowUnauthenticated=true")
                || t.contains("AllowInsecureRepositories=true")
                || t.contains("[trusted=yes]")
            {
                cx.at(&DF_SIG_BYPASS, w.offset, format!("`{t}` bypasses package signature verification"), t);
            }
        }
        // Passwords on the command line
        let pw = match prog {
            "chpasswd" => true,
            "passwd" => c.has("--stdin"),
            "usermod" | "useradd" => c.has("-p") || c.words.iter().any(|w| w.text.starts_with("--password")),
            _ => false,
        };
        if pw {
            cx.at(&DF_PASSWORD_SET, first_off, format!("`{prog}` sets a password in the build"), prog);
        }
        // Package managers
        match prog {
            "apt-get" | "apt" => {
                if sub_after(c, &["update"]).is_some() {
                    apt_update.get_or_insert(first_off);
                }
                if sub_after(c, &["install"]).is_some() {
                    apt_install = true;
                    let pkgs =
                        install_args(c, &["install"], &["-o", "-t", "-c", "--target-release", "--option"]);
                    let unpinned: Vec<&str> = pkgs
                        .iter()
                        .map(|w| w.text.as_str())
                        .filter(|p| {
                            !p.contains('=')
                                && !p.ends_with(".deb")
                                && !p.starts_with('$')
                                && !p.starts_with('/')
                                && !p.starts_with("./")
                        })
                        .collect();
                    if pkgs.iter().any(|w| w.text.split('=').next() == Some("sudo")) {
                        cx.at(&DF_SUDO, first_off, "sudo installed", "sudo-install");
                    }
                    if !unpinned.is_empty() {
                        cx.at(
                            &DF_APT_UNPINNED,
                            first_off,
                            format!("unpinned: {}", unpinned.join(" ")),
                            &unpinned.join(" "),
                        );
                    }
                    if prog == "apt-get"
                        && !c.words.iter().any(|w| w.text == "--no-install-recommends")
                        && !raw.contains("APT::Install-Recommends")
                    {
                        cx.at(
                            &DF_NO_INSTALL_RECOMMENDS,
                            first_off,
                            "apt-get install without --no-install-recommends",
                            "recommends",
                        );
                    }
                    if !cache_mount && !raw.contains("/var/lib/apt/lists") {
                        cx.at(
                            &DF_APT_LISTS_LEFT,
                            first_off,
                            "apt-get install without `rm -rf /var/lib/apt/lists/*` in the same RUN",
                            "apt-lists",
                        );
                    }
                }
            }
            "apk" => {
                let pkgs =
                    install_args(c, &["add"], &["--repository", "-X", "--virtual", "-t", "--root", "-p"]);
                let unpinned: Vec<&str> = pkgs
                    .iter()
                    .map(|w| w.text.as_str())
                    .filter(|p| !p.contains('=') && !p.starts_with('$') && !p.ends_with(".apk"))
                    .collect();
                if !unpinned.is_empty() {
                    cx.at(
                        &DF_APK_UNPINNED,
                        first_off,
                        format!("unpinned: {}", unpinned.join(" ")),
                        &unpinned.join(" "),
                    );
                }
            }
            "dnf" | "yum" | "microdnf" | "tdnf" if sub_after(c, &["install"]).is_some() => {
                {
                    let pkgs = install_args(
                        c,
                        &["install"],
                        &[
                            "--repo",
                            "--enablerepo",
                            "--disablerepo",
                            "--setopt",
                            "--installroot",
                            "--releasever",
                            "-c",
                            "--config",
                        ],
                    );
                    // RPM pins are `name-version[-release]` (or `name-version.arch`): a `-` followed by a digit
                    let pinned = |p: &str| {
                        p.ends_with(".rpm")
                            || p.starts_with('$')
                            || p.starts_with('/')
                            || p.starts_with('@')
                            || p.contains('=')
                            || p.char_indices().any(|(i, ch)| {
                                ch == '-' && p[i + 1..].starts_with(|d: char| d.is_ascii_digit())
                            })
                    };
                    let unpinned: Vec<&str> =
                        pkgs.iter().map(|w| w.text.as_str()).filter(|p| !pinned(p)).collect();
                    if !unpinned.is_empty() {
                        cx.at(
                            &DF_RPM_UNPINNED,
                            first_off,
                            format!("unpinned: {}", unpinned.join(" ")),
                            &unpinned.join(" "),
                        );
                    }
                    let cleaned = raw.contains(" clean all")
                        || raw.contains("/var/cache/yum")
                        || raw.contains("/var/cache/dnf")
                        || raw.contains("/var/cache/microdnf")
                        || cache_mount;
                    if !cleaned {
                        cx.at(
                            &DF_RPM_CACHE,
                            first_off,
                            format!("{prog} install without `{prog} clean all` in the same RUN"),
                            &format!("{prog}-cache"),
                        );
                    }
                }
            }
            "npm" | "yarn" | "pnpm" => {
                let pkgs = install_args(c, &["install", "i", "add"], &["--prefix", "--registry"]);
                let unpinned: Vec<&str> = pkgs
                    .iter()
                    .map(|w| w.text.as_str())
                    .filter(|p| {
                        !p.starts_with('.')
                            && !p.starts_with('/')
                            && !p.starts_with('$')
                            && !p.contains("://")
                    })
                    .filter(|p| !p.get(1..).is_some_and(|rest| rest.contains('@')))
                    .collect();
                if !unpinned.is_empty() {
                    cx.at(
                        &DF_NPM_UNPINNED,
                        first_off,
                        format!("unpinned: {}", unpinned.join(" ")),
                        &unpinned.join(" "),
                    );
                }
            }
            _ => {}
        }
        if is_pip(c) && sub_after(c, &["install"]).is_some() {
            let pkgs = install_args(
                c,
                &["install"],
                &[
                    "-r",
                    "-c",
                    "-e",
                    "--requirement",
                    "--constraint",
                    "--editable",
                    "-i",
                    "--index-url",
                    "--extra-index-url",
                    "-f",
                    "--find-links",
                    "--target",
                    "-t",
                    "--trusted-host",
                    "--prefix",
                    "--root",
                    "--platform",
                    "--python-version",
                    "--only-binary",
                    "--no-binary",
                    "--upgrade-strategy",
                    "--progress-bar",
                    "--cache-dir",
                    "--src",
                    "--python",
                ],
            );
            let unpinned: Vec<&str> = pkgs
                .iter()
                .map(|w| w.text.as_str())
                .filter(|p| {
                    !(p.contains("==")
                        || p.contains("~=")
                        || p.contains('<')
                        || p.contains('@')
                        || p.contains('/')
                        || p.starts_with('.')
                        || p.starts_with('$')
                        || p.ends_with(".whl")
                        || p.ends_with(".tar.gz")
                        || p.ends_with(".zip"))
                })
                .collect();
            if !unpinned.is_empty() {
                cx.at(
                    &DF_PIP_UNPINNED,
                    first_off,
                    format!("unpinned: {}", unpinned.join(" ")),
                    &unpinned.join(" "),
                );
            }
            let no_cache = c.words.iter().any(|w| w.text == "--no-cache-dir" || w.text == "--no-cache");
            if !no_cache
                && !pip_no_cache_env
                && !cache_mount
                && !c.assignments().any(|(k, _, _)| k == "PIP_NO_CACHE_DIR")
            {
                cx.at(&DF_PIP_CACHE, first_off, "pip install without --no-cache-dir", "pip-cache");
            }
        }
        // ML exposure
        for h in mlexpose::check_command(c) {
            cx.at(h.rule, h.offset.unwrap_or(first_off), h.message, h.rule.id);
        }
    }
    if raw.contains("<(curl") || raw.contains("<(wget") {
        let off = run_off + raw.find("<(").unwrap_or(0);
        cx.at(
            &DF_CURL_PIPE_SH,
            off,
            "process substitution `<(curl …)` executes a download unverified",
            "procsubst",
        );
    }
    if let Some(off) = apt_update
        && !apt_install
    {
        cx.at(&DF_APT_UPDATE_ALONE, off, "apt-get update without install in the same RUN", "apt-update");
    }
    if let Some(off) = pipe_at
        && is_shell
        && !pipefail_or_other_shell
        && !raw.contains("pipefail")
    {
        cx.at(
            &DF_PIPEFAIL,
            off,
            "pipeline without `set -o pipefail`: failures of all but the last command are ignored",
            "pipefail",
        );
    }
}

/// End offset of a RUN's shell text (including heredocs).
trait ArgumentsEnd {
    fn arguments_end(&self, text: &str) -> usize;
}

impl ArgumentsEnd for RunInstruction<'_> {
    fn arguments_end(&self, text: &str) -> usize {
        let mut end = match &self.arguments {
            Command::Shell(s) => s.span.end,
            Command::Exec(e) => e.span.end,
            _ => self.run.span.end,
        };
        for h in &self.here_docs {
            end = end.max(h.span.end);
        }
        end.min(text.len())
    }
}
