//! The runtime loader: reads a bundle (a folder or its single-file archive) and trusts nothing
//! in it.
//!
//! It first takes an inventory of the bundle without trusting its layout: no links, no paths
//! that leave the bundle, no entry twice, nothing larger than the [`Limits`] (checked before
//! anything is read, and every read capped, because sizes on disk or in headers can lie).
//! Nothing is ever extracted to disk. Then it checks, in order: the manifest parses and has a
//! format version this loader knows; its signature, when a trusted key is given; the moment →
//! modul → avsnitt → steg hierarchy is complete and its ids unique; every steg has the parts
//! its type needs; flags refer to things that exist; and every file is present, listed once,
//! and has exactly the size and SHA-256 the manifest states. All problems are collected, not
//! just the first.

use super::archive::{self, ArchiveEntry, ArchiveStop, EntryProblem};
use super::manifest::*;
use super::signature::{self, MAX_SIGNATURE_BYTES, PublicKey, SIGNATURE_FILE, SignatureProblem};
use crate::diagnostic::{Diagnostic, Diagnostics, Location, codes::*};
use crate::hash::{sha256_hex, sha256_hex_reader};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::io::Read;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

/// How much the loader is willing to read. A bundle over any limit is refused with `B0016`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest single file (media included).
    pub max_file_bytes: u64,
    /// The largest bundle: the archive's size, or the sum of a folder's files.
    pub max_total_bytes: u64,
    /// The most files (and folder entries, in an archive).
    pub max_entries: usize,
    /// The largest `bundle.json`.
    pub max_manifest_bytes: u64,
}

impl Default for Limits {
    /// Generous for a program with films, small enough that a hostile bundle cannot exhaust
    /// a server's memory.
    fn default() -> Self {
        Limits {
            max_file_bytes: 512 * 1024 * 1024,
            max_total_bytes: 2 * 1024 * 1024 * 1024,
            max_entries: 20_000,
            max_manifest_bytes: 16 * 1024 * 1024,
        }
    }
}

/// How to load a bundle.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    pub limits: Limits,
    /// When set, the bundle must carry a `bundle.sig` made by this key (`B0017`, `B0018`).
    pub trusted_key: Option<PublicKey>,
}

#[derive(Clone)]
enum Storage {
    /// A folder on disk: files are read again (and re-hashed) on [`Bundle::read`].
    Folder,
    /// An archive or an in-memory map: the verified bytes themselves.
    Memory(BTreeMap<String, Vec<u8>>),
}

// By hand, so that printing a bundle does not print every byte of its media.
impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Storage::Folder => f.write_str("Folder"),
            Storage::Memory(files) => write!(f, "Memory({} files)", files.len()),
        }
    }
}

/// A bundle that passed every check.
#[derive(Debug, Clone)]
pub struct Bundle {
    root: PathBuf,
    manifest: Manifest,
    storage: Storage,
    signed: bool,
}

impl Bundle {
    /// Loads and verifies the bundle at `path` (a folder or a `.tar` archive) with the default
    /// limits and no signature requirement.
    pub fn open(path: impl AsRef<Path>) -> Result<Bundle, Diagnostics> {
        Self::open_with(path, &LoadOptions::default())
    }

    /// Loads and verifies the bundle at `path`, a bundle folder or its single-file archive.
    pub fn open_with(path: impl AsRef<Path>, options: &LoadOptions) -> Result<Bundle, Diagnostics> {
        let path = path.as_ref();
        if path.is_file() {
            return open_archive_file(path, options);
        }
        let mut problems = Problems::new(path);
        if !path.is_dir() {
            problems.list.push(
                Diagnostic::new(B0001, "not-bundle")
                    .arg("path", path.display())
                    .in_file(path),
            );
            return Err(problems.list);
        }
        let inventory = inventory_folder(path, &options.limits, &mut problems);
        finish(path, inventory, problems, options, Storage::Folder)
    }

    /// Verifies a bundle archive read from `reader`, holding its files in memory. `origin`
    /// names it in messages.
    pub fn from_archive(
        reader: impl Read,
        origin: impl AsRef<Path>,
        options: &LoadOptions,
    ) -> Result<Bundle, Diagnostics> {
        let origin = origin.as_ref();
        let mut problems = Problems::new(origin);
        let Some(inventory) = inventory_archive(reader, &options.limits, &mut problems) else {
            return Err(problems.list);
        };
        let storage = Storage::Memory(BTreeMap::new());
        finish(origin, inventory, problems, options, storage)
    }

    /// Verifies a bundle given as a map from bundle path to bytes (e.g. read from a database),
    /// with the same checks as a folder.
    pub fn from_files(
        files: BTreeMap<String, Vec<u8>>,
        origin: impl AsRef<Path>,
        options: &LoadOptions,
    ) -> Result<Bundle, Diagnostics> {
        let origin = origin.as_ref();
        let mut problems = Problems::new(origin);
        let mut inv = Inventory::default();
        for (path, bytes) in files {
            inv.add_bytes(path, bytes, &options.limits, &mut problems);
        }
        if inv.entries > options.limits.max_entries {
            problems.bundle(too_many_entries(&options.limits));
            return Err(problems.list);
        }
        finish(
            origin,
            inv,
            problems,
            options,
            Storage::Memory(BTreeMap::new()),
        )
    }

    /// The folder or archive the bundle was loaded from.
    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// Whether the bundle's signature was checked against a trusted key.
    pub fn signature_verified(&self) -> bool {
        self.signed
    }

