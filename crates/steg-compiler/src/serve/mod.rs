//! `steg serve`: the preview site, rebuilt in memory on every save and reloaded in the browser.
//!
//! The site is served from memory, so a rebuild writes nothing to disk and never touches
//! `dist/`. A file watcher (debounced; access events ignored, since reading content during a
//! rebuild would otherwise trigger the next one) collects changed paths; only those files are
//! read again ([`crate::compile::Cache`]) and only pages whose inputs changed are rendered again
//! ([`crate::site::SiteCache`]). A build with errors keeps the last good site and shows the
//! errors at the top of every page and in the terminal; the next good save clears them.
//!
//! An edit is shown in two steps: first every changed page but the overview pages, which
//! list every steg of a moment (in a moment of thousands of steg they cost more than all the
//! rest), then those. Until the second step is done, a request for an overview page waits
//! for it: what is served is never older than the last save.
//!
//! Nothing here prints: what happens is told to the caller as [`Event`]s and [`Error`]s, and
//! the `steg` binary words them in the chosen language.
//!
//! Safety of a server on a laptop that also browses the web: only requests naming a host it
//! serves are answered (a page elsewhere cannot reach it by DNS rebinding), only files that the
//! build produced or took from the content folder are served, and a media file that became a
//! link since the build is refused, as the build refuses links.

use crate::compile::{self, Cache};
use crate::report::{Style, render_human};
use crate::site::{self, SiteCache, Theme};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Response, StatusCode, header};
use notify_debouncer_full::notify::{EventKind, RecursiveMode};
use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use steg_bundle::diagnostic::{Diagnostics, Lang};

/// What `steg serve` was asked to do.
pub struct Options {
    pub content: PathBuf,
    /// The theme folder to watch and reload; `None` for the built-in theme.
    pub theme_dir: Option<PathBuf>,
    /// The output folder of `steg build`: the Ändringar page compares with its last release.
    pub out: PathBuf,
    /// 0 picks a free port.
    pub port: u16,
    /// Listen on this address instead of 127.0.0.1 (`--interface`, e.g. to preview on a phone
    /// on the local network). Requests naming it as their host are then answered too.
    pub interface: Option<IpAddr>,
    pub open: bool,
    /// The language of the messages in the preview.
    pub lang: Lang,
}

/// What happens while serving, for the caller to show.
pub enum Event<'a> {
    /// The first build is done and the server answers at `url`. `exposed` when it listens on
    /// an address other machines can reach.
    Listening {
        url: &'a str,
        content: &'a Path,
        exposed: bool,
    },
    /// A build (the first one has `changed` empty) finished.
    Rebuilt {
        outcome: &'a Outcome,
        took: Duration,
        changed: &'a [PathBuf],
    },
    /// `--open` found no browser to open.
    BrowserNotOpened { url: &'a str },
}

/// Why the server could not start or stopped.
#[derive(Debug)]
pub enum Error {
    /// Another program listens on the port.
    PortBusy { addr: SocketAddr },
    /// The address cannot be listened on (not this machine's, no permission, …).
    Listen { addr: SocketAddr, error: String },
    /// The runtime, the file watcher or the server failed.
    Other(String),
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
    /// Pages whose new version is being rendered: a request for one waits for it.
    pending: std::collections::HashSet<String>,
}

/// The site, and the signal that pending pages are done.
#[derive(Clone, Default)]
struct Shared {
    site: Arc<RwLock<Served>>,
    done: Arc<tokio::sync::Notify>,
}

impl Shared {
    /// Ends the wait of every request for a pending page.
    fn settle(&self) {
        if let Ok(mut s) = self.site.write() {
            s.pending.clear();
        }
        self.done.notify_waiters();
    }
}

