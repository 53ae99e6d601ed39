//! The preview site: the program as a young person, a clinician and a reviewer see it.
//!
//! Rendered from the same validated model as the bundle, with a Tera theme from `themes/`.
//! Steg pages sit at the same relative paths as the bundle's fragments
//! (`<moment>/steg/<modul>/<avsnitt>/<steg>.html`), so the links inside a fragment work
//! unchanged. Pages go to an [`Output`] as they are rendered, so the site is never held in
//! memory whole. A [`SiteCache`] carried between renders (as `steg serve` does) renders only
//! pages whose inputs changed, judged without building their contexts.

mod context;
mod form;
mod theme;
mod value;

pub use theme::Theme;

use crate::model::{MediaFile, Moment};
use crate::output::Output;
use crate::plan::Content;
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use steg_bundle::diagnostic::{Diagnostic, Diagnostics, codes::*};

/// How to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Minify HTML (needs the `minify` feature; ignored without it).
    pub minify: bool,
    /// The language of the findings shown to reviewers.
    pub lang: steg_bundle::diagnostic::Lang,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            minify: true,
            lang: steg_bundle::diagnostic::Lang::default(),
        }
    }
}

/// What an earlier render produced, so that the next one (in `steg serve`) renders only the
/// pages whose inputs changed, told by the model's revisions.
#[derive(Default)]
pub struct SiteCache {
    salt: Option<u64>,
    moments: HashMap<String, CachedMoment>,
    index: Option<u64>,
}

struct CachedMoment {
    revision: crate::model::Revision,
    /// Page path → fingerprint of its inputs.
    pages: HashMap<String, u64>,
    media: Vec<String>,
}

impl SiteCache {
    /// Whether it knows nothing yet (the next render renders everything).
    pub fn is_empty(&self) -> bool {
        self.index.is_none()
    }
}

/// What one render did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RenderStats {
    /// Pages in the site.
    pub pages: usize,
    /// Pages rendered now (the others were unchanged).
    pub rendered: usize,
    /// Files handed to the sink (pages, static and media files).
    pub written: usize,
}

