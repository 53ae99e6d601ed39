//! A theme: Tera templates in `templates/` and files served as they are in `static/`.

use super::template_error;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use steg_bundle::diagnostic::{Diagnostic, Diagnostics, Location, codes::*};

/// The templates every theme must have.
pub const REQUIRED: &[&str] = &[
    "index.html",
    "moment.html",
    "modul.html",
    "avsnitt.html",
    "steg.html",
    "behandlare.html",
    "granskning.html",
    "andringar.html",
    "dossier.html",
];

pub struct Theme {
    dir: PathBuf,
    tera: tera::Tera,
    /// Template name → (file, source), to point errors at the right line.
    sources: Vec<(String, PathBuf, String)>,
    statics: Vec<(String, Vec<u8>)>,
    fingerprint: u64,
}

impl Theme {
    /// Loads and compiles the theme in `dir`, reporting every template that does not parse.
    pub fn load(dir: &Path) -> Result<Theme, Diagnostics> {
        let mut d = Diagnostics::new();
        let templates_dir = dir.join("templates");
        if !crate::source::safe::is_real_dir(&templates_dir) {
            d.push(
                Diagnostic::new(E0902, "no-templates")
                    .arg("path", dir.display())
                    .in_file(dir),
            );
            return Err(d);
        }
        let mut files = Vec::new();
        collect(&templates_dir, &templates_dir, &mut files, &mut d);
        let mut sources: Vec<_> = files
            .into_iter()
            .filter_map(|(name, path, bytes)| match String::from_utf8(bytes) {
                Ok(text) => Some((name, path, text)),
                Err(e) => {
                    d.push(
                        Diagnostic::new(E0902, "file")
                            .arg("error", e.utf8_error())
                            .in_file(&path),
                    );
                    None
                }
            })
            .collect();
        sources.sort();
        let mut statics = Vec::new();
        let static_dir = dir.join("static");
        // A `static` that is a link is not followed: it could copy any folder into the preview.
        if crate::source::safe::is_real_dir(&static_dir) {
            let mut files = Vec::new();
            collect(&static_dir, &static_dir, &mut files, &mut d);
            statics = files
                .into_iter()
                .map(|(name, _, bytes)| (name, bytes))
                .collect();
            statics.sort();
        } else if std::fs::symlink_metadata(&static_dir).is_ok() {
            d.push(crate::source::refused(
                &static_dir,
                crate::source::safe::Refused::Link,
            ));
        }

        if d.has_errors() {
            d.sort();
            return Err(d);
        }
        Self::compile(dir, sources, statics, &templates_dir)
    }

    /// The default theme, built into steg, for content folders that have no `themes/`.
    pub fn builtin() -> Theme {
        macro_rules! files {
            ($kind:literal: $($name:literal),*) => {
                vec![$(($name.to_string(), include_str!(concat!("../../../../themes/default/", $kind, "/", $name)).to_string())),*]
            };
        }
        let templates = files!("templates": "base.html", "crumbs.html", "index.html", "moment.html",
            "modul.html", "avsnitt.html", "steg.html", "behandlare.html", "granskning.html",
            "andringar.html", "dossier.html", "dossier-modul.html");
        let statics = files!("static": "style.css", "preview.js");
        let dir = PathBuf::from("themes/default");
        let sources = templates
            .into_iter()
            .map(|(name, text)| (name.clone(), dir.join("templates").join(&name), text))
            .collect();
        let statics = statics
            .into_iter()
            .map(|(n, t)| (n, t.into_bytes()))
            .collect();
        // The built-in theme is checked by the tests; an error here is a bug in steg.
        Self::compile(&dir, sources, statics, &dir.join("templates"))
            .unwrap_or_else(|d| panic!("the built-in theme does not compile: {d:?}"))
    }

