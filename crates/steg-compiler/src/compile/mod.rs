//! Loading a content folder into validated [`Moment`]s.
//!
//! The work is done in passes, each over every file at once, so that a build reports every
//! problem and the per-file work runs in parallel:
//! 1. find the files ([`crate::source::discover`]);
//! 2. read and parse every Markdown file's front matter, hash every media file;
//! 3. settle ids and addresses, check them, and map every file to its place in the bundle;
//! 4. render every Markdown body, checking its links, and check each steg's type.
//!
//! A [`Cache`] carried from one load to the next (as `steg serve` does) keeps the results of
//! passes 2 and 4 per file, so that after an edit only the changed files are read and only
//! the changed steg are rendered again.

mod form;
#[doc(hidden)]
pub mod fuzz;
#[doc(hidden)]
pub mod hash;
mod memo;
mod moment;
mod snippet;
mod steg;

use self::moment::{build_moment_head, check_flags, dedup};
use self::steg::build_steg;
use crate::front::*;
use crate::markdown::{self, Links};
use crate::model::{Avsnitt, Document, MediaFile, Modul, Moment, Revision, Steg};
use crate::source::frontmatter::{self, YamlPos};
use crate::source::{self, MomentSource, rel_string};
use rayon::prelude::*;
use serde::de::DeserializeOwned;
use serde_saphyr::Spanned;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use steg_bundle::diagnostic::{Diagnostic, Diagnostics, Location, codes::*};
use steg_bundle::ids::{is_valid_id, slugify};
use steg_bundle::layout;
use steg_bundle::manifest::AudienceGroup;

/// The moments that loaded without errors, and every finding (errors and warnings).
#[derive(Debug, Default)]
pub struct LoadResult {
    /// Shared, so that a rebuild hands out an unchanged moment again without copying it.
    pub moments: Vec<Arc<Moment>>,
    pub diagnostics: Diagnostics,
}

/// Loads every moment in `root` (a content folder, or one moment's folder).
pub fn load(root: &Path) -> LoadResult {
    let mut once = Cache {
        once: true,
        ..Cache::default()
    };
    load_with(root, &mut once)
}

/// Per-file results kept between loads. Entries are dropped by [`Cache::invalidate`] when a
/// file changes, and when a file is no longer part of the content.
#[derive(Default)]
pub struct Cache {
    /// Parsed Markdown files, each as the kind of file it is.
    parsed: HashMap<PathBuf, ParsedFile>,
    media: HashMap<PathBuf, Result<MediaFile, Diagnostic>>,
    /// Each moment's approvals, by the path of its approvals file.
    approvals: HashMap<PathBuf, Result<crate::model::Approvals, Diagnostic>>,
    steg: HashMap<PathBuf, StegEntry>,
    /// Whole moments, by folder, while no file below the folder changed.
    moments: HashMap<PathBuf, (Option<Arc<Moment>>, Diagnostics)>,
    /// What the last load of each moment settled and built (by folder), when watching.
    memo: HashMap<PathBuf, memo::MomentMemo>,
    /// The known files invalidated since the last load.
    dirty: Vec<PathBuf>,
    /// The last discovery of the folder tree, while no file appeared or disappeared.
    discovered: Option<Discovered>,
    /// A hash of each Markdown file's text as last read, kept only when watching: a save that
    /// changed nothing is then recognized without parsing.
    fingerprints: Option<HashMap<PathBuf, u64>>,
    /// Nothing is kept for a next load ([`load`]): each moment's sources are dropped as soon
    /// as the moment is built, so memory holds the sources of the moments being built.
    once: bool,
    /// What the last load did, for reporting.
    pub stats: CacheStats,
}

/// How much the last load could reuse.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub files_read: usize,
    pub media_hashed: usize,
    pub steg_rendered: usize,
    pub steg_reused: usize,
}

struct Discovered {
    root: PathBuf,
    sources: Vec<MomentSource>,
    diagnostics: Diagnostics,
}

/// One Markdown file as parsed (or the problem that stopped it), by the kind of file it is.
/// Shared: a steg rendered from it keeps it, to tell by identity whether it was parsed again.
#[derive(Clone)]
enum ParsedFile {
    Moment(Arc<Result<Parsed<MomentFront>, Diagnostic>>),
    Modul(Arc<Result<Parsed<ModulFront>, Diagnostic>>),
    Avsnitt(Arc<Result<Parsed<AvsnittFront>, Diagnostic>>),
    Steg(Arc<Result<Parsed<StegFront>, Diagnostic>>),
}

/// A kind of front matter, and its variant of [`ParsedFile`].
trait FrontKind: DeserializeOwned + Sized {
    fn wrap(parsed: Arc<Result<Parsed<Self>, Diagnostic>>) -> ParsedFile;
    fn unwrap(file: &ParsedFile) -> Option<&Arc<Result<Parsed<Self>, Diagnostic>>>;
}

macro_rules! front_kind {
    ($front:ty, $variant:ident) => {
        impl FrontKind for $front {
            fn wrap(parsed: Arc<Result<Parsed<Self>, Diagnostic>>) -> ParsedFile {
                ParsedFile::$variant(parsed)
            }
            fn unwrap(file: &ParsedFile) -> Option<&Arc<Result<Parsed<Self>, Diagnostic>>> {
                match file {
                    ParsedFile::$variant(p) => Some(p),
                    _ => None,
                }
            }
        }
    };
}
front_kind!(MomentFront, Moment);
front_kind!(ModulFront, Modul);
front_kind!(AvsnittFront, Avsnitt);
front_kind!(StegFront, Steg);

/// A rendered steg and the inputs it was rendered from.
#[derive(Clone)]
struct StegEntry {
    parsed: Arc<Result<Parsed<StegFront>, Diagnostic>>,
    key: u64,
    steg: Option<Arc<Steg>>,
    diagnostics: Vec<Diagnostic>,
}

impl Cache {
    /// A cache for a watcher (`steg serve`): it also remembers what each file said, so that
    /// [`Cache::unchanged`] can tell a save that changed nothing.
    pub fn for_watching() -> Self {
        Cache {
            fingerprints: Some(HashMap::new()),
            ..Cache::default()
        }
    }

