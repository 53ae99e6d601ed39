//! The preview site in a real browser: builds `content/` with the `steg` binary and runs
//! `tests/browser/run.mjs` on the preview (headless Chromium through playwright-core, and
//! axe-core for WCAG 2.1 A/AA). See that file for what is checked.
//!
//! It needs Node, `/usr/bin/chromium` and the pinned npm packages, so it is `#[ignore]`d:
//! `bash .ci/run` installs them and runs it with `--include-ignored`, and then a missing
//! prerequisite fails the test rather than skipping it.

use std::io::Write;
use std::path::Path;
use std::process::Command;

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

    // Run the browser checks on it.
    let run = Command::new("node")
        .arg(dir.join("run.mjs"))
        .arg(&preview)
        .current_dir(root)
        .output()
        .expect("node runs");
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
