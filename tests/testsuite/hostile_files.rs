//! Odd and hostile local files, through the real binary (issue 16): links, FIFOs, devices,
//! files too large and deep raw HTML, made at test time where they cannot be committed. Each
//! is refused or handled within seconds (a hang fails the test at its time limit, since the
//! binary is then killed by a signal), and every failed build leaves the output folder
//! exactly as it was: every file, folder and link compared before and after.

use crate::common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Long enough for a slow CI machine, short enough that a blocked read fails the test.
const LIMIT: Duration = Duration::from_secs(60);

/// Every file, folder and link below `dir`; links by their target, never followed.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            let rel = path.strip_prefix(dir).expect("below").display().to_string();
            let t = entry.file_type().expect("type");
            let what = if t.is_dir() {
                stack.push(path);
                "folder".to_string()
            } else if t.is_symlink() {
                format!("link to {:?}", std::fs::read_link(&path).expect("link"))
            } else if t.is_file() {
                let bytes = std::fs::read(&path).expect("read");
                format!("{} bytes, {}", bytes.len(), steg_bundle::sha256_hex(&bytes))
            } else {
                "special".to_string()
            };
            out.insert(rel, what);
        }
    }
    out
}

fn cmd(args: &[&str], content: &Path) -> Run {
    run(steg()
        .arg(args[0])
        .arg(content)
        .args(&args[1..])
        .timeout(LIMIT))
}

/// `steg check DIR --format json`: fails with exactly `expected`, each with a hint.
fn check_fails(dir: &Path, expected: &[&str]) -> Run {
    let r = cmd(&["check", "--format", "json"], dir);
    assert_eq!(r.code, 1, "check must fail:\n{}\n{}", r.stdout, r.stderr);
    let want: BTreeSet<String> = expected.iter().map(|c| c.to_string()).collect();
    assert_eq!(r.json_codes(), want, "{}", r.stdout);
    for d in r.json_diagnostics() {
        assert!(!d["hint"].as_str().unwrap_or_default().is_empty(), "{d}");
        assert!(!d["file"].as_str().unwrap_or_default().is_empty(), "{d}");
    }
    // The human report shows snippets of the files it names: it must not block on them or
    // show what a link points to either.
    let human = cmd(&["check"], dir);
    assert_eq!(human.code, 1, "{}\n{}", human.stdout, human.stderr);
    for code in expected {
        let both = format!("{}{}", human.stdout, human.stderr);
        assert!(both.contains(code), "{code}: {both}");
        assert!(!both.contains("hemlig-rad"), "{both}");
    }
    r
}

/// A copy of good/minimal already built once into `out`, so that a failed build has
/// something to keep.
fn built_copy() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (tmp, copy) = copy_fixture("good", "minimal");
    let out = tmp.path().join("out");
    let r = build(&copy, &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    (tmp, copy, out)
}

/// `steg build` of `content` into `out` fails with `codes` among its findings, and `out` is
/// exactly as before.
fn build_fails_unchanged(content: &Path, out: &Path, codes: &[&str]) -> Run {
    let before = tree(out);
    let r = run(steg()
        .arg("build")
        .arg(content)
        .arg("--out")
        .arg(out)
        .args(["--format", "json"])
        .timeout(LIMIT));
    assert_ne!(r.code, 0, "the build must fail:\n{}", r.stdout);
    let found = r.json_codes();
    for c in codes {
        assert!(found.contains(*c), "{c} not in {found:?}\n{}", r.stdout);
    }
    assert_eq!(tree(out), before, "the output folder changed");
    r
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(ok.success(), "mkfifo {}", path.display());
}

// ---------------------------------------------------------------------------------------------
// Links and special files outside the steg files

#[cfg(unix)]
#[test]
fn approvals_that_is_a_link_is_refused_and_its_target_never_shown() {
    let (tmp, copy, out) = built_copy();
    let secret = tmp.path().join("secret.txt");
    std::fs::write(&secret, "hemlig-rad: ska aldrig visas\n").unwrap();
    std::os::unix::fs::symlink(&secret, copy.join("approvals.yaml")).unwrap();
    let r = check_fails(&copy, &["E0101"]);
    assert!(!r.stdout.contains("hemlig-rad"), "{}", r.stdout);
    let r = build_fails_unchanged(&copy, &out, &["E0101"]);
    assert!(!r.stdout.contains("hemlig-rad"), "{}", r.stdout);
}