/// Renders the site for `moments` into `sink`. `findings` (warnings from loading) are shown
/// to reviewers beside the steg they concern; `changes` holds, per moment id, the comparison
/// with its last release, when there is one. With a `cache` from an earlier render, only what
/// changed since is rendered and handed to the sink, and files that are gone are removed.
pub fn render(
    moments: &[Arc<Moment>],
    findings: &Diagnostics,
    changes: &HashMap<String, crate::review::DiffReport>,
    theme: &Theme,
    options: Options,
    cache: Option<&mut SiteCache>,
    sink: &dyn Output,
) -> Result<RenderStats, Diagnostics> {
    let salt = {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (options.minify, theme.fingerprint(), crate::VERSION).hash(&mut h);
        format!("{:?}", options.lang).hash(&mut h);
        h.finish()
    };
    let mut empty = SiteCache::default();
    let incremental = cache.is_some();
    let cache = cache.unwrap_or(&mut empty);
    if cache.salt != Some(salt) {
        *cache = SiteCache {
            salt: Some(salt),
            ..SiteCache::default()
        };
    }
    let mut stats = RenderStats::default();
    let mut errors = Diagnostics::new();
    let mut fresh: HashMap<String, CachedMoment> = HashMap::new();

    // The start page lists the moments.
    let index_key = {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for m in moments {
            m.revision.hash(&mut h);
        }
        h.finish()
    };
    stats.pages += 1;
    if cache.index != Some(index_key) || !incremental {
        let page = context::site_index(moments);
        let path = page.path.clone();
        match render_page(theme, page, options) {
            Ok(html) => {
                stats.rendered += 1;
                stats.written += 1;
                if let Err(e) = sink.write(&path, Content::Owned(html)) {
                    errors.push(e);
                }
            }
            Err(e) => errors.push(e),
        }
    }

    for m in moments {
        if cache
            .moments
            .get(&m.id)
            .is_some_and(|o| o.revision == m.revision)
            && let Some(old) = cache.moments.remove(&m.id)
        {
            // Nothing of this moment changed: its pages stand.
            stats.pages += old.pages.len();
            fresh.insert(m.id.clone(), old);
            continue;
        }
        let old = cache.moments.remove(&m.id);
        let old = old.as_ref();
        let input = context::MomentInput::new(m, findings, changes.get(&m.id), options.lang);
        let pages = input.pages();
        let (head, whole) = if incremental {
            (input.head_key(salt), input.whole_key())
        } else {
            (0, 0)
        };
        // Which pages changed is judged first, cheaply; only those are built, rendered and
        // handed over, one by one on the workers, so that no more than a page per thread is
        // held in memory. The overview pages come first in the list and are the heaviest;
        // splitting the work page by page lets them start at once on different workers.
        let keyed: Vec<(String, u64, bool)> = pages
            .par_iter()
            .map(|p| {
                let path = input.path(p);
                if !incremental {
                    return (path, 0, true);
                }
                let key = input.key(p, head, whole);
                let stale = old.and_then(|o| o.pages.get(&path)) != Some(&key);
                (path, key, stale)
            })
            .collect();
        let todo: Vec<usize> = (0..pages.len()).filter(|&i| keyed[i].2).collect();
        let rendered: Vec<Result<(), Diagnostic>> = todo
            .par_iter()
            .with_max_len(1)
            .map(|&i| {
                let page = input.build(&pages[i]);
                render_page(theme, page, options)
                    .and_then(|html| sink.write(&keyed[i].0, Content::Owned(html)))
            })
            .collect();
        for result in rendered {
            match result {
                Ok(()) => {
                    stats.rendered += 1;
                    stats.written += 1;
                }
                Err(e) => errors.push(e),
            }
        }
        let keys: HashMap<String, u64> = keyed
            .into_iter()
            .map(|(path, key, _)| (path, key))
            .collect();
        stats.pages += keys.len();
        let media: Vec<&MediaFile> = m.used_media();
        let media_paths: Vec<String> = media
            .iter()
            .map(|f| format!("{}/{}", m.id, f.bundle_path()))
            .collect();
        let copied: Result<(), Diagnostic> = media
            .par_iter()
            .zip(&media_paths)
            .try_for_each(|(f, path)| sink.write(path, Content::Media(f)));
        if let Err(e) = copied {
            errors.push(e);
        }
        stats.written += media.len();
        if let Some(old) = old {
            for path in old.pages.keys().filter(|p| !keys.contains_key(*p)) {
                sink.remove(path);
            }
            for path in old.media.iter().filter(|p| !media_paths.contains(p)) {
                sink.remove(path);
            }
        }
        fresh.insert(
            m.id.clone(),
            CachedMoment {
                revision: m.revision,
                pages: keys,
                media: media_paths,
            },
        );
    }
    // Moments that are gone take their pages with them.
    for old in cache.moments.values() {
        old.pages
            .keys()
            .chain(&old.media)
            .for_each(|p| sink.remove(p));
    }

    if cache.index.is_none() || !incremental {
        for (name, bytes) in theme.static_files() {
            stats.written += 1;
            if let Err(e) = sink.write(&format!("static/{name}"), Content::Borrowed(bytes)) {
                errors.push(e);
            }
        }
    }
    if !errors.is_empty() {
        // Forget everything: the next render starts afresh rather than trust a half-done one.
        *cache = SiteCache::default();
        errors.sort();
        return Err(errors);
    }
    cache.moments = fresh;
    cache.index = Some(index_key);
    Ok(stats)
}

/// One page to render: its path in the site, its template and its context.
pub(crate) struct Page {
    pub path: String,
    pub template: &'static str,
    pub context: tera::Context,
}

fn render_page(theme: &Theme, page: Page, options: Options) -> Result<Vec<u8>, Diagnostic> {
    theme
        .render(page.template, page.context)
        .map(|html| finish(html, options))
}

fn finish(html: Vec<u8>, options: Options) -> Vec<u8> {
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
        return minify_html::minify(&html, &cfg);
    }
    let _ = options;
    html
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