/// What [`Rebuilder::show`] left for [`Rebuilder::finish`]: the program it loaded.
struct Unfinished {
    moments: Vec<Arc<crate::model::Moment>>,
    diagnostics: Diagnostics,
    releases: HashMap<String, crate::review::DiffReport>,
}

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
    /// Where `steg build` writes, for the comparison with the last release.
    out: Option<PathBuf>,
    unfinished: Option<Unfinished>,
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
    /// The build failed; `last_good` when an earlier good build is still served.
    Failed {
        diagnostics: Diagnostics,
        last_good: bool,
    },
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
            served: Shared::default(),
            lang: Lang::default(),
            out: None,
            unfinished: None,
        }
    }

    /// Compares each moment with its last release in `out`, as `steg build --out out` does.
    pub fn with_releases_in(mut self, out: PathBuf) -> Self {
        self.out = Some(out);
        self
    }

    /// Reports problems in `lang`.
    pub fn with_lang(mut self, lang: Lang) -> Self {
        self.lang = lang;
        self
    }

    /// The served bytes of `path` in the site, as a browser would get them.
    pub fn file(&self, path: &str) -> Option<Vec<u8>> {
        let s = self.served.site.read().ok()?;
        match s.files.get(path)? {
            ServedFile::Bytes(b) => Some(b.as_ref().clone()),
            ServedFile::File(p) => std::fs::read(p).ok(),
        }
    }

    /// The paths of every file of the site as served, sorted.
    pub fn paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self
            .served
            .site
            .read()
            .map(|s| s.files.keys().cloned().collect())
            .unwrap_or_default();
        paths.sort();
        paths
    }

    /// The pages whose new version is not served yet (left by [`Rebuilder::show`]), sorted.
    pub fn pending(&self) -> Vec<String> {
        let mut paths: Vec<String> = self
            .served
            .site
            .read()
            .map(|s| s.pending.iter().cloned().collect())
            .unwrap_or_default();
        paths.sort();
        paths
    }

    fn load_theme(&mut self) -> Result<(), Diagnostics> {
        self.theme = Some(match &self.theme_dir {
            Some(dir) => Theme::load(dir)?,
            None => Theme::builtin(),
        });
        Ok(())
    }

    /// Rebuilds after `changed` paths changed (none for the first build): [`Rebuilder::show`]
    /// and then [`Rebuilder::finish`].
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> Outcome {
        let shown = self.show(changed);
        let finished = self.finish();
        combined(shown, finished)
    }

    /// Rebuilds after `changed` paths changed, but for the overview pages of a changed
    /// moment, which stay pending until [`Rebuilder::finish`].
    pub fn show(&mut self, changed: &[PathBuf]) -> Outcome {
        self.unfinished = None;
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
        let loaded = compile::load_with(&self.content, &mut self.cache);
        if loaded.diagnostics.has_errors() {
            return self.fail(loaded.diagnostics);
        }
        let releases = match &self.out {
            Some(out) => crate::build::release_changes(out, &loaded.moments),
            None => HashMap::new(),
        };
        let unfinished = Unfinished {
            moments: loaded.moments,
            diagnostics: loaded.diagnostics,
            releases,
        };
        let outcome = self.render(&unfinished, true);
        if !self.site_cache.pending().is_empty() {
            self.unfinished = Some(unfinished);
        }
        outcome
    }

    /// Renders the pages [`Rebuilder::show`] left pending; `None` when it left none.
    pub fn finish(&mut self) -> Option<Outcome> {
        let unfinished = self.unfinished.take()?;
        Some(self.render(&unfinished, false))
    }

    /// Renders what changed (deferring the overview pages when `defer`) and serves it.
    fn render(&mut self, loaded: &Unfinished, defer: bool) -> Outcome {
        let Some(theme) = &self.theme else {
            return self.fail(Diagnostics::new());
        };
        let options = site::Options {
            minify: false,
            lang: self.lang,
        };
        let full = self.site_cache.is_empty();
        let changes = Changes::default();
        self.site_cache.set_deferring(defer);
        let rendered = site::render(
            &loaded.moments,
            &loaded.diagnostics,
            &loaded.releases,
            theme,
            options,
            Some(&mut self.site_cache),
            &changes,
        );
        let stats = match rendered {
            Ok(stats) => stats,
            Err(d) => return self.fail(d),
        };
        let list = changes.0.into_inner().unwrap_or_default();
        if let Ok(mut s) = self.served.site.write() {
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
            s.pending = self.site_cache.pending().iter().cloned().collect();
        }
        if self.site_cache.pending().is_empty() {
            self.served.settle();
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

    fn fail(&mut self, d: Diagnostics) -> Outcome {
        let mut last_good = false;
        if let Ok(mut s) = self.served.site.write() {
            s.errors = Some(render_human(&d, Style::Plain, self.lang));
            last_good = !s.files.is_empty();
        }
        // Pending pages keep their last good version, with the errors shown above it.
        self.served.settle();
        Outcome::Failed {
            diagnostics: d,
            last_good,
        }
    }
}

/// What [`Rebuilder::show`] and then [`Rebuilder::finish`] did, as one rebuild: the pages
/// of both steps counted, a failure of the second reported.
fn combined(shown: Outcome, finished: Option<Outcome>) -> Outcome {
    match (shown, finished) {
        (
            Outcome::Built {
                pages,
                pages_rendered,
                steg_rendered,
                steg_reused,
                files_read,
            },
            Some(Outcome::Built {
                pages_rendered: more,
                ..
            }),
        ) => Outcome::Built {
            pages,
            pages_rendered: pages_rendered + more,
            steg_rendered,
            steg_reused,
            files_read,
        },
        (_, Some(failed)) => failed,
        (shown, None) => shown,
    }
}

/// Where events go: called from the server's threads.
pub type Sink = Arc<dyn Fn(Event<'_>) + Send + Sync>;

/// Runs the server until the process is stopped. The port is taken before anything is built,
/// so a busy port is reported at once.
pub fn run(options: Options, events: Sink) -> Result<(), Error> {
    let (listener, addr) = bind(&options)?;

    let mut builder = Rebuilder::new(options.content.clone(), options.theme_dir.clone())
        .with_lang(options.lang)
        .with_releases_in(options.out.clone());
    let served = builder.served.clone();
    let started = Instant::now();
    let first = builder.rebuild(&[]);
    events(Event::Rebuilt {
        outcome: &first,
        took: started.elapsed(),
        changed: &[],
    });

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::Other(format!("cannot start the server: {e}")))?;
    let guard = guard_for(&options);
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| Error::Other(format!("cannot listen: {e}")))?;
        let livereload = tower_livereload::LiveReloadLayer::new();
        let reloader = livereload.reloader();
        let app = router(served, guard, livereload);

        let watched: Vec<PathBuf> = std::iter::once(options.content.clone())
            .chain(options.theme_dir.clone())
            .collect();
        let (tx, rx) = std::sync::mpsc::channel();
        let debouncer = watch(&watched, tx)?;
        let watcher = Watcher {
            builder,
            watched,
            reloader,
            events: events.clone(),
        };
        std::thread::spawn(move || {
            // Keep the watcher alive as long as this thread runs.
            let _debouncer = debouncer;
            watcher.run(rx);
        });

        let url = url_of(addr);
        events(Event::Listening {
            url: &url,
            content: &options.content,
            exposed: !addr.ip().is_loopback(),
        });
        if options.open {
            open_browser(url.clone(), events.clone());
        }
        axum::serve(listener, app)
            .await
            .map_err(|e| Error::Other(format!("the server stopped: {e}")))
    })
}