    /// Whether `path` still has the content this cache loaded (a Markdown file it read, or a
    /// media file it hashed). `false` for anything it does not know.
    pub fn unchanged(&self, path: &Path) -> bool {
        if let Some(known) = self.fingerprints.as_ref().and_then(|f| f.get(path)) {
            return source::read_text(path).is_ok_and(|t| fingerprint(&t) == *known);
        }
        if let Some(Ok(media)) = self.media.get(path) {
            return source::safe::hash_limited(path, max_media_bytes())
                .is_ok_and(|(sha256, _)| sha256 == media.sha256);
        }
        false
    }

    /// Forgets everything known about `paths` (files that changed, appeared or disappeared).
    pub fn invalidate<'a>(&mut self, paths: impl IntoIterator<Item = &'a Path>) {
        for p in paths {
            if let Some(f) = &mut self.fingerprints {
                f.remove(p);
            }
            let known = self.parsed.remove(p).is_some() | self.media.remove(p).is_some();
            if known {
                self.dirty.push(p.to_path_buf());
            }
            self.approvals.remove(p);
            self.steg.remove(p);
            let approvals = p.file_name().is_some_and(|n| n == source::APPROVALS_FILE)
                && p.parent().is_some_and(|d| self.moments.contains_key(d));
            // An edit to a file already known cannot change the shape of the tree; anything
            // else (a new, removed or renamed file or folder) needs a fresh walk.
            if !(known || approvals) || !source::safe::is_real_file(p) {
                self.discovered = None;
            }
            self.moments.retain(|dir, _| !p.starts_with(dir));
        }
    }

    /// The file as pass 2 parsed it. Pass 2 parses every file discovery found, each as the
    /// kind its place in the tree gives it, so a miss here means the tree changed under the
    /// load; the file is then parsed now rather than reported missing.
    fn parsed<T: FrontKind>(
        &self,
        file: &Path,
        moment_dir: &Path,
    ) -> Arc<Result<Parsed<T>, Diagnostic>> {
        match self.parsed.get(file).and_then(T::unwrap) {
            Some(p) => p.clone(),
            None => Arc::new(parse_file::<T>(file, moment_dir)),
        }
    }
}

/// Like [`load`], reusing and updating `cache`.
pub fn load_with(root: &Path, cache: &mut Cache) -> LoadResult {
    cache.stats = CacheStats::default();
    // While the tree is as discovered last time, the files to read are the ones invalidated.
    let same_tree = cache.discovered.as_ref().is_some_and(|d| d.root == root);
    let discovered = discover(root, cache);
    let mut diagnostics = discovered.diagnostics.clone();
    let sources = &discovered.sources;
    let stale: Vec<&MomentSource> = sources
        .iter()
        .filter(|s| !cache.moments.contains_key(&s.dir))
        .collect();
    let dirty = std::mem::take(&mut cache.dirty);
    let results = if cache.once {
        load_once(&stale, cache)
    } else {
        fill_cache(&stale, cache, same_tree.then_some(&dirty[..]));
        let (results, memos): (Vec<MomentResult>, Vec<_>) = stale
            .par_iter()
            .map(|src| load_moment(src, cache, &dirty))
            .unzip();
        // A moment that did not load forgets its memo: the next load starts afresh.
        for (src, memo) in stale.iter().zip(memos) {
            match memo {
                Some(memo) => cache.memo.insert(src.dir.clone(), memo),
                None => cache.memo.remove(&src.dir),
            };
        }
        results
    };
    keep_results(results, &stale, cache);
    let mut moments = Vec::new();
    for src in sources {
        if let Some((moment, diags)) = cache.moments.get(&src.dir) {
            diagnostics.extend(diags.iter().cloned());
            moments.extend(moment.clone());
        }
    }
    cache.discovered = Some(discovered);

    check_moment_ids(&moments, &mut diagnostics);
    diagnostics.sort();
    if diagnostics.has_errors() {
        moments.clear();
    }
    LoadResult {
        moments,
        diagnostics,
    }
}

/// The folder tree: the last discovery while nothing appeared or disappeared, else a fresh
/// walk.
fn discover(root: &Path, cache: &mut Cache) -> Discovered {
    match cache.discovered.take() {
        Some(d) if d.root == root => d,
        _ => {
            let mut diagnostics = Diagnostics::new();
            let sources = source::discover(root, &mut diagnostics);
            // Files may have disappeared: forget them, and every moment with them.
            cache.moments.clear();
            cache.memo.clear();
            forget_missing(&sources, cache);
            Discovered {
                root: root.to_path_buf(),
                sources,
                diagnostics,
            }
        }
    }
}

/// Loads each moment for a single load ([`load`]), adding up the work done in `cache.stats`.
fn load_once(stale: &[&MomentSource], cache: &mut Cache) -> Vec<MomentResult> {
    // Each moment read into a cache of its own and built, its sources dropped as soon
    // as it is built: memory holds the sources of the moments being built, not all.
    let each: Vec<(MomentResult, CacheStats)> = stale
        .par_iter()
        .map(|src| {
            let mut own = Cache {
                once: true,
                ..Cache::default()
            };
            fill_cache(&[src], &mut own, None);
            let ((moment, diags, entries), _) = load_moment(src, &own, &[]);
            let stats = CacheStats {
                steg_rendered: entries.len(),
                ..own.stats
            };
            ((moment, diags, Vec::new()), stats)
        })
        .collect();
    for (_, s) in &each {
        cache.stats.files_read += s.files_read;
        cache.stats.media_hashed += s.media_hashed;
        cache.stats.steg_rendered += s.steg_rendered;
    }
    each.into_iter().map(|(result, _)| result).collect()
}

/// Keeps each freshly loaded moment (of `stale`, in order), and the steg it rendered, in
/// `cache`.
fn keep_results(results: Vec<MomentResult>, stale: &[&MomentSource], cache: &mut Cache) {
    let mut fresh = Vec::new();
    for ((moment, diags, entries), src) in results.into_iter().zip(stale) {
        if !cache.once {
            cache.stats.steg_rendered += entries.len();
            cache.stats.steg_reused += moment
                .as_ref()
                .map_or(0, |m| m.steg().count())
                .saturating_sub(entries.len());
        }
        fresh.extend(entries);
        cache
            .moments
            .insert(src.dir.clone(), (moment.map(Arc::new), diags));
    }
    cache.steg.extend(fresh);
}

