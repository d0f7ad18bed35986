//! GGUF: bounds of the key/value and tensor tables, and Jinja2 template injection in
//! `tokenizer.chat_template` (CVE-2024-34359 class).

use crate::ctx::{Ctx, Scope};
use crate::input::Input;
use crate::rules;

/// Longest chat template kept for inspection.
const TEMPLATE_KEEP: usize = 1 << 20;
/// Longest key.
const MAX_KEY: u64 = 65_535;
/// Most KV pairs / tensors.
const MAX_COUNT: u64 = 10_000_000;

/// (block size in elements, bytes per block) per ggml type.
fn ggml_type(t: u32) -> Option<(u64, u64)> {
    Some(match t {
        0 => (1, 4),
        1 => (1, 2),
        2 => (32, 18),
        3 => (32, 20),
        6 => (32, 22),
        7 => (32, 24),
        8 => (32, 34),
        9 => (32, 36),
        10 => (256, 84),
        11 => (256, 110),
        12 => (256, 144),
        13 => (256, 176),
        14 => (256, 210),
        15 => (256, 292),
        16 => (256, 66),
        17 => (256, 74),
        18 => (256, 98),
        19 => (256, 50),
        20 => (32, 18),
        21 => (256, 110),
        22 => (256, 82),
        23 => (256, 136),
        24 => (1, 1),
        25 => (1, 2),
        26 => (1, 4),
        27 => (1, 8),
        28 => (1, 8),
        29 => (256, 56),
        30 => (1, 2),
        34 => (256, 54),
        35 => (256, 66),
        _ => return None,
    })
}

struct Reader<'i, 'a> {
    inp: &'i mut Input<'a>,
    v1: bool,
    size: Option<u64>,
}

impl Reader<'_, '_> {
    fn u32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.inp.array::<4>().map_err(|e| e.to_string())?.ok_or("truncated")?))
    }
    fn u64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.inp.array::<8>().map_err(|e| e.to_string())?.ok_or("truncated")?))
    }
    fn len(&mut self) -> Result<u64, String> {
        if self.v1 { self.u32().map(u64::from) } else { self.u64() }
    }
    fn remaining(&self) -> Option<u64> {
        self.size.map(|s| s.saturating_sub(self.inp.pos()))
    }
    fn check_len(&self, n: u64, what: &str) -> Result<(), String> {
        if self.remaining().is_some_and(|r| n > r) {
            return Err(format!("{what} length {n} exceeds the rest of the file"));
        }
        Ok(())
    }
    /// Reads a string, keeping at most `cap` bytes.
    fn string(&mut self, cap: usize, what: &str) -> Result<Vec<u8>, String> {
        let n = self.len()?;
        self.check_len(n, what)?;
        let mut out = Vec::new();
        if !self.inp.read_capped(n, cap, &mut out).map_err(|e| e.to_string())? {
            return Err(format!("{what} truncated"));
        }
        Ok(out)
    }
    fn skip(&mut self, n: u64, what: &str) -> Result<(), String> {
        self.check_len(n, what)?;
        if self.inp.skip(n).map_err(|e| e.to_string())? != n {
            return Err(format!("{what} truncated"));
        }
        Ok(())
    }
    /// Skips one value of type `t`; returns the string if it is a string and `keep` is set.
    fn value(&mut self, t: u32, depth: u32, keep: bool) -> Result<Option<Vec<u8>>, String> {
        let fixed = match t {
            0 | 1 | 7 => Some(1),
            2 | 3 => Some(2),
            4..=6 => Some(4),
            10..=12 => Some(8),
            _ => None,
        };
        if let Some(n) = fixed {
            self.skip(n, "value")?;
            return Ok(None);
        }
        match t {
            8 => {
                let s = self.string(if keep { TEMPLATE_KEEP } else { 0 }, "string value")?;
                Ok(keep.then_some(s))
            }
            9 => {
                if depth > 2 {
                    return Err("arrays nested too deeply".into());
                }
                let et = self.u32()?;
                let count = self.len()?;
                let min = match et {
                    0 | 1 | 7 => 1,
                    2 | 3 => 2,
                    4..=6 => 4,
                    10..=12 => 8,
                    8 => {
                        if self.v1 {
                            4
                        } else {
                            8
                        }
                    }
                    9 => 12,
                    _ => return Err(format!("unknown array element type {et}")),
                };
                self.check_len(count.saturating_mul(min), "array")?;
                if et != 8 && et != 9 {
                    let n = count.checked_mul(min).ok_or("array size overflow")?;
                    self.skip(n, "array")?;
                } else {
                    for _ in 0..count {
                        self.value(et, depth + 1, false)?;
                    }
                }
                Ok(None)
            }
            other => Err(format!("unknown value type {other}")),
        }
    }
}

