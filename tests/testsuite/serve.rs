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
    let mut child = Command::new(env!("CARGO_BIN_EXE_steg"))
        .args(["serve", content.to_str().unwrap(), "--port", "0"])
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        // Messages in English, whatever the machine's locale: the expectations are English.
        .env("STEG_LANG", "en")
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
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let line = server
            .log
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("steg serve printed its address in time");
        if let Some(rest) = line.split("http://127.0.0.1:").nth(1) {
            server.port = rest.split('/').next().unwrap().parse().unwrap();
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
    assert!(log.contains("1 steg rendered"), "{log}");
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