    /// Reads a file the manifest lists, re-checking its hash (the disk may have changed since
    /// `open`). `path` is a bundle path such as `steg/somn/intro/valkommen.html`.
    pub fn read(&self, path: &str) -> std::io::Result<Vec<u8>> {
        let entry = self
            .manifest
            .files
            .iter()
            .find(|f| f.path == path)
            .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, path.to_string()))?;
        let bytes = match &self.storage {
            Storage::Folder => std::fs::read(self.root.join(path))?,
            Storage::Memory(files) => files.get(path).cloned().ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::NotFound, path.to_string())
            })?,
        };
        if sha256_hex(&bytes) != entry.sha256 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{path} changed after the bundle was verified"),
            ));
        }
        Ok(bytes)
    }

    /// How much the bundle holds, for a summary.
    pub fn counts(&self) -> Counts {
        let m = &self.manifest.moment;
        let mut counts = Counts {
            moduler: m.moduler.len(),
            files: self.manifest.files.len(),
            ..Counts::default()
        };
        for s in self.steg() {
            counts.steg += 1;
            match s.steg.review.as_ref().map(|r| r.status) {
                Some(ReviewStatus::Approved) => counts.approved += 1,
                Some(ReviewStatus::Changed) => counts.changed += 1,
                Some(ReviewStatus::Unapproved) => counts.unapproved += 1,
                None => counts.unreviewed += 1,
            }
        }
        counts.avsnitt = m.moduler.iter().map(|x| x.avsnitt.len()).sum();
        counts
    }

    /// Every steg, in the order a person meets them, with its modul and avsnitt.
    pub fn steg(&self) -> impl Iterator<Item = StegRef<'_>> {
        self.manifest.moment.moduler.iter().flat_map(|modul| {
            modul.avsnitt.iter().flat_map(move |avsnitt| {
                avsnitt.steg.iter().map(move |steg| StegRef {
                    modul,
                    avsnitt,
                    steg,
                })
            })
        })
    }

    /// The steg at `address` (`modul/avsnitt/steg`, the key a platform stores progress under).
    pub fn steg_at(&self, address: &str) -> Option<StegRef<'_>> {
        self.steg().find(|s| s.steg.address == address)
    }

    /// The modul with id `id`.
    pub fn modul(&self, id: &str) -> Option<&ModulEntry> {
        self.manifest.moment.moduler.iter().find(|m| m.id == id)
    }

    /// Whether the bundle is a release (`release: true`): the loader then checked that every
    /// steg is approved for exactly its content.
    pub fn is_release(&self) -> bool {
        self.manifest.release
    }
}

/// A steg with the modul and avsnitt it belongs to.
#[derive(Debug, Clone, Copy)]
pub struct StegRef<'a> {
    pub modul: &'a ModulEntry,
    pub avsnitt: &'a AvsnittEntry,
    pub steg: &'a StegEntry,
}

/// How much a bundle holds, and where its steg stand in review.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub moduler: usize,
    pub avsnitt: usize,
    pub steg: usize,
    /// Files listed in the manifest (`bundle.json` itself and `bundle.sig` not counted).
    pub files: usize,
    /// Steg whose review state is `approved`.
    pub approved: usize,
    /// Steg approved once whose content changed since (`changed`).
    pub changed: usize,
    /// Steg never approved (`unapproved`).
    pub unapproved: usize,
    /// Steg without a `review` (bundles written before review states existed).
    pub unreviewed: usize,
}

/// What the bundle holds, before any of it is believed.
#[derive(Default)]
struct Inventory {
    manifest: Option<Vec<u8>>,
    signature: Option<Vec<u8>>,
    files: BTreeMap<String, Found>,
    /// Every name seen under its look-alike key (`text::look_alike_key`), to refuse two
    /// names that differ only in case or normalization.
    names: HashMap<String, String>,
    /// Every entry seen, for the entry limit.
    entries: usize,
    /// The sum of the sizes seen, for the total limit.
    total: u64,
    /// `bundle.json` had a look-alike: neither copy is read.
    look_alike_manifest: bool,
}

enum Found {
    /// A plain file: its real size and hash, and its bytes when they are kept in memory.
    File {
        size: u64,
        sha256: String,
        bytes: Option<Vec<u8>>,
        /// What is wrong with its bytes for its kind (`rules::check_content`), reported
        /// when it is listed and its hash matches.
        finding: Option<Box<Diagnostic>>,
    },
    /// An entry already reported (a link, too large, ...): not reported again as missing or
    /// unlisted.
    Refused,
}

impl Inventory {
    /// Whether `name` may join the names seen: refused (B0022, and the earlier name refused
    /// with it) when it differs from one of them only in case or Unicode normalization.
    fn unique_name(&mut self, name: &str, p: &mut Problems) -> bool {
        let key = crate::text::look_alike_key(name);
        match self.names.get(&key) {
            Some(first) if first != name => {
                p.file(
                    name,
                    Diagnostic::new(B0022, "look-alike")
                        .arg("path", name)
                        .arg("other", first),
                );
                let first = first.clone();
                if let Some(f) = self.files.get_mut(&first) {
                    *f = Found::Refused;
                }
                if first == MANIFEST_FILE || name == MANIFEST_FILE {
                    self.manifest = None;
                    self.look_alike_manifest = true;
                }
                self.files.insert(name.to_string(), Found::Refused);
                false
            }
            _ => {
                self.names.insert(key, name.to_string());
                true
            }
        }
    }

