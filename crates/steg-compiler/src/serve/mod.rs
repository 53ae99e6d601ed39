//! `steg serve`: the preview site, rebuilt in memory on every save and reloaded in the browser.
//!
//! The site is served from memory, so a rebuild writes nothing to disk and never touches
//! `dist/`. A file watcher (debounced; access events ignored, since reading content during a
//! rebuild would otherwise trigger the next one) collects changed paths; only those files are
//! read again ([`crate::compile::Cache`]) and only pages whose inputs changed are rendered again
//! ([`crate::site::SiteCache`]). A build with errors keeps the last good site and shows the
//! errors at the top of every page and in the terminal; the next good save clears them.

use crate::compile::{self, Cache};
use crate::report::{Style, render_human};
use crate::site::{self, SiteCache, Theme};
use axum::body::Body;
use axum::http::{Response, StatusCode, Uri, header};
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use steg_bundle::diagnostic::{Diagnostics, Lang, catalogue};

/// What `steg serve` was asked to do.
pub struct Options {
    pub content: PathBuf,
    /// The theme folder to watch and reload; `None` for the built-in theme.
    pub theme_dir: Option<PathBuf>,
    pub port: u16,
    pub open: bool,
    pub style: Style,
    /// The language of the messages, in the terminal and in the preview.
    pub lang: Lang,
}

/// A file of the site as served: rendered, or a media file read from the content on request.
#[derive(Clone)]
enum ServedFile {
    Bytes(Arc<Vec<u8>>),
    File(PathBuf),
}

/// The site as served: files by path, and the errors of the last build if it failed.
#[derive(Default)]
struct Served {
    files: HashMap<String, ServedFile>,
    errors: Option<String>,
}

type Shared = Arc<RwLock<Served>>;

/// Collects what a render changed, to be applied to the served site in one step (and only if
/// the whole render succeeded).
#[derive(Default)]
struct Changes(std::sync::Mutex<Vec<(String, Option<ServedFile>)>>);

impl Changes {
    fn push(&self, path: &str, file: Option<ServedFile>) {
        if let Ok(mut list) = self.0.lock() {
            list.push((path.to_string(), file));
        }
    }
}

impl crate::output::Output for Changes {
    /// Media are served from the content folder, as they are; everything else from memory.
    fn write(
        &self,
        path: &str,
        content: crate::plan::Content<'_>,
    ) -> Result<(), steg_bundle::diagnostic::Diagnostic> {
        use crate::plan::Content;
        let file = match content {
            Content::Media(media) => ServedFile::File(media.path.clone()),
            Content::Owned(bytes) => ServedFile::Bytes(Arc::new(bytes)),
            Content::Borrowed(bytes) => ServedFile::Bytes(Arc::new(bytes.to_vec())),
        };
        self.push(path, Some(file));
        Ok(())
    }

    fn remove(&self, path: &str) {
        self.push(path, None);
    }
}

/// Everything kept between rebuilds: the site as served, the theme, and the caches that make
/// a rebuild cost what changed.
pub struct Rebuilder {
    content: PathBuf,
    theme_dir: Option<PathBuf>,
    theme: Option<Theme>,
    cache: Cache,
    site_cache: SiteCache,
    served: Shared,
    lang: Lang,
}

/// The result of one rebuild, for the terminal.
#[derive(Debug)]
pub enum Outcome {
    Built {
        pages: usize,
        pages_rendered: usize,
        steg_rendered: usize,
        steg_reused: usize,
        files_read: usize,
    },
    /// The changed files have the same content as before: nothing to do.
    Unchanged,
    Failed(Diagnostics),
}

impl Rebuilder {
    /// A rebuilder for the content in `content`, with the theme in `theme_dir` (the built-in
    /// theme when `None`). Nothing is built until the first [`Rebuilder::rebuild`].
    pub fn new(content: PathBuf, theme_dir: Option<PathBuf>) -> Self {
        Rebuilder {
            content,
            theme_dir,
            theme: None,
            cache: Cache::for_watching(),
            site_cache: SiteCache::default(),
            served: Arc::default(),
            lang: Lang::default(),
        }
    }

