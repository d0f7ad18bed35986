//! NumPy `.npy`: a small Python-literal header; object dtypes are followed by a pickle.

use crate::ctx::{Ctx, Scope};
use crate::input::Input;
use crate::picklefile::{self, Mode};
use crate::rules;

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

/// The `shape` tuple of an npy header: `Some(None)` when it is not a tuple of non-negative ints.
fn shape_of(header: &str) -> Option<Option<Vec<u64>>> {
    let i = header.find("shape")?;
    let after = &header[i + 5..];
    let open = after.find('(')?;
    let close = after[open..].find(')')? + open;
    let body = &after[open + 1..close];
    let mut dims = Vec::new();
    for part in body.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part.trim_end_matches('L').parse::<u64>() {
            Ok(d) => dims.push(d),
            Err(_) => return Some(None),
        }
    }
    Some(Some(dims))
}

/// Bytes per element of a simple (non-structured) dtype descriptor such as `'<f4'`, `'|S5'`,
/// `'<U3'`, `'<M8[ns]'`; `None` for structured or unknown descriptors.
fn itemsize(descr: &str) -> Option<u64> {
    let d = descr.trim().trim_end_matches(',').trim().trim_matches(['\'', '"']);
    let d = d.trim_start_matches(['<', '>', '|', '=']);
    let kind = d.chars().next()?;
    let digits: String = d.chars().skip(1).take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().ok()?;
    match kind {
        'U' => n.checked_mul(4),
        'b' | 'i' | 'u' | 'f' | 'c' | 'm' | 'M' | 'S' | 'a' | 'V' | '?' => Some(n),
        _ => None,
    }
}

/// Scans an `.npy` stream.
pub(crate) fn scan(ctx: &mut Ctx, inp: &mut Input<'_>, scope: &Scope) {
    let mark = ctx.mark();
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
        if descr_has_object(descr) {
            return Ok(Some(true));
        }
        // numpy reads exactly prod(shape) × itemsize bytes: a shape the data cannot hold is malformed
        let dims = shape_of(&header)
            .ok_or("npy header has no shape")?
            .ok_or("npy shape is not a tuple of non-negative integers")?;
        let count = dims.iter().try_fold(1u64, |a, &d| a.checked_mul(d)).ok_or("npy shape overflows")?;
        if let Some(size) = itemsize(descr) {
            let need =
                count.checked_mul(size).ok_or(format!("npy shape {dims:?} × {size} bytes overflows"))?;
            let have = inp.drain().map_err(|e| e.to_string())?;
            if need > have {
                return Err(format!("shape {dims:?} needs {need} bytes of data, the file has {have}"));
            }
        }
        Ok(Some(false))
    })();
    match res {
        Ok(Some(true)) => {
            picklefile::scan(ctx, inp, scope, "npy-object", Mode::Strict);
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
        assert_eq!(shape_of("{'descr': '<f4', 'shape': (3, 4), }"), Some(Some(vec![3, 4])));
        assert_eq!(shape_of("{'descr': '<f4', 'shape': (), }"), Some(Some(vec![])));
        assert_eq!(shape_of("{'descr': '<f4', 'shape': (-1,), }"), Some(None));
        assert_eq!(itemsize(" '<f8', "), Some(8));
        assert_eq!(itemsize(" '<U3', "), Some(12));
        assert_eq!(itemsize(" '<M8[ns]', "), Some(8));
        assert_eq!(itemsize(" [('a', '<f4')], "), None);
    }
}