/// Moment ids must be unique, and must not take the preview site's folder.
fn check_moment_ids(moments: &[Arc<Moment>], diagnostics: &mut Diagnostics) {
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    for m in moments {
        if m.id == crate::model::SITE_DIR {
            diagnostics.push(
                Diagnostic::new(E0301, "site-name")
                    .arg("id", &m.id)
                    .in_file(&m.source),
            );
        }
        if let Some(first) = seen.insert(m.id.clone(), m.source.clone()) {
            diagnostics.push(
                Diagnostic::new(E0706, "same")
                    .arg("id", &m.id)
                    .arg("other", first.display())
                    .in_file(&m.source),
            );
        }
    }
}

/// Drops cache entries for files that are no longer part of the content.
fn forget_missing(sources: &[MomentSource], cache: &mut Cache) {
    let mut present: HashSet<&Path> = HashSet::new();
    for src in sources {
        present.insert(&src.file);
        present.extend(src.assets.values().map(PathBuf::as_path));
        for m in &src.moduler {
            present.insert(&m.file);
            for a in &m.avsnitt {
                present.insert(&a.file);
                present.extend(a.steg.iter().map(|s| s.file.as_path()));
            }
        }
    }
    cache.parsed.retain(|p, _| present.contains(p.as_path()));
    cache.media.retain(|p, _| present.contains(p.as_path()));
    cache
        .approvals
        .retain(|p, _| sources.iter().any(|s| p.parent() == Some(s.dir.as_path())));
    cache.steg.retain(|p, _| present.contains(p.as_path()));
    cache
        .memo
        .retain(|dir, _| sources.iter().any(|s| &s.dir == dir));
    if let Some(f) = &mut cache.fingerprints {
        f.retain(|p, _| present.contains(p.as_path()));
    }
}

/// Pass 2: parses every Markdown file and hashes every media file the cache lacks, in
/// parallel. When the tree is as discovered before, what it lacks is exactly `dirty` (the
/// files invalidated): then each file is compared with those, rather than hashed to be
/// looked up (hashing a path walks its components: thousands per edit).
fn fill_cache(sources: &[&MomentSource], cache: &mut Cache, dirty: Option<&[PathBuf]>) {
    let lacks = |f: &Path, known: &dyn Fn(&Path) -> bool| match dirty {
        Some(dirty) => dirty.iter().any(|d| d.as_os_str() == f.as_os_str()),
        None => !known(f),
    };
    type Parse = fn(&Path, &Path, bool) -> (ParsedFile, Option<u64>);
    fn parse<T: FrontKind>(
        file: &Path,
        dir: &Path,
        keep_fingerprint: bool,
    ) -> (ParsedFile, Option<u64>) {
        let parsed = parse_file::<T>(file, dir);
        let print = match &parsed {
            Ok(p) if keep_fingerprint => Some(fingerprint(&p.text)),
            _ => None,
        };
        (T::wrap(Arc::new(parsed)), print)
    }
    let mut markdown: Vec<(&Path, &Path, Parse)> = Vec::new();
    let mut media: Vec<(&String, &PathBuf)> = Vec::new();
    for src in sources {
        markdown.push((&src.file, &src.dir, parse::<MomentFront>));
        for m in &src.moduler {
            markdown.push((&m.file, &src.dir, parse::<ModulFront>));
            for a in &m.avsnitt {
                markdown.push((&a.file, &src.dir, parse::<AvsnittFront>));
                for s in &a.steg {
                    markdown.push((&s.file, &src.dir, parse::<StegFront>));
                }
            }
        }
        media.extend(src.assets.iter());
    }
    let watching = cache.fingerprints.is_some();
    let parsed: Vec<_> = markdown
        .par_iter()
        .filter(|(f, _, _)| lacks(f, &|f| cache.parsed.contains_key(f)))
        .map(|(f, dir, parse)| (f.to_path_buf(), parse(f, dir, watching)))
        .collect();
    cache.stats.files_read = parsed.len();
    for (file, (parsed, print)) in parsed {
        if let (Some(prints), Some(print)) = (&mut cache.fingerprints, print) {
            prints.insert(file.clone(), print);
        }
        cache.parsed.insert(file, parsed);
    }

    let hashed: Vec<_> = media
        .par_iter()
        .filter(|(_, p)| lacks(p, &|p| cache.media.contains_key(p)))
        .map(|(rel, path)| ((*path).clone(), hash_media(rel, path)))
        .collect();
    cache.stats.media_hashed = hashed.len();
    cache.media.extend(hashed);

    // A large program's approvals are thousands of lines of YAML: read once, not per edit.
    for src in sources {
        let path = crate::review::approvals_path(&src.dir);
        cache.approvals.entry(path).or_insert_with(|| {
            crate::review::read_approvals(&src.dir).map(crate::model::Approvals::new)
        });
    }
}

