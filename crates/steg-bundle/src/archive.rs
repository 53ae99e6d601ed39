//! The single-file bundle: the bundle folder as one uncompressed tar archive.
//!
//! Uncompressed because media (the bulk of a bundle) is already compressed, and because a
//! plain tar is simple enough to write byte-for-byte deterministically and to read with every
//! limit checked before anything is allocated.
//!
//! Writing: entries sorted by path, all at the archive's root, regular files only, mode 0644,
//! owner 0:0 with empty names, and one fixed modification time (`SOURCE_DATE_EPOCH` when set).

use std::io::Read;

/// The extension of the single-file bundle.
pub const ARCHIVE_EXTENSION: &str = "tar";

/// The file name of the archive of `moment` in `version`, e.g. `plus-ung-1.0.0.tar`.
pub fn archive_name(moment: &str, version: &str) -> String {
    format!("{moment}-{version}.{ARCHIVE_EXTENSION}")
}

/// Writes `files` (path → bytes, already in path order) as a deterministic tar archive.
pub fn write<'a>(
    files: impl IntoIterator<Item = (&'a str, &'a [u8])>,
    mtime: u64,
) -> std::io::Result<Vec<u8>> {
    let mut writer = Writer::new(Vec::new());
    for (path, bytes) in files {
        writer.append(path, bytes, mtime)?;
    }
    writer.finish()
}

/// Writes a deterministic tar archive entry by entry (the caller keeps path order), so that
/// a large bundle streams to disk instead of being built in memory.
pub struct Writer<W: std::io::Write> {
    builder: tar::Builder<W>,
}

impl<W: std::io::Write> Writer<W> {
    pub fn new(inner: W) -> Self {
        Writer {
            builder: tar::Builder::new(inner),
        }
    }

    pub fn append(&mut self, path: &str, bytes: &[u8], mtime: u64) -> std::io::Result<()> {
        // GNU headers so that long media names get a long-name entry instead of failing.
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_uid(0);
        header.set_gid(0);
        header.set_mtime(mtime);
        header.set_entry_type(tar::EntryType::Regular);
        self.builder.append_data(&mut header, path, bytes)
    }

    pub fn finish(self) -> std::io::Result<W> {
        self.builder.into_inner()
    }
}

/// One entry of an archive, as the loader sees it.
pub(crate) enum ArchiveEntry {
    /// A regular file whose bytes were read (within the limits).
    File { path: String, bytes: Vec<u8> },
    /// A folder entry; it carries no data and is only checked for its path.
    Dir { path: String },
    /// Anything else: symbolic and hard links, devices, FIFOs.
    Other { path: String, kind: String },
    /// A regular file larger than the per-file limit; its data was skipped, not read.
    TooLarge { path: String, declared: u64 },
    /// A name that is not UTF-8.
    BadName { lossy: String },
}

/// Why reading the archive stopped.
pub(crate) enum ArchiveStop {
    /// The archive itself is damaged or truncated.
    Damaged(String),
    /// The archive is larger than the total limit.
    TooLarge,
    /// More entries than the limit.
    TooManyEntries,
}

/// Reads the entries of a tar archive from `reader`, never reading more than `max_total`
/// bytes of it, never more than `max_entries` entries, and never allocating more than
/// `max_file` bytes for one entry, whatever its header claims.
pub(crate) fn read_entries(
    reader: impl Read,
    max_total: u64,
    max_file: u64,
    max_entries: usize,
    mut each: impl FnMut(ArchiveEntry),
) -> Result<(), ArchiveStop> {
    let counted = Capped {
        inner: reader,
        left: max_total,
        exceeded: false,
    };
    let mut archive = tar::Archive::new(counted);
    let stop = read_all(&mut archive, max_file, max_entries, &mut each);
    // The cap shows up as an I/O error from deep inside tar; report it as what it is.
    if archive.into_inner().exceeded {
        return Err(ArchiveStop::TooLarge);
    }
    match stop {
        Some(s) => Err(s),
        None => Ok(()),
    }
}

fn read_all<R: Read>(
    archive: &mut tar::Archive<R>,
    max_file: u64,
    max_entries: usize,
    each: &mut impl FnMut(ArchiveEntry),
) -> Option<ArchiveStop> {
    let entries = match archive.entries() {
        Ok(e) => e,
        Err(e) => return Some(ArchiveStop::Damaged(e.to_string())),
    };
    let mut count = 0usize;
    let mut stop = None;
    for entry in entries {
        let mut entry = match entry {
            Ok(e) => e,
            Err(e) => {
                stop = Some(ArchiveStop::Damaged(e.to_string()));
                break;
            }
        };
        count += 1;
        if count > max_entries {
            stop = Some(ArchiveStop::TooManyEntries);
            break;
        }
        let raw = entry.path_bytes().into_owned();
        let path = match String::from_utf8(raw) {
            Ok(p) => p,
            Err(e) => {
                each(ArchiveEntry::BadName {
                    lossy: String::from_utf8_lossy(e.as_bytes()).into_owned(),
                });
                continue;
            }
        };
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            each(ArchiveEntry::Dir { path });
            continue;
        }
        if !kind.is_file() {
            each(ArchiveEntry::Other {
                path,
                kind: kind_name(kind),
            });
            continue;
        }
        // The header's size may lie in either direction: check it before reading, and cap the
        // read as well.
        let declared = entry.header().size().unwrap_or(u64::MAX);
        if declared > max_file {
            each(ArchiveEntry::TooLarge { path, declared });
            continue;
        }
        let mut bytes = Vec::with_capacity(usize::try_from(declared.min(64 * 1024)).unwrap_or(0));
        match (&mut entry).take(max_file + 1).read_to_end(&mut bytes) {
            Ok(_) if bytes.len() as u64 > max_file => {
                each(ArchiveEntry::TooLarge {
                    path,
                    declared: bytes.len() as u64,
                });
            }
            Ok(_) => each(ArchiveEntry::File { path, bytes }),
            Err(e) => {
                stop = Some(ArchiveStop::Damaged(e.to_string()));
                break;
            }
        }
    }
    stop
}

fn kind_name(kind: tar::EntryType) -> String {
    match kind {
        tar::EntryType::Symlink => "a symbolic link".into(),
        tar::EntryType::Link => "a hard link".into(),
        tar::EntryType::Char => "a character device".into(),
        tar::EntryType::Block => "a block device".into(),
        tar::EntryType::Fifo => "a FIFO".into(),
        other => format!("an entry of type {:?}", other.as_byte() as char),
    }
}

/// A reader that stops with an error after `left` bytes and remembers that it did.
struct Capped<R> {
    inner: R,
    left: u64,
    exceeded: bool,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // Probe one byte: only an archive that really goes on is too large.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => {
                    self.exceeded = true;
                    Err(std::io::Error::other(
                        "the archive is larger than the limit",
                    ))
                }
            };
        }
        let want = buf
            .len()
            .min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writing_is_deterministic_and_reads_back() {
        let files = [("a.html", &b"<p>a</p>"[..]), ("bundle.json", &b"{}"[..])];
        let one = write(files, 0).unwrap();
        let two = write(files, 0).unwrap();
        assert_eq!(one, two);
        let mut seen = Vec::new();
        let r = read_entries(&one[..], 1 << 20, 1 << 20, 10, |e| {
            if let ArchiveEntry::File { path, bytes } = e {
                seen.push((path, bytes));
            }
        });
        assert!(r.is_ok());
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].0, "a.html");
    }
}