    /// Reports problems in `lang`.
    pub fn with_lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    /// The served bytes of `path` in the site, as a browser would get them.
    pub fn file(&self, path: &str) -> Option<Vec<u8>> {
        let s = self.served.read().ok()?;
        match s.files.get(path)? {
            ServedFile::Bytes(b) => Some(b.as_ref().clone()),
            ServedFile::File(p) => std::fs::read(p).ok(),
        }
    }

    fn load_theme(&mut self) -> Result<(), Diagnostics> {
        self.theme = Some(match &self.theme_dir {
            Some(dir) => Theme::load(dir)?,
            None => Theme::builtin(),
        });
        Ok(())
    }

    /// Rebuilds after `changed` paths changed (none for the first build).
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> Outcome {
        let in_theme = |p: &Path| {
            self.theme_dir
                .as_ref()
                .is_some_and(|dir| p.starts_with(dir))
        };
        let theme_changed = changed.iter().any(|p| in_theme(p));
        // A save that did not change the text (or a file touched by another tool) costs a
        // read and a comparison.
        let changed: Vec<PathBuf> = changed
            .iter()
            .filter(|p| in_theme(p) || !self.cache.unchanged(p))
            .cloned()
            .collect();
        if self.theme.is_some() && changed.is_empty() {
            return Outcome::Unchanged;
        }
        if (self.theme.is_none() || theme_changed)
            && let Err(d) = self.load_theme()
        {
            return self.fail(d);
        }
        self.cache.invalidate(changed.iter().map(PathBuf::as_path));
        let t0 = std::time::Instant::now();
        let loaded = compile::load_with(&self.content, &mut self.cache);
        eprintln!("TT load {:?}", t0.elapsed());
        let t0 = std::time::Instant::now();
        if loaded.diagnostics.has_errors() {
            return self.fail(loaded.diagnostics);
        }
        let Some(theme) = &self.theme else {
            return Outcome::Failed(Diagnostics::new());
        };
        let options = site::Options {
            minify: false,
            lang: self.lang,
        };
        // Serve previews the working copy; comparisons with releases are in `steg build`.
        let releases = HashMap::new();
        let full = self.site_cache.is_empty();
        let changes = Changes::default();
        match site::render(
            &loaded.moments,
            &loaded.diagnostics,
            &releases,
            theme,
            options,
            Some(&mut self.site_cache),
            &changes,
        ) {
            Ok(stats) => {
                eprintln!("TT site {:?} {:?}", t0.elapsed(), stats);
                let list = changes.0.into_inner().unwrap_or_default();
                if let Ok(mut s) = self.served.write() {
                    if full {
                        s.files.clear();
                    }
                    for (path, file) in list {
                        match file {
                            Some(f) => s.files.insert(path, f),
                            None => s.files.remove(&path),
                        };
                    }
                    s.errors = None;
                }
                let c = self.cache.stats;
                Outcome::Built {
                    pages: stats.pages,
                    pages_rendered: stats.rendered,
                    steg_rendered: c.steg_rendered,
                    steg_reused: c.steg_reused,
                    files_read: c.files_read,
                }
            }
            Err(d) => self.fail(d),
        }
    }

    fn fail(&mut self, d: Diagnostics) -> Outcome {
        if let Ok(mut s) = self.served.write() {
            s.errors = Some(render_human(&d, Style::Plain, self.lang));
        }
        Outcome::Failed(d)
    }
}

/// Runs the server until the process is stopped. Returns an error message if it cannot start.
pub fn run(options: Options) -> Result<(), String> {
    let mut builder =
        Rebuilder::new(options.content.clone(), options.theme_dir.clone()).with_lang(options.lang);
    let served = builder.served.clone();
    let started = Instant::now();
    let first = builder.rebuild(&[]);
    report(&first, started.elapsed(), 0, options.style, options.lang);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    runtime.block_on(async move {
        let livereload = tower_livereload::LiveReloadLayer::new();
        let reloader = livereload.reloader();
        let app = axum::Router::new()
            .fallback({
                let served = served.clone();
                move |uri: Uri| {
                    let served = served.clone();
                    async move { respond(&served, &uri) }
                }
            })
            .layer(livereload);
        let listener = listen(&options).await?;

        let watched: Vec<PathBuf> = std::iter::once(options.content.clone())
            .chain(options.theme_dir.clone())
            .collect();
        let (tx, rx) = std::sync::mpsc::channel();
        let debouncer = watch(&watched, tx)?;
        let watcher = Watcher {
            builder,
            watched,
            reloader,
            style: options.style,
            lang: options.lang,
        };
        std::thread::spawn(move || {
            // Keep the watcher alive as long as this thread runs.
            let _debouncer = debouncer;
            watcher.run(rx);
        });

        axum::serve(listener, app)
            .await
            .map_err(|e| format!("the server stopped: {e}"))
    })
}

