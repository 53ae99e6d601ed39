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
    pub moment: Moment,
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
/// `out`. On any error nothing is written and `out` keeps its previous contents.
pub fn build(content: &Path, out: &Path, options: &Options<'_>) -> BuildReport {
    let mut report = BuildReport::default();
    if let Err(d) = output::check_placement(content, out) {
        report.diagnostics.push(d);
        return report;
    }
    let loaded = model::load(content);
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
    let mut bundles: Vec<_> = loaded
        .moments
        .iter()
        .map(|m| bundle::render(m, options.release))
        .collect();
    if let Some(key) = options.sign {
        bundles.iter_mut().for_each(|b| archive::sign(b, key));
    }
    let mtime = archive::archive_mtime();
    let mut archives = Vec::new();
    for b in &bundles {
        match archive::render(b, mtime) {
            Ok(a) => archives.push(a),
            Err(d) => {
                report.diagnostics.push(d);
                return report;
            }
        }
    }
    let mut sets: Vec<(String, &bundle::FileSet)> =
        bundles.iter().map(|b| (b.dir(), &b.files)).collect();
    let site_files = match options.theme {
        Some(theme) => {
            let mut cache = site::SiteCache::default();
            let changes = baseline_changes(out, &bundles);
            match site::render(
                &loaded.moments,
                &report.diagnostics,
                &changes,
                theme,
                options.site,
                &mut cache,
            ) {
                Ok(files) => Some(files),
                Err(d) => {
                    report.diagnostics.extend(d);
                    return report;
                }
            }
        }
        None => None,
    };
    if let Some(files) = &site_files {
        sets.push((SITE_DIR.to_string(), files));
    }
    if let Err(d) = output::write_all(out, &sets) {
        report.diagnostics.push(d);
        return report;
    }
    for (name, bytes) in &archives {
        if let Err(d) = output::write_single(out, name, bytes) {
            report.diagnostics.push(d);
            return report;
        }
    }
    if site_files.is_some() {
        report.site_index = Some(out.join(SITE_DIR).join("index.html"));
    }
    for (moment, b) in loaded.moments.into_iter().zip(&bundles) {
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
    report
}

/// One error per steg that is not approved for its current content.
pub fn release_blockers(moments: &[Moment]) -> Diagnostics {
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
    bundles: &[bundle::BundleOutput],
) -> std::collections::HashMap<String, crate::review::DiffReport> {
    use crate::bundle::{Bundle, Manifest};
    let mut result = std::collections::HashMap::new();
    for b in bundles {
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
        let read_new = |p: &str| match b.files.files.get(p) {
            Some(bundle::Content::Bytes(bytes)) => String::from_utf8(bytes.clone()).ok(),
            _ => None,
        };
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
