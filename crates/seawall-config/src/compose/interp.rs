//! Compose variable interpolation (`$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`,
//! `${VAR:?err}`, `${VAR?err}`, `${VAR:+alt}`, `${VAR+alt}`, `$$`) with the project's `.env`, as the
//! Compose specification defines it. Hand-written: no maintained crate implements Compose's exact
//! grammar (defaults are themselves interpolated, `$$` escapes), and it is a small state machine.
//!
//! Variables that are neither in `.env` nor given a default stay visible as `$VAR` in the result so
//! that messages never invent a value ("ephemeral" port, empty image).

use std::collections::BTreeMap;

/// The variables of a project's `.env` file (`KEY=value`, `export KEY=value`, quotes, comments).
pub(crate) fn parse_dotenv(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let l = l.strip_prefix("export ").unwrap_or(l);
        let Some((k, v)) = l.split_once('=') else { continue };
        let k = k.trim();
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-') {
            continue;
        }
        let v = v.trim();
        let v = if let Some(q) = v.strip_prefix('"').and_then(|x| x.rsplit_once('"')) {
            q.0.to_string()
        } else if let Some(q) = v.strip_prefix('\'').and_then(|x| x.rsplit_once('\'')) {
            q.0.to_string()
        } else {
            // an unquoted value ends at ` #`
            v.split(" #").next().unwrap_or("").trim().to_string()
        };
        out.insert(k.to_string(), v);
    }
    out
}

/// The result of interpolating one string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Interpolated {
    /// The value, with unresolved variables written `$VAR`.
    pub(crate) value: String,
    /// True when some variable had neither a value nor a default.
    pub(crate) unresolved: bool,
    /// `(variable, default)` for every `${VAR:-default}` / `${VAR-default}` with a non-empty literal
    /// default.
    pub(crate) defaults: Vec<(String, String)>,
    /// Every variable referenced.
    pub(crate) vars: Vec<String>,
}

const MAX_DEPTH: u32 = 8;

/// Interpolates `s` with `env`.
pub(crate) fn interpolate(s: &str, env: &BTreeMap<String, String>) -> Interpolated {
    let mut out = Interpolated::default();
    out.value = expand(s, env, &mut out, 0);
    out
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn expand(s: &str, env: &BTreeMap<String, String>, st: &mut Interpolated, depth: u32) -> String {
    if depth > MAX_DEPTH || !s.contains('$') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(body) = after.strip_prefix('{') {
            // find the matching `}` (defaults may contain `${…}`)
            let mut level = 1usize;
            let mut end = None;
            let b = body.as_bytes();
            let mut j = 0;
            while j < b.len() {
                match b[j] {
                    b'{' => level += 1,
                    b'}' => {
                        level -= 1;
                        if level == 0 {
                            end = Some(j);
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            let Some(end) = end else {
                // unterminated: keep as written
                out.push('$');
                out.push_str(after);
                return out;
            };
            out.push_str(&braced(&body[..end], env, st, depth));
            rest = &body[end + 1..];
        } else {
            let n: usize = after.chars().take_while(|c| is_name_char(*c)).map(char::len_utf8).sum();
            if n == 0 {
                out.push('$');
                rest = after;
                continue;
            }
            let name = &after[..n];
            st.vars.push(name.to_string());
            match env.get(name) {
                Some(v) => out.push_str(v),
                None => {
                    st.unresolved = true;
                    out.push('$');
                    out.push_str(name);
                }
            }
            rest = &after[n..];
        }
    }
    out.push_str(rest);
    out
}

fn braced(body: &str, env: &BTreeMap<String, String>, st: &mut Interpolated, depth: u32) -> String {
    let n: usize = body.chars().take_while(|c| is_name_char(*c)).map(char::len_utf8).sum();
    let name = &body[..n];
    let op = &body[n..];
    st.vars.push(name.to_string());
    let val = env.get(name);
    let set = val.is_some();
    let non_empty = val.is_some_and(|v| !v.is_empty());
    let unresolved = |st: &mut Interpolated| {
        st.unresolved = true;
        format!("${name}")
    };
    if op.is_empty() {
        return match val {
            Some(v) => v.clone(),
            None => unresolved(st),
        };
    }
    let (kind, arg) = if let Some(a) = op.strip_prefix(":-") {
        (":-", a)
    } else if let Some(a) = op.strip_prefix('-') {
        ("-", a)
    } else if let Some(a) = op.strip_prefix(":?") {
        (":?", a)
    } else if let Some(a) = op.strip_prefix('?') {
        ("?", a)
    } else if let Some(a) = op.strip_prefix(":+") {
        (":+", a)
    } else if let Some(a) = op.strip_prefix('+') {
        ("+", a)
    } else {
        return unresolved(st);
    };
    match kind {
        ":-" | "-" => {
            let use_default = if kind == ":-" { !non_empty } else { !set };
            if !arg.is_empty() && !arg.contains('$') {
                st.defaults.push((name.to_string(), arg.to_string()));
            }
            if use_default { expand(arg, env, st, depth + 1) } else { val.cloned().unwrap_or_default() }
        }
        ":?" | "?" => {
            let ok = if kind == ":?" { non_empty } else { set };
            if ok { val.cloned().unwrap_or_default() } else { unresolved(st) }
        }
        _ => {
            let ok = if kind == ":+" { non_empty } else { set };
            if ok { expand(arg, env, st, depth + 1) } else { String::new() }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn compose_interpolation_forms() {
        let e = env(&[("P", "8080"), ("EMPTY", "")]);
        assert_eq!(interpolate("${P:-5000}:80", &env(&[])).value, "5000:80");
        assert_eq!(interpolate("${P:-5000}:80", &e).value, "8080:80");
        assert_eq!(interpolate("${EMPTY:-x}", &e).value, "x");
        assert_eq!(interpolate("${EMPTY-x}", &e).value, "");
        assert_eq!(interpolate("$P/${P}", &e).value, "8080/8080");
        assert_eq!(interpolate("$$HOME", &e).value, "$HOME");
        let u = interpolate("${HOST_PORT}:80", &e);
        assert_eq!(u.value, "$HOST_PORT:80");
        assert!(u.unresolved);
        assert_eq!(interpolate("${X:?must be set}", &e).value, "$X");
        assert_eq!(interpolate("${P:+on}", &e).value, "on");
        assert_eq!(interpolate("${NOPE:+on}", &e).value, "");
        assert_eq!(interpolate("${A:-${P}}", &e).value, "8080");
        assert_eq!(interpolate("${unterminated", &e).value, "${unterminated");
        let d = interpolate("${NEXTAUTH_SECRET:-mysecret}", &e);
        assert_eq!(d.defaults, vec![("NEXTAUTH_SECRET".to_string(), "mysecret".to_string())]);
    }

    #[test]
    fn dotenv() {
        let e = parse_dotenv("# c\nexport A=1\nB=\"two words\"\nC='x' \nD=plain # comment\nbad line\n");
        assert_eq!(e.get("A").map(String::as_str), Some("1"));
        assert_eq!(e.get("B").map(String::as_str), Some("two words"));
        assert_eq!(e.get("C").map(String::as_str), Some("x"));
        assert_eq!(e.get("D").map(String::as_str), Some("plain"));
        assert_eq!(e.len(), 4);
    }
}
