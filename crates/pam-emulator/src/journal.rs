//! The revocation journal: an append-only file of fixed-size, checksummed records, one per
//! revoked token, fsynced before a revoke is acknowledged.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! header  16 bytes  b"PAMREVOK" | version u32 = 1 | record size u32 = 48
//! record  48 bytes  token signature [32] | expires_at u64 (Unix s) | checksum [8]
//! ```
//!
//! The checksum is the first 8 bytes of SHA-256 over the record's first 40 bytes.
//!
//! Why this and not an embedded database: a record is written with one `write` and made
//! durable with one `fdatasync`, so a crash can only leave a partial or damaged *last*
//! record, which loading recognises (short length or bad checksum) and cuts off; that
//! record's revoke was never acknowledged; the emulator still says on standard error how many
//! records it dropped and why ([`Repair`]). A bad record with good records after it cannot
//! come from a crash, so loading refuses the file instead of silently dropping a revocation.
//! Records are fixed-size, so a damaged record never hides where the next one starts.
//! At start, records of tokens that have expired are dropped by rewriting the file to a
//! temporary name, fsyncing it and renaming it over the journal.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::Error;

/// The journal's file name inside the data directory.
pub(crate) const JOURNAL_FILE_NAME: &str = "revocations.journal";

const MAGIC: &[u8; 8] = b"PAMREVOK";
const VERSION: u32 = 1;
const HEADER_LEN: usize = 16;
const RECORD_LEN: usize = 48;
const CHECKED_LEN: usize = 40;

/// One revoked token: its signature bytes and when it expires anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Revocation {
    pub(crate) signature: [u8; 32],
    pub(crate) expires_at: u64,
}

fn header() -> [u8; HEADER_LEN] {
    let mut out = [0u8; HEADER_LEN];
    out[..8].copy_from_slice(MAGIC);
    out[8..12].copy_from_slice(&VERSION.to_le_bytes());
    out[12..16].copy_from_slice(&(RECORD_LEN as u32).to_le_bytes());
    out
}

fn checksum(checked: &[u8]) -> [u8; 8] {
    let digest = Sha256::digest(checked);
    let mut out = [0u8; 8];
    out.copy_from_slice(&digest[..8]);
    out
}

fn encode(revocation: &Revocation) -> [u8; RECORD_LEN] {
    let mut out = [0u8; RECORD_LEN];
    out[..32].copy_from_slice(&revocation.signature);
    out[32..40].copy_from_slice(&revocation.expires_at.to_le_bytes());
    let sum = checksum(&out[..CHECKED_LEN]);
    out[CHECKED_LEN..].copy_from_slice(&sum);
    out
}

fn decode(record: &[u8]) -> Option<Revocation> {
    if record.len() != RECORD_LEN || checksum(&record[..CHECKED_LEN]) != record[CHECKED_LEN..] {
        return None;
    }
    let mut signature = [0u8; 32];
    signature.copy_from_slice(&record[..32]);
    let mut expiry = [0u8; 8];
    expiry.copy_from_slice(&record[32..40]);
    Some(Revocation {
        signature,
        expires_at: u64::from_le_bytes(expiry),
    })
}

/// What loading cut off the end of a journal: a tail that a crash during a write leaves.
/// Each part is a revoke that was never acknowledged (its record was not durable when the
/// process stopped), but an operator must still hear of it: [`Repair`]'s `Display` is the
/// line the emulator prints on standard error at start.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Repair {
    /// The journal.
    pub(crate) path: PathBuf,
    /// Bytes of a header cut short (0 when the header was whole or the file empty).
    pub(crate) partial_header: usize,
    /// 1 when the last complete record's checksum did not match, else 0.
    pub(crate) damaged_records: u64,
    /// Bytes of an incomplete record at the end (0 when none).
    pub(crate) partial_record: usize,
}

impl Repair {
    /// Records dropped: the damaged one and the incomplete one.
    pub(crate) fn dropped_records(&self) -> u64 {
        self.damaged_records + u64::from(self.partial_record > 0)
    }

    fn is_needed(&self) -> bool {
        self.partial_header > 0 || self.dropped_records() > 0
    }
}

impl std::fmt::Display for Repair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let dropped = self.dropped_records();
        write!(
            f,
            "revocation journal {} repaired at start: dropped {dropped} record{}",
            self.path.display(),
            if dropped == 1 { "" } else { "s" }
        )?;
        let mut why = Vec::new();
        if self.partial_header > 0 {
            why.push(format!(
                "the {HEADER_LEN}-byte header was cut short at {} bytes and was rewritten",
                self.partial_header
            ));
        }
        if self.damaged_records > 0 {
            why.push("the last complete record's checksum does not match".to_owned());
        }
        if self.partial_record > 0 {
            why.push(format!(
                "the file ends in an incomplete record ({} of {RECORD_LEN} bytes)",
                self.partial_record
            ));
        }
        write!(
            f,
            " ({}); a write cut short by a crash leaves this, and the revoke it held was never \
             acknowledged",
            why.join("; ")
        )
    }
}

/// An open journal, positioned for appending.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    file: File,
    /// The length of the file's valid content; a failed append is cut back to it.
    len: u64,
}

