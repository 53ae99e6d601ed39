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
mod pages;
mod theme;
mod value;

pub use theme::Theme;

use crate::model::{MediaFile, Moment};
use crate::output::Output;
use crate::plan::Content;
use pages::CachedMoment;
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
    /// Whether renders leave the overview pages of a changed moment for the next render.
    defer: bool,
    /// The overview pages the last render left (their earlier versions still stand).
    pending: Vec<String>,
}

impl SiteCache {
    /// Whether it knows nothing yet (the next render renders everything).
    pub fn is_empty(&self) -> bool {
        self.index.is_none()
    }

    /// Makes each render leave the overview pages of a moment that changed (Behandlare,
    /// Granskning, Ändringar, the dossier: each lists every steg, and in a moment of
    /// thousands of steg they cost more than everything else an edit changes) for the next
    /// render, so that `steg serve` can show an edited steg first. The pages left are listed
    /// by [`SiteCache::pending`]; a render without deferring renders them.
    pub fn set_deferring(&mut self, defer: bool) {
        self.defer = defer;
    }

    /// The pages the last render left for the next one.
    pub fn pending(&self) -> &[String] {
        &self.pending
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
    let salt = salt(theme, options);
    let mut empty = SiteCache::default();
    let incremental = cache.is_some();
    let cache = cache.unwrap_or(&mut empty);
    if cache.salt != Some(salt) {
        *cache = SiteCache {
            salt: Some(salt),
            defer: cache.defer,
            ..SiteCache::default()
        };
    }
    let defer = cache.defer && incremental;
    let mut r = SiteRender {
        findings,
        changes,
        theme,
        options,
        sink,
        incremental,
        defer,
        salt,
        stats: RenderStats::default(),
        errors: Diagnostics::new(),
        pending: Vec::new(),
    };

    // The start page lists the moments.
    let index_key = index_key(moments);
    r.stats.pages += 1;
    if cache.index != Some(index_key) || !incremental {
        r.index(moments);
    }
    let fresh = r.moments(moments, &mut cache.moments);
    if cache.index.is_none() || !incremental {
        r.static_files();
    }
    if !r.errors.is_empty() {
        // Forget everything: the next render starts afresh rather than trust a half-done one.
        *cache = SiteCache {
            defer: cache.defer,
            ..SiteCache::default()
        };
        r.errors.sort();
        return Err(r.errors);
    }
    cache.moments = fresh;
    cache.index = Some(index_key);
    cache.pending = r.pending;
    Ok(r.stats)
}

/// Everything a page depends on besides its moment: a change here renders every page.
fn salt(theme: &Theme, options: Options) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (options.minify, theme.fingerprint(), crate::VERSION).hash(&mut h);
    format!("{:?}", options.lang).hash(&mut h);
    h.finish()
}

/// What the start page is made from: the moments' revisions.
fn index_key(moments: &[Arc<Moment>]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for m in moments {
        m.revision.hash(&mut h);
    }
    h.finish()
}

/// One render of the site: its inputs, and what it did so far.
struct SiteRender<'a> {
    findings: &'a Diagnostics,
    changes: &'a HashMap<String, crate::review::DiffReport>,
    theme: &'a Theme,
    options: Options,
    sink: &'a dyn Output,
    /// Whether a cache judges pages (else every page is rendered, and no keys are made).
    incremental: bool,
    /// Whether overview pages of a changed moment are left for the next render.
    defer: bool,
    salt: u64,
    stats: RenderStats,
    errors: Diagnostics,
    /// The overview pages left for the next render.
    pending: Vec<String>,
}