#[cfg(unix)]
#[test]
fn approvals_that_is_a_fifo_does_not_hang() {
    let (_tmp, copy, out) = built_copy();
    mkfifo(&copy.join("approvals.yaml"));
    let r = check_fails(&copy, &["E0101"]);
    assert!(r.stdout.contains("FIFO"), "{}", r.stdout);
    build_fails_unchanged(&copy, &out, &["E0101"]);
}

#[cfg(unix)]
#[test]
fn approvals_linked_to_dev_zero_is_refused_without_reading() {
    let (_tmp, copy, out) = built_copy();
    std::os::unix::fs::symlink("/dev/zero", copy.join("approvals.yaml")).unwrap();
    check_fails(&copy, &["E0101"]);
    build_fails_unchanged(&copy, &out, &["E0101"]);
}

#[cfg(unix)]
#[test]
fn a_fifo_in_media_does_not_hang() {
    let (_tmp, copy, out) = built_copy();
    std::fs::create_dir_all(copy.join("media")).unwrap();
    mkfifo(&copy.join("media/film.mp4"));
    let r = check_fails(&copy, &["E0101"]);
    assert!(r.stdout.contains("film.mp4"), "{}", r.stdout);
    build_fails_unchanged(&copy, &out, &["E0101"]);
}

#[cfg(unix)]
#[test]
fn a_moment_file_that_is_a_fifo_does_not_hang() {
    let (_tmp, copy, out) = built_copy();
    let modul = copy.join("01-somn/modul.md");
    std::fs::remove_file(&modul).unwrap();
    mkfifo(&modul);
    check_fails(&copy, &["E0101"]);
    build_fails_unchanged(&copy, &out, &["E0101"]);
}

#[cfg(unix)]
#[test]
fn an_old_release_whose_bundle_json_is_a_fifo_does_not_hang_the_build() {
    let (_tmp, copy, out) = built_copy();
    let old = out.join("minimal/0.9.0");
    std::fs::create_dir_all(&old).unwrap();
    mkfifo(&old.join("bundle.json"));
    // A folder linked in as an old release is not followed either.
    std::os::unix::fs::symlink("/", out.join("minimal/0.8.0")).unwrap();
    let r = run(steg()
        .arg("build")
        .arg(&copy)
        .arg("--out")
        .arg(&out)
        .timeout(LIMIT));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[cfg(unix)]
#[test]
fn theme_static_links_are_refused_and_link_loops_end() {
    let (tmp, copy, out) = built_copy();
    let theme = tmp.path().join("tema");
    copy_dir(&root().join("themes/default"), &theme);
    let secret = tmp.path().join("secret.txt");
    std::fs::write(&secret, "hemlig-rad").unwrap();
    std::os::unix::fs::symlink(&secret, theme.join("static/secret.txt")).unwrap();
    std::os::unix::fs::symlink(".", theme.join("static/a")).unwrap();
    std::os::unix::fs::symlink(".", theme.join("static/b")).unwrap();
    let before = tree(&out);
    let r = run(steg()
        .arg("build")
        .arg(&copy)
        .arg("--out")
        .arg(&out)
        .arg("--theme")
        .arg(&theme)
        .args(["--format", "json"])
        .timeout(LIMIT));
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.json_codes().contains("E0101"), "{}", r.stdout);
    assert!(!r.stdout.contains("hemlig-rad"), "{}", r.stdout);
    assert_eq!(tree(&out), before);
    // A `static` folder that is itself a link is refused too.
    std::fs::rename(theme.join("static"), tmp.path().join("static-real")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("static-real"), theme.join("static")).unwrap();
    let r = run(steg()
        .arg("build")
        .arg(&copy)
        .arg("--out")
        .arg(&out)
        .arg("--theme")
        .arg(&theme)
        .args(["--format", "json"])
        .timeout(LIMIT));
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert_eq!(tree(&out), before);
}

// ---------------------------------------------------------------------------------------------
// Writing

