//! Outputs rendered from the model, and writing them safely.
//!
//! [`build`] is the whole pipeline behind `steg build`: load and validate the content once,
//! render each output (the bundle of each moment, the preview site) from the model, then write
//! everything or nothing.

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
    let bundles: Vec<_> = loaded.moments.iter().map(bundle::render).collect();
    let mut sets: Vec<(String, &bundle::FileSet)> =
        bundles.iter().map(|b| (b.dir(), &b.files)).collect();
    let site_files = match options.theme {
        Some(theme) => {
            let mut cache = site::SiteCache::default();
            match site::render(
                &loaded.moments,
                &report.diagnostics,
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
    if site_files.is_some() {
        report.site_index = Some(out.join(SITE_DIR).join("index.html"));
    }
    for (moment, b) in loaded.moments.into_iter().zip(&bundles) {
        report.built.push(Built {
            bundle_dir: out.join(&b.moment_id).join(&b.version),
            files: b.manifest.files.len(),
            bytes: b.manifest.files.iter().map(|f| f.size).sum(),
            moment,
        });
    }
    report
}
