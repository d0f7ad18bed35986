//! Binary-content sniffing.

/// True when the first bytes of a file look binary: a NUL byte, more than 10% invalid UTF-8, or more
/// than 10% control characters other than tab, newline, carriage return, form feed and escape.
pub fn looks_binary(head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    if memchr::memchr(0, head).is_some() {
        return true;
    }
    let mut invalid = 0usize;
    let mut chunks = head.utf8_chunks().peekable();
    while let Some(chunk) = chunks.next() {
        let bad = chunk.invalid().len();
        // A multi-byte character cut by the end of the head is not evidence of binary content.
        if chunks.peek().is_none() && bad <= 3 && chunk.invalid().first().is_some_and(|b| *b >= 0xC0) {
            continue;
        }
        invalid += bad;
    }
    let control = head
        .iter()
        .filter(|b| b.is_ascii_control() && !matches!(b, b'\t' | b'\n' | b'\r' | b'\x0c' | b'\x1b'))
        .count();
    invalid * 10 > head.len() || control * 10 > head.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffing() {
        assert!(!looks_binary(b"HF_TOKEN=abc\n"));
        assert!(!looks_binary("caf\u{e9} na\u{ef}ve \u{1F600}".as_bytes()));
        assert!(looks_binary(b"\x7fELF\x02\x01\x01\x00"));
        assert!(looks_binary(&[0x80, 0x81, 0xfe, 0xff, 0x90, 0x91, b'a']));
        // cut multi-byte character at the end is fine
        let s = "abcdefgh\u{e9}".as_bytes();
        assert!(!looks_binary(&s[..s.len() - 1]));
    }
}
