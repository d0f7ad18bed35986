//! A streaming tar reader that sees a layer exactly as Go's `archive/tar` does — the reader behind
//! containerd's and Docker's layer appliers.
//!
//! Hand-written rather than the `tar` crate's `Archive` because a scanner must not read a layer
//! differently from the runtime that applies it, and `tar` 0.4 differs from Go where an attacker can
//! use it: it reads PAX and GNU long-name records of any size into memory (Go: at most 1 MiB), it
//! treats the size field of header-only entries (symlinks, directories, links, devices) as data and
//! skips that many bytes (Go: no data, the next header follows — so entries hidden in such "data"
//! are applied by the runtime and were never seen), it ends the archive at the first zero block (Go:
//! two, and a zero block followed by a header is an error), it does not expand PAX sparse files
//! (GNU sparse 0.0, 0.1, 1.0 — Go does, and writes the expanded content), and it does not cut names
//! at NUL or apply Go's GNU prefix fallback. The `tar` crate is still used to *build* archives in
//! tests.
//!
//! Rules mirrored from Go 1.19+ `archive/tar/reader.go`: header checksum (unsigned or signed sum),
//! format detection by magic (V7, USTAR/PAX, GNU, STAR), numeric fields in octal or base-256, name =
//! USTAR/STAR prefix + name, `x` records (`path`, `linkpath`, `size`, `uid`, `gid`, GNU sparse keys,
//! records with NUL in `path`/`linkpath` rejected) merged into the next header, `L`/`K` long names,
//! `\0`-type entries with a trailing `/` are directories, old GNU sparse maps with extension blocks,
//! PAX sparse maps validated (in order, not overlapping, within the size) and expanded with zeros.

use std::io::{self, Read};

use crate::decompress::Budget;
use crate::sparse::{self, SparseEntry};

/// Largest PAX or GNU long-name record accepted (Go's `maxSpecialFileSize`).
pub(crate) const MAX_SPECIAL_FILE: u64 = 1 << 20;

const BLOCK: usize = 512;

/// One entry, after every extension record has been applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// The full name (prefix, PAX `path`, GNU long name, PAX sparse name applied), cut at NUL.
    pub(crate) name: Vec<u8>,
    /// Link target (symlinks, hard links).
    pub(crate) link: Vec<u8>,
    /// The type flag (`'0'` files — `'\0'` ones already turned into `'0'` or `'5'` —, `'1'` hard
    /// links, `'2'` symlinks, `'5'` directories, `'S'` old GNU sparse files, …).
    pub(crate) typeflag: u8,
    /// Permission bits and setuid/setgid/sticky.
    pub(crate) mode: u64,
    /// Owner.
    pub(crate) uid: u64,
    /// Group.
    pub(crate) gid: u64,
    /// Logical content size (expanded size for sparse files; 0 for header-only types).
    pub(crate) size: u64,
    /// True for sparse files (old GNU or PAX GNU sparse).
    pub(crate) sparse: bool,
}

fn invalid(msg: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg.into())
}

/// Go's `isHeaderOnlyType`: these entries have no data section whatever their size field says.
fn header_only(t: u8) -> bool {
    matches!(t, b'1' | b'2' | b'3' | b'4' | b'5' | b'6')
}

/// Go's `parseString`: up to the first NUL.
fn cstr(b: &[u8]) -> &[u8] {
    b.iter().position(|&c| c == 0).map_or(b, |i| &b[..i])
}

/// Go's `parseOctal`: trims spaces and NULs at both ends, cuts at NUL, parses octal (empty = 0).
fn parse_octal(b: &[u8]) -> Result<i64, ()> {
    let start = b.iter().position(|&c| c != b' ' && c != 0).unwrap_or(b.len());
    let end = b.iter().rposition(|&c| c != b' ' && c != 0).map_or(start, |i| i + 1);
    let t = cstr(&b[start..end.max(start)]);
    if t.is_empty() {
        return Ok(0);
    }
    let s = std::str::from_utf8(t).map_err(|_| ())?;
    // Go's ParseUint accepts no sign and no spaces; Rust's u64 parser accepts a leading `+`.
    if s.starts_with('+') {
        return Err(());
    }
    let v = u64::from_str_radix(s, 8).map_err(|_| ())?;
    Ok(v as i64) // Go converts with int64(x), wrapping
}

