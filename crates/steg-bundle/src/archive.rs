//! The single-file bundle: the bundle folder as one uncompressed tar archive.
//!
//! Uncompressed because media (the bulk of a bundle) is already compressed, and because a
//! plain tar is simple enough to write byte-for-byte deterministically and to read with every
//! limit checked before anything is allocated.
//!
//! Writing: entries sorted by path, all at the archive's root, regular files only, mode 0644,
//! owner 0:0 with empty names, and one fixed modification time (`SOURCE_DATE_EPOCH` when set).
//!
//! Reading accepts exactly that form and nothing else (docs/bundle-format.md): every header
//! must be the bytes the writer would make, so that no other tar reader (with its own ideas
//! about PAX records, lone zero blocks or data after the end) can see other files than the
//! loader verified. The reader is our own, a few dozen lines, so that every size is checked
//! before what it announces is read.

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
        let mut header = file_header(bytes.len() as u64, mtime);
        self.builder.append_data(&mut header, path, bytes)
    }

    /// Appends a file of `size` bytes read from `reader` as it is written, so that a large
    /// file is never held in memory. The reader must yield exactly `size` bytes.
    pub fn append_reader(
        &mut self,
        path: &str,
        size: u64,
        reader: impl std::io::Read,
        mtime: u64,
    ) -> std::io::Result<()> {
        let mut header = file_header(size, mtime);
        self.builder.append_data(&mut header, path, reader)
    }

    pub fn finish(self) -> std::io::Result<W> {
        self.builder.into_inner()
    }
}

/// The header of a regular file as the writer makes it: GNU headers (so that long media names
/// get a long-name entry instead of failing), mode 0644, owner 0:0 with empty names.
fn file_header(size: u64, mtime: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(mtime);
    header.set_entry_type(tar::EntryType::Regular);
    header
}

/// The exact header blocks (a GNU long-name entry when the name needs one, then the file's
/// own header) the writer makes for `path`. The reader accepts an entry only when its header
/// blocks are these bytes: one canonical form, so no other tar reader can see other files.
fn canonical_headers(path: &str, size: u64, mtime: u64) -> Option<Vec<u8>> {
    let mut builder = tar::Builder::new(Vec::new());
    let mut header = file_header(size, mtime);
    builder
        .append_data(&mut header, path, std::io::empty())
        .ok()?;
    Some(builder.get_ref().clone())
}

/// A tar block.
const BLOCK: usize = 512;
/// The longest entry name the reader accepts; a GNU long-name record is refused on its header
/// when it is longer, before anything of it is read.
pub const MAX_NAME_BYTES: u64 = 1024;

/// One entry of an archive, as the loader sees it.
pub(crate) enum ArchiveEntry {
    /// A regular file in canonical form whose bytes were read (within the limits).
    File { path: String, bytes: Vec<u8> },
    /// An entry refused on its header; its data (at most the per-file limit) was skipped and
    /// reading went on.
    Refused { name: String, problem: EntryProblem },
}

