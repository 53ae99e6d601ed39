//! Outputs rendered from the model, and writing them safely.
//!
//! [`build`] is the whole pipeline behind `steg build`: load and validate the content once,
//! render each output (the bundle of each moment, the preview site) from the model, then write
//! everything or nothing.

use crate::model::Moment;
use crate::output::{self, Output, archive};
use crate::plan;
use crate::site::{self, Theme};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use steg_bundle::diagnostic::Diagnostics;

pub use crate::model::SITE_DIR;

/// What to build besides the bundles.
pub struct Options<'a> {
    /// The preview site's theme; `None` skips the site.
    pub theme: Option<&'a Theme>,
    pub site: site::Options,
    /// Refuse to build unless every steg is approved for its current content.
    pub release: bool,
    /// Sign each bundle's manifest with this key (`bundle.sig`).
    pub sign: Option<&'a steg_bundle::signature::SecretKey>,
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
    // `..` in a folder that does not exist yet (`../../dist` from inside a program) is taken
    // out first, so that the check compares the folders meant.
    let (content_abs, out_abs) = (
        crate::locate::absolute(content),
        crate::locate::absolute(out),
    );
    if let Err(d) = output::check_placement(&content_abs, &out_abs) {
        report.diagnostics.push(d);
        return report;
    }
    let progress = |start: bool, phase: Phase, count: usize| options.tell(start, phase, count);
    progress(true, Phase::Reading, 0);
    let loaded = crate::compile::load(content);
    let steg_count = loaded.moments.iter().map(|m| m.steg().count()).sum();
    progress(false, Phase::Reading, steg_count);
    report.diagnostics = loaded.diagnostics;
    if report.diagnostics.has_errors() {
        return report;
    }
    if options.release {
        let placeholders = placeholder_blockers(&report.diagnostics);
        report.diagnostics.extend(placeholders);
        report.diagnostics.extend(release_blockers(&loaded.moments));
        if report.diagnostics.has_errors() {
            return report;
        }
    }
    if !options.release {
        report
            .diagnostics
            .extend(releases_kept(&loaded.moments, out));
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
                    archive: out.join(steg_bundle::archive::archive_name(&b.moment_id, &b.version)),
                    files: b.files,
                    bytes: b.bytes,
                    moment,
                });
            }
        }
        Err(d) => report.diagnostics.extend(d),
    }
    report
}

type Written = (Vec<BundleSummary>, Option<PathBuf>);

/// What is kept of a bundle once it is written.
struct BundleSummary {
    moment_id: String,
    version: String,
    files: usize,
    bytes: u64,
}

fn write(
    moments: &[Arc<Moment>],
    out: &Path,
    options: &Options<'_>,
    findings: &Diagnostics,
) -> Result<Written, Diagnostics> {
    let progress = |start: bool, phase: Phase, count: usize| options.tell(start, phase, count);
    let mut staging = output::Staging::begin(out).map_err(one)?;
    let mtime = archive::archive_mtime();
    // Each moment is rendered once into its plan; the folder, the archive and the preview's
    // comparison with the last release all read that plan.
    let plans = render_plans(moments, options);
    let places = stage_bundles(&mut staging, &plans);
    let site_dir = options.theme.map(|_| staging.stage(SITE_DIR));
    let files = plans.iter().map(|p| p.files.len() + 1).sum::<usize>();
    // The bundles and archives are written beside the preview's pages, so that no core waits.
    let bundles = || write_bundles(&plans, &places, mtime);
    let site = || -> Result<Option<(PathBuf, usize)>, Diagnostics> {
        let (Some(theme), Some(site_dir)) = (options.theme, site_dir) else {
            return Ok(None);
        };
        let changes = baseline_changes(out, &plans);
        let folder = output::Folder { root: site_dir };
        let stats = site::render(
            moments,
            findings,
            &changes,
            theme,
            options.site,
            None,
            &folder,
        )?;
        Ok(Some((out.join(SITE_DIR).join("index.html"), stats.written)))
    };
    let (written, site) = rayon::join(bundles, site);
    let site_index = match (written, site) {
        (Ok(()), Ok(site)) => site,
        (written, site) => {
            let mut problems = written.err().unwrap_or_default();
            problems.extend(site.err().unwrap_or_default());
            return Err(problems);
        }
    };
    let files = files + site_index.as_ref().map_or(0, |(_, n)| *n);
    // Files are written as they are made; what is left is moving them into place.
    progress(false, Phase::Rendering, files);
    progress(true, Phase::Writing, files);
    staging.commit().map_err(one)?;
    progress(false, Phase::Writing, files);
    Ok((summaries(&plans), site_index.map(|(index, _)| index)))
}