fn fingerprint(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// One Markdown file, read and with its front matter parsed.
pub(super) struct Parsed<T> {
    pub file: PathBuf,
    /// The file's folder relative to the moment, `/`-separated.
    pub dir: String,
    pub text: String,
    pub yaml_offset: usize,
    pub body_offset: usize,
    pub front: T,
}

impl<T> Parsed<T> {
    pub fn body(&self) -> &str {
        &self.text[self.body_offset..]
    }

    pub fn at<V>(&self, v: &Spanned<V>) -> Option<Location> {
        YamlPos {
            text: &self.text,
            yaml_offset: self.yaml_offset,
        }
        .at(v)
    }

    /// Where the text starts; for an empty text, the closing `---` of the front matter (a
    /// position after the last line cannot be shown).
    pub fn body_start(&self) -> Location {
        if self.body().trim().is_empty() {
            let head = self.text[..self.body_offset].trim_end_matches(['\n', '\r']);
            let end = head.len();
            return Location::of_range(&self.text, end.saturating_sub(3)..end);
        }
        let lead = self.body().len() - self.body().trim_start().len();
        Location::at_byte(&self.text, self.body_offset + lead)
    }

    /// The start of the front matter, for problems with the file as a whole.
    pub fn top(&self) -> Location {
        Location::of_range(&self.text, 0..3.min(self.text.len()))
    }
}

fn parse_file<T: DeserializeOwned>(
    file: &Path,
    moment_dir: &Path,
) -> Result<Parsed<T>, Diagnostic> {
    let text = source::read_text(file)?;
    let split = frontmatter::split(&text, file)?;
    let front = frontmatter::parse::<T>(&split, file)?;
    // Checked once the typed parse accepted the YAML, so that its errors come first.
    if let Some(d) = source::control::check(&split, file).into_iter().next() {
        return Err(d);
    }
    let (yaml_offset, body_offset) = (split.yaml_offset, split.body_offset);
    let dir = file
        .parent()
        .and_then(|p| p.strip_prefix(moment_dir).ok())
        .map(rel_string)
        .unwrap_or_default();
    Ok(Parsed {
        file: file.to_path_buf(),
        dir,
        text,
        yaml_offset,
        body_offset,
        front,
    })
}

/// The largest media file a build accepts: what the loader accepts by default, so that a
/// build never makes a bundle its own `steg verify` refuses.
pub fn max_media_bytes() -> u64 {
    steg_bundle::Limits::default().max_file_bytes
}

/// Hashes a media file as it is read, a piece at a time: a film is never held whole.
fn hash_media(rel: &str, path: &Path) -> Result<MediaFile, Diagnostic> {
    let (sha256, size) =
        source::safe::hash_limited(path, max_media_bytes()).map_err(|e| match e {
            source::safe::Refused::TooLarge { size, max } => Diagnostic::new(E0111, "media")
                .arg("size", size)
                .arg("max", max)
                .in_file(path),
            source::safe::Refused::Grew { max } => Diagnostic::new(E0111, "media")
                .arg("size", max + 1)
                .arg("max", max)
                .in_file(path),
            other => source::refused(path, other),
        })?;
    Ok(MediaFile {
        rel: rel.to_string(),
        path: path.to_path_buf(),
        sha256,
        size,
    })
}

/// What rendering needs to know about the whole moment.
pub(super) struct Ctx<'a> {
    pub links: &'a Links<'a>,
    pub media: &'a [MediaFile],
    pub checks: &'a crate::check::Settings,
    pub snippets: &'a snippet::Snippets,
    /// Whether the moment is written in Swedish (`language: sv…`): the typography rule
    /// (”…” rather than "…") is Swedish.
    pub swedish: bool,
    /// The moment's language tag (`language:`), the default of a track's and a transcript's;
    /// moment.md is covered by `links_key`, so a change renders every steg again.
    pub language: &'a str,
}

/// A moment (if it loaded), its findings, and the steg rendered afresh for the cache.
type MomentResult = (Option<Moment>, Diagnostics, Vec<(PathBuf, StegEntry)>);
/// Steg rendered afresh, by file, for the cache.
type Fresh = Vec<(PathBuf, StegEntry)>;
type ParsedSteg = (String, String, Arc<Result<Parsed<StegFront>, Diagnostic>>);
type ParsedAvsnitt = (
    String,
    Arc<Result<Parsed<AvsnittFront>, Diagnostic>>,
    Vec<ParsedSteg>,
);
type ParsedModul = (
    String,
    Arc<Result<Parsed<ModulFront>, Diagnostic>>,
    Vec<ParsedAvsnitt>,
);

/// Loads one moment; with it, what a next load after an edit may reuse (when watching).
fn load_moment(
    src: &MomentSource,
    cache: &Cache,
    dirty: &[PathBuf],
) -> (MomentResult, Option<memo::MomentMemo>) {
    let mut d = Diagnostics::new();
    let moment = cache.parsed::<MomentFront>(&src.file, &src.dir);
    let front = (*moment).as_ref().ok();
    let media = moment_media(src, cache, &mut d);
    let memo = cache.memo.get(&src.dir);

    // Pass 3: ids, addresses and the map of every document's place in the bundle.
    let settled = settle(src, cache, memo, dirty);
    d.extend(settled.diagnostics.iter().cloned());
    let (documents, placed) = (&*settled.documents, settled.placed);
    let media_paths: HashMap<String, String> = media
        .iter()
        .map(|m| (m.rel.clone(), m.bundle_path()))
        .collect();
    let links_key = links_key(placed, &media_paths, front);
    let iframe_hosts = iframe_hosts(front);
    let links = Links {
        documents,
        media: &media_paths,
        iframe_hosts: &iframe_hosts,
    };
    let checks = check_settings(front.and_then(|p| p.front.checks.as_ref()));
    // Snippets live in moment.md's front matter, which `links_key` covers: a changed
    // snippet renders every steg again.
    let swedish = front.is_none_or(|p| {
        let tag = p.front.language.value.trim().to_ascii_lowercase();
        tag == "sv" || tag.starts_with("sv-")
    });
    let snippets = snippet::Snippets::of_moment(front, &links, swedish, &mut d);
    let ctx = Ctx {
        links: &links,
        media: &media,
        checks: &checks,
        snippets: &snippets,
        swedish,
        language: front.map_or("sv", |p| p.front.language.value.trim()),
    };

    // Pass 4: render and check types, in parallel per steg.
    let head = match &*moment {
        Ok(p) => Some(build_moment_head(src, p, &ctx, &mut d)),
        Err(e) => {
            d.push(e.clone());
            None
        }
    };
    let built = memo.map_or(&[][..], |m| &m.built[..]);
    let pass = ModulPass::new(&ctx, cache, links_key, head.as_ref(), built);
    let (moduler, fresh, built) = pass.build_moduler(&settled.tree, &mut d);

    let (Some(mut moment), Some(parsed)) = (head, front) else {
        return ((None, d, fresh), None);
    };
    check_moduler(src, &moment, parsed, &moduler, &mut d);
    let hashes: Vec<String> = moduler.iter().map(|m| m.content_hash.clone()).collect();
    moment.content_hash = hash::content_hash(&parsed.text, &hashes);
    moment.moduler = moduler;
    moment.media = media;
    match moment_approvals(src, cache) {
        Ok(a) => moment.approvals = a,
        Err(e) => d.push(e),
    }
    set_revisions(&mut moment, parsed, links_key);
    d.extend(check_whole_moment(src, &moment));
    check_moved_from(&moment, &mut d);
    if complete(src, &moment) {
        let used: Vec<&str> = moment
            .documents()
            .flat_map(|doc| doc.snippets.iter().map(String::as_str))
            .collect();
        snippets.warn_unused(&used, &parsed.file, &mut d);
    }
    let memo = (!cache.once).then(|| memo::MomentMemo {
        settled: settled.clone(),
        built,
    });
    ((Some(moment), d, fresh), memo)
}