/// Why one entry was refused.
pub(crate) enum EntryProblem {
    /// A link, device, FIFO or other kind than a regular file (B0014).
    Kind(&'static str),
    /// A folder entry: the canonical archive has none (B0021).
    Folder,
    /// A name that is not UTF-8 (B0013); the name given is a lossy, escaped rendering.
    BadName,
    /// A header field differs from the canonical form (B0021): which one.
    Field(&'static str),
    /// Not in path order after the entry before it (B0021).
    Order,
}

/// Why reading the archive stopped.
pub(crate) enum ArchiveStop {
    /// The archive itself is damaged or truncated.
    Damaged(String),
    /// The archive is larger than the total limit.
    TooLarge,
    /// More entries than the limit.
    TooManyEntries,
    /// An entry's declared size is over the per-file limit; its data was not read.
    EntryTooLarge { name: String, declared: u64 },
    /// The archive leaves the canonical form where no later entry boundary can be trusted:
    /// an extension record (PAX, GNU long link, sparse ...), an over-long name record, a lone
    /// zero block, data after the end-of-archive blocks, no end at all. `what` is the
    /// catalogue key.
    NotCanonical { what: &'static str, detail: String },
}

/// Reads the entries of a tar archive from `reader`, never reading more than `max_total`
/// bytes of it, never more than `max_entries` entries, and never allocating more than
/// `max_file` bytes for one entry or [`MAX_NAME_BYTES`] for one name, whatever a header
/// claims: every size is checked before anything it announces is read.
pub(crate) fn read_entries(
    reader: impl Read,
    max_total: u64,
    max_file: u64,
    max_entries: usize,
    mut each: impl FnMut(ArchiveEntry),
) -> Result<(), ArchiveStop> {
    let mut counted = Capped {
        inner: reader,
        left: max_total,
        exceeded: false,
    };
    let result = read_all(&mut counted, max_file, max_entries, &mut each);
    // The cap shows up as an I/O error from a read; report it as what it is.
    if counted.exceeded {
        return Err(ArchiveStop::TooLarge);
    }
    result
}

fn read_all<R: Read>(
    r: &mut R,
    max_file: u64,
    max_entries: usize,
    each: &mut impl FnMut(ArchiveEntry),
) -> Result<(), ArchiveStop> {
    let mut count = 0usize;
    let mut previous: Option<String> = None;
    let mut mtime: Option<u64> = None;
    loop {
        let Some(first) = read_block(r)? else {
            return Err(not_canonical("no-end", String::new()));
        };
        if first.iter().all(|&b| b == 0) {
            return read_end(r);
        }
        count += 1;
        if count > max_entries {
            return Err(ArchiveStop::TooManyEntries);
        }
        let (raw_name, header, blocks) = read_header(r, first)?;
        let kind = header[156];
        known_kind(kind)?;
        let size = octal(&header[124..136]).ok_or_else(|| damaged("a size field is not octal"))?;
        let (name, display) = entry_name(raw_name);
        // The data is skipped or read only within the per-file limit.
        if size > max_file {
            return Err(ArchiveStop::EntryTooLarge {
                name: display,
                declared: size,
            });
        }
        let (data, padding) = read_data(r, size)?;
        let entry = HeaderFacts {
            kind,
            header: &header,
            blocks: &blocks,
            size,
            padding: &padding,
        };
        let problem = entry_problem(&entry, &name, previous.as_deref(), &mut mtime);
        if let Ok(path) = &name {
            previous = Some(path.clone());
        }
        match (problem, name) {
            (None, Ok(path)) => each(ArchiveEntry::File { path, bytes: data }),
            (Some(problem), _) => each(ArchiveEntry::Refused {
                name: display,
                problem,
            }),
            (None, Err(_)) => {}
        }
    }
}

/// Refuses an entry type that is not one of the POSIX ustar kinds: PAX ('x', 'g'), GNU long
/// link ('K'), sparse ('S'), a second long name ... Their meaning differs between readers;
/// the canonical archive has none. Nothing of them is read.
fn known_kind(kind: u8) -> Result<(), ArchiveStop> {
    if matches!(
        kind,
        b'0' | b'\0' | b'1' | b'2' | b'3' | b'4' | b'5' | b'6' | b'7'
    ) {
        Ok(())
    } else {
        Err(not_canonical("extension", escape_byte(kind)))
    }
}

fn damaged(what: &str) -> ArchiveStop {
    ArchiveStop::Damaged(what.to_string())
}

/// After a first zero block: the end is exactly two zero blocks, then nothing. A lone zero
/// block ends the archive for some readers and not for others.
fn read_end(r: &mut impl Read) -> Result<(), ArchiveStop> {
    match read_block(r)? {
        Some(b) if b.iter().all(|&x| x == 0) => {}
        _ => return Err(not_canonical("lone-zero", String::new())),
    }
    let mut probe = [0u8; 1];
    match r.read(&mut probe) {
        Ok(0) => Ok(()),
        Ok(_) => Err(not_canonical("after-end", String::new())),
        Err(e) => Err(ArchiveStop::Damaged(e.to_string())),
    }
}

/// An entry's raw name, its header block, and every header block read for it.
type RawHeader = (Vec<u8>, [u8; BLOCK], Vec<u8>);

/// The raw name, the header block and all header blocks read (with a GNU long-name record,
/// its data and the header after it) of the entry starting with `first`.
fn read_header(r: &mut impl Read, first: [u8; BLOCK]) -> Result<RawHeader, ArchiveStop> {
    check_sum(&first)?;
    let mut blocks = first.to_vec();
    if first[156] != b'L' {
        let end = first[..100].iter().position(|&b| b == 0).unwrap_or(100);
        return Ok((first[..end].to_vec(), first, blocks));
    }
    // A GNU long name: its size is checked before a byte of it is read.
    let size = octal(&first[124..136]).ok_or_else(|| damaged("a size field is not octal"))?;
    if size == 0 || size > MAX_NAME_BYTES + 1 {
        return Err(not_canonical("long-name", format!("{size}")));
    }
    let padded = padded_len(size);
    let mut data = vec![0u8; usize::try_from(padded).unwrap_or(0)];
    read_exact(r, &mut data)?;
    blocks.extend_from_slice(&data);
    let size = usize::try_from(size).unwrap_or(0);
    let name = data[..size - 1].to_vec();
    let header =
        read_block(r)?.ok_or_else(|| damaged("the archive ends after a long-name entry"))?;
    check_sum(&header)?;
    blocks.extend_from_slice(&header);
    Ok((name, header, blocks))
}

/// The name as UTF-8, or (not UTF-8) its lossy escaped rendering as the error; and the name
/// to show either way.
fn entry_name(raw_name: Vec<u8>) -> (Result<String, String>, String) {
    let name = match String::from_utf8(raw_name) {
        Ok(n) => Ok(n),
        Err(e) => Err(crate::text::escape(&String::from_utf8_lossy(e.as_bytes())).into_owned()),
    };
    let display = match &name {
        Ok(n) => n.clone(),
        Err(lossy) => lossy.clone(),
    };
    (name, display)
}

/// An entry's data (`size` bytes, already checked against the limit) and its padding.
fn read_data(r: &mut impl Read, size: u64) -> Result<(Vec<u8>, Vec<u8>), ArchiveStop> {
    let mut data = vec![0u8; usize::try_from(size).unwrap_or(0)];
    read_exact(r, &mut data)?;
    let pad = padded_len(size) - size;
    let mut padding = vec![0u8; usize::try_from(pad).unwrap_or(0)];
    read_exact(r, &mut padding)?;
    Ok((data, padding))
}

/// What was read of one entry, for judging it.
struct HeaderFacts<'a> {
    kind: u8,
    header: &'a [u8; BLOCK],
    blocks: &'a [u8],
    size: u64,
    padding: &'a [u8],
}

/// Why the entry is refused, if it is: checked in this order, name, kind, then (for a
/// regular file) path order, the header fields, the padding. The first regular file's
/// mtime is the one every other must have (`mtime`).
fn entry_problem(
    entry: &HeaderFacts<'_>,
    name: &Result<String, String>,
    previous: Option<&str>,
    mtime: &mut Option<u64>,
) -> Option<EntryProblem> {
    match (entry.kind, name) {
        (_, Err(_)) => Some(EntryProblem::BadName),
        (b'5', _) => Some(EntryProblem::Folder),
        (b'0', Ok(path)) => {
            let this_mtime = octal(&entry.header[136..148]).unwrap_or(0);
            let mtime = *mtime.get_or_insert(this_mtime);
            if previous.is_some_and(|p| p > path.as_str()) {
                Some(EntryProblem::Order)
            } else if let Some(field) = differing_field(entry.blocks, path, entry.size, mtime) {
                Some(EntryProblem::Field(field))
            } else if entry.padding.iter().any(|&b| b != 0) {
                Some(EntryProblem::Field("padding"))
            } else {
                None
            }
        }
        (b'1', _) => Some(EntryProblem::Kind("a hard link")),
        (b'2', _) => Some(EntryProblem::Kind("a symbolic link")),
        (b'3', _) => Some(EntryProblem::Kind("a character device")),
        (b'4', _) => Some(EntryProblem::Kind("a block device")),
        (b'6', _) => Some(EntryProblem::Kind("a FIFO")),
        _ => Some(EntryProblem::Kind("not a regular file (type '\\0' or '7')")),
    }
}

fn not_canonical(what: &'static str, detail: String) -> ArchiveStop {
    ArchiveStop::NotCanonical { what, detail }
}

fn escape_byte(b: u8) -> String {
    std::ascii::escape_default(b).to_string()
}

/// The first header field of `actual` (the entry's header blocks) that differs from what the
/// writer makes for `path`, `size` and `mtime`; `None` when they are the same bytes.
fn differing_field(actual: &[u8], path: &str, size: u64, mtime: u64) -> Option<&'static str> {
    let Some(expected) = canonical_headers(path, size, mtime) else {
        return Some("name");
    };
    if expected == actual {
        return None;
    }
    if expected.len() != actual.len() {
        return Some("long-name");
    }
    let (e, a) = (
        &expected[expected.len() - BLOCK..],
        &actual[actual.len() - BLOCK..],
    );
    if expected[..expected.len() - BLOCK] != actual[..actual.len() - BLOCK] {
        return Some("long-name");
    }
    const FIELDS: [(&str, std::ops::Range<usize>); 13] = [
        ("name", 0..100),
        ("mode", 100..108),
        ("uid", 108..116),
        ("gid", 116..124),
        ("mtime", 136..148),
        ("typeflag", 156..157),
        ("linkname", 157..257),
        ("magic", 257..265),
        ("uname", 265..297),
        ("gname", 297..329),
        ("devmajor", 329..337),
        ("devminor", 337..345),
        ("reserved", 345..512),
    ];
    Some(
        FIELDS
            .iter()
            .find(|(_, range)| e[range.clone()] != a[range.clone()])
            .map_or("chksum", |(name, _)| *name),
    )
}

fn padded_len(size: u64) -> u64 {
    size.div_ceil(BLOCK as u64) * BLOCK as u64
}

/// A header's checksum: the sum of its bytes with the checksum field read as spaces.
fn check_sum(block: &[u8; BLOCK]) -> Result<(), ArchiveStop> {
    let stored = octal(&block[148..156]);
    let sum: u64 = block
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                u64::from(b)
            }
        })
        .sum();
    if stored == Some(sum) {
        Ok(())
    } else {
        Err(ArchiveStop::Damaged("a header's checksum is wrong".into()))
    }
}