/// Takes the port (a busy one is its own error) and returns the non-blocking listener with
/// the address it listens on (the port chosen, if 0 was asked for).
fn bind(options: &Options) -> Result<(std::net::TcpListener, SocketAddr), Error> {
    let ip = options.interface.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
    let addr = SocketAddr::new(ip, options.port);
    let listener = std::net::TcpListener::bind(addr).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            Error::PortBusy { addr }
        } else {
            Error::Listen {
                addr,
                error: e.to_string(),
            }
        }
    })?;
    let addr = listener.local_addr().map_err(|e| Error::Listen {
        addr,
        error: e.to_string(),
    })?;
    listener
        .set_nonblocking(true)
        .map_err(|e| Error::Other(e.to_string()))?;
    Ok((listener, addr))
}

/// The guard of every request: the hosts it may name, and the folders files are served from.
fn guard_for(options: &Options) -> Guard {
    Guard {
        hosts: Arc::new(allowed_hosts(options.interface)),
        roots: Arc::new(
            std::iter::once(&options.content)
                .chain(&options.theme_dir)
                .filter_map(|d| std::fs::canonicalize(d).ok())
                .collect(),
        ),
        lang: options.lang,
    }
}

/// The site's routes: every path is answered from `served`, with live reload, behind the
/// host check.
fn router(
    served: Shared,
    guard: Guard,
    livereload: tower_livereload::LiveReloadLayer,
) -> axum::Router {
    axum::Router::new()
        .fallback({
            let guard = guard.clone();
            move |request: Request| {
                let served = served.clone();
                let guard = guard.clone();
                async move { respond(&served, &guard, request).await }
            }
        })
        .layer(livereload)
        // Outermost, so that the live-reload endpoint is guarded too.
        .layer(axum::middleware::from_fn({
            move |request: Request, next: axum::middleware::Next| {
                let allowed = guard.host_allowed(&request);
                async move {
                    if allowed {
                        next.run(request).await
                    } else {
                        status(StatusCode::MISDIRECTED_REQUEST, "Fel värdnamn (Host).")
                    }
                }
            }
        }))
}

/// The address as a URL to open (an IPv6 address in brackets).
fn url_of(addr: SocketAddr) -> String {
    match addr.ip() {
        IpAddr::V4(ip) => format!("http://{ip}:{}/", addr.port()),
        IpAddr::V6(ip) => format!("http://[{ip}]:{}/", addr.port()),
    }
}