    /// Records an in-memory file (from an archive or a map) after checking its path.
    fn add_bytes(&mut self, path: String, bytes: Vec<u8>, limits: &Limits, p: &mut Problems) {
        self.entries += 1;
        let size = bytes.len() as u64;
        if !self.unique_name(&path, p) {
            return;
        }
        if path == MANIFEST_FILE || path == SIGNATURE_FILE {
            let (slot, max) = if path == MANIFEST_FILE {
                (&mut self.manifest, limits.max_manifest_bytes)
            } else {
                (&mut self.signature, MAX_SIGNATURE_BYTES)
            };
            if slot.is_some() {
                p.file(&path, Diagnostic::new(B0015, "twice").arg("path", &path));
            } else if size > max {
                p.file(
                    &path,
                    Diagnostic::new(B0016, "meta")
                        .arg("path", &path)
                        .arg("size", size)
                        .arg("max", max),
                );
            } else {
                *slot = Some(bytes);
            }
            return;
        }
        if !is_safe_bundle_path(&path) {
            p.bundle(unsafe_entry(&path));
            return;
        }
        if let Some(first) = self.files.get_mut(&path) {
            p.file(&path, Diagnostic::new(B0015, "twice").arg("path", &path));
            // Neither copy is trusted: which one a platform would take is unknowable.
            *first = Found::Refused;
            return;
        }
        if size > limits.max_file_bytes {
            p.file(&path, too_large(&path, size, limits));
            self.files.insert(path, Found::Refused);
            return;
        }
        self.total = self.total.saturating_add(size);
        let sha256 = sha256_hex(&bytes);
        let finding = crate::rules::check_content(&path, &bytes).map(Box::new);
        self.files.insert(
            path,
            Found::File {
                size,
                sha256,
                bytes: Some(bytes),
                finding,
            },
        );
    }
}

fn unsafe_entry(path: &str) -> Diagnostic {
    Diagnostic::new(B0013, "unsafe").arg("path", path.escape_debug())
}

fn too_large(path: &str, size: u64, limits: &Limits) -> Diagnostic {
    Diagnostic::new(B0016, "file")
        .arg("path", path)
        .arg("size", size)
        .arg("max", limits.max_file_bytes)
}

fn too_many_entries(limits: &Limits) -> Diagnostic {
    Diagnostic::new(B0016, "entries").arg("max", limits.max_entries)
}

fn too_large_total(limits: &Limits) -> Diagnostic {
    Diagnostic::new(B0016, "total").arg("max", limits.max_total_bytes)
}

fn open_archive_file(path: &Path, options: &LoadOptions) -> Result<Bundle, Diagnostics> {
    let mut problems = Problems::new(path);
    let opened = std::fs::File::open(path).and_then(|f| Ok((f.metadata()?.len(), f)));
    match opened {
        Ok((len, _)) if len > options.limits.max_total_bytes => {
            problems.bundle(too_large_total(&options.limits));
            Err(problems.list)
        }
        Ok((_, file)) => Bundle::from_archive(std::io::BufReader::new(file), path, options),
        Err(e) => {
            problems.bundle(Diagnostic::new(B0001, "open").arg("error", e));
            Err(problems.list)
        }
    }
}

fn inventory_archive(reader: impl Read, limits: &Limits, p: &mut Problems) -> Option<Inventory> {
    let mut inv = Inventory::default();
    let result = archive::read_entries(
        reader,
        limits.max_total_bytes,
        limits.max_file_bytes,
        limits.max_entries,
        |entry| match entry {
            ArchiveEntry::File { path, bytes } => inv.add_bytes(path, bytes, limits, p),
            ArchiveEntry::Refused { name, problem } => {
                inv.entries += 1;
                let d = match problem {
                    EntryProblem::Kind(kind) => Diagnostic::new(B0014, "kind")
                        .arg("path", &name)
                        .arg("kind", kind),
                    EntryProblem::Folder => Diagnostic::new(B0021, "folder").arg("path", &name),
                    EntryProblem::BadName => {
                        p.bundle(Diagnostic::new(B0013, "name-archive").arg("name", &name));
                        return;
                    }
                    EntryProblem::Field(field) => Diagnostic::new(B0021, "field")
                        .arg("path", &name)
                        .arg("field", field),
                    EntryProblem::Order => Diagnostic::new(B0021, "order").arg("path", &name),
                };
                // A folder entry's name ends with `/`; the folder it names is what is checked.
                let bare = name.strip_suffix('/').unwrap_or(&name);
                if is_safe_bundle_path(bare) {
                    p.file(&name, d);
                    inv.files.insert(name, Found::Refused);
                } else {
                    // An unsafe name is refused as such; it is not named as an entry.
                    p.bundle(unsafe_entry(&name));
                }
            }
        },
    );
    match result {
        Ok(()) => Some(inv),
        Err(ArchiveStop::Damaged(e)) => {
            p.bundle(Diagnostic::new(B0001, "archive").arg("error", e));
            None
        }
        Err(ArchiveStop::TooLarge) => {
            p.bundle(too_large_total(limits));
            None
        }
        Err(ArchiveStop::TooManyEntries) => {
            p.bundle(too_many_entries(limits));
            None
        }
        Err(ArchiveStop::EntryTooLarge { name, declared }) => {
            if is_safe_bundle_path(&name) {
                p.file(&name, too_large(&name, declared, limits));
            } else {
                p.bundle(unsafe_entry(&name));
            }
            None
        }
        Err(ArchiveStop::NotCanonical { what, detail }) => {
            p.bundle(
                Diagnostic::new(B0021, what)
                    .arg("detail", detail)
                    .arg("max", archive::MAX_NAME_BYTES),
            );
            None
        }
    }
}

/// Takes stock of a bundle folder without following links, without opening anything that is
/// not a regular file, and without reading anything over the limits. File contents are hashed
/// as they stream, not kept (HTML and captions are read whole to check them, one at a time).
fn inventory_folder(root: &Path, limits: &Limits, p: &mut Problems) -> Inventory {
    let mut inv = Inventory::default();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            let rel = rel_path(root, &dir);
            p.file(&rel, Diagnostic::new(B0001, "folder").arg("path", &rel));
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let mut walk = Walk {
                root,
                limits,
                inv: &mut inv,
                stack: &mut stack,
                p,
            };
            if walk.take_entry(&entry).is_break() {
                return inv;
            }
        }
    }
    inv
}

/// The state of [`inventory_folder`] while it takes one entry.
struct Walk<'a> {
    root: &'a Path,
    limits: &'a Limits,
    inv: &'a mut Inventory,
    /// The folders still to list.
    stack: &'a mut Vec<PathBuf>,
    p: &'a mut Problems,
}

