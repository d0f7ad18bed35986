//! The agent's on-disk spool: records waiting for the fleet service, one file per record.
//!
//! * A record is written to `DIR/.tmp-SEQ`, fsync'd, renamed to `DIR/SEQ.json` (20 digits, so that
//!   the name order is the sequence order) and the directory fsync'd: a crash leaves either no record
//!   or a whole one; leftover `.tmp-*` files are removed at open.
//! * Sequence numbers increase strictly for the life of the directory (after delivery the highest
//!   acknowledged number is kept in `DIR/acked`, written the same way), and each is at least the
//!   current time in microseconds since the epoch: a wiped spool does not reuse numbers the service
//!   has seen (it deduplicates on (host, sequence number)), and two spools of one host (a monitor and
//!   an `audit docker --upload`) number their records in time order.
//! * Bounded: [`Spool::append`] refuses with [`SpoolError::Full`] beyond `max_records`; the caller
//!   says so loudly (log and metric) — nothing is dropped silently.
//! * One process at a time: `DIR/lock` is locked exclusively while the spool is open.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde::{Serialize, de::DeserializeOwned};

/// Errors of the spool.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpoolError {
    /// A file-system operation failed.
    #[error("spool {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// Another process has the spool open.
    #[error("spool {0} is in use by another seawall process (give each agent its own --spool-dir)")]
    Locked(PathBuf),
    /// The spool holds its maximum number of records.
    #[error("spool {dir} is full ({max} records waiting for the service): the record was NOT spooled")]
    Full {
        /// The directory.
        dir: PathBuf,
        /// The bound.
        max: usize,
    },
    /// A record could not be encoded.
    #[error("cannot encode a record: {0}")]
    Encode(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SpoolError + '_ {
    move |source| SpoolError::Io { path: path.to_path_buf(), source }
}

/// A record read back from the spool.
#[derive(Debug, Clone, PartialEq)]
pub struct Spooled<T> {
    /// Its sequence number.
    pub seq: u64,
    /// The record.
    pub record: T,
}

/// What [`Spool::oldest`] read: the records, and the (sequence number, reason) of files set aside
/// as unreadable.
pub type Oldest<T> = (Vec<Spooled<T>>, Vec<(u64, String)>);

/// An open spool directory.
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    max_records: usize,
    next_seq: u64,
    pending: BTreeSet<u64>,
    _lock: fs_err::File,
}

fn now_micros() -> u64 {
    u64::try_from(jiff::Timestamp::now().as_microsecond()).unwrap_or(1).max(1)
}

fn record_name(seq: u64) -> String {
    format!("{seq:020}.json")
}

fn parse_record_name(name: &str) -> Option<u64> {
    let digits = name.strip_suffix(".json")?;
    if digits.len() == 20 && digits.bytes().all(|b| b.is_ascii_digit()) { digits.parse().ok() } else { None }
}

/// Writes `bytes` to `dir/name` atomically: temp file, fsync, rename, fsync of the directory.
fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), SpoolError> {
    use std::io::Write as _;
    let tmp = dir.join(format!(".tmp-{name}"));
    let dest = dir.join(name);
    let mut f = fs_err::File::create(&tmp).map_err(io(&tmp))?;
    f.write_all(bytes).map_err(io(&tmp))?;
    f.sync_all().map_err(io(&tmp))?;
    drop(f);
    fs_err::rename(&tmp, &dest).map_err(io(&dest))?;
    sync_dir(dir)
}

fn sync_dir(dir: &Path) -> Result<(), SpoolError> {
    fs_err::File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}

