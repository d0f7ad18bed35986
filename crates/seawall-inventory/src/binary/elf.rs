//! Section lookup from an ELF header and the file's last bytes (streamed files).
//!
//! Hand-written (the `object` crate wants the whole file): reads `e_shoff`, `e_shentsize`,
//! `e_shnum`, `e_shstrndx`, then the section headers and names if they fall inside the tail.

pub(crate) enum TailSection<'a> {
    Absent,
    Data(&'a [u8]),
    OutOfReach,
}

/// Looks up a section by name using only the ELF header (`head`) and the file's last bytes.
/// Hand-written (the `object` crate wants the whole file): reads `e_shoff`, `e_shentsize`,
/// `e_shnum`, `e_shstrndx`, then the section headers and names if they fall inside the tail.
pub(crate) fn find_section_in_tail<'a>(
    head: &[u8],
    tail: &'a [u8],
    tail_start: u64,
    want: &str,
) -> TailSection<'a> {
    let is64 = head.get(4) == Some(&2);
    let le = head.get(5) != Some(&2);
    let rd = |b: &[u8], off: usize, len: usize| -> Option<u64> {
        let s = b.get(off..off.checked_add(len)?)?;
        let mut v: u64 = 0;
        for i in 0..len {
            let byte = if le { *s.get(len - 1 - i)? } else { *s.get(i)? };
            v = (v << 8) | u64::from(byte);
        }
        Some(v)
    };
    let fields = if is64 { (0x28, 8, 0x3a, 0x3c, 0x3e) } else { (0x20, 4, 0x2e, 0x30, 0x32) };
    let (Some(shoff), Some(shentsize), Some(shnum), Some(shstrndx)) =
        (rd(head, fields.0, fields.1), rd(head, fields.2, 2), rd(head, fields.3, 2), rd(head, fields.4, 2))
    else {
        return TailSection::Absent;
    };
    let in_tail = |off: u64, len: u64| -> Option<&'a [u8]> {
        let start = usize::try_from(off.checked_sub(tail_start)?).ok()?;
        tail.get(start..start.checked_add(usize::try_from(len).ok()?)?)
    };
    let Some(table) = in_tail(shoff, shentsize.saturating_mul(shnum)) else {
        return TailSection::Absent;
    };
    let entsize = usize::try_from(shentsize).unwrap_or(0);
    if entsize < if is64 { 64 } else { 40 } {
        return TailSection::Absent;
    }
    // (name offset, file offset, size) of section i
    let sh = |i: usize| -> Option<(u64, u64, u64)> {
        let base = i.checked_mul(entsize)?;
        if is64 {
            Some((rd(table, base, 4)?, rd(table, base + 0x18, 8)?, rd(table, base + 0x20, 8)?))
        } else {
            Some((rd(table, base, 4)?, rd(table, base + 0x10, 4)?, rd(table, base + 0x14, 4)?))
        }
    };
    let Some((_, stroff, strsize)) = usize::try_from(shstrndx).ok().and_then(sh) else {
        return TailSection::Absent;
    };
    let Some(strtab) = in_tail(stroff, strsize) else {
        return TailSection::Absent;
    };
    for i in 0..usize::try_from(shnum).unwrap_or(0) {
        let Some((name, off, size)) = sh(i) else {
            break;
        };
        let name = usize::try_from(name).ok().and_then(|n| strtab.get(n..)).unwrap_or(&[]);
        let name = name.split(|&b| b == 0).next().unwrap_or(&[]);
        if name == want.as_bytes() {
            return match in_tail(off, size) {
                Some(d) => TailSection::Data(d),
                None => TailSection::OutOfReach,
            };
        }
    }
    TailSection::Absent
}