impl Walk<'_> {
    /// Takes one entry of a folder: a folder to list later, the manifest or signature, or a
    /// file to hash. `Break` when a limit over the whole bundle is reached: stop there.
    fn take_entry(&mut self, entry: &std::fs::DirEntry) -> ControlFlow<()> {
        self.inv.entries += 1;
        if self.inv.entries > self.limits.max_entries {
            self.p.bundle(too_many_entries(self.limits));
            return ControlFlow::Break(());
        }
        let path = entry.path();
        let Some(rel) = self.safe_rel(entry, &path) else {
            return ControlFlow::Continue(());
        };
        // `DirEntry::metadata` and `file_type` do not follow links (lstat): a link is
        // seen as a link, a FIFO as a FIFO, and neither is opened.
        let Ok(meta) = entry.metadata() else {
            self.p.file(
                &rel,
                Diagnostic::new(B0001, "file")
                    .arg("path", &rel)
                    .arg("error", "no metadata"),
            );
            return ControlFlow::Continue(());
        };
        let kind = meta.file_type();
        if kind.is_dir() {
            self.stack.push(path);
            return ControlFlow::Continue(());
        }
        if !self.inv.unique_name(&rel, self.p) {
            return ControlFlow::Continue(());
        }
        if let Some(key) = not_plain(&meta) {
            self.p
                .file(&rel, Diagnostic::new(B0008, key).arg("path", &rel));
            self.inv.files.insert(rel, Found::Refused);
            return ControlFlow::Continue(());
        }
        if rel == MANIFEST_FILE || rel == SIGNATURE_FILE {
            self.read_special(&rel, &path, &meta);
            return ControlFlow::Continue(());
        }
        self.take_file(rel, &path, &meta)
    }

    /// The entry's path relative to the root, with `/`, if it is UTF-8 and safe; else the
    /// problem is noted and the entry skipped.
    fn safe_rel(&mut self, entry: &std::fs::DirEntry, path: &Path) -> Option<String> {
        let Some(rel) = path
            .strip_prefix(self.root)
            .ok()
            .and_then(Path::to_str)
            .map(|r| r.replace('\\', "/"))
        else {
            self.p.bundle(
                Diagnostic::new(B0013, "name-folder")
                    .arg("name", entry.file_name().to_string_lossy()),
            );
            return None;
        };
        if !is_safe_bundle_path(&rel) {
            self.p.bundle(unsafe_entry(&rel));
            return None;
        }
        Some(rel)
    }

    /// Reads `bundle.json` or the signature, within its own limit, and keeps its bytes.
    fn read_special(&mut self, rel: &str, path: &Path, meta: &std::fs::Metadata) {
        let max = if rel == MANIFEST_FILE {
            self.limits.max_manifest_bytes
        } else {
            MAX_SIGNATURE_BYTES
        };
        match read_capped(path, meta, max) {
            Ok(Some(bytes)) if rel == MANIFEST_FILE => self.inv.manifest = Some(bytes),
            Ok(Some(bytes)) => self.inv.signature = Some(bytes),
            Ok(None) => self.p.file(
                rel,
                Diagnostic::new(B0016, "larger")
                    .arg("path", rel)
                    .arg("max", max),
            ),
            Err(e) => self.p.file(rel, e.diagnostic(rel)),
        }
    }

    /// Hashes a plain file within the per-file and total limits. `Break` when the total is
    /// over its limit.
    fn take_file(&mut self, rel: String, path: &Path, meta: &std::fs::Metadata) -> ControlFlow<()> {
        let (inv, limits, p) = (&mut *self.inv, self.limits, &mut *self.p);
        let size = meta.len();
        if size > limits.max_file_bytes {
            p.file(&rel, too_large(&rel, size, limits));
            inv.files.insert(rel, Found::Refused);
            return ControlFlow::Continue(());
        }
        inv.total = inv.total.saturating_add(size);
        if inv.total > limits.max_total_bytes {
            p.bundle(too_large_total(limits));
            return ControlFlow::Break(());
        }
        match hash_file(path, &rel, meta, limits.max_file_bytes) {
            // The size hashed may differ from the metadata (the file can change meanwhile).
            Ok(Found::File { size, .. }) if size > limits.max_file_bytes => {
                p.file(&rel, too_large(&rel, size, limits));
                inv.files.insert(rel, Found::Refused);
            }
            Ok(found) => {
                inv.files.insert(rel, found);
            }
            Err(e) => {
                p.file(&rel, e.diagnostic(&rel));
                inv.files.insert(rel, Found::Refused);
            }
        }
        ControlFlow::Continue(())
    }
}

/// The catalogue key (of B0008) for what is not a plain file: a link, a FIFO, a device, a
/// socket, or a regular file with more than one name (a hard link may share its bytes with a
/// file outside the bundle, which could change them after verification).
fn not_plain(meta: &std::fs::Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_symlink() {
        return Some("link");
    }
    if !kind.is_file() {
        return Some("special");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Some("hardlink");
        }
    }
    None
}

/// Why a folder file could not be read.
enum ReadProblem {
    Io(std::io::Error),
    /// Between listing and opening, the file became something else (a link, a FIFO, another
    /// file): the key of B0008.
    Changed(&'static str),
}

impl ReadProblem {
    fn diagnostic(&self, rel: &str) -> Diagnostic {
        match self {
            ReadProblem::Io(e) => Diagnostic::new(B0001, "file")
                .arg("path", rel)
                .arg("error", e),
            ReadProblem::Changed(key) => Diagnostic::new(B0008, key).arg("path", rel),
        }
    }
}

/// Opens a file the listing found to be a regular file, without following a link and without
/// blocking (a FIFO swapped in after the listing opens at once and is then refused), and checks
/// with `fstat` that what was opened is still that file.
fn open_plain(path: &Path, listed: &std::fs::Metadata) -> Result<std::fs::File, ReadProblem> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY);
    }
    let file = options.open(path).map_err(|e| {
        // O_NOFOLLOW on a link fails with ELOOP.
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return ReadProblem::Changed("link");
        }
        ReadProblem::Io(e)
    })?;
    let meta = file.metadata().map_err(ReadProblem::Io)?;
    if let Some(key) = not_plain(&meta) {
        return Err(ReadProblem::Changed(key));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if (meta.dev(), meta.ino()) != (listed.dev(), listed.ino()) {
            return Err(ReadProblem::Changed("special"));
        }
    }
    #[cfg(not(unix))]
    let _ = listed;
    Ok(file)
}