/// Pass 3 for `src`: the last settle with the edited steg swapped in when the edit changed
/// no id or place, else settled afresh.
fn settle(
    src: &MomentSource,
    cache: &Cache,
    memo: Option<&memo::MomentMemo>,
    dirty: &[PathBuf],
) -> Arc<memo::Settled> {
    let parsed = |f: &Path| cache.parsed.get(f).and_then(StegFront::unwrap).cloned();
    if let Some(patched) = memo.and_then(|m| m.settled.patched(&src.dir, dirty, parsed)) {
        return Arc::new(patched);
    }
    let mut d = Diagnostics::new();
    let (tree, documents, placed) = settle_tree(src, cache, &mut d);
    let steg_at = if cache.once {
        HashMap::new()
    } else {
        let names: HashMap<&Path, &str> = src
            .moduler
            .iter()
            .flat_map(|m| &m.avsnitt)
            .flat_map(|a| &a.steg)
            .map(|s| (s.file.as_path(), s.name.as_str()))
            .collect();
        memo::Settled::places(&tree, &names)
    };
    Arc::new(memo::Settled {
        tree: tree.into_iter().map(Arc::new).collect(),
        documents: Arc::new(documents),
        placed,
        diagnostics: d.into_vec(),
        steg_at: Arc::new(steg_at),
    })
}

/// A moment needs at least one modul; its flags are checked against its moduler.
fn check_moduler(
    src: &MomentSource,
    moment: &Moment,
    parsed: &Parsed<MomentFront>,
    moduler: &[Arc<Modul>],
    d: &mut Diagnostics,
) {
    if src.moduler.is_empty() {
        d.push(
            Diagnostic::new(E0110, "none")
                .arg("id", &moment.id)
                .in_file(&parsed.file)
                .at(parsed.top()),
        );
    }
    check_flags(moment, parsed, moduler, d);
}

/// The moment's media files, hashed (by pass 2, or now if the tree changed under the load),
/// in the order of their paths.
fn moment_media(src: &MomentSource, cache: &Cache, d: &mut Diagnostics) -> Vec<MediaFile> {
    let mut media = Vec::new();
    for path in src.assets.values() {
        match cache.media.get(path) {
            Some(Ok(m)) => media.push(m.clone()),
            Some(Err(e)) => d.push(e.clone()),
            None => match hash_media(
                &rel_string(path.strip_prefix(&src.dir).unwrap_or(path)),
                path,
            ) {
                Ok(m) => media.push(m),
                Err(e) => d.push(e),
            },
        }
    }
    media.sort_by(|a, b| a.rel.cmp(&b.rel));
    // The loader also refuses a bundle larger than its total limit: say so now, at the
    // moment, rather than make a bundle that `steg verify` refuses.
    let total: u64 = media.iter().map(|m| m.size).sum();
    let max = steg_bundle::Limits::default().max_total_bytes;
    if total > max {
        d.push(
            Diagnostic::new(E0111, "total")
                .arg("size", total)
                .arg("max", max)
                .in_file(&src.file),
        );
    }
    media
}

/// Pass 3: settles the id and address of every modul, avsnitt and steg in `src`, and maps
/// every Markdown file (by its path in the moment) to its output in the bundle.
fn settle_tree(
    src: &MomentSource,
    cache: &Cache,
    d: &mut Diagnostics,
) -> (Vec<ParsedModul>, HashMap<String, String>, u64) {
    let mut settle = Settle {
        src,
        cache,
        documents: HashMap::new(),
        placed: std::collections::hash_map::DefaultHasher::new(),
    };
    settle.place(&src.file, layout::WELCOME.to_string());
    let mut tree = Vec::new();
    let mut modul_ids = Siblings::default();
    for m in &src.moduler {
        tree.extend(settle.modul(m, &mut modul_ids, d));
    }
    (tree, settle.documents, settle.placed.finish())
}

/// Pass 3's walk over one moment: the files come parsed from the cache, the map of
/// documents grows as each file's place is settled.
struct Settle<'a> {
    src: &'a MomentSource,
    cache: &'a Cache,
    documents: HashMap<String, String>,
    /// Over every (file, output) pair in the order placed, which the tree fixes: the map's
    /// fingerprint without sorting it.
    placed: std::collections::hash_map::DefaultHasher,
}

impl Settle<'_> {
    /// Records that `file` is rendered to `output` in the bundle.
    fn place(&mut self, file: &Path, output: String) {
        let rel = file
            .strip_prefix(&self.src.dir)
            .map(rel_string)
            .unwrap_or_default();
        (&rel, &output).hash(&mut self.placed);
        self.documents.insert(rel, output);
    }

    /// A modul and everything in it, or `None` if its modul.md did not parse.
    fn modul(
        &mut self,
        m: &source::ModulSource,
        ids: &mut Siblings,
        d: &mut Diagnostics,
    ) -> Option<ParsedModul> {
        let parsed = self.cache.parsed::<ModulFront>(&m.file, &self.src.dir);
        let front = match &*parsed {
            Ok(f) => f,
            Err(e) => {
                d.push(e.clone());
                return None;
            }
        };
        let modul_id = settle_id(front.front.id.as_ref(), &m.name, front, d);
        ids.add(&modul_id, &front.file, d);
        self.place(&front.file, layout::modul_intro(&modul_id));
        if m.avsnitt.is_empty() {
            d.push(
                Diagnostic::new(E0108, "none")
                    .arg("id", &modul_id)
                    .in_file(&front.file)
                    .at(front.top()),
            );
        }
        let mut avsnitt_ids = Siblings::default();
        let mut avsnitt = Vec::new();
        for a in &m.avsnitt {
            avsnitt.extend(self.avsnitt(&modul_id, a, &mut avsnitt_ids, d));
        }
        Some((modul_id, parsed.clone(), avsnitt))
    }

    /// An avsnitt of modul `modul_id` and its steg, or `None` if its avsnitt.md did not parse.
    fn avsnitt(
        &mut self,
        modul_id: &str,
        a: &source::AvsnittSource,
        ids: &mut Siblings,
        d: &mut Diagnostics,
    ) -> Option<ParsedAvsnitt> {
        let parsed = self.cache.parsed::<AvsnittFront>(&a.file, &self.src.dir);
        let front = match &*parsed {
            Ok(f) => f,
            Err(e) => {
                d.push(e.clone());
                return None;
            }
        };
        let avsnitt_id = settle_id(front.front.id.as_ref(), &a.name, front, d);
        ids.add(&avsnitt_id, &front.file, d);
        self.place(&front.file, layout::avsnitt_intro(modul_id, &avsnitt_id));
        let parent = format!("{modul_id}/{avsnitt_id}");
        if a.steg.is_empty() {
            d.push(
                Diagnostic::new(E0109, "none")
                    .arg("id", &parent)
                    .in_file(&front.file)
                    .at(front.top()),
            );
        }
        let mut steg_ids = Siblings::default();
        let mut steg = Vec::new();
        for s in &a.steg {
            steg.extend(self.steg(&parent, s, &mut steg_ids, d));
        }
        Some((avsnitt_id, parsed.clone(), steg))
    }

    /// A steg of the avsnitt at address `parent` (`modul/avsnitt`), or `None` if it did not
    /// parse.
    fn steg(
        &mut self,
        parent: &str,
        s: &source::StegSource,
        ids: &mut Siblings,
        d: &mut Diagnostics,
    ) -> Option<ParsedSteg> {
        let parsed = self.cache.parsed::<StegFront>(&s.file, &self.src.dir);
        let front = match &*parsed {
            Ok(f) => f,
            Err(e) => {
                d.push(e.clone());
                // Keep the file's place in the link map, so that other steg linking
                // to it are not reported, nor rendered again once it is fixed.
                let address = format!("{parent}/{}", slugify(&s.name));
                self.place(&s.file, layout::steg(&address));
                return None;
            }
        };
        let steg_id = settle_id(front.front.id.as_ref(), &s.name, front, d);
        ids.add(&steg_id, &front.file, d);
        let address = format!("{parent}/{steg_id}");
        self.place(&front.file, layout::steg(&address));
        Some((steg_id, address, parsed.clone()))
    }
}