fn one(d: steg_bundle::diagnostic::Diagnostic) -> Diagnostics {
    Diagnostics::from_iter([d])
}

/// Every moment's bundle plan, signed when a key is given, in parallel.
fn render_plans<'m>(
    moments: &'m [Arc<Moment>],
    options: &Options<'_>,
) -> Vec<plan::BundlePlan<'m>> {
    use rayon::prelude::*;
    moments
        .par_iter()
        .map(|m| {
            let mut p = plan::render(m, options.release);
            p.set_provenance(plan::provenance(&m.dir));
            if let Some(key) = options.sign {
                p.sign(key);
            }
            p
        })
        .collect()
}

/// Where each plan's folder and archive are written while staged, in the order of `plans`.
fn stage_bundles(
    staging: &mut output::Staging,
    plans: &[plan::BundlePlan<'_>],
) -> Vec<(PathBuf, PathBuf)> {
    plans
        .iter()
        .map(|p| {
            let dir = staging.stage(&p.dir());
            let archive = staging.stage(&steg_bundle::archive::archive_name(
                &p.moment_id,
                &p.version,
            ));
            (dir, archive)
        })
        .collect()
}

/// Writes each plan into its folder and its archive (`places`, in the order of `plans`), in
/// parallel: every problem, or none.
fn write_bundles(
    plans: &[plan::BundlePlan<'_>],
    places: &[(PathBuf, PathBuf)],
    mtime: u64,
) -> Result<(), Diagnostics> {
    use rayon::prelude::*;
    let problems: Vec<_> = plans
        .par_iter()
        .zip(places)
        .flat_map(|(p, (dir, target))| {
            let folder = output::Folder { root: dir.clone() };
            let mut problems: Vec<_> = folder.write_plan(p).err().into_iter().flatten().collect();
            let archived = archive::Archive::create(target, mtime)
                .map_err(one)
                .and_then(|a| {
                    a.write_plan(p)?;
                    a.finish().map_err(one)
                });
            problems.extend(archived.err().into_iter().flatten());
            problems
        })
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.into_iter().collect())
    }
}