/// Patterns of Jinja2 sandbox escapes / SSTI in a template. Returns the matched indicators.
pub(crate) fn ssti_indicators(template: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    // code segments only: {{ … }} and {% … %}
    let mut code = String::new();
    let mut rest = template;
    while let Some(i) = rest.find(['{']) {
        let after = &rest[i..];
        let close = if after.starts_with("{{") {
            "}}"
        } else if after.starts_with("{%") {
            "%}"
        } else {
            rest = &after[1..];
            continue;
        };
        let body = &after[2..];
        let end = body.find(close).unwrap_or(body.len());
        code.push_str(&body[..end]);
        code.push('\n');
        rest = &body[(end + 2).min(body.len())..];
    }
    let lower = code.to_ascii_lowercase();
    // anything dunder, escaped underscores, attr() filter: how every Jinja2 escape starts
    const WITH_STRINGS: &[(&str, &str)] = &[
        ("__", "dunder attribute"),
        ("\\x5f", "escaped underscore"),
        ("\\u005f", "escaped underscore"),
        ("\\137", "escaped underscore"),
        ("|attr", "attr filter"),
        ("| attr", "attr filter"),
    ];
    for (p, what) in WITH_STRINGS {
        if lower.contains(p) {
            found.push(*what);
        }
    }
    // identifiers (outside string literals) that a chat template never needs
    let bare = strip_strings(&lower);
    const WORDS: &[&str] = &[
        "lipsum",
        "cycler",
        "joiner",
        "globals",
        "builtins",
        "subclasses",
        "mro",
        "popen",
        "import",
        "getattr",
        "eval",
        "exec",
        "os",
        "subprocess",
        "self",
        "config",
        "request",
        "url_for",
        "get_flashed_messages",
        "application",
        "func_globals",
    ];
    for w in WORDS {
        if contains_word(&bare, w) {
            found.push(*w);
        }
    }
    found
}