impl Spool {
    /// Opens (creating it) the spool in `dir`, holding at most `max_records` records.
    pub fn open(dir: &Path, max_records: usize) -> Result<Spool, SpoolError> {
        fs_err::create_dir_all(dir).map_err(io(dir))?;
        let lock_path = dir.join("lock");
        let lock = fs_err::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        match lock.file().try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(SpoolError::Locked(dir.to_path_buf())),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(SpoolError::Io { path: lock_path, source: e });
            }
        }
        let acked_path = dir.join("acked");
        let acked: Option<u64> = match fs_err::read_to_string(&acked_path) {
            Ok(s) => s.trim().parse().ok(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(SpoolError::Io { path: acked_path, source: e }),
        };
        let mut pending = BTreeSet::new();
        for entry in fs_err::read_dir(dir).map_err(io(dir))? {
            let entry = entry.map_err(io(dir))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(".tmp-") {
                // A crash between write and rename: the record was never spooled.
                let p = entry.path();
                fs_err::remove_file(&p).map_err(io(&p))?;
            } else if let Some(seq) = parse_record_name(&name) {
                if acked.is_some_and(|a| seq <= a) {
                    // Delivered; a crash came between the acknowledgement and the removal.
                    let p = entry.path();
                    fs_err::remove_file(&p).map_err(io(&p))?;
                } else {
                    pending.insert(seq);
                }
            }
        }
        let last = pending.last().copied().max(acked);
        let next_seq = last.map_or(1, |l| l.saturating_add(1));
        Ok(Spool { dir: dir.to_path_buf(), max_records: max_records.max(1), next_seq, pending, _lock: lock })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Records waiting for delivery.
    pub fn len(&self) -> usize {
        self.pending.len()
    }

    /// Whether nothing waits.
    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }

    /// The bound.
    pub fn max_records(&self) -> usize {
        self.max_records
    }

    /// Durably appends a record built from its sequence number; returns the number. Refuses with
    /// [`SpoolError::Full`] when `max_records` wait already.
    pub fn append<T: Serialize>(&mut self, make: impl FnOnce(u64) -> T) -> Result<u64, SpoolError> {
        if self.pending.len() >= self.max_records {
            return Err(SpoolError::Full { dir: self.dir.clone(), max: self.max_records });
        }
        let seq = self.next_seq.max(now_micros());
        let bytes = serde_json::to_vec(&make(seq)).map_err(|e| SpoolError::Encode(e.to_string()))?;
        write_atomic(&self.dir, &record_name(seq), &bytes)?;
        self.next_seq = seq.saturating_add(1);
        self.pending.insert(seq);
        Ok(seq)
    }

    /// Up to `max` of the oldest records, in sequence order. A file that cannot be read back as a
    /// record is moved to `DIR/unreadable/` and reported in the second list (it would otherwise block
    /// the queue forever).
    pub fn oldest<T: DeserializeOwned>(&mut self, max: usize) -> Result<Oldest<T>, SpoolError> {
        let mut out = Vec::new();
        let mut bad = Vec::new();
        let seqs: Vec<u64> = self.pending.iter().copied().take(max).collect();
        for seq in seqs {
            let path = self.dir.join(record_name(seq));
            let parsed = fs_err::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<T>(&b).map_err(|e| e.to_string()));
            match parsed {
                Ok(record) => out.push(Spooled { seq, record }),
                Err(why) => {
                    let quarantine = self.dir.join("unreadable");
                    fs_err::create_dir_all(&quarantine).map_err(io(&quarantine))?;
                    let dest = quarantine.join(record_name(seq));
                    if path.exists() {
                        fs_err::rename(&path, &dest).map_err(io(&dest))?;
                    }
                    self.pending.remove(&seq);
                    bad.push((seq, why));
                }
            }
        }
        Ok((out, bad))
    }

    /// Records that every record up to `through` was delivered, then removes their files.
    pub fn ack(&mut self, through: u64) -> Result<(), SpoolError> {
        write_atomic(&self.dir, "acked", through.to_string().as_bytes())?;
        let done: Vec<u64> = self.pending.range(..=through).copied().collect();
        for seq in done {
            let p = self.dir.join(record_name(seq));
            match fs_err::remove_file(&p) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(SpoolError::Io { path: p, source: e }),
            }
            self.pending.remove(&seq);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Serialize, serde::Deserialize, PartialEq)]
    struct R {
        seq: u64,
        text: String,
    }

    fn add(s: &mut Spool, text: &str) -> u64 {
        s.append(|seq| R { seq, text: text.into() }).unwrap()
    }

    fn texts(s: &mut Spool) -> Vec<String> {
        let (ok, bad) = s.oldest::<R>(1000).unwrap();
        assert!(bad.is_empty());
        ok.into_iter().map(|r| r.record.text).collect()
    }

    #[test]
    fn records_come_back_in_order_across_reopen() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), 100).unwrap();
        let a = add(&mut s, "a");
        let b = add(&mut s, "b");
        let c = add(&mut s, "c");
        assert!(a < b && b < c);
        drop(s);
        let mut s = Spool::open(d.path(), 100).unwrap();
        assert_eq!(texts(&mut s), ["a", "b", "c"]);
        let (first_two, _) = s.oldest::<R>(2).unwrap();
        assert_eq!(first_two.iter().map(|r| r.seq).collect::<Vec<_>>(), [a, b]);
        assert_eq!(first_two[0].record.seq, a);
        // Numbers keep increasing after a reopen.
        let d4 = add(&mut s, "d");
        assert!(d4 > c);
    }

    #[test]
    fn ack_removes_delivered_and_numbers_never_repeat() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), 100).unwrap();
        let a = add(&mut s, "a");
        let b = add(&mut s, "b");
        add(&mut s, "c");
        s.ack(b).unwrap();
        assert_eq!(texts(&mut s), ["c"]);
        assert!(!d.path().join(record_name(a)).exists());
        let c = s.oldest::<R>(1).unwrap().0[0].seq;
        s.ack(c).unwrap();
        assert!(s.is_empty());
        drop(s);
        let mut s = Spool::open(d.path(), 100).unwrap();
        assert!(add(&mut s, "after") > c);
        let (recs, _) = s.oldest::<R>(10).unwrap();
        s.ack(recs[0].seq).unwrap();
        drop(s);
        // Empty after delivery: the next number still follows the acknowledged one, even when the
        // acknowledged one is ahead of the clock.
        fs_err::write(d.path().join("acked"), (u64::MAX / 2).to_string()).unwrap();
        let mut s = Spool::open(d.path(), 100).unwrap();
        assert_eq!(add(&mut s, "d"), u64::MAX / 2 + 1);
    }

    #[test]
    fn crash_between_write_and_rename_leaves_no_record() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), 100).unwrap();
        let a = add(&mut s, "a");
        drop(s);
        // What a crash before the rename leaves: a complete or torn temporary file.
        fs_err::write(d.path().join(format!(".tmp-{}", record_name(a + 1))), b"{\"seq\":").unwrap();
        let mut s = Spool::open(d.path(), 100).unwrap();
        assert_eq!(texts(&mut s), ["a"]);
        assert!(!d.path().join(format!(".tmp-{}", record_name(a + 1))).exists());
        assert!(add(&mut s, "b") > a);
    }

    #[test]
    fn crash_between_ack_and_removal_does_not_redeliver() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), 100).unwrap();
        let a = add(&mut s, "a");
        add(&mut s, "b");
        drop(s);
        // The acknowledgement was written, the files not yet removed.
        fs_err::write(d.path().join("acked"), a.to_string()).unwrap();
        let mut s = Spool::open(d.path(), 100).unwrap();
        assert_eq!(texts(&mut s), ["b"]);
    }

    #[test]
    fn a_full_spool_refuses_loudly_and_accepts_again_after_delivery() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), 2).unwrap();
        add(&mut s, "a");
        let b = add(&mut s, "b");
        let e = s.append(|seq| R { seq, text: "c".into() }).unwrap_err();
        assert!(matches!(e, SpoolError::Full { max: 2, .. }), "{e}");
        assert!(e.to_string().contains("NOT spooled"));
        assert_eq!(s.len(), 2);
        s.ack(b).unwrap();
        let c = add(&mut s, "c");
        assert!(c > b);
    }

    #[test]
    fn one_process_at_a_time() {
        let d = tempfile::tempdir().unwrap();
        let s = Spool::open(d.path(), 10).unwrap();
        assert!(matches!(Spool::open(d.path(), 10), Err(SpoolError::Locked(_))));
        drop(s);
        assert!(Spool::open(d.path(), 10).is_ok());
    }

    #[test]
    fn unreadable_records_are_set_aside() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), 10).unwrap();
        let a = add(&mut s, "a");
        let b = add(&mut s, "b");
        fs_err::write(d.path().join(record_name(a)), b"garbage").unwrap();
        let (ok, bad) = s.oldest::<R>(10).unwrap();
        assert_eq!(ok.len(), 1);
        assert_eq!(ok[0].seq, b);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].0, a);
        assert!(d.path().join("unreadable").join(record_name(a)).exists());
    }

    #[test]
    fn a_fresh_spool_starts_after_any_earlier_numbers() {
        let d1 = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d1.path(), 10).unwrap();
        let first = add(&mut s, "a");
        // At least the time in microseconds since the epoch.
        assert!(first > 1_700_000_000_000_000);
        drop(s);
        // A second spool of the same host, made later, numbers after the first one's records.
        let d2 = tempfile::tempdir().unwrap();
        let mut s2 = Spool::open(d2.path(), 10).unwrap();
        assert!(add(&mut s2, "b") > first);
    }
}
