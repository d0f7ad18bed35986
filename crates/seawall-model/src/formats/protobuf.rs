//! A minimal streaming protobuf wire-format walker: descends only into the messages a caller asks
//! for, skips everything else (tensor payloads of GB are never held), bounds depth and lengths.

use crate::input::Input;

/// One field as seen by a visitor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    /// A varint value.
    Varint(u64),
    /// A length-delimited payload of this many bytes (the visitor may consume it, or not).
    Bytes(u64),
}

/// Most nested messages.
pub(crate) const MAX_DEPTH: u32 = 64;

/// Reads a varint.
pub(crate) fn varint(inp: &mut Input<'_>) -> Result<u64, String> {
    let mut v = 0u64;
    for i in 0..10 {
        let b = inp.byte().map_err(|e| e.to_string())?.ok_or("truncated varint")?;
        v |= u64::from(b & 0x7f) << (7 * i);
        if b & 0x80 == 0 {
            return Ok(v);
        }
    }
    Err("varint longer than 10 bytes".into())
}

/// Walks the fields of a message that ends at `end` (absolute offset; `None` = end of input).
/// The visitor returns `true` when it consumed a `Bytes` payload entirely itself.
pub(crate) fn walk(
    inp: &mut Input<'_>,
    end: Option<u64>,
    visit: &mut dyn FnMut(&mut Input<'_>, u32, Field) -> Result<bool, String>,
) -> Result<(), String> {
    loop {
        match end {
            Some(e) if inp.pos() >= e => {
                if inp.pos() > e {
                    return Err("field overruns its message".into());
                }
                return Ok(());
            }
            None if inp.at_eof().map_err(|e| e.to_string())? => return Ok(()),
            _ => {}
        }
        let tag = varint(inp)?;
        let field = u32::try_from(tag >> 3).map_err(|_| "field number out of range")?;
        if field == 0 {
            return Err("field number 0".into());
        }
        match tag & 7 {
            0 => {
                let v = varint(inp)?;
                visit(inp, field, Field::Varint(v))?;
            }
            1 => skip(inp, 8)?,
            5 => skip(inp, 4)?,
            2 => {
                let len = varint(inp)?;
                let start = inp.pos();
                let stop = start.checked_add(len).ok_or("length overflow")?;
                if end.is_some_and(|e| stop > e) {
                    return Err(format!(
                        "length-delimited field {field} of {len} bytes overruns its message"
                    ));
                }
                let consumed = visit(inp, field, Field::Bytes(len))?;
                if consumed {
                    if inp.pos() != stop {
                        return Err(format!("field {field}: visitor consumed a wrong length"));
                    }
                } else {
                    skip(inp, len)?;
                }
            }
            w => return Err(format!("unsupported wire type {w}")),
        }
    }
}

/// Walks the fields of a message that ends at `end` and hands each length-delimited field to
/// `visit` with the absolute end of its payload (varints and fixed-size fields are skipped). The
/// visitor returns `true` when it consumed the payload itself — the shape every nested message
/// and string field of the ONNX and SavedModel walkers has.
pub(crate) fn messages(
    inp: &mut Input<'_>,
    end: Option<u64>,
    visit: &mut dyn FnMut(&mut Input<'_>, u32, u64) -> Result<bool, String>,
) -> Result<(), String> {
    walk(inp, end, &mut |inp, field, v| match v {
        Field::Bytes(n) => {
            let e = inp.pos().saturating_add(n);
            visit(inp, field, e)
        }
        Field::Varint(_) => Ok(false),
    })
}

/// Walks a message that ends at `end` and hands every occurrence of the length-delimited `field`
/// to `visit` (with the end of its payload), which must consume it.
pub(crate) fn each(
    inp: &mut Input<'_>,
    end: Option<u64>,
    field: u32,
    visit: &mut dyn FnMut(&mut Input<'_>, u64) -> Result<(), String>,
) -> Result<(), String> {
    messages(inp, end, &mut |inp, f, e| {
        if f != field {
            return Ok(false);
        }
        visit(inp, e)?;
        Ok(true)
    })
}

/// Reads a string payload that ends at `end`, keeping at most `cap` bytes.
pub(crate) fn string_to(inp: &mut Input<'_>, end: u64, cap: usize) -> Result<String, String> {
    string(inp, end.saturating_sub(inp.pos()), cap)
}

/// Skips `n` bytes or fails on truncation.
pub(crate) fn skip(inp: &mut Input<'_>, n: u64) -> Result<(), String> {
    if inp.skip(n).map_err(|e| e.to_string())? != n {
        return Err("truncated".into());
    }
    Ok(())
}

/// Reads a string payload of `len` bytes, keeping at most `cap`.
pub(crate) fn string(inp: &mut Input<'_>, len: u64, cap: usize) -> Result<String, String> {
    let mut v = Vec::new();
    if !inp.read_capped(len, cap, &mut v).map_err(|e| e.to_string())? {
        return Err("truncated string".into());
    }
    Ok(String::from_utf8_lossy(&v).into_owned())
}