    fn compile(
        dir: &Path,
        sources: Vec<(String, PathBuf, String)>,
        statics: Vec<(String, Vec<u8>)>,
        templates_dir: &Path,
    ) -> Result<Theme, Diagnostics> {
        let mut d = Diagnostics::new();
        let mut tera = tera::Tera::new();
        // Parse each template alone first, so a syntax error in one does not hide errors in
        // the rest; then add them together, which also checks inheritance between them.
        for (name, path, text) in &sources {
            if let Err(e) = tera::Tera::new().add_raw_template(name, text)
                && matches!(e.kind(), tera::ErrorKind::SyntaxError(_))
            {
                let (location, message) = locate(text, &e);
                d.push(
                    Diagnostic::new(E0901, "template")
                        .arg("detail", message)
                        .in_file(path)
                        .at_opt(location),
                );
            }
        }
        if !d.has_errors()
            && let Err(e) =
                tera.add_raw_templates(sources.iter().map(|(n, _, t)| (n.as_str(), t.as_str())))
        {
            let name = match e.kind() {
                tera::ErrorKind::MissingParent { current, .. } => current.clone(),
                tera::ErrorKind::SyntaxError(r) => r.filename().to_string(),
                _ => String::new(),
            };
            let (path, text) = sources
                .iter()
                .find(|(n, _, _)| *n == name)
                .map_or((templates_dir.to_path_buf(), ""), |(_, p, t)| {
                    (p.clone(), t.as_str())
                });
            let (location, message) = locate(text, &e);
            d.push(
                Diagnostic::new(E0901, "template")
                    .arg("detail", message)
                    .in_file(path)
                    .at_opt(location),
            );
        }
        for name in REQUIRED {
            if !sources.iter().any(|(n, _, _)| n == name) {
                d.push(
                    Diagnostic::new(E0902, "missing")
                        .arg("name", name)
                        .in_file(templates_dir),
                );
            }
        }
        if d.has_errors() {
            d.sort();
            return Err(d);
        }
        let fingerprint = {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            sources.hash(&mut h);
            statics.hash(&mut h);
            h.finish()
        };
        Ok(Theme {
            dir: dir.to_path_buf(),
            tera,
            sources,
            statics,
            fingerprint,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Changes whenever a template or static file changes.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    /// Whether the theme has the template `name`.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.sources.iter().any(|(n, _, _)| n == name)
    }

    pub fn static_files(&self) -> &[(String, Vec<u8>)] {
        &self.statics
    }

    pub(crate) fn render(&self, template: &str, ctx: tera::Context) -> Result<Vec<u8>, Diagnostic> {
        // Rendered as bytes: the page goes to a file as bytes, and Tera would otherwise check
        // the whole page for UTF-8 once more (it is made of strings, so it is).
        let mut page = Vec::with_capacity(16 * 1024);
        self.tera
            .render_to(template, &ctx, &mut page)
            .map_err(|e| template_error(self, template, &e))?;
        Ok(page)
    }

    /// The file, position and message of a Tera error.
    pub(crate) fn locate_error(
        &self,
        template: &str,
        e: &tera::Error,
    ) -> (PathBuf, Option<Location>, String) {
        let report_name = match e.kind() {
            tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
                Some(r.filename().to_string()).filter(|n| !n.is_empty())
            }
            _ => None,
        };
        let name = report_name.as_deref().unwrap_or(template);
        match self.sources.iter().find(|(n, _, _)| n == name) {
            Some((_, path, text)) => {
                let (loc, msg) = locate(text, e);
                (path.clone(), loc, msg)
            }
            None => (self.dir.join("templates").join(name), None, e.to_string()),
        }
    }
}

fn locate(text: &str, e: &tera::Error) -> (Option<Location>, String) {
    match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => {
            let range = r.span().range.clone();
            let location = (range.end <= text.len()).then(|| Location::of_range(text, range));
            (location, r.message().to_string())
        }
        _ => (None, e.to_string()),
    }
}

/// The largest theme file read: a theme's images and fonts, not a film.
pub const MAX_THEME_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// Every plain file below `dir`, with its path relative to `base` and its bytes. Links and
/// special files are reported, not followed or opened: a link could copy files from outside
/// the theme into the preview, and two links to `.` would fan out without end.
fn collect(
    base: &Path,
    dir: &Path,
    out: &mut Vec<(String, PathBuf, Vec<u8>)>,
    d: &mut Diagnostics,
) {
    use crate::source::safe;
    let Ok(entries) = std::fs::read_dir(dir) else {
        d.push(Diagnostic::new(E0902, "folder").in_file(dir));
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        // `file_type` of a directory entry does not follow links.
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            collect(base, &path, out, d);
            continue;
        }
        let Ok(rel) = path.strip_prefix(base) else {
            continue;
        };
        match safe::read_limited(&path, MAX_THEME_FILE_BYTES) {
            Ok(bytes) => out.push((crate::source::rel_string(rel), path, bytes)),
            Err(e @ (safe::Refused::Link | safe::Refused::Special { .. })) => {
                d.push(crate::source::refused(&path, e));
            }
            Err(e) => d.push(
                Diagnostic::new(E0902, "file")
                    .arg("error", e)
                    .in_file(&path),
            ),
        }
    }
}