/// A steg's rendering depends on its own file and on where every link may point; while
/// neither changes, the cached rendering stands. This key stands for the second.
fn links_key(
    documents: u64,
    media_paths: &HashMap<String, String>,
    moment: Option<&Parsed<MomentFront>>,
) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    documents.hash(&mut h);
    let mut media: Vec<_> = media_paths.iter().collect();
    media.sort();
    media.hash(&mut h);
    // The check settings come from moment.md; a change there re-checks every steg.
    if let Some(p) = moment {
        p.text[..p.body_offset].hash(&mut h);
    }
    h.finish()
}

/// The hosts moment.md allows iframes from (none if it says nothing or did not parse).
fn iframe_hosts(moment: Option<&Parsed<MomentFront>>) -> Vec<String> {
    moment
        .and_then(|p| p.front.checks.as_ref())
        .and_then(|c| c.allowed_iframe_hosts.clone())
        .unwrap_or_default()
}

/// The moment's approvals: as pass 2 read them, or read now if the tree changed under the
/// load.
fn moment_approvals(
    src: &MomentSource,
    cache: &Cache,
) -> Result<crate::model::Approvals, Diagnostic> {
    match cache
        .approvals
        .get(&crate::review::approvals_path(&src.dir))
    {
        Some(read) => read.clone(),
        None => crate::review::read_approvals(&src.dir).map(crate::model::Approvals::new),
    }
}

/// Sets the moment's revisions, once its moduler, media and approvals are in place.
fn set_revisions(moment: &mut Moment, parsed: &Parsed<MomentFront>, links_key: u64) {
    moment.head_revision = Revision::of((
        fingerprint(&parsed.text),
        moment
            .media
            .iter()
            .map(|f| (&f.rel, &f.sha256))
            .collect::<Vec<_>>(),
    ));
    moment.revision = Revision::of((
        moment.head_revision,
        links_key,
        moment
            .moduler
            .iter()
            .map(|m| m.revision)
            .collect::<Vec<_>>(),
        moment.approvals.revision(),
    ));
}

/// The checks of the moment as a whole (such as media no steg uses).
fn check_whole_moment(src: &MomentSource, moment: &Moment) -> Diagnostics {
    let assets: Vec<(String, PathBuf)> = src
        .assets
        .iter()
        .map(|(rel, path)| (rel.clone(), path.clone()))
        .collect();
    crate::check::moment(moment, &assets, complete(src, moment))
}

/// `moved_from:` across the moment: an old address that is still a steg's address, or that
/// two steg claim, would leave a platform moving people's progress away from a steg that is
/// there, or not knowing where to (the loader refuses both, B0028).
fn check_moved_from(moment: &Moment, d: &mut Diagnostics) {
    // Most programs move nothing: then there is nothing to compare with every address.
    if moment.steg().all(|(_, _, s)| s.moved_from.is_empty()) {
        return;
    }
    let addresses: HashSet<&str> = moment.steg().map(|(_, _, s)| s.address.as_str()).collect();
    let mut claimed: HashMap<&str, &Steg> = HashMap::new();
    for (_, _, s) in moment.steg() {
        for old in &s.moved_from {
            // Read again only for a problem, to point at the line that says it.
            let at = || {
                let text = crate::source::read_text(&s.source).ok()?;
                let start = text.find("moved_from")?;
                let i = text[start..].find(old.as_str())? + start;
                Some(Location::of_range(&text, i..i + old.len()))
            };
            if addresses.contains(old.as_str()) {
                d.push(
                    Diagnostic::new(E0301, "moved-from-exists")
                        .arg("value", old)
                        .in_file(&s.source)
                        .at_opt(at()),
                );
            } else if let Some(first) = claimed.get(old.as_str()) {
                d.push(
                    Diagnostic::new(E0301, "moved-from-twice")
                        .arg("value", old)
                        .arg("other", first.source.display())
                        .in_file(&s.source)
                        .at_opt(at()),
                );
            } else {
                claimed.insert(old.as_str(), s);
            }
        }
    }
}

/// Whether every steg of the moment loaded. When one failed, whatever it uses (a file, a
/// snippet) would look unused: nothing is said about unused things then.
fn complete(src: &MomentSource, moment: &Moment) -> bool {
    let all_steg: usize = src
        .moduler
        .iter()
        .flat_map(|m| &m.avsnitt)
        .map(|a| a.steg.len())
        .sum();
    moment.steg().count() == all_steg
}

/// Pass 4 over one moment's moduler: what every modul is built with.
struct ModulPass<'a> {
    ctx: &'a Ctx<'a>,
    cache: &'a Cache,
    links_key: u64,
    moment_groups: Vec<AudienceGroup>,
    /// The moduler as the last load built them, by position.
    built: &'a [Arc<memo::BuiltModul>],
}