#[cfg(unix)]
#[test]
fn a_marker_that_is_a_link_is_never_written_through() {
    let (tmp, copy, out) = built_copy();
    let victim = tmp.path().join("forfattarens-fil.txt");
    std::fs::write(&victim, "en författares text").unwrap();
    std::fs::remove_file(out.join(".steg-output")).unwrap();
    std::os::unix::fs::symlink(&victim, out.join(".steg-output")).unwrap();
    build_fails_unchanged(&copy, &out, &["E0801"]);
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "en författares text"
    );
    // A dangling link is refused too, rather than made into a file somewhere else.
    let fresh = tmp.path().join("fresh");
    std::fs::create_dir_all(&fresh).unwrap();
    let target = tmp.path().join("created-elsewhere");
    std::os::unix::fs::symlink(&target, fresh.join(".steg-output")).unwrap();
    build_fails_unchanged(&copy, &fresh, &["E0801"]);
    assert!(!target.exists());
}

#[test]
fn a_commit_that_fails_half_way_leaves_the_output_as_it_was() {
    // Two programs; the second's bundle cannot be put in place (a file holds its folder's
    // name). Before, the first's bundle and archive were already moved in by then; the
    // rollback of renames done is tested at every rename in `output::tests`.
    let tmp = tempfile::tempdir().unwrap();
    let content = tmp.path().join("content");
    copy_dir(&root().join(fixture("good", "minimal")), &content.join("a"));
    copy_dir(&root().join(fixture("good", "minimal")), &content.join("b"));
    let out = tmp.path().join("out");
    let r = build(&content, &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A newer version of both, so the build would replace everything.
    for m in ["a", "b"] {
        let file = content.join(m).join("moment.md");
        let text = std::fs::read_to_string(&file).unwrap();
        std::fs::write(&file, text.replace("version: 1.0.0", "version: 1.1.0")).unwrap();
    }
    let moments: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .flatten()
        .filter(|e| e.file_type().unwrap().is_dir() && e.file_name() != "preview")
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(moments.len(), 2, "{moments:?}");
    let last = moments.iter().max().unwrap();
    std::fs::rename(out.join(last), tmp.path().join("moved")).unwrap();
    std::fs::write(out.join(last), "not a folder").unwrap();
    build_fails_unchanged(&content, &out, &["E0801"]);
}

#[cfg(unix)]
#[test]
fn a_moment_folder_in_the_output_that_is_a_link_is_not_written_through() {
    let (tmp, copy, out) = built_copy();
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::fs::rename(out.join("minimal"), tmp.path().join("moved")).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("minimal")).unwrap();
    build_fails_unchanged(&copy, &out, &["E0801"]);
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
}

// ---------------------------------------------------------------------------------------------
// Sizes

#[test]
fn a_600_mb_film_is_refused_at_build_with_a_located_error() {
    let (_tmp, copy, out) = built_copy();
    let avsnitt = copy.join("01-somn/01-intro");
    // Sparse: 600 MB on paper, nothing on disk; refused on its size, never read.
    let film = std::fs::File::create(avsnitt.join("film.mp4")).unwrap();
    film.set_len(600 * 1024 * 1024).unwrap();
    std::fs::write(avsnitt.join("film.vtt"), "WEBVTT\n").unwrap();
    std::fs::write(
        avsnitt.join("02-film.md"),
        "---\ntitle: Film\ntype: video\nsrc: film.mp4\ncaptions: film.vtt\n---\nOm sömn.\n",
    )
    .unwrap();
    let start = std::time::Instant::now();
    let r = build_fails_unchanged(&copy, &out, &["E0111"]);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    let d = r
        .json_diagnostics()
        .into_iter()
        .find(|d| d["code"] == "E0111")
        .expect("E0111");
    assert!(
        d["file"].as_str().unwrap_or_default().ends_with("film.mp4"),
        "{d}"
    );
    assert!(r.stdout.contains("629145600"), "{}", r.stdout);
}

// ---------------------------------------------------------------------------------------------
// Deep raw HTML

#[test]
fn raw_html_180_000_levels_deep_is_e0607_within_seconds() {
    let (_tmp, copy, out) = built_copy();
    let file = copy.join("01-somn/01-intro/02-djup.md");
    std::fs::write(
        &file,
        format!(
            "---\ntitle: Djup\n---\nText.\n\n{}",
            "<div>".repeat(180_000)
        ),
    )
    .unwrap();
    let start = std::time::Instant::now();
    let r = check_fails(&copy, &["E0607"]);
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let d = &r.json_diagnostics()[0];
    assert_eq!(d["line"], 6, "{d}");
    build_fails_unchanged(&copy, &out, &["E0607"]);
}

