//! Outputs rendered from the model, and writing them safely.
//!
//! [`build`] is the whole pipeline behind `steg build`: load and validate the content once,
//! render each output (the bundle of each moment, the preview site) from the model, then write
//! everything or nothing.

pub mod archive;
pub mod bundle;
pub mod output;

use crate::diagnostic::Diagnostics;
use crate::model::{self, Moment};
use crate::site::{self, Theme};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The folder of the preview site inside the output folder. No moment may have this id.
pub const SITE_DIR: &str = "preview";

/// What to build besides the bundles.
pub struct Options<'a> {
    /// The preview site's theme; `None` skips the site.
    pub theme: Option<&'a Theme>,
    pub site: site::Options,
    /// Refuse to build unless every steg is approved for its current content.
    pub release: bool,
    /// Sign each bundle's manifest with this key (`bundle.sig`).
    pub sign: Option<&'a crate::bundle::signature::SecretKey>,
    /// Told when each phase starts and ends (a progress line, timings).
    pub progress: Option<&'a dyn Progress>,
}

/// The phases of a build, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Loading and checking the content; counts steg.
    Reading,
    /// Rendering bundles, archives and the preview; counts files.
    Rendering,
    /// Writing the output; counts files.
    Writing,
}

/// Follows a build phase by phase. `count` is what the phase works on when it starts (0 when
/// not known yet) and what it did when it ends.
pub trait Progress: Sync {
    fn start(&self, phase: Phase, count: usize);
    fn end(&self, phase: Phase, count: usize);
}

impl Options<'_> {
    /// Tells the progress listener, if any, that `phase` starts or ends.
    fn tell(&self, start: bool, phase: Phase, count: usize) {
        match self.progress {
            Some(p) if start => p.start(phase, count),
            Some(p) => p.end(phase, count),
            None => {}
        }
    }
}