impl Journal {
    /// Opens (or creates) the journal in `dir`, which must exist, and returns it with the
    /// revocations it holds that have not expired at `now` (Unix seconds), and what was cut
    /// off its torn end, if anything.
    pub(crate) fn open(dir: &Path, now: u64) -> Result<Opened, Error> {
        let path = dir.join(JOURNAL_FILE_NAME);
        let io = |action: &'static str| {
            let path = path.clone();
            move |source| Error::JournalIo {
                path,
                action,
                source,
            }
        };
        let mut bytes = Vec::new();
        match File::open(&path) {
            Ok(mut file) => {
                file.read_to_end(&mut bytes).map_err(io("read"))?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("open")(e)),
        }

        let (records, valid_len, mut repair) = scan(&path, &bytes)?;
        let live: Vec<Revocation> = records
            .iter()
            .copied()
            .filter(|r| r.expires_at > now)
            .collect();

        let must_rewrite = bytes.len() < HEADER_LEN || live.len() < records.len();
        if must_rewrite {
            rewrite(dir, &path, &live)?;
        } else if valid_len < bytes.len() {
            // A torn last record: cut it off, durably, before appending after it.
            let file = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(io("open"))?;
            file.set_len(valid_len as u64).map_err(io("truncate"))?;
            file.sync_all().map_err(io("fsync"))?;
        }
        let file = OpenOptions::new()
            .append(true)
            .open(&path)
            .map_err(io("open"))?;
        let len = file.metadata().map_err(io("stat"))?.len();
        repair.path.clone_from(&path);
        let repair = repair.is_needed().then_some(repair);
        Ok((Journal { path, file, len }, live, repair))
    }

    /// Appends `revocation` and waits until it is on stable storage. On failure the file is
    /// cut back to its previous length, so a later append does not follow a partial record.
    pub(crate) fn append(&mut self, revocation: &Revocation) -> Result<(), Error> {
        let record = encode(revocation);
        let result = self
            .file
            .write_all(&record)
            .map_err(|source| (source, "append"))
            .and_then(|()| self.file.sync_data().map_err(|source| (source, "fsync")));
        match result {
            Ok(()) => {
                self.len += RECORD_LEN as u64;
                Ok(())
            }
            Err((source, action)) => {
                // Best effort: if even this fails, loading will cut the partial last record.
                if self.file.set_len(self.len).is_ok() {
                    let _ = self.file.sync_data();
                }
                Err(Error::JournalIo {
                    path: self.path.clone(),
                    action,
                    source,
                })
            }
        }
    }
}

/// What [`Journal::open`] returns: the journal, its live revocations, and the repair made.
pub(crate) type Opened = (Journal, Vec<Revocation>, Option<Repair>);

/// Reads the records of `bytes`; returns them, the length of the valid prefix, and what lies
/// past it. An empty file or a cut-short header counts as an empty journal.
fn scan(path: &Path, bytes: &[u8]) -> Result<(Vec<Revocation>, usize, Repair), Error> {
    let expected = header();
    if bytes.len() < HEADER_LEN {
        return if expected.starts_with(bytes) {
            let repair = Repair {
                partial_header: bytes.len(),
                ..Repair::default()
            };
            Ok((Vec::new(), 0, repair))
        } else {
            Err(Error::JournalHeader {
                path: path.to_owned(),
            })
        };
    }
    if bytes[..HEADER_LEN] != expected {
        return Err(Error::JournalHeader {
            path: path.to_owned(),
        });
    }
    let body = &bytes[HEADER_LEN..];
    let complete = body.len() / RECORD_LEN;
    let mut repair = Repair {
        partial_record: body.len() % RECORD_LEN,
        ..Repair::default()
    };
    let mut records = Vec::with_capacity(complete);
    for (index, chunk) in body.chunks_exact(RECORD_LEN).enumerate() {
        match decode(chunk) {
            Some(record) => records.push(record),
            None if index + 1 == complete => {
                // The last complete record is damaged: a write cut short. Drop it.
                repair.damaged_records = 1;
                return Ok((records, HEADER_LEN + index * RECORD_LEN, repair));
            }
            None => {
                return Err(Error::JournalCorrupt {
                    path: path.to_owned(),
                    record: index as u64,
                    offset: (HEADER_LEN + index * RECORD_LEN) as u64,
                    later_records: (complete - index - 1) as u64,
                });
            }
        }
    }
    Ok((records, HEADER_LEN + complete * RECORD_LEN, repair))
}

/// Writes a fresh journal holding `live` under a temporary name, makes it durable and renames
/// it over `path`, so a crash leaves either the old journal or the new one.
fn rewrite(dir: &Path, path: &Path, live: &[Revocation]) -> Result<(), Error> {
    let temporary = dir.join(format!("{JOURNAL_FILE_NAME}.tmp"));
    let io = |action: &'static str| {
        let path = temporary.clone();
        move |source| Error::JournalIo {
            path,
            action,
            source,
        }
    };
    let mut content = Vec::with_capacity(HEADER_LEN + live.len() * RECORD_LEN);
    content.extend_from_slice(&header());
    for revocation in live {
        content.extend_from_slice(&encode(revocation));
    }
    let mut file = File::create(&temporary).map_err(io("create"))?;
    file.write_all(&content).map_err(io("write"))?;
    file.sync_all().map_err(io("fsync"))?;
    drop(file);
    std::fs::rename(&temporary, path).map_err(io("rename"))?;
    sync_dir(dir)
}