// ---------------------------------------------------------------------------------------------
// Control characters

#[test]
fn control_characters_in_front_matter_text_are_e0208_and_never_printed() {
    let (_tmp, copy, out) = built_copy();
    let steg_file = copy.join("01-somn/01-intro/01-valkommen.md");
    let original = std::fs::read_to_string(&steg_file).unwrap();
    for (title, char) in [
        (r#""Sömn\e[2J\a""#, "U+001B"),
        (r#""Sömn\0""#, "U+0000"),
        (r#""txt\u202Eexe""#, "U+202E"),
        (r#""a\u2066b""#, "U+2066"),
        (r#""a\x9bb""#, "U+009B"),
        (r#""a\x7Fb""#, "U+007F"),
        // Typed, not escaped.
        ("txt\u{202e}exe", "U+202E"),
    ] {
        let text = original.replacen("title: ", &format!("title: {title}\nx-old-title: "), 1);
        let text = text.replacen("x-old-title: ", "# ", 1);
        std::fs::write(&steg_file, &text).unwrap();
        let r = check_fails(&copy, &["E0208"]);
        let d = &r.json_diagnostics()[0];
        assert!(d["message"].as_str().unwrap().contains(char), "{d}");
        assert_eq!(d["line"], 2, "{d}");
        let human = run(steg().arg("check").arg(&copy).timeout(LIMIT));
        for bad in ['\u{1b}', '\u{7}', '\u{0}', '\u{202e}', '\u{9b}'] {
            assert!(!human.stdout.contains(bad), "{title}: {:?}", human.stdout);
            assert!(!human.stderr.contains(bad), "{title}: {:?}", human.stderr);
        }
        build_fails_unchanged(&copy, &out, &["E0208"]);
    }
}

// ---------------------------------------------------------------------------------------------
// Decomposed Unicode

#[test]
fn nfd_and_nfc_names_and_text_give_the_same_ids_and_bundle() {
    let title = "Sömndagbok för äldre";
    let body = "Skriv ner när du somnar och vaknar. Då ser du mönster över tid.\n";
    let mut bundles = Vec::new();
    for (name, text) in [
        ("02-Sömndagbok.md".to_string(), body.to_string()),
        (
            "02-So\u{308}mndagbok.md".to_string(),
            body.replace('ö', "o\u{308}").replace('ä', "a\u{308}"),
        ),
    ] {
        let (tmp, copy) = copy_fixture("good", "minimal");
        let avsnitt = copy.join("01-somn/01-intro");
        let title = if name.contains('\u{308}') {
            title.replace('ö', "o\u{308}").replace('ä', "a\u{308}")
        } else {
            title.to_string()
        };
        std::fs::write(
            avsnitt.join(&name),
            format!("---\ntitle: {title}\n---\n{text}"),
        )
        .unwrap();
        // A link typed composed finds the file whichever way its name was saved.
        let first = avsnitt.join("01-valkommen.md");
        let mut welcome = std::fs::read_to_string(&first).unwrap();
        welcome.push_str("\nLäs sedan [dagboken](02-Sömndagbok.md).\n");
        std::fs::write(&first, welcome).unwrap();
        let out = tmp.path().join("out");
        let r = build(&copy, &out, &[]);
        assert_eq!(r.code, 0, "{name:?}: {}\n{}", r.stdout, r.stderr);
        let bundle = single_bundle(&out);
        assert!(
            bundle.join("steg/somn/intro/somndagbok.html").is_file(),
            "{name:?}: {:?}",
            tree(&bundle).keys().collect::<Vec<_>>()
        );
        bundles.push((tmp, tree(&bundle)));
    }
    assert_eq!(bundles[0].1, bundles[1].1, "the two bundles differ");
}

#[test]
fn steg_new_with_a_title_typed_decomposed_makes_the_composed_id() {
    let (_tmp, copy) = copy_fixture("good", "minimal");
    let avsnitt = copy.join("01-somn/01-intro");
    let r = run(steg()
        .current_dir(&avsnitt)
        .args(["new", "steg", "So\u{308}mn"])
        .timeout(LIMIT));
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(
        avsnitt.join("02-somn.md").is_file(),
        "{:?}",
        tree(&avsnitt).keys().collect::<Vec<_>>()
    );
}

#[test]
fn a_runaway_approvals_file_or_theme_file_is_refused_unread() {
    let (tmp, copy, out) = built_copy();
    // Sparse: 100 MB on paper; refused on its size.
    let approvals = std::fs::File::create(copy.join("approvals.yaml")).unwrap();
    approvals.set_len(100 * 1024 * 1024).unwrap();
    check_fails(&copy, &["E0111"]);
    build_fails_unchanged(&copy, &out, &["E0111"]);
    std::fs::remove_file(copy.join("approvals.yaml")).unwrap();

    let theme = tmp.path().join("tema");
    copy_dir(&root().join("themes/default"), &theme);
    let big = std::fs::File::create(theme.join("static/video.mp4")).unwrap();
    big.set_len(100 * 1024 * 1024).unwrap();
    let before = tree(&out);
    let r = run(steg()
        .arg("build")
        .arg(&copy)
        .arg("--out")
        .arg(&out)
        .arg("--theme")
        .arg(&theme)
        .args(["--format", "json"])
        .timeout(LIMIT));
    assert_ne!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("video.mp4"), "{}", r.stdout);
    assert_eq!(tree(&out), before);
}

#[test]
fn control_characters_in_a_shown_line_never_reach_the_terminal() {
    let (_tmp, copy) = copy_fixture("good", "minimal");
    std::fs::write(
        copy.join("01-somn/01-intro/02-x.md"),
        "---\ntitle: X\n---\nText \u{1b}[2J med [l\u{7}nk](finns-inte.md) \u{202e} slut \u{9b}.\n",
    )
    .unwrap();
    let r = run(steg().arg("check").arg(&copy).timeout(LIMIT));
    assert_eq!(r.code, 1, "{}\n{}", r.stdout, r.stderr);
    let both = format!("{}{}", r.stdout, r.stderr);
    assert!(both.contains("E0603"), "{both}");
    for bad in ['\u{1b}', '\u{7}', '\u{202e}', '\u{9b}'] {
        assert!(!both.contains(bad), "{bad:?} in {both:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The committed fixtures (tests/fixtures/hostile/content/)

/// A copy of a hostile content fixture, and an output folder holding a good earlier build.
fn fixture_with_output(name: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let (tmp, copy) = copy_fixture("hostile", &format!("content/{name}"));
    let out = tmp.path().join("out");
    let r = build(root().join(fixture("good", "minimal")), &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    (tmp, copy, out)
}

#[test]
fn fixture_control_characters_is_e0208_twice() {
    let (_tmp, copy, out) = fixture_with_output("control-characters");
    let r = check_fails(&copy, &["E0208"]);
    let found: BTreeSet<String> = r
        .json_diagnostics()
        .iter()
        .map(|d| format!("{} {}", d["line"], d["message"]))
        .collect();
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().any(|f| f.contains("U+001B")), "{found:?}");
    assert!(found.iter().any(|f| f.contains("U+202E")), "{found:?}");
    build_fails_unchanged(&copy, &out, &["E0208"]);
}

#[test]
fn fixture_deep_html_is_e0607() {
    let (_tmp, copy, out) = fixture_with_output("deep-html");
    let r = check_fails(&copy, &["E0607"]);
    assert_eq!(r.json_diagnostics()[0]["line"], 6);
    build_fails_unchanged(&copy, &out, &["E0607"]);
}

#[test]
fn fixture_nfd_name_gets_the_composed_id() {
    let (tmp, copy) = copy_fixture("hostile", "content/nfd-name");
    assert!(
        copy.join("01-somn/01-intro/02-So\u{308}mndagbok.md")
            .is_file(),
        "the fixture's name must stay decomposed"
    );
    let out = tmp.path().join("out");
    let r = build(&copy, &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bundle = single_bundle(&out);
    assert!(bundle.join("steg/somn/intro/somndagbok.html").is_file());
    let manifest = std::fs::read_to_string(bundle.join("bundle.json")).unwrap();
    assert!(manifest.contains("Sömndagbok"), "the title is NFC");
    assert!(
        !manifest.contains("So\u{308}m"),
        "no decomposed text is left"
    );
}