/// An octal number field: digits, ended by NUL or space (base-256 and anything else: `None`).
fn octal(field: &[u8]) -> Option<u64> {
    let digits: &[u8] = match field.iter().position(|&b| b == 0 || b == b' ') {
        Some(end) => &field[..end],
        None => field,
    };
    if digits.is_empty() || !digits.iter().all(|b| (b'0'..=b'7').contains(b)) {
        return None;
    }
    digits.iter().try_fold(0u64, |n, d| {
        n.checked_mul(8)?.checked_add(u64::from(d - b'0'))
    })
}

/// One block; `None` at the very end of the input, an error for a partial block.
fn read_block(r: &mut impl Read) -> Result<Option<[u8; BLOCK]>, ArchiveStop> {
    let mut block = [0u8; BLOCK];
    let mut filled = 0;
    while filled < BLOCK {
        match r.read(&mut block[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(ArchiveStop::Damaged(e.to_string())),
        }
    }
    match filled {
        0 => Ok(None),
        BLOCK => Ok(Some(block)),
        _ => Err(ArchiveStop::Damaged(
            "the archive ends inside a header".into(),
        )),
    }
}

fn read_exact(r: &mut impl Read, buf: &mut [u8]) -> Result<(), ArchiveStop> {
    r.read_exact(buf).map_err(|e| {
        ArchiveStop::Damaged(if e.kind() == std::io::ErrorKind::UnexpectedEof {
            "the archive ends inside an entry".to_string()
        } else {
            e.to_string()
        })
    })
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
        let r = read_entries(&one[..], 1 << 20, 1 << 20, 10, |e| match e {
            ArchiveEntry::File { path, bytes } => seen.push((path, bytes)),
            ArchiveEntry::Refused { name, .. } => panic!("{name} refused"),
        });
        assert!(r.is_ok());
        assert_eq!(seen.len(), 2);
        assert_eq!(seen[0].0, "a.html");
    }
}

