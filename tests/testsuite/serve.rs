//! `steg serve` end to end: the real binary on a copy of the default program, edited while it
//! runs. Waits are bounded polls for an expected state, never fixed sleeps or timings.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PAGE: &str = "/plus-ung/steg/somn/varfor-sover-vi/valkommen.html";
const FILE: &str = "plus-ung/01-somn/01-varfor-sover-vi/01-valkommen.md";

struct Server {
    child: Child,
    port: u16,
    log: std::sync::mpsc::Receiver<String>,
    /// The lines printed before the address.
    lines: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn start(content: &Path, cwd: &Path) -> Server {
    start_with(content, cwd, &[], &[])
}

/// `steg serve CONTENT --port 0 ARGS…` in `cwd`, with `env` set; returns once it printed its
/// address.
fn start_with(content: &Path, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Server {
    let mut child = Command::new(env!("CARGO_BIN_EXE_steg"))
        .args(["serve", content.to_str().unwrap(), "--port", "0"])
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        // Messages in English, whatever the machine's locale: the expectations are English.
        .env("STEG_LANG", "en")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("steg serve starts");
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    // Owned by the guard from here on, so the process is killed whatever happens.
    let mut server = Server {
        child,
        port: 0,
        log: rx,
        lines: Vec::new(),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = server
            .log
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("steg serve printed its address in time");
        server.lines.push(line.clone());
        if let Some(rest) = line.split("http://").nth(1) {
            let authority = rest.split('/').next().unwrap();
            server.port = authority.rsplit(':').next().unwrap().parse().unwrap();
            return server;
        }
    }
}

/// A plain HTTP/1.0 GET (no chunked encoding), returning status line and body.
fn get(port: u16, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let text = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    (
        head.lines().next().unwrap_or("").to_string(),
        body.to_string(),
    )
}

/// Polls `path` until `check` holds, for at most 20 s.
fn wait_for(server: &Server, path: &str, what: &str, check: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (_, body) = get(server.port, path);
        if check(&body) {
            return body;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; last page:\n{body}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn log_lines(server: &Server) -> Vec<String> {
    server.log.try_iter().collect()
}

#[test]
fn serve_rebuilds_on_edit_shows_errors_and_recovers() {
    let tmp = tempfile::tempdir().unwrap();
    let content: PathBuf = tmp.path().join("content");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("content"),
        &content,
    );
    let server = start(&content, tmp.path());

    let (status, body) = get(server.port, PAGE);
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("Välkommen till modulen om sömn"), "{body}");
    let (status, _) = get(server.port, "/plus-ung/ingen-sida.html");
    assert!(status.contains("404"), "{status}");

    // An edit to one steg is served without a restart.
    let file = content.join(FILE);
    let original = std::fs::read_to_string(&file).unwrap();
    let edited = format!("{original}\nEn helt ny mening om sömn.\n");
    std::fs::write(&file, &edited).unwrap();
    wait_for(&server, PAGE, "the edited text", |b| {
        b.contains("En helt ny mening om sömn.")
    });

    // A broken save: the last good page is still served, with the errors above it.
    let broken = edited.replacen("title:", "title: [trasig\nx:", 1);
    std::fs::write(&file, broken).unwrap();
    let page = wait_for(&server, PAGE, "the error banner", |b| {
        b.contains("steg-errors")
    });
    assert!(page.contains("E0205"), "{page}");
    let title_line = 1 + original
        .lines()
        .position(|l| l.starts_with("title:"))
        .expect("the steg has a title line");
    assert!(
        page.contains(&format!("01-valkommen.md:{title_line}:")),
        "the error names file and line {title_line}: {page}"
    );
    assert!(
        page.contains("En helt ny mening om sömn."),
        "last good build is kept"
    );

    // Fixing the file recovers.
    let fixed = edited.replace("En helt ny mening om sömn.", "Nu fungerar det igen.");
    std::fs::write(&file, fixed).unwrap();
    wait_for(&server, PAGE, "the recovered page", |b| {
        b.contains("Nu fungerar det igen.") && !b.contains("steg-errors")
    });

    // The terminal reports each rebuild with its time, and the error in between.
    let log = log_lines(&server).join("\n");
    assert!(log.contains("Rebuilt"), "{log}");
    assert!(log.contains(" ms"), "{log}");
    assert!(log.contains("error[E0205]"), "{log}");
    // Only the edited steg was rendered again after the first edit.
    assert!(log.contains("steg rendered: 1,"), "{log}");
    // The content folder holds only what the author wrote: serve writes nothing there.
    assert!(!content.join("preview").exists());
}

/// The rebuilder behind `steg serve`, driven directly: each rebuild serves exactly what a
/// clean build would, while it renders only what changed.
#[test]
fn incremental_rebuilds_match_the_content() {
    use steg_compiler::serve::{Outcome, Rebuilder};
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("minimal");
    copy_dir(Path::new("tests/fixtures/good/minimal"), &content);
    let avsnitt = content.join("01-somn/01-intro");
    std::fs::write(
        avsnitt.join("02-andra.md"),
        "---\ntitle: Andra steget\n---\nText i andra steget.\n",
    )
    .unwrap();
    let mut r = Rebuilder::new(content.clone(), None);
    let first = r.rebuild(&[]);
    assert!(matches!(first, Outcome::Built { .. }), "{first:?}");
    let page = |r: &Rebuilder, p: &str| String::from_utf8(r.file(p).unwrap_or_default()).unwrap();
    let second = "minimal/steg/somn/intro/andra.html";
    let first_page = "minimal/steg/somn/intro/valkommen.html";
    assert!(page(&r, second).contains("Text i andra steget."));

    // Saving without a change does nothing.
    let file = avsnitt.join("02-andra.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, &text).unwrap();
    assert!(matches!(
        r.rebuild(std::slice::from_ref(&file)),
        Outcome::Unchanged
    ));

    // A new title shows on the page and on its neighbour's "next" link.
    std::fs::write(&file, text.replace("Andra steget", "Nytt namn")).unwrap();
    match r.rebuild(std::slice::from_ref(&file)) {
        Outcome::Built {
            pages,
            pages_rendered,
            files_read,
            ..
        } => {
            assert_eq!(files_read, 1);
            assert!(pages_rendered > 0 && pages_rendered <= pages);
        }
        other => panic!("{other:?}"),
    }
    assert!(page(&r, second).contains("Nytt namn"));
    assert!(page(&r, first_page).contains("Nytt namn"));

    // Approvals are kept between rebuilds, and read again when their file changes.
    let review = "minimal/granskning.html";
    assert!(!page(&r, review).contains("Godkänd av Testaren"));
    let approved = Command::new(env!("CARGO_BIN_EXE_steg"))
        .args(["review", "approve", "/", "--recursive", "--by", "Testaren"])
        .arg("--content")
        .arg(&content)
        .args(["--date", "2026-01-01"])
        .env("STEG_LANG", "en")
        .output()
        .unwrap();
    assert!(approved.status.success(), "{approved:?}");
    let approvals = content.join("approvals.yaml");
    assert!(approvals.is_file());
    assert!(matches!(
        r.rebuild(std::slice::from_ref(&approvals)),
        Outcome::Built { .. }
    ));
    assert!(page(&r, review).contains("Godkänd av Testaren"));

    // A removed steg takes its page with it.
    std::fs::remove_file(&file).unwrap();
    assert!(matches!(
        r.rebuild(std::slice::from_ref(&file)),
        Outcome::Built { .. }
    ));
    assert!(r.file(second).is_none());
    assert!(!page(&r, first_page).contains("Nytt namn"));
}

/// An edit is shown in two steps: first the edited steg (and whatever else but the overview
/// pages), then the overview pages, which list every steg. Between the two, the overview
/// pages are pending (a request for one waits), and after the second the site is whole.
#[test]
fn an_edit_shows_its_steg_first_and_the_overview_pages_after() {
    use steg_compiler::serve::{Outcome, Rebuilder};
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("minimal");
    copy_dir(Path::new("tests/fixtures/good/minimal"), &content);
    let mut r = Rebuilder::new(content.clone(), None);
    assert!(matches!(r.rebuild(&[]), Outcome::Built { .. }));
    assert_eq!(r.pending(), Vec::<String>::new());
    let page = |r: &Rebuilder, p: &str| String::from_utf8(r.file(p).unwrap_or_default()).unwrap();
    let steg = "minimal/steg/somn/intro/valkommen.html";
    let dossier = "minimal/dossier.html";

    let file = content.join("01-somn/01-intro/01-valkommen.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}\nEn helt ny mening.\n")).unwrap();
    assert!(matches!(
        r.show(std::slice::from_ref(&file)),
        Outcome::Built { .. }
    ));
    assert!(page(&r, steg).contains("En helt ny mening."));
    assert!(!page(&r, dossier).contains("En helt ny mening."));
    let pending = r.pending();
    for overview in ["behandlare", "granskning", "andringar", "dossier"] {
        assert!(
            pending.contains(&format!("minimal/{overview}.html")),
            "{overview} not pending: {pending:?}"
        );
    }
    assert!(!pending.contains(&steg.to_string()));

    assert!(matches!(r.finish(), Some(Outcome::Built { .. })));
    assert_eq!(r.pending(), Vec::<String>::new());
    assert!(page(&r, dossier).contains("En helt ny mening."));
    assert!(r.finish().is_none(), "nothing is left for a second finish");

    // The site is then what a fresh rebuilder serves.
    let mut fresh = Rebuilder::new(content.clone(), None);
    assert!(matches!(fresh.rebuild(&[]), Outcome::Built { .. }));
    assert_eq!(r.paths(), fresh.paths());
    for p in fresh.paths() {
        assert!(r.file(&p) == fresh.file(&p), "{p} differs");
    }
}

/// The pages of a modul that an edit did not touch are taken as they were, unless what they
/// show changed anyway: here an edit in the first modul ends a copy that a finding reported
/// at a steg of the second, whose page must lose that finding.
#[test]
fn an_edit_in_one_modul_that_changes_findings_in_another_renders_them() {
    use steg_compiler::serve::{Outcome, Rebuilder};
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("every-type");
    copy_dir(Path::new("tests/fixtures/good/every-type"), &content);
    // A second modul with the same texts: each of its steg is reported as a copy.
    copy_dir(
        &content.join("01-alla-typer"),
        &content.join("02-samma-typer"),
    );
    let mut r = Rebuilder::new(content.clone(), None);
    assert!(matches!(r.rebuild(&[]), Outcome::Built { .. }));
    let copy = "every-type/steg/samma-typer/forsta/uppgift.html";
    let page = |r: &Rebuilder| String::from_utf8(r.file(copy).unwrap_or_default()).unwrap();
    assert!(page(&r).contains("W1121"), "{}", page(&r));

    let file = content.join("01-alla-typer/01-forsta/06-uppgift.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, format!("{text}\nBara här.\n")).unwrap();
    assert!(matches!(
        r.rebuild(std::slice::from_ref(&file)),
        Outcome::Built { .. }
    ));
    assert!(!page(&r).contains("W1121"), "{}", page(&r));
    assert_serves_a_clean_build(&r, &content, &tmp.path().join("out"));
}

/// Every file `r` serves is the one a clean `steg build` of `content` writes, and no other.
fn assert_serves_a_clean_build(r: &steg_compiler::serve::Rebuilder, content: &Path, out: &Path) {
    let build = Command::new(env!("CARGO_BIN_EXE_steg"))
        .arg("build")
        .arg(content)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(build.status.success(), "{build:?}");
    let preview = out.join("preview");
    let built: Vec<String> = files_under(&preview)
        .iter()
        .map(|p| {
            p.strip_prefix(&preview)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    assert_eq!(r.paths(), built);
    for path in &built {
        let clean = std::fs::read(preview.join(path)).unwrap();
        assert!(
            r.file(path).unwrap_or_default() == clean,
            "{path} differs from a clean build"
        );
    }
}

/// A one-shot load (`steg build`, which drops each moment's sources as soon as it is built)
/// and a kept cache (`steg serve`) give the same model and the same findings, for the default
/// program and for the fixture with every steg type.
#[test]
fn one_shot_and_cached_loads_agree() {
    for root in ["content", "tests/fixtures/good/every-type"] {
        let once = steg_compiler::compile::load(Path::new(root));
        let mut cache = steg_compiler::compile::Cache::for_watching();
        let kept = steg_compiler::compile::load_with(Path::new(root), &mut cache);
        assert!(!once.moments.is_empty(), "{root}");
        assert_eq!(once.moments.len(), kept.moments.len(), "{root}");
        for (a, b) in once.moments.iter().zip(&kept.moments) {
            assert_eq!(**a, **b, "{root}");
        }
        assert_eq!(
            format!("{:?}", once.diagnostics),
            format!("{:?}", kept.diagnostics),
            "{root}"
        );
        let steg: usize = kept.moments.iter().map(|m| m.steg().count()).sum();
        assert_eq!(cache.stats.steg_rendered, steg, "{root}");
    }
}

/// A response as received: status line, header lines (names in lower case), body.
struct Reply {
    status: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// A plain HTTP/1.0 GET with the given `Host` and extra header lines.
fn request(port: u16, path: &str, host: &str, extra: &[&str]) -> Reply {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut head = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n");
    for line in extra {
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete response head");
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines.next().unwrap_or("").to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: response[split + 4..].to_vec(),
    }
}

fn default_content(tmp: &Path) -> PathBuf {
    let content = tmp.join("content");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("content"),
        &content,
    );
    content
}

/// The `src` of the film and of its captions on the film steg, as served.
fn film_sources(port: u16) -> (String, String) {
    let page = "/plus-ung/steg/somn/varfor-sover-vi/film-kroppens-klocka.html";
    let html = String::from_utf8(request(port, page, "127.0.0.1", &[]).body).unwrap();
    let src = |ext: &str| {
        let end = html
            .find(ext)
            .unwrap_or_else(|| panic!("no {ext} on {html}"))
            + ext.len();
        let start = html[..end].rfind('"').unwrap() + 1;
        // `../../../media/x.webm` from /plus-ung/steg/somn/varfor-sover-vi/
        format!("/plus-ung/{}", html[start..end].trim_start_matches("../"))
    };
    (src(".webm"), src(".vtt"))
}

#[test]
fn serve_sends_types_from_the_table_with_charset_and_nosniff() {
    let tmp = tempfile::tempdir().unwrap();
    let content = default_content(tmp.path());
    let server = start(&content, tmp.path());
    let (film, captions) = film_sources(server.port);
    for (path, expected) in [
        ("/", "text/html; charset=utf-8"),
        (PAGE, "text/html; charset=utf-8"),
        ("/static/style.css", "text/css; charset=utf-8"),
        ("/static/preview.js", "text/javascript; charset=utf-8"),
        (film.as_str(), "video/webm"),
        (captions.as_str(), "text/vtt; charset=utf-8"),
        ("/no-such-page.html", "text/plain; charset=utf-8"),
    ] {
        let reply = request(server.port, path, "127.0.0.1", &[]);
        assert_eq!(reply.header("content-type"), Some(expected), "{path}");
        assert_eq!(
            reply.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
    }
}

#[test]
fn serve_answers_only_its_own_hosts() {
    let tmp = tempfile::tempdir().unwrap();
    let content = default_content(tmp.path());
    let server = start(&content, tmp.path());
    let port = server.port;
    for host in [
        "127.0.0.1".to_string(),
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LOCALHOST:{port}"),
        format!("[::1]:{port}"),
    ] {
        let reply = request(port, "/", &host, &[]);
        assert!(reply.status.contains(" 200 "), "{host}: {}", reply.status);
    }
    // A page elsewhere whose name was rebound to 127.0.0.1 sends its own name: refused, also
    // for the live-reload endpoint.
    for host in [
        format!("evil.example:{port}"),
        "evil.example".to_string(),
        format!("localhost.evil.example:{port}"),
        format!("192.168.1.20:{port}"),
    ] {
        for path in ["/", "/static/style.css", "/_tower-livereload/event-stream"] {
            let reply = request(port, path, &host, &[]);
            assert!(
                reply.status.contains(" 421 "),
                "{host}{path}: {}",
                reply.status
            );
            assert!(
                !String::from_utf8_lossy(&reply.body).contains("<html"),
                "{host}{path}"
            );
        }
    }
}

#[test]
fn serve_on_an_interface_warns_and_answers_its_address() {
    let tmp = tempfile::tempdir().unwrap();
    let content = default_content(tmp.path());
    let server = start_with(
        &content,
        tmp.path(),
        &["--interface", "0.0.0.0"],
        &[("STEG_LANG", "sv")],
    );
    let warning = "varning: det opublicerade programmet kan ses av alla på det här nätverket";
    let mut printed = server.lines.join("\n");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !printed.contains(warning) {
        assert!(Instant::now() < deadline, "no warning:\n{printed}");
        if let Ok(line) = server.log.recv_timeout(Duration::from_millis(200)) {
            printed.push('\n');
            printed.push_str(&line);
        }
    }
    let port = server.port;
    // Listening on every address: any address literal is answered, a name still is not.
    let reply = request(port, "/", &format!("192.168.1.20:{port}"), &[]);
    assert!(reply.status.contains(" 200 "), "{}", reply.status);
    let reply = request(port, "/", &format!("evil.example:{port}"), &[]);
    assert!(reply.status.contains(" 421 "), "{}", reply.status);
}

#[test]
fn serve_streams_media_with_ranges() {
    let tmp = tempfile::tempdir().unwrap();
    let content = default_content(tmp.path());
    let source = std::fs::read(content.join("plus-ung/media/somn-kroppens-klocka.webm")).unwrap();
    let server = start(&content, tmp.path());
    let (film, _) = film_sources(server.port);

    let whole = request(server.port, &film, "127.0.0.1", &[]);
    assert!(whole.status.contains(" 200 "), "{}", whole.status);
    assert_eq!(whole.body, source);
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));

    let part = request(server.port, &film, "127.0.0.1", &["Range: bytes=10-19"]);
    assert!(part.status.contains(" 206 "), "{}", part.status);
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes 10-19/{}", source.len()).as_str())
    );
    assert_eq!(part.body, source[10..20]);

    let tail = request(server.port, &film, "127.0.0.1", &["Range: bytes=-5"]);
    assert!(tail.status.contains(" 206 "), "{}", tail.status);
    assert_eq!(tail.body, source[source.len() - 5..]);

    let beyond = format!("Range: bytes={}-", source.len() + 10);
    let outside = request(server.port, &film, "127.0.0.1", &[&beyond]);
    assert!(outside.status.contains(" 416 "), "{}", outside.status);
}

#[cfg(unix)]
#[test]
fn serve_refuses_a_media_file_replaced_by_a_link_and_paths_outside() {
    let tmp = tempfile::tempdir().unwrap();
    let content = default_content(tmp.path());
    let secret = tmp.path().join("secret.txt");
    std::fs::write(&secret, "HEMLIGT innehåll utanför programmet").unwrap();
    let server = start(&content, tmp.path());
    let (film, _) = film_sources(server.port);

    for path in [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/plus-ung/..%2f..%2fsecret.txt",
        "/plus-ung/media/../../secret.txt",
        "/plus-ung/01-somn/modul.md",
    ] {
        let reply = request(server.port, path, "127.0.0.1", &[]);
        assert!(!reply.status.contains(" 200 "), "{path}: {}", reply.status);
        assert!(
            !String::from_utf8_lossy(&reply.body).contains("HEMLIGT"),
            "{path}"
        );
    }

    let media = content.join("plus-ung/media/somn-kroppens-klocka.webm");
    std::fs::remove_file(&media).unwrap();
    std::os::unix::fs::symlink(&secret, &media).unwrap();
    let reply = request(server.port, &film, "127.0.0.1", &[]);
    assert!(reply.status.contains(" 403 "), "{}", reply.status);
    assert!(!String::from_utf8_lossy(&reply.body).contains("HEMLIGT"));
    // The rebuild the link caused refuses it too, and says so.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut log = String::new();
    while !log.contains("E0101") {
        assert!(Instant::now() < deadline, "no E0101 for the link:\n{log}");
        if let Ok(line) = server.log.recv_timeout(Duration::from_millis(200)) {
            log.push_str(&line);
            log.push('\n');
        }
    }
    let reply = request(server.port, &film, "127.0.0.1", &[]);
    assert!(!reply.status.contains(" 200 "), "{}", reply.status);
}

#[test]
fn a_busy_port_is_reported_in_the_language_before_building() {
    let taken = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    for (lang, busy, hint, built) in [
        ("sv", "används redan", "välj en annan port", "Byggt"),
        ("en", "is already in use", "choose another port", "Built"),
    ] {
        let run = Command::new(env!("CARGO_BIN_EXE_steg"))
            .args(["serve", "content", "--port", &port])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("NO_COLOR", "1")
            .env("STEG_LANG", lang)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(3), "{stderr}");
        assert!(stderr.contains(busy), "{stderr}");
        assert!(
            stderr.contains(hint) && stderr.contains("--port"),
            "{stderr}"
        );
        assert!(!stderr.contains(built), "nothing is built first: {stderr}");
        assert_eq!(stderr.lines().count(), 2, "{stderr}");
    }
}

#[test]
fn serve_quiet_verbose_and_no_debug_output() {
    let tmp = tempfile::tempdir().unwrap();
    let content = default_content(tmp.path());
    let file = content.join(FILE);
    let original = std::fs::read_to_string(&file).unwrap();

    let quiet = start_with(&content, tmp.path(), &["--quiet"], &[]);
    std::fs::write(&file, format!("{original}\nTyst ändring.\n")).unwrap();
    wait_for(&quiet, PAGE, "the quiet edit", |b| {
        b.contains("Tyst ändring.")
    });
    let mut printed = quiet.lines.clone();
    printed.extend(log_lines(&quiet));
    assert_eq!(printed.len(), 1, "only the address: {printed:?}");
    assert!(printed[0].contains("Serving http://"), "{printed:?}");
    drop(quiet);

    let verbose = start_with(&content, tmp.path(), &["--verbose"], &[]);
    std::fs::write(&file, format!("{original}\nPratsam ändring.\n")).unwrap();
    wait_for(&verbose, PAGE, "the verbose edit", |b| {
        b.contains("Pratsam ändring.")
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut printed = verbose.lines.join("\n");
    while !printed.contains("Rebuilt") {
        assert!(Instant::now() < deadline, "no rebuild line:\n{printed}");
        if let Ok(line) = verbose.log.recv_timeout(Duration::from_millis(200)) {
            printed.push('\n');
            printed.push_str(&line);
        }
    }
    assert!(
        printed.contains("Changed") && printed.contains("01-valkommen.md"),
        "{printed}"
    );
    assert!(printed.contains("Built in "), "{printed}");
    assert!(!printed.contains("TT "), "no debug output: {printed}");
    // The line counts both steps of the rebuild: the steg's page, its next neighbour, its
    // avsnitt and modul pages, the start pages (6), and the four overview pages after them.
    let rebuilt = printed.lines().find(|l| l.contains("Rebuilt")).unwrap();
    assert!(rebuilt.contains("(paths changed: 1)"), "{rebuilt}");
    let rendered: usize = rebuilt
        .split(" of ")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no page count in {rebuilt}"));
    assert!(rendered >= 10, "{rebuilt}");
}

#[test]
fn serve_without_a_browser_says_so_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let content = default_content(tmp.path());
    // No opener on the PATH, as on a machine without a desktop.
    let server = start_with(&content, tmp.path(), &["--open"], &[("PATH", "")]);
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut printed = server.lines.clone();
    while !printed.iter().any(|l| l.contains("no browser")) {
        assert!(Instant::now() < deadline, "no browser line: {printed:?}");
        if let Ok(line) = server.log.recv_timeout(Duration::from_millis(200)) {
            printed.push(line);
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    printed.extend(log_lines(&server));
    assert_eq!(printed.len(), 3, "built, serving, no browser: {printed:?}");
    assert!(
        printed[2].starts_with("warning: no browser could be opened; open http://127.0.0.1:"),
        "{printed:?}"
    );
}

#[test]
fn serving_an_empty_folder_claims_no_last_good_version() {
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("empty");
    std::fs::create_dir(&content).unwrap();
    let server = start_with(&content, tmp.path(), &[], &[("STEG_LANG", "sv")]);
    let printed = server.lines.join("\n");
    assert!(
        printed.contains("förhandsvisningen kunde inte byggas"),
        "{printed}"
    );
    assert!(!printed.contains("senaste fungerande"), "{printed}");
    let page = request(server.port, "/", "127.0.0.1", &[]);
    let html = String::from_utf8_lossy(&page.body);
    assert!(html.contains("kan inte visas än"), "{html}");
    assert!(!html.contains("senaste fungerande"), "{html}");
}

/// The Ändringar page of serve compares with the last release in the output folder, and is
/// the page `steg build` writes.
#[test]
fn serve_compares_with_the_last_release_as_build_does() {
    use steg_compiler::serve::{Outcome, Rebuilder};
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("minimal");
    copy_dir(Path::new("tests/fixtures/good/minimal"), &content);
    let out = tmp.path().join("out");
    let steg = |args: &[&str]| {
        let run = Command::new(env!("CARGO_BIN_EXE_steg"))
            .args(args)
            .current_dir(tmp.path())
            .env("STEG_LANG", "en")
            .output()
            .unwrap();
        assert!(run.status.success(), "{args:?}: {run:?}");
    };
    let c = content.to_str().unwrap();
    let o = out.to_str().unwrap();
    steg(&[
        "review",
        "approve",
        "/",
        "-r",
        "--by",
        "Anna",
        "--content",
        c,
    ]);
    steg(&["build", c, "--out", o, "--release"]);
    let steg_file = content.join("01-somn/01-intro/01-valkommen.md");
    let text = std::fs::read_to_string(&steg_file).unwrap();
    std::fs::write(&steg_file, format!("{text}\nEn ny mening.\n")).unwrap();
    let moment = content.join("moment.md");
    let m = std::fs::read_to_string(&moment).unwrap();
    std::fs::write(&moment, m.replace("version: 1.0.0", "version: 1.0.1")).unwrap();

    let mut r = Rebuilder::new(content.clone(), None).with_releases_in(out.clone());
    assert!(matches!(r.rebuild(&[]), Outcome::Built { .. }));
    let served = String::from_utf8(r.file("minimal/andringar.html").unwrap()).unwrap();
    assert!(
        served.contains("Version 1.0.0 jämförs med version 1.0.1"),
        "{served}"
    );
    steg(&["build", c, "--out", o]);
    let built = std::fs::read_to_string(out.join("preview/minimal/andringar.html")).unwrap();
    assert_eq!(served, built);
}

/// One edit an author (or a reviewer, or a theme designer) makes while `steg serve` runs.
#[derive(Debug, Clone)]
enum Edit {
    /// A paragraph appended to the n-th steg file.
    Text(usize),
    /// A new title in the n-th steg file's front matter.
    Title(usize),
    /// A pinned id (new or changed) in the n-th steg file: its address changes, not its file.
    PinId(usize),
    /// The n-th steg file's text replaced by the m-th's (a copy, which a finding reports).
    CopyText(usize, usize),
    /// A new text steg in the n-th avsnitt folder.
    AddSteg(usize),
    /// The n-th added steg removed / renamed.
    RemoveSteg(usize),
    RenameSteg(usize),
    /// A new avsnitt folder with one steg; the n-th added one removed / renamed.
    AddFolder,
    RemoveFolder(usize),
    RenameFolder(usize),
    /// The captions file changed (a media file the pages link to by hash).
    Media,
    /// The theme's stylesheet, or a template, changed.
    Style,
    Template,
    /// Every steg approved, or the approvals removed.
    Approvals,
}

fn edit() -> impl proptest::strategy::Strategy<Value = Edit> {
    use proptest::prelude::*;
    prop_oneof![
        3 => (0..20usize).prop_map(Edit::Text),
        2 => (0..20usize).prop_map(Edit::Title),
        1 => (0..20usize).prop_map(Edit::PinId),
        1 => (0..20usize, 0..20usize).prop_map(|(i, j)| Edit::CopyText(i, j)),
        2 => (0..4usize).prop_map(Edit::AddSteg),
        1 => (0..4usize).prop_map(Edit::RemoveSteg),
        1 => (0..4usize).prop_map(Edit::RenameSteg),
        1 => Just(Edit::AddFolder),
        1 => (0..4usize).prop_map(Edit::RemoveFolder),
        1 => (0..4usize).prop_map(Edit::RenameFolder),
        1 => Just(Edit::Media),
        1 => Just(Edit::Style),
        1 => Just(Edit::Template),
        1 => Just(Edit::Approvals),
    ]
}

/// Every file under `dir` (recursively), by its path relative to `dir` with `/`.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap().flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Applies `edit` in `content` / `theme`; returns the paths a watcher would report.
fn apply(edit: &Edit, step: usize, content: &Path, theme: &Path, approved: &str) -> Vec<PathBuf> {
    let modul = content.join("01-alla-typer");
    let steg_files: Vec<PathBuf> = files_under(&modul)
        .into_iter()
        .filter(|p| {
            p.extension().is_some_and(|e| e == "md")
                && !p.ends_with("avsnitt.md")
                && !p.ends_with("modul.md")
        })
        .collect();
    let added_steg: Vec<PathBuf> = steg_files
        .iter()
        .filter(|p| p.to_string_lossy().contains("-ny-"))
        .cloned()
        .collect();
    let mut avsnitt: Vec<PathBuf> = std::fs::read_dir(&modul)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    avsnitt.sort();
    let added_folders: Vec<PathBuf> = avsnitt
        .iter()
        .filter(|p| p.to_string_lossy().contains("-nytt-"))
        .cloned()
        .collect();
    let steg_text = |n: usize| format!("---\ntitle: Nytt steg {n}\n---\nText i steg {n}.\n");
    match edit {
        Edit::Text(i) => {
            let f = &steg_files[i % steg_files.len()];
            let t = std::fs::read_to_string(f).unwrap();
            std::fs::write(f, format!("{t}\nTillägg {step}.\n")).unwrap();
            vec![f.clone()]
        }
        Edit::Title(i) => {
            let f = &steg_files[i % steg_files.len()];
            let t = std::fs::read_to_string(f).unwrap();
            let start = t.find("title: ").unwrap();
            let end = start + t[start..].find('\n').unwrap();
            let new = format!("{}title: Titel {step}{}", &t[..start], &t[end..]);
            std::fs::write(f, new).unwrap();
            vec![f.clone()]
        }
        Edit::PinId(i) => {
            let f = &steg_files[i % steg_files.len()];
            let t = std::fs::read_to_string(f).unwrap();
            let pinned = format!("id: fast-{step}");
            let new = match t.find("\nid: ") {
                Some(start) => {
                    let end = start + 1 + t[start + 1..].find('\n').unwrap();
                    format!("{}\n{pinned}{}", &t[..start], &t[end..])
                }
                None => t.replacen("---\n", &format!("---\n{pinned}\n"), 1),
            };
            std::fs::write(f, new).unwrap();
            vec![f.clone()]
        }
        Edit::CopyText(i, j) => {
            let (to, from) = (
                &steg_files[i % steg_files.len()],
                &steg_files[j % steg_files.len()],
            );
            let body = |t: &str| t[3 + t[3..].find("\n---\n").unwrap() + 5..].to_string();
            let (t, source) = (
                std::fs::read_to_string(to).unwrap(),
                std::fs::read_to_string(from).unwrap(),
            );
            let front = t[..t.len() - body(&t).len()].to_string();
            std::fs::write(to, format!("{front}{}", body(&source))).unwrap();
            vec![to.clone()]
        }
        Edit::AddSteg(i) => {
            // Numbered by step: two new steg in one avsnitt must not share a number.
            let f = avsnitt[i % avsnitt.len()].join(format!("{}-ny-{step}.md", 50 + step));
            std::fs::write(&f, steg_text(step)).unwrap();
            vec![f]
        }
        Edit::RemoveSteg(i) if !added_steg.is_empty() => {
            let f = &added_steg[i % added_steg.len()];
            std::fs::remove_file(f).unwrap();
            vec![f.clone()]
        }
        Edit::RenameSteg(i) if !added_steg.is_empty() => {
            let f = &added_steg[i % added_steg.len()];
            let to = f.with_file_name(format!("{}-ny-{step}.md", 20 + step));
            std::fs::rename(f, &to).unwrap();
            vec![f.clone(), to]
        }
        Edit::AddFolder => {
            let dir = modul.join(format!("{:02}-nytt-{step}", 10 + step));
            std::fs::create_dir(&dir).unwrap();
            let a = dir.join("avsnitt.md");
            std::fs::write(&a, format!("---\ntitle: Nytt avsnitt {step}\n---\n")).unwrap();
            // Not named `-ny-`: removing an added steg must not empty an avsnitt.
            let s = dir.join("01-forsta.md");
            std::fs::write(&s, steg_text(step)).unwrap();
            vec![dir, a, s]
        }
        Edit::RemoveFolder(i) if !added_folders.is_empty() => {
            let d = &added_folders[i % added_folders.len()];
            std::fs::remove_dir_all(d).unwrap();
            vec![d.clone()]
        }
        Edit::RenameFolder(i) if !added_folders.is_empty() => {
            let d = &added_folders[i % added_folders.len()];
            let to = modul.join(format!("{:02}-nytt-{step}", 60 + step));
            std::fs::rename(d, &to).unwrap();
            vec![d.clone(), to]
        }
        Edit::Media => {
            let f = content.join("media/film.sv.vtt");
            let t = std::fs::read_to_string(&f).unwrap();
            std::fs::write(&f, format!("{t}\nNOTE ändring {step}\n")).unwrap();
            vec![f]
        }
        Edit::Style => {
            let f = theme.join("static/style.css");
            let t = std::fs::read_to_string(&f).unwrap();
            std::fs::write(&f, format!("{t}\n/* ändring {step} */\n")).unwrap();
            vec![f]
        }
        Edit::Template => {
            let f = theme.join("templates/base.html");
            let t = std::fs::read_to_string(&f).unwrap();
            let start = t.find("<span>förhandsvisning").unwrap() + "<span>".len();
            let end = start + t[start..].find("</span>").unwrap();
            let new = format!("{}förhandsvisning {step}{}", &t[..start], &t[end..]);
            std::fs::write(&f, new).unwrap();
            vec![f]
        }
        Edit::Approvals => {
            let f = content.join("approvals.yaml");
            if f.exists() {
                std::fs::remove_file(&f).unwrap();
            } else {
                std::fs::write(&f, approved).unwrap();
            }
            vec![f]
        }
        // Removing or renaming what was never added: nothing happens.
        _ => vec![],
    }
}

/// Incremental equals clean: random sequences of edits through serve's rebuilder, and after
/// each one every served file is byte-identical to what a clean `steg build` writes (the
/// live-reload script is injected into responses only, never into the rebuilder's files).
#[test]
fn incremental_rebuilds_equal_a_clean_build() {
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
    use steg_compiler::serve::{Outcome, Rebuilder};

    let tmp = tempfile::tempdir().unwrap();
    // The approvals of the fixture, made once by the command reviewers use.
    let probe = tmp.path().join("probe");
    copy_dir(Path::new("tests/fixtures/good/every-type"), &probe);
    let approve = Command::new(env!("CARGO_BIN_EXE_steg"))
        .args(["review", "approve", "/", "-r", "--by", "Testaren"])
        .arg("--content")
        .arg(&probe)
        .args(["--date", "2026-01-01"])
        .output()
        .unwrap();
    assert!(approve.status.success(), "{approve:?}");
    let approved = std::fs::read_to_string(probe.join("approvals.yaml")).unwrap();

    let config = Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    };
    let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[15; 32]);
    let mut runner = TestRunner::new_with_rng(config, rng);
    let case = std::sync::atomic::AtomicUsize::new(0);
    let result = runner.run(&proptest::collection::vec(edit(), 1..7), |edits| {
        let n = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = tmp.path().join(format!("case-{n}"));
        let content = dir.join("every-type");
        let theme = dir.join("theme");
        copy_dir(Path::new("tests/fixtures/good/every-type"), &content);
        copy_dir(Path::new("themes/default"), &theme);
        let mut r = Rebuilder::new(content.clone(), Some(theme.clone()));
        let first = r.rebuild(&[]);
        assert!(matches!(first, Outcome::Built { .. }), "{first:?}");
        for (step, e) in edits.iter().enumerate() {
            let changed = apply(e, step, &content, &theme, &approved);
            let outcome = r.rebuild(&changed);
            let out = dir.join(format!("out-{step}"));
            let build = Command::new(env!("CARGO_BIN_EXE_steg"))
                .arg("build")
                .arg(&content)
                .arg("--out")
                .arg(&out)
                .arg("--theme")
                .arg(&theme)
                .env("STEG_LANG", "en")
                .output()
                .unwrap();
            let after = format!("after {:?}", &edits[..=step]);
            proptest::prop_assert!(
                build.status.success(),
                "{after}: the clean build failed: {}",
                String::from_utf8_lossy(&build.stderr)
            );
            proptest::prop_assert!(
                !matches!(outcome, Outcome::Failed { .. }),
                "{after}: {outcome:?}"
            );
            let preview = out.join("preview");
            let built: Vec<String> = files_under(&preview)
                .iter()
                .map(|p| {
                    p.strip_prefix(&preview)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/")
                })
                .collect();
            proptest::prop_assert_eq!(&r.paths(), &built, "{}: the files served", after);
            for path in &built {
                let clean = std::fs::read(preview.join(path)).unwrap();
                let served = r.file(path).unwrap_or_default();
                proptest::prop_assert!(
                    served == clean,
                    "{after}: {path} differs from a clean build"
                );
            }
            std::fs::remove_dir_all(&out).unwrap();
        }
        std::fs::remove_dir_all(&dir).unwrap();
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
