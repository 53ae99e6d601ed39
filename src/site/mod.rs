//! The preview site: the program as a young person, a clinician and a reviewer see it.
//!
//! Rendered from the same validated model as the bundle, with a Tera theme from `themes/`.
//! Steg pages sit at the same relative paths as the bundle's fragments
//! (`<moment>/steg/<modul>/<avsnitt>/<steg>.html`), so the links inside a fragment work
//! unchanged. Each page's context is hashed; a [`SiteCache`] carried between renders (as
//! `steg serve` does) skips pages whose context did not change.

mod context;
mod form;
mod theme;

pub use theme::Theme;

use crate::build::bundle::{Content, FileSet};
use crate::diagnostic::{Diagnostic, Diagnostics, codes::*};
use crate::model::Moment;
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// How to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Minify HTML (needs the `minify` feature; ignored without it).
    pub minify: bool,
    /// The language of the findings shown to reviewers.
    pub lang: crate::diagnostic::Lang,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            minify: true,
            lang: crate::diagnostic::Lang::default(),
        }
    }
}

/// Rendered pages from earlier renders, keyed by path, with the hash of their context.
#[derive(Default)]
pub struct SiteCache {
    pages: HashMap<String, (u64, std::sync::Arc<Vec<u8>>)>,
    /// Pages rendered (not reused) by the last render.
    pub rendered: usize,
}

/// A page's context hash, its bytes, and whether it was rendered now (not reused).
type Rendered = (u64, std::sync::Arc<Vec<u8>>, bool);

/// One page to render: its path in the site, its template and its context.
pub(crate) struct Page {
    pub path: String,
    pub template: &'static str,
    pub context: serde_json::Value,
}

/// Renders the site for `moments`. `findings` (warnings from loading) are shown to reviewers
/// beside the steg they concern.
/// `changes` holds, per moment id, the comparison with its last release, when there is one.
pub fn render(
    moments: &[Moment],
    findings: &Diagnostics,
    changes: &HashMap<String, crate::review::DiffReport>,
    theme: &Theme,
    options: Options,
    cache: &mut SiteCache,
) -> Result<FileSet, Diagnostics> {
    let mut pages = vec![context::site_index(moments)];
    for m in moments {
        pages.extend(context::moment_pages(
            m,
            findings,
            changes.get(&m.id),
            options.lang,
        ));
    }
    let options_key = u64::from(options.minify) ^ theme.fingerprint();
    // Pages are consumed, so that their contexts are freed on the workers, not one by one on
    // this thread afterwards.
    let results: Vec<(String, Result<Rendered, Diagnostic>)> = pages
        .into_par_iter()
        .map(|page| {
            let key = {
                // Hash the context as it serializes, without building its text.
                let mut h = std::collections::hash_map::DefaultHasher::new();
                (page.template, options_key).hash(&mut h);
                let _ = serde_json::to_writer(HashWriter(&mut h), &page.context);
                h.finish()
            };
            if let Some((k, bytes)) = cache.pages.get(&page.path)
                && *k == key
            {
                return (page.path, Ok((key, bytes.clone(), false)));
            }
            let html = theme
                .render(page.template, &page.context)
                .map(|html| std::sync::Arc::new(finish(html, options)));
            (page.path, html.map(|h| (key, h, true)))
        })
        .collect();

    let mut files = FileSet::default();
    let mut errors = Diagnostics::new();
    let mut fresh = HashMap::with_capacity(results.len());
    cache.rendered = 0;
    for (path, r) in results {
        match r {
            Ok((key, bytes, rendered)) => {
                cache.rendered += usize::from(rendered);
                files.add(path.clone(), bytes.as_slice());
                fresh.insert(path, (key, bytes));
            }
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        errors.sort();
        return Err(errors);
    }
    cache.pages = fresh;

    for (name, bytes) in theme.static_files() {
        files.add(format!("static/{name}"), bytes.clone());
    }
    for m in moments {
        for f in m.used_media() {
            files.files.insert(
                format!("{}/{}", m.id, f.bundle_path()),
                Content::Copy {
                    from: f.path.clone(),
                    sha256: f.sha256.clone(),
                    size: f.size,
                },
            );
        }
    }
    Ok(files)
}

/// Feeds written bytes to a hasher.
struct HashWriter<'a>(&'a mut std::collections::hash_map::DefaultHasher);

impl std::io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn finish(html: String, options: Options) -> Vec<u8> {
    #[cfg(feature = "minify")]
    if options.minify {
        let cfg = minify_html::Cfg {
            keep_closing_tags: true,
            keep_input_type_text_attr: true,
            keep_html_and_head_opening_tags: true,
            minify_css: true,
            minify_js: false,
            ..minify_html::Cfg::default()
        };
        return minify_html::minify(html.as_bytes(), &cfg);
    }
    let _ = options;
    html.into_bytes()
}

/// A template problem, as a diagnostic pointing into the theme.
pub(crate) fn template_error(theme: &Theme, template: &str, e: &tera::Error) -> Diagnostic {
    use std::error::Error as _;
    let (file, location, message) = theme.locate_error(template, e);
    let mut message = message;
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    Diagnostic::new(E0901, "render")
        .arg("detail", message)
        .in_file(file)
        .at_opt(location)
}