#[cfg(test)]
mod canonical_tests {
    use super::*;

    fn entries(bytes: &[u8]) -> (Vec<String>, Result<(), ArchiveStop>) {
        let mut seen = Vec::new();
        let r = read_entries(bytes, 1 << 20, 1 << 16, 100, |e| match e {
            ArchiveEntry::File { path, .. } => seen.push(format!("file {path}")),
            ArchiveEntry::Refused { name, problem } => seen.push(format!(
                "refused {name} {}",
                match problem {
                    EntryProblem::Kind(k) => k,
                    EntryProblem::Folder => "folder",
                    EntryProblem::BadName => "name",
                    EntryProblem::Field(f) => f,
                    EntryProblem::Order => "order",
                }
            )),
        });
        (seen, r)
    }

    fn stop_key(r: Result<(), ArchiveStop>) -> String {
        match r {
            Ok(()) => "ok".into(),
            Err(ArchiveStop::NotCanonical { what, .. }) => what.into(),
            Err(ArchiveStop::Damaged(_)) => "damaged".into(),
            Err(ArchiveStop::TooLarge) => "total".into(),
            Err(ArchiveStop::TooManyEntries) => "entries".into(),
            Err(ArchiveStop::EntryTooLarge { .. }) => "file".into(),
        }
    }