/// Hashes a folder file as it streams (capped one byte over `max`, in case it grew since it
/// was listed). HTML fragments and captions are read whole (within `max`) to check their
/// content; of other files the first bytes are kept for the image check.
fn hash_file(
    path: &Path,
    rel: &str,
    listed: &std::fs::Metadata,
    max: u64,
) -> Result<Found, ReadProblem> {
    let file = open_plain(path, listed)?;
    let media_type = crate::layout::media_type(rel);
    if media_type == "text/html" || media_type == "text/vtt" {
        let mut bytes = Vec::new();
        file.take(max + 1)
            .read_to_end(&mut bytes)
            .map_err(ReadProblem::Io)?;
        let finding = crate::rules::check_content(rel, &bytes).map(Box::new);
        return Ok(Found::File {
            size: bytes.len() as u64,
            sha256: sha256_hex(&bytes),
            bytes: None,
            finding,
        });
    }
    let mut head = Vec::new();
    let mut reader = file.take(max + 1);
    (&mut reader)
        .take(crate::rules::MAGIC_BYTES as u64)
        .read_to_end(&mut head)
        .map_err(ReadProblem::Io)?;
    let (rest, sha256) =
        sha256_hex_reader(std::io::Cursor::new(&head).chain(reader)).map_err(ReadProblem::Io)?;
    let finding = crate::rules::check_content(rel, &head).map(Box::new);
    Ok(Found::File {
        size: rest,
        sha256,
        bytes: None,
        finding,
    })
}

fn rel_path(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The whole file if it has at most `max` bytes, `None` if it has more.
fn read_capped(
    path: &Path,
    listed: &std::fs::Metadata,
    max: u64,
) -> Result<Option<Vec<u8>>, ReadProblem> {
    let mut bytes = Vec::new();
    open_plain(path, listed)?
        .take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(ReadProblem::Io)?;
    Ok((bytes.len() as u64 <= max).then_some(bytes))
}

/// The checks shared by every kind of source, once the inventory is taken.
fn finish(
    origin: &Path,
    mut inv: Inventory,
    mut problems: Problems,
    options: &LoadOptions,
    storage: Storage,
) -> Result<Bundle, Diagnostics> {
    let Some(manifest_bytes) = inv.manifest.take() else {
        if !inv.look_alike_manifest {
            problems.manifest(Diagnostic::new(B0001, "no-manifest").arg("manifest", MANIFEST_FILE));
        }
        return Err(problems.list);
    };
    let manifest = match parse_manifest(&manifest_bytes, &mut problems) {
        Some(m) => m,
        None => return Err(problems.list),
    };
    let (signed, verified_by) = match &options.trusted_key {
        Some(key) => {
            let ok = check_signature(
                key,
                &manifest_bytes,
                inv.signature.as_deref(),
                &mut problems,
            );
            (true, ok.then_some(key))
        }
        None => (false, None),
    };
    check_hierarchy(&manifest, &mut problems);
    let mut found = Vec::new();
    crate::rules::check_release(&manifest, &mut found);
    crate::rules::check_other_ids(&manifest, &mut found);
    crate::rules::check_media_parts(&manifest, &mut found);
    crate::rules::check_moved_from(&manifest, &mut found);
    // The signer is compared with the provenance only once the signature is known good (a
    // bad one is B0018 already).
    crate::rules::check_provenance(&manifest, verified_by.map(|k| k.as_bytes()), &mut found);
    for s in crate::rules::all_steg(&manifest) {
        if let StegContent::Form { form, .. } = &s.content {
            crate::rules::check_form(&s.address, form, &mut found);
        }
    }
    for d in found {
        problems.manifest(d);
    }
    check_files(&manifest, &inv, &mut problems);
    if !problems.list.is_empty() {
        return Err(problems.list);
    }
    let storage = match storage {
        Storage::Folder => Storage::Folder,
        Storage::Memory(_) => Storage::Memory(
            std::mem::take(&mut inv.files)
                .into_iter()
                .filter_map(|(path, found)| match found {
                    Found::File { bytes: Some(b), .. } => Some((path, b)),
                    _ => None,
                })
                .collect(),
        ),
    };
    Ok(Bundle {
        root: origin.to_path_buf(),
        manifest,
        storage,
        signed,
    })
}

/// Whether `sig` is a good signature of `manifest` by `key`; the problem is reported if not.
fn check_signature(key: &PublicKey, manifest: &[u8], sig: Option<&[u8]>, p: &mut Problems) -> bool {
    let Some(sig) = sig else {
        p.file(
            SIGNATURE_FILE,
            Diagnostic::new(B0017, "unsigned").arg("signature", SIGNATURE_FILE),
        );
        return false;
    };
    let d = match signature::verify(key, manifest, sig) {
        Ok(()) => return true,
        Err(SignatureProblem::Malformed(why)) => Diagnostic::new(B0018, "malformed")
            .arg("signature", SIGNATURE_FILE)
            .arg("detail", why),
        Err(SignatureProblem::OtherKey { signed_by }) => Diagnostic::new(B0018, "other-key")
            .arg("signed_by", signed_by)
            .arg("trusted", signature::hex(key.as_bytes())),
        Err(SignatureProblem::Invalid) => {
            Diagnostic::new(B0018, "invalid").arg("manifest", MANIFEST_FILE)
        }
    };
    p.file(SIGNATURE_FILE, d);
    false
}

/// The problems found so far. Each names the bundle (`root`) and, when it is about one
/// entry, that entry's name: never a host path made from it (`root.join(entry)` would let an
/// absolute entry name replace the root, and a renderer might open it).
struct Problems {
    root: PathBuf,
    list: Diagnostics,
}

impl Problems {
    fn new(root: &Path) -> Self {
        Problems {
            root: root.to_path_buf(),
            list: Diagnostics::new(),
        }
    }

    fn manifest(&mut self, d: Diagnostic) {
        self.list.push(d.in_entry(&self.root, MANIFEST_FILE));
    }

    fn file(&mut self, path: &str, d: Diagnostic) {
        self.list.push(d.in_entry(&self.root, path));
    }

    /// A problem with the bundle as a whole, or with an entry whose name cannot be trusted in
    /// a file path.
    fn bundle(&mut self, d: Diagnostic) {
        self.list.push(d.in_file(&self.root));
    }
}

/// Parses `bundle.json`: UTF-8, JSON, the format and its version, the strings and
/// spellings (on the JSON itself, before typed parsing), then the types. `None` when it
/// cannot be read as a manifest at all; the problems are in `p`.
fn parse_manifest(bytes: &[u8], p: &mut Problems) -> Option<Manifest> {
    let mut value = manifest_json(bytes, p)?;
    // Format first: a newer format may differ in any other field, so say that, not the symptom.
    if !known_format(&value, p) || !known_steg_types(&value, p) {
        return None;
    }

    let mut found = Vec::new();
    crate::rules::check_strings(&value, &mut found);
    for d in found {
        p.manifest(d);
    }

    // Readers ignore fields they do not know (the forward-compatibility policy of
    // docs/bundle-format.md). The trigger type is shared with the content's front matter,
    // which refuses unknown fields, so the bundle's triggers are trimmed to their known fields
    // here, before the typed parse.
    ignore_unknown_trigger_fields(&mut value);
    match serde_path_to_error::deserialize::<_, Manifest>(value) {
        Ok(m) => Some(m),
        Err(e) => {
            let at = e.path().to_string();
            let inner = e.into_inner();
            p.manifest(
                Diagnostic::new(B0002, "format")
                    .arg("manifest", MANIFEST_FILE)
                    .arg("at", at)
                    .arg("error", &inner),
            );
            None
        }
    }
}

/// `bundle.json` as UTF-8 JSON, or `None` (the problem noted) when it is not.
fn manifest_json(bytes: &[u8], p: &mut Problems) -> Option<serde_json::Value> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            p.manifest(
                Diagnostic::new(B0002, "utf8")
                    .arg("manifest", MANIFEST_FILE)
                    .arg("error", e),
            );
            return None;
        }
    };
    match serde_json::from_str(text) {
        Ok(v) => Some(v),
        Err(e) => {
            p.manifest(
                Diagnostic::new(B0002, "json")
                    .arg("manifest", MANIFEST_FILE)
                    .arg("error", &e)
                    .at(Location::line_column(e.line(), e.column())),
            );
            None
        }
    }
}

