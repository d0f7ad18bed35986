//! Helpers shared by the integration tests: scanning bytes, summarising findings, pickle
//! fragments and a zip writer that can build the malformed archives the tests need.
#![allow(dead_code, reason = "shared by several test binaries, each of which uses a part")]
#![expect(
    clippy::unwrap_used,
    reason = "test helpers outside #[test] functions (fixture builders, runners): a failure there is a failed test"
)]

use std::io::Write;

use seawall_core::Location;
use seawall_model::{ScanOutput, scan_reader};

pub(crate) fn scan(name: &str, data: &[u8]) -> ScanOutput {
    scan_reader(Location::file(name), name, Some(data.len() as u64), &mut &data[..])
}

pub(crate) fn ids(o: &ScanOutput) -> Vec<String> {
    o.findings.iter().map(|f| format!("{} {:?} {}", f.id, f.callables, f.message)).collect()
}

pub(crate) fn has(o: &ScanOutput, id: &str, callable: &str) -> bool {
    o.findings
        .iter()
        .any(|f| f.id == id && (callable.is_empty() || f.callables.iter().any(|c| c == callable)))
}

pub(crate) const EXEC: &str = "SW-MODEL-001";
pub(crate) const GADGET: &str = "SW-MODEL-003";
pub(crate) const MUTATE: &str = "SW-MODEL-004";
pub(crate) const UNKNOWN: &str = "SW-MODEL-005";
pub(crate) const DANGER_REF: &str = "SW-MODEL-006";
pub(crate) const UNSCANNABLE: &str = "SW-MODEL-007";
pub(crate) const ZIP: &str = "SW-MODEL-008";

/// protocol-2 `os.system('id')`.
pub(crate) const OS_SYSTEM_P2: &[u8] = b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.";

pub(crate) fn binunicode(s: &str) -> Vec<u8> {
    let mut v = vec![b'X'];
    v.extend_from_slice(&(s.len() as u32).to_le_bytes());
    v.extend_from_slice(s.as_bytes());
    v
}

pub(crate) fn short_unicode(s: &str) -> Vec<u8> {
    let mut v = vec![0x8c, s.len() as u8];
    v.extend_from_slice(s.as_bytes());
    v
}

pub(crate) struct Member<'a> {
    pub(crate) local_name: &'a str,
    pub(crate) cd_name: &'a str,
    pub(crate) data: &'a [u8],
    pub(crate) flags: u16,
    pub(crate) deflate: bool,
    pub(crate) descriptor: bool,
}

pub(crate) fn member(data: &[u8]) -> Member<'_> {
    Member { local_name: "", cd_name: "", data, flags: 0, deflate: false, descriptor: false }
}

pub(crate) fn build_zip(members: &[Member<'_>], extra_cd: &[(&str, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut cd = Vec::new();
    let mut n = 0u16;
    for m in members {
        let off = out.len() as u32;
        let crc = crc32fast::hash(m.data);
        let body = if m.deflate {
            let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(m.data).unwrap();
            e.finish().unwrap()
        } else {
            m.data.to_vec()
        };
        let flags = m.flags | if m.descriptor { 8 } else { 0 };
        let method: u16 = if m.deflate { 8 } else { 0 };
        let (lc, lcs, lus) =
            if m.descriptor { (0, 0, 0) } else { (crc, body.len() as u32, m.data.len() as u32) };
        out.extend_from_slice(b"PK\x03\x04\x14\x00");
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&lc.to_le_bytes());
        out.extend_from_slice(&lcs.to_le_bytes());
        out.extend_from_slice(&lus.to_le_bytes());
        out.extend_from_slice(&(m.local_name.len() as u16).to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(m.local_name.as_bytes());
        out.extend_from_slice(&body);
        if m.descriptor {
            out.extend_from_slice(b"PK\x07\x08");
            out.extend_from_slice(&crc.to_le_bytes());
            out.extend_from_slice(&(body.len() as u32).to_le_bytes());
            out.extend_from_slice(&(m.data.len() as u32).to_le_bytes());
        }
        cd.push((m.cd_name.to_owned(), flags, method, crc, body.len() as u32, m.data.len() as u32, off));
        n += 1;
    }
    for (name, off) in extra_cd {
        cd.push(((*name).to_owned(), 0, 0, 0, 0, 0, *off));
        n += 1;
    }
    let cd_off = out.len() as u32;
    for (name, flags, method, crc, cs, us, off) in &cd {
        out.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00");
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&method.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&crc.to_le_bytes());
        out.extend_from_slice(&cs.to_le_bytes());
        out.extend_from_slice(&us.to_le_bytes());
        out.extend_from_slice(&(name.len() as u16).to_le_bytes());
        out.extend_from_slice(&[0; 12]);
        out.extend_from_slice(&off.to_le_bytes());
        out.extend_from_slice(name.as_bytes());
    }
    let cd_len = out.len() as u32 - cd_off;
    out.extend_from_slice(b"PK\x05\x06\x00\x00\x00\x00");
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(&cd_len.to_le_bytes());
    out.extend_from_slice(&cd_off.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out
}

pub(crate) fn m<'a>(local: &'a str, cd: &'a str, data: &'a [u8]) -> Member<'a> {
    Member { local_name: local, cd_name: cd, ..member(data) }
}

pub(crate) const STATE_DICT: &[u8] = b"\x80\x02}q\x00X\x01\x00\x00\x00wq\x01ctorch._utils\n_rebuild_tensor_v2\nq\x02((X\x07\x00\x00\x00storageq\x03ctorch\nFloatStorage\nq\x04X\x01\x00\x00\x000q\x05X\x03\x00\x00\x00cpuq\x06K\x04tq\x07QK\x00K\x04\x85q\x08K\x01\x85q\x09\x89ccollections\nOrderedDict\nq\x0a)Rq\x0btq\x0cRq\x0ds.";