/// The hosts a request may name: the loopback names, and the address given with
/// `--interface`. When that is unspecified (`0.0.0.0`, `::`), any address literal: a DNS
/// rebinding attack needs a name, never an address.
fn allowed_hosts(interface: Option<IpAddr>) -> Vec<String> {
    let mut hosts = vec![
        "127.0.0.1".to_string(),
        "localhost".to_string(),
        "[::1]".to_string(),
    ];
    match interface {
        Some(ip) if ip.is_unspecified() => hosts.push("*ip".to_string()),
        Some(IpAddr::V4(ip)) => hosts.push(ip.to_string()),
        Some(IpAddr::V6(ip)) => hosts.push(format!("[{ip}]")),
        None => {}
    }
    hosts
}

/// What every request is checked against.
#[derive(Clone)]
struct Guard {
    hosts: Arc<Vec<String>>,
    /// The content and theme folders, resolved: nothing outside them is served.
    roots: Arc<Vec<PathBuf>>,
    lang: Lang,
}

impl Guard {
    fn host_allowed(&self, request: &Request) -> bool {
        let Some(host) = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
        else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        // `name:port`, `[v6]:port`, or either without a port.
        let name = match host.rfind(':') {
            Some(i) if !host[i..].contains(']') => &host[..i],
            _ => host.as_str(),
        };
        self.hosts.iter().any(|h| h == name)
            || (self.hosts.iter().any(|h| h == "*ip")
                && name
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
                    .is_ok())
    }

    /// `path` if it is a plain file (not a link) whose real place is inside the content or
    /// theme folder.
    fn inside(&self, path: &Path) -> bool {
        let plain = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file());
        plain
            && std::fs::canonicalize(path)
                .is_ok_and(|real| self.roots.iter().any(|root| real.starts_with(root)))
    }
}

/// Starts watching `dirs`, sending each settled batch of changes to `tx`. The watch lasts
/// as long as the value returned is kept.
fn watch(
    dirs: &[PathBuf],
    tx: std::sync::mpsc::Sender<notify_debouncer_full::DebounceEventResult>,
) -> Result<impl Send + 'static, Error> {
    // The events of one save (a write, or a write and a rename) come within a few
    // milliseconds; waiting longer would only delay every preview.
    let mut debouncer = notify_debouncer_full::new_debouncer(Duration::from_millis(10), None, tx)
        .map_err(|e| Error::Other(format!("cannot watch for changes: {e}")))?;
    for dir in dirs {
        debouncer
            .watch(dir, RecursiveMode::Recursive)
            .map_err(|e| Error::Other(format!("cannot watch {}: {e}", dir.display())))?;
    }
    Ok(debouncer)
}