impl<'a> ModulPass<'a> {
    fn new(
        ctx: &'a Ctx<'a>,
        cache: &'a Cache,
        links_key: u64,
        head: Option<&Moment>,
        built: &'a [Arc<memo::BuiltModul>],
    ) -> Self {
        ModulPass {
            ctx,
            cache,
            links_key,
            built,
            // A modul that names no audience of its own is for the moment's.
            moment_groups: head
                .map(|m| m.audience.groups.clone())
                .unwrap_or_else(|| AudienceGroup::ALL.to_vec()),
        }
    }

    /// Builds every modul, in parallel, in order: the moduler that built, the steg rendered
    /// afresh, and (when watching) each modul as built, for the next load. A modul built
    /// before from the very same parses, links and audience is taken as it was.
    fn build_moduler(
        &self,
        tree: &[Arc<ParsedModul>],
        d: &mut Diagnostics,
    ) -> (Vec<Arc<Modul>>, Fresh, Vec<Arc<memo::BuiltModul>>) {
        let keep = !self.cache.once;
        let built: Vec<_> = tree
            .par_iter()
            .enumerate()
            .map(|(i, input)| {
                let before = self
                    .built
                    .get(i)
                    .filter(|b| b.built_from(input, self.links_key, &self.moment_groups));
                if let Some(b) = before {
                    return (
                        b.modul.clone(),
                        b.diagnostics.clone(),
                        Vec::new(),
                        Some(b.clone()),
                    );
                }
                let (id, parsed, avsnitt) = (**input).clone();
                let (modul, diags, fresh) = self.build_modul(id, &parsed, avsnitt);
                let modul = modul.map(Arc::new);
                let memo = keep.then(|| {
                    Arc::new(memo::BuiltModul {
                        input: input.clone(),
                        links_key: self.links_key,
                        groups: self.moment_groups.clone(),
                        modul: modul.clone(),
                        diagnostics: diags.clone(),
                    })
                });
                (modul, diags, fresh, memo)
            })
            .collect();
        let mut moduler = Vec::new();
        let mut fresh = Vec::new();
        let mut memos = Vec::new();
        for (m, diags, entries, memo) in built {
            d.extend(diags);
            moduler.extend(m);
            fresh.extend(entries);
            memos.extend(memo);
        }
        (moduler, fresh, memos)
    }

    fn build_modul(
        &self,
        id: String,
        parsed: &Result<Parsed<ModulFront>, Diagnostic>,
        avsnitt: Vec<ParsedAvsnitt>,
    ) -> (Option<Modul>, Diagnostics, Fresh) {
        let mut d = Diagnostics::new();
        let mut fresh = Vec::new();
        let Ok(p) = parsed else {
            return (None, d, fresh);
        };
        let intro = render_body(p, &layout::modul_intro(&id), self.ctx, &mut d);
        if let Some(days) = &p.front.duration_days
            && days.value == 0
        {
            d.push(
                Diagnostic::new(E0305, "modul-days")
                    .in_file(&p.file)
                    .at_opt(p.at(days)),
            );
        }
        let audience = p
            .front
            .audience
            .clone()
            .map(dedup)
            .unwrap_or_else(|| self.moment_groups.to_vec());
        // Every steg of the modul is rendered for its audience, under the moment's links.
        let audience_key = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            (self.links_key, &audience).hash(&mut h);
            h.finish()
        };
        let steg = StegPass {
            ctx: self.ctx,
            cache: self.cache,
            audience: &audience,
            audience_key,
        };
        let mut avsnitt_out = Vec::new();
        for (aid, aparsed, parsed_steg) in avsnitt {
            let Ok(ap) = &*aparsed else { continue };
            let intro = render_body(ap, &layout::avsnitt_intro(&id, &aid), self.ctx, &mut d);
            // An avsnitt may be for part of the modul's audience (e.g. guardians only); its
            // steg are then rendered, checked and cached for that audience.
            let own = ap.front.audience.clone().map(dedup);
            let own_pass = own.as_ref().map(|groups| {
                let mut h = std::collections::hash_map::DefaultHasher::new();
                (self.links_key, groups).hash(&mut h);
                StegPass {
                    ctx: self.ctx,
                    cache: self.cache,
                    audience: groups,
                    audience_key: h.finish(),
                }
            });
            let (steg_out, new) = own_pass
                .as_ref()
                .unwrap_or(&steg)
                .build_all(parsed_steg, &mut d);
            fresh.extend(new);
            let snippets = self.ctx.snippets.hash_inputs(&intro.snippets);
            let avsnitt_audience = own.clone().unwrap_or_else(|| audience.clone());
            let built = assemble_avsnitt(aid, ap, intro, steg_out, snippets, avsnitt_audience);
            d.extend(crate::check::avsnitt_titles(&id, &built));
            avsnitt_out.push(built);
        }
        let snippets = self.ctx.snippets.hash_inputs(&intro.snippets);
        let modul = assemble_modul(id, p, intro, audience, avsnitt_out, snippets);
        (Some(modul), d, fresh)
    }
}

/// Assembles an avsnitt from its file, its rendered intro and its built steg.
fn assemble_avsnitt(
    id: String,
    p: &Parsed<AvsnittFront>,
    intro: Document,
    steg: Vec<Arc<Steg>>,
    snippets: Vec<String>,
    audience: Vec<AudienceGroup>,
) -> Avsnitt {
    // The intro's snippets count as part of the file (after the steg, so that an avsnitt
    // without snippets keeps the hash it had before snippets existed).
    let mut hashes: Vec<String> = steg.iter().map(|s| s.content_hash.clone()).collect();
    hashes.extend(snippets);
    let intro = (!intro.is_empty()).then_some(intro);
    let revision = Revision::of((
        &id,
        &p.front.title,
        intro.as_ref().map(|d| &d.html),
        steg.iter().map(|s| s.revision).collect::<Vec<_>>(),
        &audience,
    ));
    Avsnitt {
        audience,
        id,
        title: p.front.title.clone(),
        intro,
        content_hash: hash::content_hash(&p.text, &hashes),
        steg,
        source: p.file.clone(),
        revision,
    }
}