/// Whether the manifest is of this format and version (B0003 if not).
fn known_format(value: &serde_json::Value, p: &mut Problems) -> bool {
    let format = value.get("format").and_then(|v| v.as_str());
    let version = value.get("format_version").and_then(|v| v.as_u64());
    if format == Some(FORMAT_NAME) && version == Some(u64::from(FORMAT_VERSION)) {
        return true;
    }
    let found = match (format, version) {
        (Some(f), Some(v)) => format!("`{f}` version {v}"),
        _ => "no `format` and `format_version`".to_string(),
    };
    p.manifest(
        Diagnostic::new(B0003, "version")
            .arg("format", FORMAT_NAME)
            .arg("version", FORMAT_VERSION)
            .arg("found", found),
    );
    false
}

/// Whether every steg's type is one this version knows (B0011 for each that is not).
fn known_steg_types(value: &serde_json::Value, p: &mut Problems) -> bool {
    let unknown_types = unknown_steg_types(value);
    if unknown_types.is_empty() {
        return true;
    }
    for (at, ty) in unknown_types {
        p.manifest(
            Diagnostic::new(B0011, "unknown-type")
                .arg("place", at)
                .arg("type", ty)
                .arg("version", FORMAT_VERSION)
                .arg("known", STEG_TYPES.join(", ")),
        );
    }
    false
}

/// Removes from every flag's `trigger` the fields its `event` does not have.
fn ignore_unknown_trigger_fields(value: &mut serde_json::Value) {
    let Some(flags) = value
        .pointer_mut("/moment/flags")
        .and_then(|f| f.as_array_mut())
    else {
        return;
    };
    for flag in flags {
        let Some(trigger) = flag.get_mut("trigger").and_then(|t| t.as_object_mut()) else {
            continue;
        };
        let known: &[&str] = match trigger.get("event").and_then(|e| e.as_str()) {
            Some("moment_started") => &["event"],
            Some("inactive") => &["event", "days"],
            Some("modul_ends") => &["event", "days_before", "moduler"],
            Some("moment_ends") => &["event", "days_before"],
            // An unknown event is refused by the typed parse, as it must be.
            _ => continue,
        };
        trigger.retain(|k, _| known.contains(&k.as_str()));
    }
}