impl SiteRender<'_> {
    /// Renders every moment's pages that changed since the render `old` remembers, and
    /// removes the pages of moments that are gone: what the next render should remember.
    fn moments(
        &mut self,
        moments: &[Arc<Moment>],
        old: &mut HashMap<String, CachedMoment>,
    ) -> HashMap<String, CachedMoment> {
        let mut fresh: HashMap<String, CachedMoment> = HashMap::new();
        for m in moments {
            let done = match old.remove(&m.id) {
                // Nothing of this moment changed: its pages stand.
                Some(old) if old.complete && old.revision == m.revision => {
                    self.stats.pages += old.page_count();
                    old
                }
                old => self.moment(m, old.as_ref()),
            };
            fresh.insert(m.id.clone(), done);
        }
        // Moments that are gone take their pages with them.
        for gone in old.values() {
            gone.paths()
                .chain(&gone.media)
                .for_each(|p| self.sink.remove(p));
        }
        fresh
    }

    /// Renders and writes the start page.
    fn index(&mut self, moments: &[Arc<Moment>]) {
        let page = context::site_index(moments);
        let path = page.path.clone();
        match render_page(self.theme, page, self.options) {
            Ok(html) => {
                self.stats.rendered += 1;
                self.stats.written += 1;
                if let Err(e) = self.sink.write(&path, Content::Owned(html)) {
                    self.errors.push(e);
                }
            }
            Err(e) => self.errors.push(e),
        }
    }

    /// Renders the pages of a moment that changed since `old` (all of them without it),
    /// copies its media, and removes what it no longer has.
    fn moment(&mut self, m: &Moment, old: Option<&CachedMoment>) -> CachedMoment {
        let lang = self.options.lang;
        let input = context::MomentInput::new(m, self.findings, self.changes.get(&m.id), lang);
        let judge = pages::Judge::new(&input, self.incremental, self.salt, old);
        let mut todo = Vec::new();
        let own = judge.own_pages(self.defer, &mut todo);
        self.pending.extend(own.pending);
        let moduler = judge.moduler(&mut todo);
        self.render_pages(&input, todo);
        let head = judge.head;
        let fresh = CachedMoment {
            revision: m.revision,
            head,
            approvals: m.approvals.revision(),
            complete: own.complete,
            own: own.keys,
            moduler,
            media: Vec::new(),
        };
        self.stats.pages += fresh.page_count();
        // The head covers every media file's path and hash: while it stands, so do they.
        let media = match old {
            Some(old) if old.head == head => old.media.clone(),
            _ => self.media(m),
        };
        if let Some(old) = old {
            old.gone(&fresh, &media).for_each(|p| self.sink.remove(p));
        }
        CachedMoment { media, ..fresh }
    }

    /// Builds, renders and hands over `todo`, one page a task, so that no more than a page
    /// per thread is held in memory and the heavy overview pages start at once.
    fn render_pages(&mut self, input: &context::MomentInput<'_>, todo: Vec<pages::Todo<'_>>) {
        let (theme, options, sink) = (self.theme, self.options, self.sink);
        let rendered: Vec<Result<(), Diagnostic>> = todo
            .par_iter()
            .with_max_len(1)
            .map(|(page, path)| {
                let html = match page {
                    context::PageRef::Dossier => render_dossier(theme, input),
                    page => render_page(theme, input.build(page), options),
                };
                html.and_then(|html| sink.write(path, Content::Owned(html)))
            })
            .collect();
        for result in rendered {
            match result {
                Ok(()) => {
                    self.stats.rendered += 1;
                    self.stats.written += 1;
                }
                Err(e) => self.errors.push(e),
            }
        }
    }

    /// Copies the media the moment uses: their paths in the site.
    fn media(&mut self, m: &Moment) -> Vec<String> {
        let media: Vec<&MediaFile> = m.used_media();
        let media_paths: Vec<String> = media
            .iter()
            .map(|f| format!("{}/{}", m.id, f.bundle_path()))
            .collect();
        let sink = self.sink;
        let copied: Result<(), Diagnostic> = media
            .par_iter()
            .zip(&media_paths)
            .try_for_each(|(f, path)| sink.write(path, Content::Media(f)));
        if let Err(e) = copied {
            self.errors.push(e);
        }
        self.stats.written += media.len();
        media_paths
    }

    /// Writes the theme's static files (style sheets, scripts).
    fn static_files(&mut self) {
        for (name, bytes) in self.theme.static_files() {
            self.stats.written += 1;
            let path = format!("static/{name}");
            if let Err(e) = self.sink.write(&path, Content::Borrowed(bytes)) {
                self.errors.push(e);
            }
        }
    }
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

/// The dossier, which shows every steg of a moment in full: rendered a modul at a time into
/// the page where the theme's `dossier.html` puts [`context::DOSSIER_MARKER`], so that the
/// contexts of thousands of steg are never held at once (a theme without the marker or
/// `dossier-modul.html` gets it rendered whole). Never minified: it is a page to print, and
/// minifying a page of that size took gigabytes.
fn render_dossier(theme: &Theme, input: &context::MomentInput<'_>) -> Result<Vec<u8>, Diagnostic> {
    let head = theme.render("dossier.html", input.dossier_head().context)?;
    let marker = context::DOSSIER_MARKER.as_bytes();
    let at = head.windows(marker.len()).position(|w| w == marker);
    let Some(at) = at.filter(|_| theme.has("dossier-modul.html")) else {
        return theme.render(
            "dossier.html",
            input.build(&context::PageRef::Dossier).context,
        );
    };
    let mut page = head[..at].to_vec();
    for x in &input.m.moduler {
        let part = input.dossier_modul(x);
        page.extend(theme.render(part.template, part.context)?);
    }
    page.extend_from_slice(&head[at + marker.len()..]);
    Ok(page)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The dossier rendered a modul at a time is byte for byte the dossier rendered whole.
    #[test]
    fn the_dossier_in_parts_is_the_dossier_whole() {
        let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../content");
        let loaded = crate::compile::load(&content);
        let m = loaded.moments.first().expect("PLUS ung loads");
        let theme = Theme::builtin();
        let lang = steg_bundle::diagnostic::Lang::default();
        let input = context::MomentInput::new(m, &loaded.diagnostics, None, lang);
        let parts = render_dossier(&theme, &input).expect("in parts");
        let whole = theme
            .render(
                "dossier.html",
                input.build(&context::PageRef::Dossier).context,
            )
            .expect("whole");
        let (parts, whole) = (String::from_utf8(parts), String::from_utf8(whole));
        assert_eq!(parts, whole);
        let text = parts.expect("UTF-8");
        assert!(!text.contains(context::DOSSIER_MARKER));
        for x in &m.moduler {
            assert!(
                text.contains(&format!("<code>{}</code>", x.id)),
                "{} missing",
                x.id
            );
        }
    }
}