/// Go's `parseNumeric`: base-256 when the high bit of the first byte is set, else octal.
fn parse_numeric(b: &[u8]) -> Result<i64, ()> {
    if let Some(&first) = b.first()
        && first & 0x80 != 0
    {
        let inv: u8 = if first & 0x40 != 0 { 0xff } else { 0 };
        let mut x: u64 = 0;
        for (i, &c) in b.iter().enumerate() {
            let mut c = c ^ inv;
            if i == 0 {
                c &= 0x7f;
            }
            if x >> 56 > 0 {
                return Err(());
            }
            x = x << 8 | u64::from(c);
        }
        if x >> 63 > 0 {
            return Err(());
        }
        return Ok(if inv == 0xff { !(x as i64) } else { x as i64 });
    }
    parse_octal(b)
}

fn nonneg(v: i64) -> Result<u64, ()> {
    u64::try_from(v).map_err(|_| ())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    V7,
    Ustar,
    Star,
    Gnu,
}

fn checksum_ok(block: &[u8; BLOCK]) -> bool {
    let Ok(value) = parse_octal(&block[148..156]) else { return false };
    let mut unsigned: i64 = 0;
    let mut signed: i64 = 0;
    for (i, &c) in block.iter().enumerate() {
        let c = if (148..156).contains(&i) { b' ' } else { c };
        unsigned += i64::from(c);
        signed += i64::from(c as i8);
    }
    value == unsigned || value == signed
}

fn format_of(block: &[u8; BLOCK]) -> Option<Format> {
    if !checksum_ok(block) {
        return None;
    }
    let magic = &block[257..263];
    let version = &block[263..265];
    let trailer = &block[508..512];
    Some(if magic == b"ustar\0" && trailer == b"tar\0" {
        Format::Star
    } else if magic == b"ustar\0" {
        Format::Ustar
    } else if magic == b"ustar " && version == b" \0" {
        Format::Gnu
    } else {
        Format::V7
    })
}

/// The header fields read from one block (before extension records are merged).
struct RawHeader {
    name: Vec<u8>,
    link: Vec<u8>,
    typeflag: u8,
    mode: i64,
    uid: i64,
    gid: i64,
    size: i64,
    format: Format,
}

fn parse_block(block: &[u8; BLOCK]) -> Result<RawHeader, ()> {
    let format = format_of(block).ok_or(())?;
    let mut name = cstr(&block[0..100]).to_vec();
    let link = cstr(&block[157..257]).to_vec();
    let mode = parse_numeric(&block[100..108])?;
    let uid = parse_numeric(&block[108..116])?;
    let gid = parse_numeric(&block[116..124])?;
    let size = parse_numeric(&block[124..136])?;
    parse_numeric(&block[136..148])?; // mtime: Go fails the header when it does not parse
    let prefix: &[u8] = match format {
        Format::V7 => &[],
        Format::Ustar | Format::Star | Format::Gnu => {
            parse_numeric(&block[329..337])?; // devmajor
            parse_numeric(&block[337..345])?; // devminor
            match format {
                Format::Ustar => cstr(&block[345..500]),
                Format::Star => cstr(&block[345..476]),
                _ => {
                    // Go's fallback for archives of pre-1.8 Go writers: when the GNU atime/ctime
                    // fields do not parse, they were a USTAR prefix.
                    let bad =
                        |r: std::ops::Range<usize>| block[r.start] != 0 && parse_numeric(&block[r]).is_err();
                    let p = cstr(&block[345..500]);
                    if (bad(345..357) || bad(357..369)) && p.is_ascii() { p } else { &[] }
                }
            }
        }
    };
    if !prefix.is_empty() {
        let mut full = prefix.to_vec();
        full.push(b'/');
        full.extend_from_slice(&name);
        name = full;
    }
    Ok(RawHeader { name, link, typeflag: block[156], mode, uid, gid, size, format })
}