/// Listens on the local port, says where, and opens the browser there if asked.
async fn listen(options: &Options) -> Result<tokio::net::TcpListener, String> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", options.port))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the server's address: {e}"))?;
    let url = format!("http://{addr}/");
    eprintln!(
        "     Serving {url} (watching {}; press Ctrl+C to stop)",
        options.content.display()
    );
    if options.open {
        open_browser(&url);
    }
    Ok(listener)
}

/// Starts watching `dirs`, sending each settled batch of changes to `tx`. The watch lasts
/// as long as the value returned is kept.
fn watch(
    dirs: &[PathBuf],
    tx: std::sync::mpsc::Sender<notify_debouncer_full::DebounceEventResult>,
) -> Result<impl Send + 'static, String> {
    let mut debouncer = notify_debouncer_full::new_debouncer(Duration::from_millis(25), None, tx)
        .map_err(|e| format!("cannot watch for changes: {e}"))?;
    for dir in dirs {
        debouncer
            .watch(dir, RecursiveMode::Recursive)
            .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
    }
    Ok(debouncer)
}

/// Rebuilds on every batch of changes, and reloads the browser when the site changed.
struct Watcher {
    builder: Rebuilder,
    /// The folders watched (content, and the theme if any).
    watched: Vec<PathBuf>,
    reloader: tower_livereload::Reloader,
    style: Style,
    lang: Lang,
}

impl Watcher {
    fn run(mut self, rx: std::sync::mpsc::Receiver<notify_debouncer_full::DebounceEventResult>) {
        while let Ok(result) = rx.recv() {
            let Ok(events) = result else { continue };
            let t0 = Instant::now();
            let changed = changed_paths(&events);
            if changed.is_empty() {
                continue;
            }
            let count = changed.len();
            // Watchers report absolute paths; the cache knows them as the user wrote them.
            let spellings: Vec<PathBuf> = changed
                .iter()
                .flat_map(|p| both_spellings(p, &self.watched))
                .collect();
            let outcome = self.builder.rebuild(&spellings);
            if !matches!(outcome, Outcome::Unchanged) {
                self.reloader.reload();
            }
            report(&outcome, t0.elapsed(), count, self.style, self.lang);
        }
    }
}

/// The files a batch of events changed (not only read), each once, editors' temporary
/// files left out.
fn changed_paths(events: &[notify_debouncer_full::DebouncedEvent]) -> Vec<PathBuf> {
    let mut changed: Vec<PathBuf> = events
        .iter()
        .filter(|e| !matches!(e.kind, EventKind::Access(_)))
        .flat_map(|e| e.paths.iter().cloned())
        .filter(|p| !is_ignored(p))
        .collect();
    changed.sort();
    changed.dedup();
    changed
}

/// Editors save through temporary files (`.x.swp`, `x~`, `4913`); those are not content.
fn is_ignored(p: &Path) -> bool {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.starts_with('.') || name.ends_with('~') || name.ends_with(".swp") || name == "4913"
}

/// `path` as the watcher reported it, and relative to the current folder when it is inside a
/// watched folder given as a relative path.
fn both_spellings(path: &Path, watched: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = vec![path.to_path_buf()];
    if let Ok(cwd) = std::env::current_dir()
        && let Ok(rel) = path.strip_prefix(&cwd)
    {
        if watched.iter().any(|w| rel.starts_with(w)) {
            out.push(rel.to_path_buf());
        }
        out.push(Path::new(".").join(rel));
    }
    out
}