/// What is kept of each written bundle for the report.
fn summaries(plans: &[plan::BundlePlan<'_>]) -> Vec<BundleSummary> {
    plans
        .iter()
        .map(|p| BundleSummary {
            moment_id: p.moment_id.clone(),
            version: p.version.clone(),
            files: p.manifest.files.len(),
            bytes: p.manifest.files.iter().map(|f| f.size).sum(),
        })
        .collect()
}

/// The steg not approved for their current content: for each moment, one error naming the
/// steg (or one per steg when there is one), with one command that approves them all: the
/// modul's when they are all in one modul, else the whole program's. The command names the
/// program's folder, so it works with several programs in the content folder.
pub fn release_blockers(moments: &[Arc<Moment>]) -> Diagnostics {
    use crate::review::{Status, status};
    use steg_bundle::diagnostic::{Diagnostic, codes::E1201};
    let mut out = Diagnostics::new();
    for m in moments {
        let program = m.dir.display().to_string();
        let mut blocked = Vec::new();
        let (mut changed, mut never) = (0, 0);
        for (modul, _, s) in m.steg() {
            let d = match status(&m.approvals, &s.address, &s.content_hash) {
                Status::Approved(_) => continue,
                Status::Changed(a) => {
                    changed += 1;
                    Diagnostic::new(E1201, "changed")
                        .arg("by", &a.by)
                        .arg("date", &a.date)
                }
                Status::Never => {
                    never += 1;
                    Diagnostic::new(E1201, "never")
                }
            };
            let d = d
                .arg("address", &s.address)
                .arg("program", &program)
                .in_file(&s.source);
            blocked.push((modul.id.clone(), s.address.clone(), d));
        }
        match blocked.len() {
            0 => {}
            1 => out.extend(blocked.into_iter().map(|(_, _, d)| d)),
            n => {
                let one_modul = blocked.iter().all(|(modul, _, _)| *modul == blocked[0].0);
                let what = if one_modul {
                    blocked[0].0.clone()
                } else {
                    crate::review::MOMENT_ADDRESS.to_string()
                };
                let shown: Vec<&str> = blocked.iter().take(3).map(|(_, a, _)| a.as_str()).collect();
                let more = if n > shown.len() { ", …" } else { "" };
                out.push(
                    Diagnostic::new(E1201, "many")
                        .arg("n", n)
                        .arg("moment", &m.id)
                        .arg("changed", changed)
                        .arg("never", never)
                        .arg("first", format!("{}{more}", shown.join(", ")))
                        .arg("program", &program)
                        .arg("what", what)
                        .in_file(&m.source),
                );
            }
        }
    }
    out
}

/// Whether `dir` holds a bundle built with `--release`. The output folder may be shared or
/// synced: a bundle folder or `bundle.json` that is a link or a FIFO is not a release of ours,
/// and is neither followed nor opened (a FIFO would block the build).
fn is_release(dir: &Path) -> bool {
    let manifest = dir.join(steg_bundle::manifest::MANIFEST_FILE);
    crate::source::safe::is_real_dir(dir)
        && crate::source::safe::read_limited(
            &manifest,
            steg_bundle::Limits::default().max_manifest_bytes,
        )
        .ok()
        .and_then(|t| serde_json::from_slice::<steg_bundle::Manifest>(&t).ok())
        .is_some_and(|m| m.release)
}

/// A release bundle is never replaced by a build that is not a release: one error for each
/// moment whose version is already in `out` as a release, at the `version:` line.
fn releases_kept(moments: &[Arc<Moment>], out: &Path) -> Diagnostics {
    use steg_bundle::diagnostic::{Diagnostic, Location, codes::E1205};
    let mut found = Diagnostics::new();
    for m in moments {
        let version = m.version.to_string();
        let bundle = out.join(&m.id).join(&version);
        if !is_release(&bundle) {
            continue;
        }
        let mut next = m.version.clone();
        next.patch += 1;
        next.pre = semver::Prerelease::EMPTY;
        let location = std::fs::read_to_string(&m.source).ok().and_then(|text| {
            let start = text.find("\nversion:")? + 1;
            let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
            Some(Location::of_range(&text, start..end))
        });
        found.push(
            Diagnostic::new(E1205, "released")
                .arg("bundle", bundle.display())
                .arg("version", &version)
                .arg("next", next)
                .in_file(&m.source)
                .at_opt(location),
        );
    }
    found
}

/// One error per placeholder the load found (W1120, a warning or, when declared, a note):
/// a release carries none.
pub fn placeholder_blockers(found: &Diagnostics) -> Diagnostics {
    use steg_bundle::diagnostic::{Diagnostic, codes::E1220, codes::W1120};
    let mut out = Diagnostics::new();
    for d in found.iter().filter(|d| d.code == W1120.id) {
        let what = d
            .args
            .iter()
            .find_map(|(name, v)| match v {
                steg_bundle::diagnostic::Arg::Plain(s) if *name == "what" => Some(s.clone()),
                _ => None,
            })
            .unwrap_or_default();
        let mut e = Diagnostic::new(E1220, "placeholder").arg("what", what);
        e.file = d.file.clone();
        e.location = d.location.clone();
        out.push(e);
    }
    out
}

/// For each moment with an earlier release bundle in `out`, the comparison with the newest one,
/// as `steg build --out out` shows it on the Ändringar page (used by `steg serve`). Only the
/// moments with a folder in `out` are rendered into a plan, so a rebuild without releases
/// costs nothing here.
pub fn release_changes(
    out: &Path,
    moments: &[Arc<Moment>],
) -> std::collections::HashMap<String, crate::review::DiffReport> {
    let with_releases: Vec<&Arc<Moment>> = moments
        .iter()
        .filter(|m| out.join(&m.id).is_dir())
        .collect();
    let plans: Vec<plan::BundlePlan<'_>> = with_releases
        .iter()
        .map(|m| plan::render(m, false))
        .collect();
    baseline_changes(out, &plans)
}

/// For each bundle, the comparison with the newest earlier release bundle of the same moment
/// in `out`, if there is one: what reviewers look at before approving the new version.
fn baseline_changes(
    out: &Path,
    plans: &[plan::BundlePlan<'_>],
) -> std::collections::HashMap<String, crate::review::DiffReport> {
    use steg_bundle::Bundle;
    let mut result = std::collections::HashMap::new();
    for b in plans {
        let Ok(current) = semver::Version::parse(&b.version) else {
            continue;
        };
        let moment_dir = out.join(&b.moment_id);
        if !crate::source::safe::is_real_dir(&moment_dir) {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(moment_dir) else {
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
            if is_release(&entry.path()) {
                best = Some((v, entry.path()));
            }
        }
        let Some((_, dir)) = best else { continue };
        let Ok(old) = Bundle::open(&dir) else {
            continue;
        };
        let read_old = |p: &str| old.read(p).ok().and_then(|b| String::from_utf8(b).ok());
        let read_new = |p: &str| b.text(p).map(str::to_string);
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