fn strip_strings(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut quote: Option<char> = None;
    let mut esc = false;
    for c in s.chars() {
        match quote {
            Some(q) => {
                if esc {
                    esc = false;
                } else if c == '\\' {
                    esc = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(' ');
            }
            None => out.push(c),
        }
    }
    out
}

fn contains_word(s: &str, w: &str) -> bool {
    let b = s.as_bytes();
    let ident = |c: u8| c == b'_' || c.is_ascii_alphanumeric();
    let mut from = 0;
    while let Some(i) = s[from..].find(w) {
        let i = from + i;
        let before = i == 0 || !ident(b[i - 1]);
        let after = i + w.len() >= b.len() || !ident(b[i + w.len()]);
        if before && after {
            return true;
        }
        from = i + 1;
    }
    false
}

/// Scans a GGUF stream.
pub(crate) fn scan(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope) {
    let mark = ctx.mark();
    let mut templates: Vec<(String, String)> = Vec::new();
    let res = (|| -> Result<(), String> {
        let magic = inp.array::<4>().map_err(|e| e.to_string())?.ok_or("truncated")?;
        if &magic != b"GGUF" {
            return Err("bad magic".into());
        }
        let mut r = Reader { inp: &mut *inp, v1: false, size: scope.size };
        let version = r.u32()?;
        if !(1..=3).contains(&version) {
            return Err(format!("unsupported GGUF version {version}"));
        }
        r.v1 = version == 1;
        let n_tensors = r.len()?;
        let n_kv = r.len()?;
        if n_tensors > MAX_COUNT || n_kv > MAX_COUNT {
            return Err(format!("table counts out of bounds (tensors {n_tensors}, kv {n_kv})"));
        }
        // each KV needs at least 8+4+1 bytes, each tensor info 8+4+4+8
        r.check_len(n_kv.saturating_mul(13).saturating_add(n_tensors.saturating_mul(24)), "tables")?;
        let mut alignment = 32u64;
        for _ in 0..n_kv {
            let key = r.string(1024, "key")?;
            if key.len() as u64 > MAX_KEY {
                return Err("key too long".into());
            }
            let key = String::from_utf8_lossy(&key).into_owned();
            let t = r.u32()?;
            let is_template = key.starts_with("tokenizer.chat_template");
            if key == "general.alignment" && t == 4 {
                alignment = u64::from(r.u32()?);
                if alignment == 0 || !alignment.is_power_of_two() {
                    return Err(format!("general.alignment {alignment} is not a power of two"));
                }
                continue;
            }
            if let Some(s) = r.value(t, 0, is_template)? {
                templates.push((key, String::from_utf8_lossy(&s).into_owned()));
            }
        }
        let mut spans = Vec::new();
        for _ in 0..n_tensors {
            let name = r.string(256, "tensor name")?;
            let dims = r.u32()?;
            if dims > 4 {
                return Err(format!(
                    "tensor {:?} has {dims} dimensions (max 4)",
                    String::from_utf8_lossy(&name)
                ));
            }
            let mut n = 1u64;
            for _ in 0..dims {
                let d = r.u64()?;
                n = n.checked_mul(d).ok_or("tensor element count overflow")?;
            }
            let ty = r.u32()?;
            let off = r.u64()?;
            if off % alignment != 0 {
                return Err(format!(
                    "tensor {:?} offset {off} is not aligned",
                    String::from_utf8_lossy(&name)
                ));
            }
            let bytes = ggml_type(ty)
                .and_then(|(bs, ts)| n.is_multiple_of(bs).then(|| (n / bs).checked_mul(ts)).flatten());
            spans.push((off, bytes, String::from_utf8_lossy(&name).into_owned()));
        }
        let header_end = r.inp.pos();
        let data_start = header_end.div_ceil(alignment).saturating_mul(alignment);
        if let Some(size) = scope.size {
            let data = size.saturating_sub(data_start);
            spans.sort_by_key(|s| s.0);
            let mut prev_end = 0u64;
            for (off, bytes, name) in &spans {
                if *off < prev_end {
                    return Err(format!("tensor {name:?} overlaps the previous tensor"));
                }
                let end = off.saturating_add(bytes.unwrap_or(0));
                if end > data {
                    return Err(format!(
                        "tensor {name:?} data [{off}, {end}) lies beyond the end of the file"
                    ));
                }
                prev_end = end;
            }
        }
        Ok(())
    })();
    if let Err(e) = res {
        ctx.hit(scope, "gguf", &rules::MALFORMED, vec![], None, format!("GGUF header: {e}"));
    }
    for (key, t) in &templates {
        let ind = ssti_indicators(t);
        if !ind.is_empty() {
            ctx.hit(
                scope,
                "gguf",
                &rules::GGUF_SSTI,
                vec![],
                None,
                format!("{key} uses {} (Jinja2 sandbox escape patterns)", ind.join(", ")),
            );
        }
    }
    let _ = inp.drain();
    ctx.model(scope, mark, "gguf", Some("llama.cpp"));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        let chatml = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
        assert!(ssti_indicators(chatml).is_empty(), "{:?}", ssti_indicators(chatml));
        let llama3 = "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}{{ raise_exception('x') if false }}{% set ns = namespace(found=false) %}";
        assert!(ssti_indicators(llama3).is_empty(), "{:?}", ssti_indicators(llama3));
        assert!(!ssti_indicators("{{ lipsum.__globals__['os'].popen('id').read() }}").is_empty());
        assert!(!ssti_indicators("{{ cycler.__init__.__globals__.os.popen('id') }}").is_empty());
        assert!(!ssti_indicators("{{ ()|attr('\\x5f\\x5fclass\\x5f\\x5f') }}").is_empty());
        assert!(ssti_indicators("text about os and import outside code").is_empty());
    }
}