/// PAX records, `(key, value)` in order of appearance.
pub(crate) type PaxRecords = Vec<(Vec<u8>, Vec<u8>)>;

/// Go's `parsePAXRecord` over a whole `x`/`g` record set: `(key, value)` in order. GNU sparse 0.0
/// `offset`/`numbytes` pairs are folded into one `GNU.sparse.map` record, as Go does.
pub(crate) fn parse_pax(data: &[u8]) -> Result<PaxRecords, ()> {
    let mut out: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut sparse_map: Vec<Vec<u8>> = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let sp = rest.iter().position(|&c| c == b' ').ok_or(())?;
        let len_str = std::str::from_utf8(&rest[..sp]).map_err(|_| ())?;
        // Go's ParseInt (base 10): an optional sign, digits.
        let n: i64 = len_str.parse().map_err(|_| ())?;
        if n < 5 || n > rest.len() as i64 {
            return Err(());
        }
        let n = usize::try_from(n).map_err(|_| ())?;
        let body_len = n.checked_sub(sp + 1).filter(|&l| l > 0).ok_or(())?;
        let body = &rest[sp + 1..sp + 1 + body_len];
        let (rec, nl) = body.split_at(body_len - 1);
        if nl != b"\n" {
            return Err(());
        }
        rest = &rest[n..];
        let eq = rec.iter().position(|&c| c == b'=').ok_or(())?;
        let (k, v) = (&rec[..eq], &rec[eq + 1..]);
        let has_nul = |b: &[u8]| b.contains(&0);
        let valid = !k.is_empty()
            && match k {
                b"path" | b"linkpath" | b"uname" | b"gname" => !has_nul(v),
                _ => !has_nul(k),
            };
        if !valid {
            return Err(());
        }
        match k {
            b"GNU.sparse.offset" | b"GNU.sparse.numbytes" => {
                let want_offset = sparse_map.len().is_multiple_of(2);
                if want_offset != (k == b"GNU.sparse.offset") || v.contains(&b',') {
                    return Err(());
                }
                sparse_map.push(v.to_vec());
            }
            _ => out.push((k.to_vec(), v.to_vec())),
        }
    }
    if !sparse_map.is_empty() {
        out.push((b"GNU.sparse.map".to_vec(), sparse_map.join(&b","[..])));
    }
    Ok(out)
}

/// Go's `parsePAXTime`: decimal seconds (optionally signed), optionally `.` and digits.
fn pax_time_ok(v: &[u8]) -> bool {
    let (secs, frac) = match v.iter().position(|&c| c == b'.') {
        Some(i) => (&v[..i], &v[i + 1..]),
        None => (v, &b""[..]),
    };
    std::str::from_utf8(secs).ok().and_then(|s| s.parse::<i64>().ok()).is_some()
        && frac.iter().all(u8::is_ascii_digit)
}

/// The last value of a key (Go keeps records in a map: later ones win).
pub(crate) fn pax_get<'a>(records: &'a [(Vec<u8>, Vec<u8>)], key: &str) -> Option<&'a [u8]> {
    records.iter().rev().find(|(k, _)| k == key.as_bytes()).map(|(_, v)| v.as_slice())
}

/// The state of the current entry's data.
#[derive(Debug, Default)]
struct Current {
    /// Stored bytes of the entry not read yet.
    physical: u64,
    /// Padding after the stored bytes.
    pad: u64,
    /// For sparse entries: data fragments not fully read yet (logical offsets), the logical position
    /// and size.
    fragments: Vec<SparseEntry>,
    next_fragment: usize,
    sparse: bool,
    pos: u64,
    size: u64,
}