/// What a build did.
#[derive(Debug, Default)]
pub struct BuildReport {
    pub diagnostics: Diagnostics,
    /// The moments built, with the folder each bundle was written to.
    pub built: Vec<Built>,
    /// The preview site's start page, when one was written.
    pub site_index: Option<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct Built {
    pub moment: Arc<Moment>,
    pub bundle_dir: PathBuf,
    /// The single-file bundle, `<out>/<moment>-<version>.tar`.
    pub archive: PathBuf,
    pub files: usize,
    pub bytes: u64,
}

impl BuildReport {
    pub fn ok(&self) -> bool {
        !self.diagnostics.has_errors()
    }
}

/// Compiles every moment in `content` and writes the bundles (and the preview site) under
/// `out`. On any error `out` keeps its previous contents.
///
/// Files are written as they are made, into a staging folder inside `out`, and moved into
/// place at the end; so memory holds the model and a page per thread, not the output.
pub fn build(content: &Path, out: &Path, options: &Options<'_>) -> BuildReport {
    let mut report = BuildReport::default();
    if let Err(d) = output::check_placement(content, out) {
        report.diagnostics.push(d);
        return report;
    }
    let progress = |start: bool, phase: Phase, count: usize| options.tell(start, phase, count);
    progress(true, Phase::Reading, 0);
    let loaded = model::load(content);
    let steg_count = loaded.moments.iter().map(|m| m.steg().count()).sum();
    progress(false, Phase::Reading, steg_count);
    report.diagnostics = loaded.diagnostics;
    if report.diagnostics.has_errors() {
        return report;
    }
    if options.release {
        report.diagnostics.extend(release_blockers(&loaded.moments));
        if report.diagnostics.has_errors() {
            return report;
        }
    }
    progress(true, Phase::Rendering, steg_count);
    match write(&loaded.moments, out, options, &report.diagnostics) {
        Ok((bundles, site_index)) => {
            report.site_index = site_index;
            for (moment, b) in loaded.moments.into_iter().zip(bundles) {
                report.built.push(Built {
                    bundle_dir: out.join(&b.moment_id).join(&b.version),
                    archive: out.join(crate::bundle::archive::archive_name(
                        &b.moment_id,
                        &b.version,
                    )),
                    files: b.manifest.files.len(),
                    bytes: b.manifest.files.iter().map(|f| f.size).sum(),
                    moment,
                });
            }
        }
        Err(d) => report.diagnostics.extend(d),
    }
    report
}

type Written = (Vec<bundle::BundleOutput>, Option<PathBuf>);

fn write(
    moments: &[Arc<Moment>],
    out: &Path,
    options: &Options<'_>,
    findings: &Diagnostics,
) -> Result<Written, Diagnostics> {
    let one = |d: crate::diagnostic::Diagnostic| Diagnostics::from_iter([d]);
    let progress = |start: bool, phase: Phase, count: usize| options.tell(start, phase, count);
    let mut staging = output::Staging::begin(out).map_err(one)?;
    let mtime = archive::archive_mtime();
    // Places first (staging is not shared), then the bundles side by side: each has a serial
    // part (sorting its files, writing its manifest) that another moment's pages can fill.
    let places: Vec<(PathBuf, PathBuf)> = moments
        .iter()
        .map(|m| {
            let dir = staging.stage(&format!("{}/{}", m.id, m.version));
            let archive = staging.stage(&crate::bundle::archive::archive_name(
                &m.id,
                &m.version.to_string(),
            ));
            (dir, archive)
        })
        .collect();
    let made: Vec<Result<(bundle::BundleOutput, PathBuf, PathBuf), _>> = {
        use rayon::prelude::*;
        moments
            .par_iter()
            .zip(places)
            .map(|(m, (dir, target))| {
                let sink = output::FolderSink { root: dir.clone() };
                let b = bundle::render(m, options.release, &sink)?;
                if let Some(key) = options.sign {
                    archive::sign(&b, key, &sink)?;
                }
                Ok((b, dir, target))
            })
            .collect()
    };
    let (bundles, problems): (Vec<_>, _) = split(made);
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut files = bundles
        .iter()
        .map(|(b, _, _)| b.manifest.files.len() + 2)
        .sum::<usize>();
    let site_dir = options.theme.map(|_| staging.stage(SITE_DIR));
    // Each archive is one sequential stream: they are written beside each other and beside
    // the preview's pages, so that no core waits.
    let archives = || {
        use rayon::prelude::*;
        let written: Vec<Result<(), _>> = bundles
            .par_iter()
            .map(|(b, dir, target)| archive::write(b, options.sign.is_some(), dir, target, mtime))
            .collect();
        let ((), problems) = split(written);
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    };
    let site = || -> Result<Option<(PathBuf, usize)>, Diagnostics> {
        let (Some(theme), Some(site_dir)) = (options.theme, site_dir) else {
            return Ok(None);
        };
        let changes = baseline_changes(out, &bundles);
        let sink = output::FolderSink { root: site_dir };
        let stats = site::render(
            moments,
            findings,
            &changes,
            theme,
            options.site,
            None,
            &sink,
        )?;
        Ok(Some((out.join(SITE_DIR).join("index.html"), stats.written)))
    };
    let site_index = match rayon::join(archives, site) {
        (Ok(()), Ok(Some((index, written)))) => {
            files += written;
            Some(index)
        }
        (Ok(()), Ok(None)) => None,
        (archived, site) => {
            let mut problems = archived.err().unwrap_or_default();
            problems.extend(site.err().unwrap_or_default());
            return Err(problems);
        }
    };
    // Files are written as they are made; what is left is moving them into place.
    progress(false, Phase::Rendering, files);
    progress(true, Phase::Writing, files);
    staging.commit().map_err(one)?;
    progress(false, Phase::Writing, files);
    Ok((bundles.into_iter().map(|(b, _, _)| b).collect(), site_index))
}

/// The values made and, apart, every problem met: a build reports all of them at once.
fn split<T, C: Default + Extend<T>>(
    results: Vec<Result<T, crate::diagnostic::Diagnostic>>,
) -> (C, Diagnostics) {
    let mut made = C::default();
    let mut problems = Diagnostics::new();
    for r in results {
        match r {
            Ok(v) => made.extend([v]),
            Err(d) => problems.push(d),
        }
    }
    (made, problems)
}

/// One error per steg that is not approved for its current content.
pub fn release_blockers(moments: &[Arc<Moment>]) -> Diagnostics {
    use crate::diagnostic::{Diagnostic, codes::E1201};
    use crate::review::{Status, status};
    let mut out = Diagnostics::new();
    for m in moments {
        for (_, _, s) in m.steg() {
            let d = match status(&m.approvals, &s.address, &s.content_hash) {
                Status::Approved(_) => continue,
                Status::Changed(a) => Diagnostic::new(E1201, "changed")
                    .arg("by", &a.by)
                    .arg("date", &a.date),
                Status::Never => Diagnostic::new(E1201, "never"),
            };
            out.push(d.arg("address", &s.address).in_file(&s.source));
        }
    }
    out
}

/// For each bundle, the comparison with the newest earlier release bundle of the same moment
/// in `out`, if there is one: what reviewers look at before approving the new version.
fn baseline_changes(
    out: &Path,
    bundles: &[(bundle::BundleOutput, PathBuf, PathBuf)],
) -> std::collections::HashMap<String, crate::review::DiffReport> {
    use crate::bundle::{Bundle, Manifest};
    let mut result = std::collections::HashMap::new();
    for (b, staged, _) in bundles {
        let Ok(current) = semver::Version::parse(&b.version) else {
            continue;
        };
        let Ok(entries) = std::fs::read_dir(out.join(&b.moment_id)) else {
            continue;
        };
        let mut best: Option<(semver::Version, PathBuf)> = None;
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(v) = semver::Version::parse(&name) else {
                continue;
            };
            if v >= current || best.as_ref().is_some_and(|(bv, _)| *bv >= v) {
                continue;
            }
            let is_release =
                std::fs::read_to_string(entry.path().join(crate::bundle::manifest::MANIFEST_FILE))
                    .ok()
                    .and_then(|t| serde_json::from_str::<Manifest>(&t).ok())
                    .is_some_and(|m| m.release);
            if is_release {
                best = Some((v, entry.path()));
            }
        }
        let Some((_, dir)) = best else { continue };
        let Ok(old) = Bundle::open(&dir) else {
            continue;
        };
        let read_old = |p: &str| old.read(p).ok().and_then(|b| String::from_utf8(b).ok());
        let read_new = |p: &str| std::fs::read_to_string(staged.join(p)).ok();
        let report = crate::review::diff_sources(
            &crate::review::Side {
                manifest: old.manifest(),
                read: &read_old,
            },
            &crate::review::Side {
                manifest: &b.manifest,
                read: &read_new,
            },
        );
        result.insert(b.moment_id.clone(), report);
    }
    result
}