/// Finds steg whose `type` this format version does not know, before typed parsing would
/// report them as an opaque "unknown variant".
fn unknown_steg_types(value: &serde_json::Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let moduler = value
        .pointer("/moment/moduler")
        .and_then(|v| v.as_array())
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (mi, modul) in moduler.iter().enumerate() {
        let avsnitt = modul
            .get("avsnitt")
            .and_then(|v| v.as_array())
            .map(Vec::as_slice)
            .unwrap_or_default();
        for (ai, a) in avsnitt.iter().enumerate() {
            let steg = a
                .get("steg")
                .and_then(|v| v.as_array())
                .map(Vec::as_slice)
                .unwrap_or_default();
            for (si, s) in steg.iter().enumerate() {
                if let Some(ty) = s.get("type").and_then(|t| t.as_str())
                    && !STEG_TYPES.contains(&ty)
                {
                    let name = s
                        .get("address")
                        .and_then(|a| a.as_str())
                        .map(|a| format!("steg `{a}`"))
                        .unwrap_or_else(|| {
                            format!("moment.moduler[{mi}].avsnitt[{ai}].steg[{si}]")
                        });
                    found.push((name, ty.to_string()));
                }
            }
        }
    }
    found
}

fn check_hierarchy(m: &Manifest, p: &mut Problems) {
    let moment = &m.moment;
    if semver::Version::parse(&moment.version).is_err() {
        p.manifest(Diagnostic::new(B0002, "version").arg("version", &moment.version));
    }
    check_id(p, "moment-id", &moment.id);
    if moment.welcome.is_empty() {
        p.manifest(Diagnostic::new(B0004, "no-welcome"));
    }
    if moment.moduler.is_empty() {
        p.manifest(Diagnostic::new(B0004, "no-modul"));
    }
    unique_ids(
        p,
        "moment",
        "",
        moment.moduler.iter().map(|x| x.id.as_str()),
    );
    for modul in &moment.moduler {
        check_id(p, "modul-id", &modul.id);
        if modul.avsnitt.is_empty() {
            p.manifest(Diagnostic::new(B0004, "no-avsnitt").arg("modul", &modul.id));
        }
        unique_ids(
            p,
            "modul",
            &modul.id,
            modul.avsnitt.iter().map(|x| x.id.as_str()),
        );
        for avsnitt in &modul.avsnitt {
            check_id(p, "avsnitt-id", &avsnitt.id);
            let address = format!("{}/{}", modul.id, avsnitt.id);
            if avsnitt.steg.is_empty() {
                p.manifest(Diagnostic::new(B0004, "no-steg").arg("avsnitt", &address));
            }
            unique_ids(
                p,
                "avsnitt",
                &address,
                avsnitt.steg.iter().map(|x| x.id.as_str()),
            );
            for steg in &avsnitt.steg {
                check_id(p, "steg-id", &steg.id);
                let expected = format!("{}/{}/{}", modul.id, avsnitt.id, steg.id);
                if steg.address != expected {
                    p.manifest(
                        Diagnostic::new(B0004, "address")
                            .arg("id", &steg.id)
                            .arg("address", &steg.address)
                            .arg("expected", expected),
                    );
                }
                check_steg_parts(p, steg);
            }
        }
    }

    let moduler: HashSet<&str> = moment.moduler.iter().map(|x| x.id.as_str()).collect();
    unique_ids(p, "flags", "", moment.flags.iter().map(|f| f.id.as_str()));
    for flag in &moment.flags {
        if let Trigger::ModulEnds { moduler: refs, .. } = &flag.trigger {
            for r in refs {
                if !moduler.contains(r.as_str()) {
                    p.manifest(
                        Diagnostic::new(B0009, "modul")
                            .arg("flag", &flag.id)
                            .arg("modul", r),
                    );
                }
            }
        }
    }
}

fn check_steg_parts(p: &mut Problems, steg: &StegEntry) {
    // `key` names what is lacking, in the catalogue.
    let lacks = |key: &'static str| {
        Diagnostic::new(B0011, key)
            .arg("address", &steg.address)
            .arg("type", steg.content.type_name())
    };
    match &steg.content {
        StegContent::Form { form, .. } => check_form(p, steg, form),
        StegContent::Image {
            alt, decorative, ..
        } => {
            if alt.as_deref().is_none_or(str::is_empty) && !decorative {
                p.manifest(lacks("alt"));
            }
        }
        StegContent::Video {
            source,
            captions,
            transcript,
            ..
        } => {
            if captions.is_empty() || transcript.is_empty() {
                p.manifest(lacks("captions"));
            }
            check_source(p, steg, source);
        }
        StegContent::Audio {
            source, transcript, ..
        } => {
            if transcript.is_empty() {
                p.manifest(lacks("transcript"));
            }
            check_source(p, steg, source);
        }
        StegContent::Text | StegContent::Exercise { .. } => {}
    }
}

/// What the compiler guarantees about a form that a reader can check without the sources:
/// questions present, ids unique across groups and scores, conditions and scores pointing at
/// questions before them.
fn check_form(p: &mut Problems, steg: &StegEntry, form: &Form) {
    let lacks = |key: &'static str| Diagnostic::new(B0011, key).arg("address", &steg.address);
    if form.questions.is_empty() {
        p.manifest(lacks("questions"));
    }
    let all = crate::forms::questions_in_order(&form.questions);
    unique_ids(
        p,
        "form",
        &steg.address,
        all.iter()
            .map(|q| q.id.as_str())
            .chain(form.scores.iter().map(|s| s.id.as_str())),
    );
    let mut earlier: HashSet<&str> = HashSet::new();
    for q in &all {
        match &q.kind {
            QuestionKind::SingleChoice { options } | QuestionKind::MultipleChoice { options }
                if options.is_empty() =>
            {
                p.manifest(lacks("options").arg("question", &q.id));
            }
            QuestionKind::Group { questions } if questions.is_empty() => {
                p.manifest(lacks("group").arg("question", &q.id));
            }
            _ => {}
        }
        for c in q.show_if.iter().flat_map(|s| &s.conditions) {
            if !earlier.contains(c.question.as_str()) {
                p.manifest(
                    Diagnostic::new(B0012, "condition")
                        .arg("address", &steg.address)
                        .arg("question", &q.id)
                        .arg("target", &c.question),
                );
            }
        }
        if q.kind.takes_answer() {
            earlier.insert(q.id.as_str());
        }
    }
    for s in &form.scores {
        for id in &s.questions {
            if !earlier.contains(id.as_str()) {
                p.manifest(
                    Diagnostic::new(B0012, "score")
                        .arg("address", &steg.address)
                        .arg("score", &s.id)
                        .arg("target", id),
                );
            }
        }
    }
}