/// Reads a tar stream entry by entry.
pub(crate) struct TarReader<'b, R> {
    inner: R,
    budget: &'b Budget,
    cur: Current,
    /// Bytes consumed from `inner`, for messages.
    offset: u64,
    done: bool,
}

impl<'b, R: Read> TarReader<'b, R> {
    /// A reader over an uncompressed tar stream; hole bytes of sparse files are charged to `budget`.
    pub(crate) fn new(inner: R, budget: &'b Budget) -> Self {
        TarReader { inner, budget, cur: Current::default(), offset: 0, done: false }
    }

    /// Reads up to `buf.len()` bytes; fewer only at end of input.
    fn fill(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut n = 0;
        while n < buf.len() {
            match self.inner.read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => n += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.offset += n as u64;
        Ok(n)
    }

    fn skip(&mut self, mut n: u64) -> io::Result<()> {
        let mut buf = [0u8; 8192];
        while n > 0 {
            let want = usize::try_from(n.min(buf.len() as u64)).unwrap_or(buf.len());
            let got = self.fill(&mut buf[..want])?;
            if got == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("tar entry data truncated at offset {}", self.offset),
                ));
            }
            n -= got as u64;
        }
        Ok(())
    }

    /// Reads a `x`/`g`/`L`/`K` record (at most [`MAX_SPECIAL_FILE`] bytes).
    fn special(&mut self, size: u64, at: u64) -> io::Result<Vec<u8>> {
        if size > MAX_SPECIAL_FILE {
            return Err(invalid(format!(
                "tar extension record of {size} bytes at offset {at} exceeds {MAX_SPECIAL_FILE} bytes"
            )));
        }
        let mut data = vec![0u8; usize::try_from(size).unwrap_or(0)];
        if self.fill(&mut data)? < data.len() {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("tar extension record at offset {at} truncated"),
            ));
        }
        self.cur = Current { pad: size.next_multiple_of(BLOCK as u64) - size, ..Current::default() };
        Ok(data)
    }

    /// Reads one 512-byte block; `Ok(false)` at a clean end of input (no byte read).
    fn block(&mut self, block: &mut [u8; BLOCK]) -> io::Result<bool> {
        let n = self.fill(block)?;
        if n == 0 {
            return Ok(false);
        }
        if n < BLOCK {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("truncated tar header at offset {}", self.offset - n as u64),
            ));
        }
        Ok(true)
    }

    /// Skips the unread data and the padding of the current entry; `false` when the input ends inside
    /// the padding (Go reads it with `tryReadFull`: the archive ends cleanly there).
    fn finish_entry(&mut self) -> io::Result<bool> {
        let (data, pad) = (self.cur.physical, self.cur.pad);
        self.cur = Current::default();
        self.skip(data)?;
        let mut padding = [0u8; BLOCK];
        let want = usize::try_from(pad).unwrap_or(0).min(BLOCK);
        Ok(self.fill(&mut padding[..want])? == want)
    }

    /// The next entry, skipping the unread data of the previous one. `None` at the end of the archive.
    pub(crate) fn next_entry(&mut self) -> io::Result<Option<Header>> {
        let mut pax: Option<PaxRecords> = None;
        let mut long_name: Option<Vec<u8>> = None;
        let mut long_link: Option<Vec<u8>> = None;
        let mut block = [0u8; BLOCK];
        loop {
            if self.done {
                return Ok(None);
            }
            if !self.finish_entry()? {
                self.done = true;
                return Ok(None);
            }
            let at = self.offset;
            if !self.block(&mut block)? {
                self.done = true;
                return Ok(None);
            }
            if block.iter().all(|&b| b == 0) {
                // Two zero blocks end the archive; one followed by the end of input too. A zero block
                // followed by anything else is an error (Go: ErrHeader).
                if !self.block(&mut block)? || block.iter().all(|&b| b == 0) {
                    self.done = true;
                    return Ok(None);
                }
                return Err(invalid(format!("zero block followed by data at offset {at}")));
            }
            let raw = parse_block(&block).map_err(|()| {
                invalid(format!("invalid tar header at offset {at} (checksum, magic or numeric field)"))
            })?;
            let size = nonneg(raw.size)
                .map_err(|()| invalid(format!("negative size in tar header at offset {at}")))?;
            match raw.typeflag {
                b'x' | b'g' | b'L' | b'K' => {
                    let data = self.special(size, at)?;
                    match raw.typeflag {
                        b'x' => {
                            pax = Some(
                                parse_pax(&data)
                                    .map_err(|()| invalid(format!("invalid PAX record at offset {at}")))?,
                            )
                        }
                        // Global records are returned by Go as an entry that the appliers ignore
                        // (they are parsed all the same: an invalid one fails the archive).
                        b'g' => {
                            parse_pax(&data)
                                .map_err(|()| invalid(format!("invalid PAX record at offset {at}")))?;
                            // Go returns here: records and long names read so far are dropped.
                            pax = None;
                            long_name = None;
                            long_link = None;
                        }
                        b'L' => long_name = Some(cstr(&data).to_vec()),
                        _ => long_link = Some(cstr(&data).to_vec()),
                    }
                    continue;
                }
                _ => {}
            }
            return self
                .entry(raw, size, &block, pax.take().unwrap_or_default(), long_name, long_link, at)
                .map(Some);
        }
    }

    #[expect(clippy::too_many_arguments, reason = "the pieces of one entry, assembled once")]
    fn entry(
        &mut self,
        raw: RawHeader,
        header_size: u64,
        block: &[u8; BLOCK],
        pax: PaxRecords,
        long_name: Option<Vec<u8>>,
        long_link: Option<Vec<u8>>,
        at: u64,
    ) -> io::Result<Header> {
        let bad = |what: &str| invalid(format!("tar header at offset {at}: {what}"));
        let mut name = raw.name;
        let mut link = raw.link;
        let (mut uid, mut gid) = (raw.uid, raw.gid);
        let mut size = i64::try_from(header_size).unwrap_or(i64::MAX);
        // mergePAX: non-empty values replace the header's.
        for (k, v) in &pax {
            if v.is_empty() {
                continue;
            }
            let num = || std::str::from_utf8(v).ok().and_then(|s| s.parse::<i64>().ok());
            match k.as_slice() {
                b"path" => name = v.clone(),
                b"linkpath" => link = v.clone(),
                b"uid" => uid = num().ok_or_else(|| bad("invalid PAX uid"))?,
                b"gid" => gid = num().ok_or_else(|| bad("invalid PAX gid"))?,
                b"size" => size = num().ok_or_else(|| bad("invalid PAX size"))?,
                b"mtime" | b"atime" | b"ctime" if !pax_time_ok(v) => return Err(bad("invalid PAX time")),
                _ => {}
            }
        }
        if let Some(n) = long_name.filter(|n| !n.is_empty()) {
            name = n;
        }
        if let Some(l) = long_link.filter(|l| !l.is_empty()) {
            link = l;
        }
        let mut typeflag = raw.typeflag;
        if typeflag == 0 {
            typeflag = if name.ends_with(b"/") { b'5' } else { b'0' };
        }
        let physical =
            if header_only(typeflag) { 0 } else { nonneg(size).map_err(|()| bad("negative size"))? };
        self.cur = Current {
            physical,
            pad: physical.next_multiple_of(BLOCK as u64) - physical,
            size: physical,
            ..Current::default()
        };

        // Sparse files: the old GNU format (type 'S') and the PAX formats 0.0, 0.1, 1.0.
        let mut logical = physical;
        let mut map: Option<Vec<SparseEntry>> = None;
        if typeflag == b'S' {
            if raw.format != Format::Gnu {
                return Err(bad("sparse entry without GNU header"));
            }
            let real = parse_numeric(&block[483..495]).map_err(|()| bad("invalid sparse real size"))?;
            let mut entries: Vec<(i64, i64)> = Vec::new();
            let add = |entries: &mut Vec<(i64, i64)>, area: &[u8], count: usize| -> Result<(), ()> {
                for i in 0..count {
                    let e = &area[i * 24..i * 24 + 24];
                    if e[0] == 0 {
                        break;
                    }
                    entries.push((parse_numeric(&e[..12])?, parse_numeric(&e[12..])?));
                }
                Ok(())
            };
            add(&mut entries, &block[386..482], 4).map_err(|()| bad("invalid sparse map"))?;
            let mut extended = block[482] != 0;
            let mut ext = [0u8; BLOCK];
            while extended {
                if entries.len() > sparse::MAX_SPARSE_ENTRIES {
                    return Err(bad("sparse map too long"));
                }
                if !self.block(&mut ext)? {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        format!("sparse header at offset {at} truncated"),
                    ));
                }
                add(&mut entries, &ext[..504], 21).map_err(|()| bad("invalid sparse map"))?;
                extended = ext[504] != 0;
            }
            let (fragments, size) = sparse::checked(&entries, real).map_err(|e| bad(&e.to_string()))?;
            logical = size;
            map = Some(fragments);
        } else if let Some(pax_sparse) = sparse::from_pax(&pax).map_err(|e| bad(&e.to_string()))? {
            if header_only(typeflag) {
                return Err(bad("sparse map on a header-only entry"));
            }
            if let Some(n) = pax_sparse.name {
                name = n;
            }
            let real = pax_sparse.size.unwrap_or(size);
            let entries = match pax_sparse.map {
                Some(m) => m,
                // 1.0: the map is at the start of the data, in whole blocks.
                None => sparse::read_map_1_0(&mut EntryData { r: self }).map_err(|e| bad(&e.to_string()))?,
            };
            let (fragments, size) = sparse::checked(&entries, real).map_err(|e| bad(&e.to_string()))?;
            logical = size;
            map = Some(fragments);
        }
        let sparse = map.is_some();
        if let Some(fragments) = map {
            let stored: u64 = fragments.iter().map(|f| f.length).sum();
            if stored != self.cur.physical {
                // Go fails such an entry when its data is read (errMissData / errUnrefData); the
                // appliers always read it.
                return Err(bad(&format!(
                    "sparse map references {stored} bytes but the entry stores {}",
                    self.cur.physical
                )));
            }
            self.cur.fragments = fragments;
            self.cur.sparse = true;
            self.cur.size = logical;
        }
        let uid = u64::try_from(uid).unwrap_or(0);
        let gid = u64::try_from(gid).unwrap_or(0);
        let mode = u64::try_from(raw.mode).unwrap_or(0);
        Ok(Header {
            name,
            link,
            typeflag,
            mode,
            uid,
            gid,
            size: if header_only(typeflag) { 0 } else { logical },
            sparse,
        })
    }

    /// The logical content of the current entry (holes of sparse files read as zeros).
    pub(crate) fn data(&mut self) -> EntryData<'_, 'b, R> {
        EntryData { r: self }
    }

    fn read_physical(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let max = usize::try_from(self.cur.physical).unwrap_or(usize::MAX).min(buf.len());
        if max == 0 {
            return Ok(0);
        }
        let n = loop {
            match self.inner.read(&mut buf[..max]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("tar entry data truncated at offset {}", self.offset),
            ));
        }
        self.offset += n as u64;
        self.cur.physical -= n as u64;
        Ok(n)
    }

    fn read_logical(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.cur.sparse {
            return self.read_physical(buf);
        }
        let c = &self.cur;
        if c.pos >= c.size || buf.is_empty() {
            return Ok(0);
        }
        // Skip fragments already read.
        let mut i = c.next_fragment;
        while i < c.fragments.len() && c.fragments[i].offset + c.fragments[i].length <= c.pos {
            i += 1;
        }
        self.cur.next_fragment = i;
        let pos = self.cur.pos;
        match self.cur.fragments.get(i) {
            Some(f) if f.offset <= pos => {
                let want =
                    usize::try_from((f.offset + f.length - pos).min(buf.len() as u64)).unwrap_or(buf.len());
                let n = self.read_physical(&mut buf[..want])?;
                self.cur.pos += n as u64;
                Ok(n)
            }
            next => {
                let hole_end = next.map_or(self.cur.size, |f| f.offset);
                let n = usize::try_from((hole_end - pos).min(buf.len() as u64)).unwrap_or(buf.len());
                if let Err(limit) = self.budget.take(n as u64) {
                    return Err(io::Error::other(format!(
                        "the scan's budget of {limit} uncompressed bytes is spent (sparse file)"
                    )));
                }
                buf[..n].fill(0);
                self.cur.pos += n as u64;
                Ok(n)
            }
        }
    }
}

