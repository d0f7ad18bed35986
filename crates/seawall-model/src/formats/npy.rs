//! NumPy `.npy`: a small Python-literal header; object dtypes are followed by a pickle.

use crate::input::Input;
use crate::rules;
use crate::scan::{self, Ctx, Scope};

/// numpy's own default limit for header sizes is 10 000 bytes; allow more, but bounded.
const MAX_HEADER: u64 = 1 << 20;

/// True when a dtype descriptor (the `descr` value of the header) contains an object type.
pub(crate) fn descr_has_object(descr: &str) -> bool {
    // every quoted string that is a type code: [|<>=]?O\d*
    let mut rest = descr;
    while let Some(q) = rest.find(['\'', '"']) {
        let quote = rest.as_bytes()[q] as char;
        let after = &rest[q + 1..];
        let Some(end) = after.find(quote) else { break };
        let s = after[..end].trim_start_matches(['|', '<', '>', '=']);
        if let Some(d) = s.strip_prefix('O')
            && d.chars().all(|c| c.is_ascii_digit())
        {
            return true;
        }
        rest = &after[end + 1..];
    }
    false
}

/// Extracts the `descr` value from an npy header dict literal.
fn descr_of(header: &str) -> Option<&str> {
    let i = header.find("descr")?;
    let after = &header[i + 5..];
    let after = after.trim_start_matches(['\'', '"']).trim_start();
    let after = after.strip_prefix(':')?;
    // up to the next top-level key
    let end = ["'fortran_order'", "\"fortran_order\"", "'shape'", "\"shape\""]
        .iter()
        .filter_map(|k| after.find(k))
        .min()
        .unwrap_or(after.len());
    Some(&after[..end])
}

/// Scans an `.npy` stream.
pub(crate) fn scan(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope) {
    let mark = ctx.out.findings.len();
    let res = (|| -> Result<Option<bool>, String> {
        let h = inp.take_n(8).map_err(|e| e.to_string())?.ok_or("truncated npy magic")?.to_vec();
        if &h[..6] != b"\x93NUMPY" {
            return Err("not an npy stream".into());
        }
        let major = h[6];
        let hlen = match major {
            1 => u64::from(u16::from_le_bytes(
                inp.array::<2>().map_err(|e| e.to_string())?.ok_or("truncated")?,
            )),
            2 | 3 => u64::from(u32::from_le_bytes(
                inp.array::<4>().map_err(|e| e.to_string())?.ok_or("truncated")?,
            )),
            v => return Err(format!("unsupported npy version {v}")),
        };
        if hlen > MAX_HEADER {
            return Err(format!("npy header of {hlen} bytes exceeds {MAX_HEADER}"));
        }
        let mut hb = Vec::new();
        if !inp.read_capped(hlen, MAX_HEADER as usize, &mut hb).map_err(|e| e.to_string())? {
            return Err("truncated npy header".into());
        }
        let header = String::from_utf8_lossy(&hb);
        let descr = descr_of(&header).ok_or("npy header has no descr")?;
        Ok(Some(descr_has_object(descr)))
    })();
    match res {
        Ok(Some(true)) => {
            let fw = scan::scan_pickle(ctx, inp, scope, "npy-object", true);
            let _ = fw;
            ctx.model(scope, mark, "npy-object", Some("numpy"));
        }
        Ok(_) => {
            let _ = inp.drain();
            ctx.model(scope, mark, "npy", Some("numpy"));
        }
        Err(e) => {
            ctx.hit(scope, "npy", &rules::MALFORMED, vec![], None, format!("invalid npy header: {e}"));
            ctx.model(scope, mark, "npy", Some("numpy"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_descr() {
        assert!(descr_has_object(" '|O', "));
        assert!(descr_has_object(" [('a', '<f4'), ('b', '|O')], "));
        assert!(!descr_has_object(" '<f4', "));
        assert!(!descr_has_object(" [('Owner', '<f4')], "));
        assert_eq!(descr_of("{'descr': '|O', 'fortran_order': False, 'shape': (3,), }"), Some(" '|O', "));
    }
}