fn report(outcome: &Outcome, took: Duration, changed: usize, style: Style, lang: Lang) {
    let ms = took.as_secs_f64() * 1000.0;
    match outcome {
        Outcome::Unchanged => {
            eprintln!("   Unchanged in {ms:.1} ms: the saved files have the same content");
        }
        Outcome::Built {
            pages,
            pages_rendered,
            steg_rendered,
            steg_reused,
            files_read,
        } => {
            let what = if changed == 0 {
                "Built".to_string()
            } else {
                format!(
                    "Rebuilt ({changed} path{} changed)",
                    if changed == 1 { "" } else { "s" }
                )
            };
            eprintln!(
                "{what:>12} in {ms:.1} ms: {files_read} files read, {steg_rendered} steg rendered, {steg_reused} reused, {pages_rendered} of {pages} pages rendered"
            );
        }
        Outcome::Failed(d) => {
            eprint!("{}", render_human(d, style, lang));
            let message = catalogue::ui(
                lang,
                "serve-failed",
                &[
                    ("errors", d.error_count().to_string()),
                    ("ms", format!("{ms:.1}")),
                ],
            );
            eprintln!(
                "{}",
                catalogue::ui(lang, "error-line", &[("message", message)])
            );
        }
    }
}

fn respond(served: &Shared, uri: &Uri) -> Response<Body> {
    let Ok(s) = served.read() else {
        return status(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server's state is unavailable",
        );
    };
    let mut path = uri.path().trim_start_matches('/').to_string();
    if path.is_empty() || path.ends_with('/') {
        path.push_str("index.html");
    }
    let path = crate::markdown::percent_decode(&path);
    let Some(file) = s
        .files
        .get(&path)
        .or_else(|| s.files.get(&format!("{path}/index.html")))
    else {
        if s.files.is_empty() {
            return error_page(
                s.errors
                    .as_deref()
                    .unwrap_or("The program has not been built yet."),
            );
        }
        return status(StatusCode::NOT_FOUND, "Sidan finns inte.");
    };
    let bytes = match file {
        ServedFile::Bytes(b) => b.clone(),
        ServedFile::File(p) => match std::fs::read(p) {
            Ok(b) => Arc::new(b),
            Err(_) => return status(StatusCode::NOT_FOUND, "Filen kan inte läsas."),
        },
    };
    let media_type = steg_bundle::layout::media_type(&path);
    let body = match (&s.errors, media_type) {
        (Some(errors), "text/html") => Body::from(inject_errors(&bytes, errors)),
        _ => Body::from(bytes.as_ref().clone()),
    };
    Response::builder()
        .header(header::CONTENT_TYPE, content_type(media_type))
        .header(header::CACHE_CONTROL, "no-store")
        .body(body)
        .unwrap_or_default()
}

fn content_type(media_type: &str) -> String {
    if media_type.starts_with("text/") {
        format!("{media_type}; charset=utf-8")
    } else {
        media_type.to_string()
    }
}

/// Puts the build errors at the top of a page of the last good build.
fn inject_errors(page: &[u8], errors: &str) -> Vec<u8> {
    let html = String::from_utf8_lossy(page);
    let banner = error_banner(errors);
    let at = html
        .find("<body")
        .and_then(|i| html[i..].find('>').map(|j| i + j + 1))
        .unwrap_or(0);
    let mut out = String::with_capacity(html.len() + banner.len());
    out.push_str(&html[..at]);
    out.push_str(&banner);
    out.push_str(&html[at..]);
    out.into_bytes()
}

fn error_banner(errors: &str) -> String {
    format!(
        "<div id=\"steg-errors\" role=\"alert\" style=\"background:#fff4f4;color:#5c0000;border:3px solid #a00000;margin:0;padding:1rem;font:15px/1.5 system-ui,sans-serif\">\
<p style=\"margin:0 0 .5rem;font-weight:700\">Programmet har fel och förhandsvisningen visar den senaste fungerande versionen. Rätta felen och spara, så uppdateras sidan.</p>\
<pre style=\"white-space:pre-wrap;margin:0;font:13px/1.4 ui-monospace,monospace\">{}</pre></div>",
        escape(errors)
    )
}

fn error_page(errors: &str) -> Response<Body> {
    let html = format!(
        "<!DOCTYPE html><html lang=\"sv\"><head><meta charset=\"utf-8\"><title>Fel i programmet</title></head><body>{}</body></html>",
        error_banner(errors)
    );
    Response::builder()
        .status(StatusCode::INTERNAL_SERVER_ERROR)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from(html))
        .unwrap_or_default()
}

fn status(code: StatusCode, text: &'static str) -> Response<Body> {
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Body::from(text))
        .unwrap_or_default()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        eprintln!("warning: could not open a browser ({e}); open {url} yourself");
    }
}