/// The content of the current entry.
pub(crate) struct EntryData<'a, 'b, R> {
    r: &'a mut TarReader<'b, R>,
}

impl<R: Read> Read for EntryData<'_, '_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.r.read_logical(buf)
    }
}

/// One entry of a tar stream, as the runtime applies it (for differential tests against Go's
/// `archive/tar` and for fuzzing).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TarListing {
    /// The name after every extension record (not cleaned).
    pub name: Vec<u8>,
    /// The type flag (`\0` files already reported as `0` or `5`).
    pub typeflag: u8,
    /// Logical size (expanded sparse size; 0 for header-only types).
    pub size: u64,
    /// Link target.
    pub link: Vec<u8>,
    /// `sha256:` of the content read.
    pub content: String,
}

/// Reads every entry of an uncompressed tar and its whole content (sparse holes charged to a budget
/// of `max_bytes`). Fuzz entry point; never panics.
pub fn list_tar(bytes: &[u8], max_bytes: u64) -> io::Result<Vec<TarListing>> {
    use sha2::Digest;
    let budget = Budget::new(max_bytes);
    let mut r = TarReader::new(bytes, &budget);
    let mut out = Vec::new();
    while let Some(h) = r.next_entry()? {
        let mut hasher = sha2::Sha256::new();
        let mut buf = [0u8; 8192];
        loop {
            let n = r.data().read(&mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
        }
        out.push(TarListing {
            name: h.name,
            typeflag: h.typeflag,
            size: h.size,
            link: h.link,
            content: format!("sha256:{}", hex::encode(hasher.finalize())),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn entries(bytes: &[u8]) -> io::Result<Vec<(Header, Vec<u8>)>> {
        let budget = Budget::new(u64::MAX);
        let mut r = TarReader::new(bytes, &budget);
        let mut out = Vec::new();
        while let Some(h) = r.next_entry()? {
            let mut v = Vec::new();
            r.data().read_to_end(&mut v)?;
            out.push((h, v));
        }
        Ok(out)
    }

    fn block_with(name: &str, typeflag: u8, size: u64) -> [u8; BLOCK] {
        let mut h = ::tar::Header::new_gnu();
        h.set_path(name).unwrap();
        h.set_size(size);
        h.set_mode(0o644);
        h.set_entry_type(::tar::EntryType::new(typeflag));
        h.set_cksum();
        let mut b = [0u8; BLOCK];
        b.copy_from_slice(h.as_bytes());
        b
    }

    #[test]
    fn reads_what_the_tar_crate_writes() {
        let mut b = ::tar::Builder::new(Vec::new());
        let long = format!("{}/file.txt", "d".repeat(150));
        for (p, data) in [("etc/os-release", &b"ID=debian\n"[..]), (long.as_str(), &b"x"[..])] {
            let mut h = ::tar::Header::new_gnu();
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            b.append_data(&mut h, p, data).unwrap();
        }
        let mut h = ::tar::Header::new_gnu();
        h.set_entry_type(::tar::EntryType::Symlink);
        b.append_link(&mut h, "bin", "usr/bin").unwrap();
        let bytes = b.into_inner().unwrap();
        let e = entries(&bytes).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].0.name, b"etc/os-release");
        assert_eq!(e[0].1, b"ID=debian\n");
        assert_eq!(e[1].0.name, long.as_bytes());
        assert_eq!((e[2].0.typeflag, e[2].0.link.as_slice()), (b'2', &b"usr/bin"[..]));
    }

    /// A symlink whose size field claims data: Go reads no data and the next header follows, so the
    /// entry "hidden" in that data is applied by the runtime and must be seen.
    #[test]
    fn header_only_entries_have_no_data_whatever_their_size_field() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&block_with("link", b'2', 512));
        bytes.extend_from_slice(&block_with("etc/shadow", b'0', 5));
        let mut data = [0u8; BLOCK];
        data[..5].copy_from_slice(b"root:");
        bytes.extend_from_slice(&data);
        bytes.extend_from_slice(&[0u8; 1024]);
        let e = entries(&bytes).unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].0.name, b"etc/shadow");
        assert_eq!(e[1].1, b"root:");
    }

    #[test]
    fn zero_block_then_header_is_an_error_and_one_zero_block_at_eof_ends() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&block_with("a", b'0', 0));
        bytes.extend_from_slice(&[0u8; BLOCK]);
        let mut ok = bytes.clone();
        assert_eq!(entries(&ok).unwrap().len(), 1);
        bytes.extend_from_slice(&block_with("hidden", b'0', 0));
        assert!(entries(&bytes).is_err());
        ok.extend_from_slice(&[0u8; BLOCK]);
        ok.extend_from_slice(b"anything after the end marker is not read as entries");
        assert_eq!(entries(&ok).unwrap().len(), 1);
    }

    #[test]
    fn oversized_extension_records_are_refused() {
        let mut bytes = Vec::new();
        bytes.extend_from_slice(&block_with("././@PaxHeader", b'x', MAX_SPECIAL_FILE + 1));
        bytes.resize(bytes.len() + usize::try_from(MAX_SPECIAL_FILE).unwrap() + BLOCK * 2, b'1');
        let err = entries(&bytes).unwrap_err().to_string();
        assert!(err.contains("exceeds"), "{err}");
    }

    #[test]
    fn pax_records_follow_go() {
        let recs = parse_pax(b"16 path=etc/sha\n11 uid=123\n").unwrap();
        assert_eq!(pax_get(&recs, "path"), Some(&b"etc/sha"[..]));
        assert_eq!(pax_get(&recs, "uid"), Some(&b"123"[..]));
        assert!(parse_pax(b"12 path=a\0b\n").is_err(), "NUL in path");
        assert!(parse_pax(b"13 comment=\0\n").is_ok(), "NUL allowed in other values");
        assert!(parse_pax(b"3 a=\n").is_err());
        assert!(parse_pax(b"99 path=x\n").is_err());
        let s = parse_pax(b"25 GNU.sparse.offset=512\n26 GNU.sparse.numbytes=10\n").unwrap();
        assert_eq!(pax_get(&s, "GNU.sparse.map"), Some(&b"512,10"[..]));
        assert!(parse_pax(b"26 GNU.sparse.numbytes=10\n").is_err(), "numbytes before offset");
    }

    #[test]
    fn numeric_fields_follow_go() {
        assert_eq!(parse_numeric(b"0000644\0"), Ok(0o644));
        assert_eq!(parse_numeric(b"  644 \0"), Ok(0o644));
        assert_eq!(parse_numeric(b"\0\0\0"), Ok(0));
        assert!(parse_numeric(b"64x").is_err());
        assert!(parse_numeric(b"+644").is_err());
        assert_eq!(parse_numeric(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]), Ok(256));
        assert_eq!(parse_numeric(&[0xff; 8]), Ok(-1));
    }

    proptest::proptest! {
        #[test]
        fn never_panics_on_arbitrary_bytes(data in proptest::collection::vec(proptest::num::u8::ANY, 0..4096)) {
            let _ = entries(&data);
            let _ = parse_pax(&data);
        }
    }
}