/// Assembles a modul from its file, its rendered intro, its audience and its built avsnitt.
fn assemble_modul(
    id: String,
    p: &Parsed<ModulFront>,
    intro: Document,
    audience: Vec<AudienceGroup>,
    avsnitt: Vec<Avsnitt>,
    snippets: Vec<String>,
) -> Modul {
    let mut hashes: Vec<String> = avsnitt.iter().map(|a| a.content_hash.clone()).collect();
    hashes.extend(snippets);
    let intro = (!intro.is_empty()).then_some(intro);
    let duration_days = p.front.duration_days.as_ref().map(|s| s.value);
    let revision = Revision::of((
        &id,
        &p.front.title,
        &p.front.summary,
        duration_days,
        &audience,
        intro.as_ref().map(|d| &d.html),
        avsnitt.iter().map(|a| a.revision).collect::<Vec<_>>(),
    ));
    Modul {
        content_hash: hash::content_hash(&p.text, &hashes),
        id,
        title: p.front.title.clone(),
        summary: p.front.summary.clone(),
        duration_days,
        audience,
        intro,
        avsnitt,
        source: p.file.clone(),
        revision,
    }
}

/// Pass 4 over one avsnitt's steg: what every steg of a modul is built with.
struct StegPass<'a> {
    ctx: &'a Ctx<'a>,
    cache: &'a Cache,
    audience: &'a [AudienceGroup],
    /// The links key and the modul's audience: a cached steg built under another is stale.
    audience_key: u64,
}

impl StegPass<'_> {
    /// Builds (or takes from the cache) every steg, in parallel, in order: the steg that
    /// built, and the ones rendered afresh.
    fn build_all(&self, steg: Vec<ParsedSteg>, d: &mut Diagnostics) -> (Vec<Arc<Steg>>, Fresh) {
        let results: Vec<(StegEntry, Option<(PathBuf, StegEntry)>)> = steg
            .into_par_iter()
            .filter_map(|(sid, address, sparsed)| self.build_one(sid, address, sparsed))
            .collect();
        let mut steg_out = Vec::new();
        let mut fresh = Vec::new();
        for (entry, new) in results {
            d.extend(entry.diagnostics);
            steg_out.extend(entry.steg);
            fresh.extend(new);
        }
        (steg_out, fresh)
    }

    /// One steg: from the cache while its file and its context are unchanged (`None` as the
    /// new entry), else built now.
    fn build_one(
        &self,
        sid: String,
        address: String,
        sparsed: Arc<Result<Parsed<StegFront>, Diagnostic>>,
    ) -> Option<(StegEntry, Option<(PathBuf, StegEntry)>)> {
        let file = match &*sparsed {
            Ok(sp) => sp.file.clone(),
            Err(_) => return None,
        };
        if let Some(hit) = self.cache.steg.get(&file)
            && hit.key == self.audience_key
            && Arc::ptr_eq(&hit.parsed, &sparsed)
        {
            return Some((hit.clone(), None));
        }
        let Ok(sp) = &*sparsed else { return None };
        let mut sd = Diagnostics::new();
        // Everything the steg is made from: its file's exact text and its context.
        let revision = Revision::of((fingerprint(&sp.text), self.audience_key, &address));
        let steg =
            build_steg(sid, address, sp, self.audience, self.ctx, revision, &mut sd).map(Arc::new);
        let allows = steg
            .as_ref()
            .map(|s| s.allow.as_slice())
            .unwrap_or_default();
        let sd: Diagnostics = crate::check::apply_allows(&file, allows, sd.into_vec())
            .into_iter()
            .collect();
        let entry = StegEntry {
            parsed: sparsed.clone(),
            key: self.audience_key,
            steg,
            diagnostics: sd.into_vec(),
        };
        Some((entry.clone(), Some((file, entry))))
    }
}

/// The id from `id:` if pinned, else from the file or folder name.
pub(super) fn settle_id<T>(
    pinned: Option<&Spanned<String>>,
    name: &str,
    p: &Parsed<T>,
    d: &mut Diagnostics,
) -> String {
    if let Some(id) = pinned {
        if !is_valid_id(&id.value) {
            d.push(
                Diagnostic::new(E0301, "id")
                    .arg("id", &id.value)
                    .arg("suggestion", nonempty_slug(&id.value))
                    .in_file(&p.file)
                    .at_opt(p.at(id)),
            );
        }
        return id.value.clone();
    }
    let id = slugify(name);
    if id.is_empty() {
        d.push(
            Diagnostic::new(E0301, "from-name")
                .arg("name", name)
                .in_file(&p.file)
                .at(p.top()),
        );
    }
    id
}

pub(super) fn nonempty_slug(s: &str) -> String {
    let s = slugify(s);
    if s.is_empty() { "intro".into() } else { s }
}

/// Ids among siblings, to report the second use of one.
#[derive(Default)]
struct Siblings {
    seen: HashMap<String, PathBuf>,
}

impl Siblings {
    fn add(&mut self, id: &str, file: &Path, d: &mut Diagnostics) {
        if id.is_empty() {
            return;
        }
        if let Some(first) = self.seen.get(id) {
            d.push(
                Diagnostic::new(E0302, "twice")
                    .arg("id", id)
                    .arg("other", first.display())
                    .in_file(file),
            );
        } else {
            self.seen.insert(id.to_string(), file.to_path_buf());
        }
    }
}

pub(super) fn render_body<T>(
    p: &Parsed<T>,
    output: &str,
    ctx: &Ctx<'_>,
    d: &mut Diagnostics,
) -> Document {
    let src = markdown::Source {
        file: &p.file,
        text: &p.text,
        body_offset: p.body_offset,
        dir: &p.dir,
        output,
    };
    let (mut doc, problems) = markdown::render(p.body(), &src, ctx.links);
    d.extend(problems);
    ctx.snippets.expand(&mut doc, p, output, ctx.links, d);
    // What `steg new` wrote as a stand-in, in the front matter (summaries) or the text.
    d.extend(crate::check::text::stand_ins(&p.file, &p.text));
    if ctx.swedish {
        d.extend(crate::check::text::straight_quotes(
            &p.file,
            &p.text,
            p.body_offset,
        ));
    }
    doc
}

/// The quality rules' settings from `checks:` in moment.md, over the defaults.
fn check_settings(front: Option<&ChecksFront>) -> crate::check::Settings {
    let mut s = crate::check::Settings::default();
    if let Some(f) = front {
        if let Some(lix) = &f.lix {
            s.lix.extend(lix.iter().map(|(g, l)| (*g, *l)));
        }
        if let Some(c) = &f.allowed_contacts {
            s.allowed_contacts = c.clone();
        }
        if let Some(m) = f.max_words {
            s.max_words = m;
        }
    }
    s
}