/// Rebuilds on every batch of changes, and reloads the browser when the site changed.
struct Watcher {
    builder: Rebuilder,
    /// The folders watched (content, and the theme if any).
    watched: Vec<PathBuf>,
    reloader: tower_livereload::Reloader,
    events: Sink,
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
            // Watchers report absolute paths; the cache knows them as the user wrote them.
            let spellings: Vec<PathBuf> = changed
                .iter()
                .flat_map(|p| both_spellings(p, &self.watched))
                .collect();
            let outcome = self.builder.show(&spellings);
            if !matches!(outcome, Outcome::Unchanged) {
                self.reloader.reload();
            }
            // The overview pages follow; a browser that asked for one meanwhile waits for it.
            // Only a failure changes what the reload above showed (the errors, at the top).
            let finished = self.builder.finish();
            if matches!(finished, Some(Outcome::Failed { .. })) {
                self.reloader.reload();
            }
            let outcome = combined(outcome, finished);
            (self.events)(Event::Rebuilt {
                outcome: &outcome,
                took: t0.elapsed(),
                changed: &changed,
            });
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

async fn respond(served: &Shared, guard: &Guard, request: Request) -> Response<Body> {
    let mut path = request.uri().path().trim_start_matches('/').to_string();
    if path.is_empty() || path.ends_with('/') {
        path.push_str("index.html");
    }
    let path = crate::markdown::percent_decode(&path);
    let (file, errors) = match served_file(served, &path, guard.lang).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let Some(file) = file else {
        return status(StatusCode::NOT_FOUND, "Sidan finns inte.");
    };
    let media_type = mime_guess::from_path(&path).first_or_octet_stream();
    let mut response = match file {
        ServedFile::Bytes(bytes) => {
            let body = match &errors {
                Some(errors) if media_type == mime_guess::mime::TEXT_HTML => {
                    Body::from(inject_errors(&bytes, errors))
                }
                _ => Body::from(bytes.as_ref().clone()),
            };
            Response::new(body)
        }
        ServedFile::File(p) => {
            if !guard.inside(&p) {
                return status(StatusCode::FORBIDDEN, "Filen får inte visas.");
            }
            // Streamed from disk, with `Range` (206) so that a reviewer can seek in a film.
            match tower_http::services::ServeFile::new(&p)
                .try_call(request)
                .await
            {
                Ok(r) => r.map(Body::new),
                Err(_) => return status(StatusCode::NOT_FOUND, "Filen kan inte läsas."),
            }
        }
    };
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&content_type(&media_type)) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The file at `path` as served, with the errors of the last build; a pending page once it is
/// rendered. Taken out of the lock, which is not held while a file is read or awaited.
async fn served_file(
    served: &Shared,
    path: &str,
    lang: Lang,
) -> Result<(Option<ServedFile>, Option<String>), Response<Body>> {
    loop {
        // Asked for before the lock is let go, so that the signal cannot come in between.
        let done = served.done.notified();
        tokio::pin!(done);
        done.as_mut().enable();
        {
            let Ok(s) = served.site.read() else {
                return Err(status(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the server's state is unavailable",
                ));
            };
            if !s.pending.contains(path) {
                let file = s
                    .files
                    .get(path)
                    .or_else(|| s.files.get(&format!("{path}/index.html")))
                    .cloned();
                if file.is_none() && s.files.is_empty() {
                    return Err(error_page(s.errors.as_deref(), lang));
                }
                return Ok((file, s.errors.clone()));
            }
        }
        done.await;
    }
}

/// The media type, with `charset=utf-8` on text: every text steg writes is UTF-8.
fn content_type(media_type: &mime_guess::Mime) -> String {
    let textual = media_type.type_() == mime_guess::mime::TEXT
        || matches!(
            media_type.essence_str(),
            "application/javascript" | "application/json" | "image/svg+xml" | "application/xml"
        );
    if textual && media_type.get_param(mime_guess::mime::CHARSET).is_none() {
        format!("{media_type}; charset=utf-8")
    } else {
        media_type.to_string()
    }
}

/// Puts the build errors at the top of a page of the last good build.
fn inject_errors(page: &[u8], errors: &str) -> Vec<u8> {
    let html = String::from_utf8_lossy(page);
    let banner = error_banner(errors, true);
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

/// The errors, over the last good version when there is one (`last_good`).
fn error_banner(errors: &str, last_good: bool) -> String {
    let lead = if last_good {
        "Programmet har fel och förhandsvisningen visar den senaste fungerande versionen. Rätta felen och spara, så uppdateras sidan."
    } else {
        "Programmet har fel och kan inte visas än. Rätta felen och spara, så visas det här."
    };
    format!(
        "<div id=\"steg-errors\" role=\"alert\" style=\"background:#fff4f4;color:#5c0000;border:3px solid #a00000;margin:0;padding:1rem;font:15px/1.5 system-ui,sans-serif\">\
<p style=\"margin:0 0 .5rem;font-weight:700\">{lead}</p>\
<pre style=\"white-space:pre-wrap;margin:0;font:13px/1.4 ui-monospace,monospace\">{}</pre></div>",
        escape(errors)
    )
}

/// The page shown while no build has succeeded yet.
fn error_page(errors: Option<&str>, lang: Lang) -> Response<Body> {
    let (html_lang, title, waiting) = match lang {
        Lang::En => (
            "en",
            "Errors in the program",
            "The program has not been built yet.",
        ),
        _ => ("sv", "Fel i programmet", "Programmet har inte byggts än."),
    };
    let html = format!(
        "<!DOCTYPE html><html lang=\"{html_lang}\"><head><meta charset=\"utf-8\"><title>{title}</title></head><body>{}</body></html>",
        error_banner(errors.unwrap_or(waiting), false)
    );
    Response::builder()
        .status(StatusCode::INTERNAL_SERVER_ERROR)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CACHE_CONTROL, "no-store")
        .body(Body::from(html))
        .unwrap_or_default()
}

fn status(code: StatusCode, text: &'static str) -> Response<Body> {
    Response::builder()
        .status(code)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(Body::from(text))
        .unwrap_or_default()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Opens `url` in the default browser, quietly: the opener's own complaints (`xdg-open`
/// prints several lines when there is no browser) become one event.
fn open_browser(url: String, events: Sink) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    std::thread::spawn(move || {
        let opened = std::process::Command::new(opener)
            .arg(&url)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            // `explorer` exits with 1 even when it opened the page.
            .is_ok_and(|s| s.success() || cfg!(target_os = "windows"));
        if !opened {
            events(Event::BrowserNotOpened { url: &url });
        }
    });
}