fn check_source(p: &mut Problems, steg: &StegEntry, source: &MediaSource) {
    if let MediaSource::Url(url) = source
        && !(url.starts_with("https://") || url.starts_with("http://"))
    {
        p.manifest(
            Diagnostic::new(B0008, "url")
                .arg("address", &steg.address)
                .arg("url", url),
        );
    }
}

/// `key` is the catalogue key for the kind of id: `moment-id`, `modul-id`, ...
fn check_id(p: &mut Problems, key: &'static str, id: &str) {
    if !crate::ids::is_valid_id(id) {
        p.manifest(Diagnostic::new(B0004, key).arg("id", id));
    }
}

/// `key` is the catalogue key for the kind of parent (`moment`, `modul`, `avsnitt`, `flags`,
/// `form`), `parent` its id or address.
fn unique_ids<'a>(
    p: &mut Problems,
    key: &'static str,
    parent: &str,
    ids: impl Iterator<Item = &'a str>,
) {
    let mut seen = BTreeSet::new();
    for id in ids {
        if !seen.insert(id) {
            p.manifest(
                Diagnostic::new(B0005, key)
                    .arg("parent", parent)
                    .arg("id", id),
            );
        }
    }
}

fn check_files(m: &Manifest, inv: &Inventory, p: &mut Problems) {
    let listed = listed_files(m, p);
    check_media_types(m, &listed, p);

    // Everything the tree points at must be a listed file.
    for path in referenced_paths(m) {
        if !listed.contains_key(path) {
            p.manifest(Diagnostic::new(B0006, "unlisted").arg("path", path));
        }
    }

    for (path, entry) in &listed {
        check_listed_file(path, entry, inv, p);
    }

    // And nothing may ride along unlisted: it would reach the platform unreviewed.
    for (rel, found) in &inv.files {
        if matches!(found, Found::File { .. }) && !listed.contains_key(rel.as_str()) {
            p.file(rel, Diagnostic::new(B0010, "extra").arg("path", rel));
        }
    }
}

/// The manifest's file list by path: the entries with a safe path, each path once (the first
/// entry); look-alike paths and malformed hashes are noted.
fn listed_files<'a>(m: &'a Manifest, p: &mut Problems) -> BTreeMap<&'a str, &'a FileEntry> {
    let mut listed: BTreeMap<&str, &FileEntry> = BTreeMap::new();
    let mut keys: HashMap<String, &str> = HashMap::new();
    for f in &m.files {
        if !is_safe_bundle_path(&f.path) {
            p.manifest(Diagnostic::new(B0008, "listed-unsafe").arg("path", &f.path));
            continue;
        }
        if listed.insert(f.path.as_str(), f).is_some() {
            p.manifest(Diagnostic::new(B0008, "listed-twice").arg("path", &f.path));
            continue;
        }
        if let Some(other) = keys.insert(crate::text::look_alike_key(&f.path), &f.path) {
            p.manifest(
                Diagnostic::new(B0022, "listed")
                    .arg("path", &f.path)
                    .arg("other", other),
            );
        }
        if !is_sha256(&f.sha256) {
            p.manifest(Diagnostic::new(B0008, "listed-hash").arg("path", &f.path));
        }
    }
    listed
}

/// Every file the tree uses has a media type that suits its name and its use.
fn check_media_types(m: &Manifest, listed: &BTreeMap<&str, &FileEntry>, p: &mut Problems) {
    let mut roles: BTreeMap<&str, Vec<crate::rules::Role>> = BTreeMap::new();
    for (path, role) in crate::rules::roles(m) {
        roles.entry(path).or_default().push(role);
    }
    let mut found = Vec::new();
    for (path, entry) in listed {
        let used = roles.get(path).map(Vec::as_slice).unwrap_or_default();
        crate::rules::check_media_type(entry, used, &mut found);
    }
    for d in found {
        p.manifest(d);
    }
}

/// One listed file against what was found: present, of the listed size and hash, and (if so)
/// with bytes that are what their kind promises.
fn check_listed_file(path: &str, entry: &FileEntry, inv: &Inventory, p: &mut Problems) {
    match inv.files.get(path) {
        None => p.file(path, Diagnostic::new(B0006, "missing").arg("path", path)),
        Some(Found::Refused) => {}
        Some(Found::File {
            size,
            sha256,
            finding,
            ..
        }) => {
            if *size == entry.size && *sha256 == entry.sha256 {
                // The bytes are the listed ones: are they what their kind promises?
                if let Some(d) = finding {
                    p.file(path, (**d).clone());
                }
            } else {
                p.file(
                    path,
                    Diagnostic::new(B0007, "differs")
                        .arg("path", path)
                        .arg("size", size)
                        .arg("sha256", sha256)
                        .arg("listed_size", entry.size)
                        .arg("listed_sha256", &entry.sha256),
                );
            }
        }
    }
}

fn referenced_paths(m: &Manifest) -> Vec<&str> {
    let moment = &m.moment;
    let mut v = vec![moment.welcome.as_str()];
    for modul in &moment.moduler {
        v.extend(modul.intro.as_deref());
        for a in &modul.avsnitt {
            v.extend(a.intro.as_deref());
            for s in &a.steg {
                v.push(s.html.as_str());
                v.extend(s.content.referenced_paths());
            }
        }
    }
    v.retain(|p| !p.is_empty());
    v
}

fn is_sha256(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Relative, `/`-separated, no empty, `.` or `..` segments, no backslashes or drive letters,
/// no control characters.
pub fn is_safe_bundle_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains(':')
        && !path.chars().any(|c| crate::text::is_forbidden(c, false))
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}