/// Makes a directory entry change (create, rename) durable.
fn sync_dir(dir: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        let io = |source| Error::JournalIo {
            path: dir.to_owned(),
            action: "fsync directory",
            source,
        };
        File::open(dir).map_err(io)?.sync_all().map_err(io)?;
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory of its own (the tests remove it when they pass).
    fn temp_dir(name: &str) -> PathBuf {
        tempfile::Builder::new()
            .prefix(&format!("pam-emulator-journal-{name}-"))
            .tempdir()
            .unwrap()
            .keep()
    }

    fn revocation(byte: u8, expires_at: u64) -> Revocation {
        Revocation {
            signature: [byte; 32],
            expires_at,
        }
    }

    #[test]
    fn appended_records_come_back_and_expired_ones_are_dropped() {
        let dir = temp_dir("roundtrip");
        let (mut journal, loaded, _) = Journal::open(&dir, 100).unwrap();
        assert!(loaded.is_empty());
        journal.append(&revocation(1, 1000)).unwrap();
        journal.append(&revocation(2, 150)).unwrap();
        drop(journal);
        let (_, loaded, _) = Journal::open(&dir, 100).unwrap();
        assert_eq!(loaded, vec![revocation(1, 1000), revocation(2, 150)]);
        let (_, loaded, repair) = Journal::open(&dir, 200).unwrap();
        assert_eq!(repair, None, "dropping expired records is no repair");
        assert_eq!(loaded, vec![revocation(1, 1000)]);
        let size = std::fs::metadata(dir.join(JOURNAL_FILE_NAME))
            .unwrap()
            .len();
        assert_eq!(size, (HEADER_LEN + RECORD_LEN) as u64, "compacted");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_torn_tail_is_cut_and_appending_continues() {
        let dir = temp_dir("torn");
        let (mut journal, _, _) = Journal::open(&dir, 0).unwrap();
        journal.append(&revocation(1, 1000)).unwrap();
        journal.append(&revocation(2, 1000)).unwrap();
        drop(journal);
        let path = dir.join(JOURNAL_FILE_NAME);
        // Damage the last record's checksum, then add a partial record after it.
        let mut bytes = std::fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0xff;
        bytes.extend_from_slice(&[7u8; 20]);
        std::fs::write(&path, &bytes).unwrap();
        let (mut journal, loaded, repair) = Journal::open(&dir, 0).unwrap();
        assert_eq!(loaded, vec![revocation(1, 1000)]);
        let repair = repair.expect("a repair is reported");
        assert_eq!(repair.dropped_records(), 2);
        assert_eq!(
            repair.to_string(),
            format!(
                "revocation journal {} repaired at start: dropped 2 records (the last complete \
                 record's checksum does not match; the file ends in an incomplete record (20 of \
                 48 bytes)); a write cut short by a crash leaves this, and the revoke it held \
                 was never acknowledged",
                path.display()
            )
        );
        journal.append(&revocation(3, 1000)).unwrap();
        drop(journal);
        let (_, loaded, repair) = Journal::open(&dir, 0).unwrap();
        assert_eq!(loaded, vec![revocation(1, 1000), revocation(3, 1000)]);
        assert_eq!(repair, None, "a repaired journal needs no second repair");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_corrupt_middle_record_is_an_error() {
        let dir = temp_dir("middle");
        let (mut journal, _, _) = Journal::open(&dir, 0).unwrap();
        for byte in 1..=3 {
            journal.append(&revocation(byte, 1000)).unwrap();
        }
        drop(journal);
        let path = dir.join(JOURNAL_FILE_NAME);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[HEADER_LEN + RECORD_LEN + 5] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let error = Journal::open(&dir, 0).unwrap_err();
        assert!(
            matches!(
                error,
                Error::JournalCorrupt {
                    record: 1,
                    offset: 64,
                    later_records: 1,
                    ..
                }
            ),
            "{error}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_foreign_file_is_refused_and_a_torn_header_is_repaired() {
        let dir = temp_dir("header");
        let path = dir.join(JOURNAL_FILE_NAME);
        std::fs::write(&path, b"hello, world, this is not a journal").unwrap();
        assert!(matches!(
            Journal::open(&dir, 0),
            Err(Error::JournalHeader { .. })
        ));
        std::fs::write(&path, &header()[..5]).unwrap();
        let (_, loaded, repair) = Journal::open(&dir, 0).unwrap();
        assert!(loaded.is_empty());
        let repair = repair.expect("a repair is reported");
        assert_eq!(repair.dropped_records(), 0);
        assert!(
            repair
                .to_string()
                .contains("the 16-byte header was cut short at 5 bytes and was rewritten"),
            "{repair}"
        );
        assert_eq!(std::fs::read(&path).unwrap(), header());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