    #[test]
    fn long_names_round_trip() {
        let long = format!("media/{}.png", "a".repeat(150));
        let ar = write([(long.as_str(), &b"x"[..])], 7).unwrap();
        let (seen, r) = entries(&ar);
        assert_eq!(stop_key(r), "ok");
        assert_eq!(seen, [format!("file {long}")]);
    }

    #[test]
    fn anything_after_the_end_or_a_lone_zero_block_is_refused() {
        let ar = write([("a.html", &b"x"[..])], 0).unwrap();
        let mut after = ar.clone();
        after.push(1);
        assert_eq!(stop_key(entries(&after).1), "after-end");
        let mut more = ar.clone();
        more.extend_from_slice(&write([("b.html", &b"y"[..])], 0).unwrap());
        assert_eq!(stop_key(entries(&more).1), "after-end");
        // One zero block, then another entry.
        let mut lone = ar[..ar.len() - 1024].to_vec();
        lone.extend_from_slice(&[0; 512]);
        lone.extend_from_slice(&write([("b.html", &b"y"[..])], 0).unwrap());
        assert_eq!(stop_key(entries(&lone).1), "lone-zero");
        let no_end = ar[..ar.len() - 1024].to_vec();
        assert_eq!(stop_key(entries(&no_end).1), "no-end");
    }

    #[test]
    fn headers_must_be_canonical_and_sorted() {
        let ar = write([("b.html", &b"x"[..]), ("a.html", &b"y"[..])], 0).unwrap();
        assert_eq!(entries(&ar).0, ["file b.html", "refused a.html order"]);
        // mode 0755 instead of 0644, checksum fixed.
        let mut ar = write([("a.html", &b"x"[..])], 0).unwrap();
        ar[100..108].copy_from_slice(b"0000755\0");
        fix_sum(&mut ar[..512]);
        assert_eq!(entries(&ar).0, ["refused a.html mode"]);
        // a user name.
        let mut ar = write([("a.html", &b"x"[..])], 0).unwrap();
        ar[265..269].copy_from_slice(b"root");
        fix_sum(&mut ar[..512]);
        assert_eq!(entries(&ar).0, ["refused a.html uname"]);
    }

    #[test]
    fn a_long_name_record_is_bounded_before_it_is_read() {
        let mut h = tar::Header::new_gnu();
        h.as_gnu_mut().unwrap().name[..13].copy_from_slice(b"././@LongLink");
        h.set_size(3 << 30);
        h.set_entry_type(tar::EntryType::GNULongName);
        h.set_cksum();
        // The 3 GiB are not there: the header alone is refused, nothing is read.
        let (_, r) = entries(h.as_bytes());
        assert_eq!(stop_key(r), "long-name");
    }

    #[test]
    fn pax_records_are_refused_unread() {
        let mut h = tar::Header::new_ustar();
        h.set_path("PaxHeaders/a").unwrap();
        h.set_size(1 << 40);
        h.set_entry_type(tar::EntryType::XHeader);
        h.set_cksum();
        assert_eq!(stop_key(entries(h.as_bytes()).1), "extension");
    }

    fn fix_sum(block: &mut [u8]) {
        block[148..156].copy_from_slice(b"        ");
        let sum: u32 = block.iter().map(|&b| u32::from(b)).sum();
        block[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    }
}
