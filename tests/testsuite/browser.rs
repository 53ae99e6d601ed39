//! The preview site in a real browser, as reviewers meet it: starts the real `steg serve` on
//! `content/`, builds the same content with `steg build`, and runs `tests/browser/run.mjs` on
//! both (headless Chromium through playwright-core, and axe-core for WCAG 2.1 A/AA): the served
//! site over HTTP, the built `preview/` folder from files. See that file for what is checked.
//!
//! It needs Node, `/usr/bin/chromium` and the pinned npm packages, so it is `#[ignore]`d:
//! `bash .ci/run` installs them and runs it with `--include-ignored`, and then a missing
//! prerequisite fails the test rather than skipping it.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Writes a line where a plain `cargo test` shows it: libtest captures `println!`, not this.
fn show(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

#[test]
#[ignore = "needs Node, /usr/bin/chromium and tests/browser's npm packages (bash .ci/run installs them)"]
fn preview_site_in_a_browser() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("tests/browser");

    // What the browser tests need; each missing piece with how to install it.
    let mut missing = Vec::new();
    let node = Command::new("node").arg("--version").output();
    if !node.is_ok_and(|o| o.status.success()) {
        missing.push("node: apt-get install -y nodejs npm".to_string());
    }
    if !Path::new(CHROMIUM).exists() {
        missing.push(format!(
            "{CHROMIUM}: apt-get update && apt-get install -y chromium"
        ));
    }
    for package in ["playwright-core", "axe-core"] {
        if !dir.join("node_modules").join(package).is_dir() {
            missing.push(format!(
                "tests/browser/node_modules/{package}: npm ci --prefix tests/browser"
            ));
        }
    }
    assert!(
        missing.is_empty(),
        "the browser tests cannot run; install what is missing \
         (bash .ci/run does both):\n  {}",
        missing.join("\n  ")
    );

    // Build the default program into a fresh folder.
    let tmp = tempfile::tempdir().expect("a temporary folder");
    let out = tmp.path().join("out");
    let build = assert_cmd::Command::cargo_bin("steg")
        .expect("the steg binary")
        .current_dir(root)
        .env("NO_COLOR", "1")
        // Messages in English, whatever the machine's locale: the expectations are English.
        .env("STEG_LANG", "en")
        .arg("build")
        .arg(root.join("content"))
        .arg("--out")
        .arg(&out)
        .output()
        .expect("steg runs");
    assert!(
        build.status.success(),
        "steg build content failed ({}):\n{}",
        build.status,
        String::from_utf8_lossy(&build.stderr)
    );
    let preview = out.join("preview");
    assert!(
        preview.join("index.html").is_file(),
        "steg build wrote no preview/index.html in {}",
        out.display()
    );

    // Serve the same content with the real `steg serve`, on a free port.
    let (server, url) = serve(root, &out);

    // Run the browser checks on both.
    let run = Command::new("node")
        .arg(dir.join("run.mjs"))
        .arg(&preview)
        .arg(&url)
        .current_dir(root)
        .output()
        .expect("node runs");
    drop(server);
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    println!("{stdout}");
    if !stderr.trim().is_empty() {
        println!("stderr:\n{stderr}");
    }
    if let Some(summary) = stdout.lines().rev().find(|l| l.starts_with("browser: ")) {
        show(summary);
    }
    assert!(
        run.status.success(),
        "the browser tests failed ({}); the whole report is in the output above. Failed:\n{}",
        run.status,
        stdout
            .lines()
            .filter(|l| l.starts_with("FAIL") || l.starts_with("browser: "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The `steg serve` process, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `steg serve content --port 0` and returns it with the address it printed.
fn serve(root: &Path, out: &Path) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_steg"))
        .args(["serve", "content", "--port", "0", "--out"])
        .arg(out)
        .current_dir(root)
        .env("NO_COLOR", "1")
        .env("STEG_LANG", "en")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("steg serve starts");
    let stderr = child.stderr.take().expect("the server's stderr");
    let server = Server(child);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = Vec::new();
    loop {
        let line = rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .unwrap_or_else(|_| {
                panic!(
                    "steg serve printed no address; it printed:\n{}",
                    seen.join("\n")
                )
            });
        if let Some(rest) = line.split("http://").nth(1) {
            let authority = rest.split('/').next().unwrap_or_default();
            return (server, format!("http://{authority}/"));
        }
        seen.push(line);
    }
}

/// Every page of the preview is valid HTML for the Nu HTML checker (`vnu-jar`, pinned in
/// `tests/browser/package.json`; Java 11 or newer).
#[test]
#[ignore = "needs Java and tests/browser's npm packages (bash .ci/run installs them)"]
fn preview_pages_pass_the_nu_html_checker() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let jar = root.join("tests/browser/node_modules/vnu-jar/build/dist/vnu.jar");
    let java = Command::new("java").arg("-version").output();
    assert!(
        java.is_ok_and(|o| o.status.success()),
        "java is missing: apt-get install -y --no-install-recommends default-jre-headless"
    );
    assert!(
        jar.is_file(),
        "{} is missing: npm ci --prefix tests/browser",
        jar.display()
    );

    let tmp = tempfile::tempdir().expect("a temporary folder");
    let out = tmp.path().join("out");
    let build = Command::new(env!("CARGO_BIN_EXE_steg"))
        .current_dir(root)
        .env("STEG_LANG", "en")
        .args(["build", "content", "--out"])
        .arg(&out)
        .output()
        .expect("steg runs");
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let preview = out.join("preview");
    let pages = walk_html(&preview);
    assert!(pages > 100, "only {pages} pages in {}", preview.display());

    let check = Command::new("java")
        .arg("-jar")
        .arg(&jar)
        .args(["--errors-only", "--skip-non-html"])
        .arg(&preview)
        .output()
        .expect("java runs");
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    let errors = report.lines().filter(|l| l.contains(": error:")).count();
    show(&format!("vnu: {pages} pages, {errors} errors"));
    assert!(
        check.status.success() && errors == 0,
        "the Nu HTML checker found {errors} errors ({}):\n{report}",
        check.status
    );
}

/// The number of `.html` files under `dir`.
fn walk_html(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| {
                    let path = e.path();
                    if path.is_dir() {
                        walk_html(&path)
                    } else {
                        usize::from(path.extension().is_some_and(|x| x == "html"))
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}
