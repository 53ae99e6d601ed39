//! `steg serve`: the preview site, rebuilt in memory on every save and reloaded in the browser.
//!
//! The site is served from memory, so a rebuild writes nothing to disk and never touches
//! `dist/`. A file watcher (debounced; access events ignored, since reading content during a
//! rebuild would otherwise trigger the next one) collects changed paths; only those files are
//! read again ([`crate::model::Cache`]) and only pages whose inputs changed are rendered again
//! ([`crate::site::SiteCache`]). A build with errors keeps the last good site and shows the
//! errors at the top of every page and in the terminal; the next good save clears them.

use crate::diagnostic::{Diagnostics, Lang, Style, catalogue, render_human};
use crate::model::{self, Cache};
use crate::site::{self, SiteCache, Theme};
use axum::body::Body;
use axum::http::{Response, StatusCode, Uri, header};
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

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

/// The site as served: files by path, and the errors of the last build if it failed.
#[derive(Default)]
struct Served {
    files: HashMap<String, Arc<Vec<u8>>>,
    errors: Option<String>,
}

type Shared = Arc<RwLock<Served>>;

/// Everything kept between rebuilds.
struct Builder {
    content: PathBuf,
    theme_dir: Option<PathBuf>,
    theme: Option<Theme>,
    cache: Cache,
    site_cache: SiteCache,
    lang: Lang,
}

/// The result of one rebuild, for the terminal.
enum Outcome {
    Built {
        pages: usize,
        steg_rendered: usize,
        steg_reused: usize,
        files_read: usize,
    },
    Failed(Diagnostics),
}

impl Builder {
    fn load_theme(&mut self) -> Result<(), Diagnostics> {
        self.theme = Some(match &self.theme_dir {
            Some(dir) => Theme::load(dir)?,
            None => Theme::builtin(),
        });
        Ok(())
    }

    /// Rebuilds after `changed` paths changed (all of them on the first build).
    fn rebuild(&mut self, changed: &[PathBuf], served: &Shared) -> Outcome {
        let theme_changed = self
            .theme_dir
            .as_ref()
            .is_some_and(|dir| changed.iter().any(|p| p.starts_with(dir)));
        if (self.theme.is_none() || theme_changed)
            && let Err(d) = self.load_theme()
        {
            return self.fail(d, served);
        }
        self.cache.invalidate(changed.iter().map(PathBuf::as_path));
        let loaded = model::load_with(&self.content, &mut self.cache);
        if loaded.diagnostics.has_errors() {
            return self.fail(loaded.diagnostics, served);
        }
        let Some(theme) = &self.theme else {
            return Outcome::Failed(Diagnostics::new());
        };
        let options = site::Options {
            minify: false,
            lang: self.lang,
        };
        // Serve previews the working copy; comparisons with releases are in `steg build`.
        let changes = HashMap::new();
        match site::render(
            &loaded.moments,
            &loaded.diagnostics,
            &changes,
            theme,
            options,
            &mut self.site_cache,
        ) {
            Ok(files) => {
                let mut map = HashMap::with_capacity(files.files.len());
                for (path, content) in files.files {
                    let bytes = match content {
                        crate::build::bundle::Content::Bytes(b) => b,
                        crate::build::bundle::Content::Copy { from, .. } => {
                            std::fs::read(&from).unwrap_or_default()
                        }
                    };
                    map.insert(path, Arc::new(bytes));
                }
                if let Ok(mut s) = served.write() {
                    s.files = map;
                    s.errors = None;
                }
                let stats = self.cache.stats;
                Outcome::Built {
                    pages: self.site_cache.rendered,
                    steg_rendered: stats.steg_rendered,
                    steg_reused: stats.steg_reused,
                    files_read: stats.files_read,
                }
            }
            Err(d) => self.fail(d, served),
        }
    }

    fn fail(&mut self, d: Diagnostics, served: &Shared) -> Outcome {
        if let Ok(mut s) = served.write() {
            s.errors = Some(render_human(&d, Style::Plain, self.lang));
        }
        Outcome::Failed(d)
    }
}

/// Runs the server until the process is stopped. Returns an error message if it cannot start.
pub fn run(options: Options) -> Result<(), String> {
    let served: Shared = Arc::default();
    let mut builder = Builder {
        content: options.content.clone(),
        theme_dir: options.theme_dir.clone(),
        theme: None,
        cache: Cache::default(),
        site_cache: SiteCache::default(),
        lang: options.lang,
    };
    let started = Instant::now();
    let first = builder.rebuild(&[], &served);
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

        let watched: Vec<PathBuf> = std::iter::once(options.content.clone())
            .chain(options.theme_dir.clone())
            .collect();
        let (tx, rx) = std::sync::mpsc::channel();
        let mut debouncer =
            notify_debouncer_full::new_debouncer(Duration::from_millis(25), None, tx)
                .map_err(|e| format!("cannot watch for changes: {e}"))?;
        for dir in &watched {
            debouncer
                .watch(dir, RecursiveMode::Recursive)
                .map_err(|e| format!("cannot watch {}: {e}", dir.display()))?;
        }
        let (style, lang) = (options.style, options.lang);
        std::thread::spawn(move || {
            // Keep the watcher alive as long as this thread runs.
            let _debouncer = debouncer;
            while let Ok(result) = rx.recv() {
                let Ok(events) = result else { continue };
                let t0 = Instant::now();
                let mut changed: Vec<PathBuf> = events
                    .iter()
                    .filter(|e| !matches!(e.kind, EventKind::Access(_)))
                    .flat_map(|e| e.paths.iter().cloned())
                    .filter(|p| !is_ignored(p))
                    .collect();
                changed.sort();
                changed.dedup();
                if changed.is_empty() {
                    continue;
                }
                let count = changed.len();
                // Watchers report absolute paths; the cache knows them as the user wrote them.
                let spellings: Vec<PathBuf> = changed
                    .iter()
                    .flat_map(|p| both_spellings(p, &watched))
                    .collect();
                let outcome = builder.rebuild(&spellings, &served);
                reloader.reload();
                report(&outcome, t0.elapsed(), count, style, lang);
            }
        });

        axum::serve(listener, app)
            .await
            .map_err(|e| format!("the server stopped: {e}"))
    })
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
        Outcome::Built {
            pages,
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
                "{what:>12} in {ms:.1} ms: {files_read} files read, {steg_rendered} steg rendered, {steg_reused} reused, {pages} pages rendered"
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
    let Some(bytes) = s
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
    let media_type = crate::model::layout::media_type(&path);
    let body = match (&s.errors, media_type) {
        (Some(errors), "text/html") => Body::from(inject_errors(bytes, errors)),
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
