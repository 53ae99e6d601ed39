//! A second, independent importer (tests/importer/import_bundle.py, Python, written from
//! docs/bundle-format.md and schema/bundle.schema.json only) against `steg verify`, over the
//! real bundle (built from content/ by the binary, as a folder and as an archive) and a set of
//! tampered copies: they must agree on every one, accepted or refused, and on the codes. Where
//! they disagree, the document is ambiguous or one of them is wrong.

use crate::common::*;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn manifest(dir: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join("bundle.json")).unwrap()).unwrap()
}

fn save(dir: &Path, m: &Value) {
    std::fs::write(
        dir.join("bundle.json"),
        serde_json::to_vec_pretty(m).unwrap(),
    )
    .unwrap();
}

fn rehash(m: &mut Value, dir: &Path, path: &str) {
    let bytes = std::fs::read(dir.join(path)).unwrap();
    for f in m["files"].as_array_mut().unwrap() {
        if f["path"] == path {
            f["size"] = json!(bytes.len());
            f["sha256"] = json!(steg_bundle::sha256_hex(&bytes));
        }
    }
}

/// Every steg of a manifest, mutably, in order.
fn all_steg(m: &mut Value) -> Vec<&mut Value> {
    let mut out = Vec::new();
    for modul in m["moment"]["moduler"].as_array_mut().unwrap() {
        for a in modul["avsnitt"].as_array_mut().unwrap() {
            for s in a["steg"].as_array_mut().unwrap() {
                out.push(s);
            }
        }
    }
    out
}

fn first_of_type<'a>(m: &'a mut Value, ty: &str) -> &'a mut Value {
    all_steg(m)
        .into_iter()
        .find(|s| s["type"] == ty)
        .expect("a steg of that type")
}

type Tamper = Box<dyn Fn(&mut Value, &Path)>;

/// The tampered copies: name and change (to the manifest and the folder).
fn tampers() -> Vec<(&'static str, Tamper)> {
    vec![
        ("untouched-copy", Box::new(|_, _| {})),
        (
            "html-byte-changed",
            Box::new(|m, d| {
                let html = first_of_type(m, "text")["html"]
                    .as_str()
                    .unwrap()
                    .to_string();
                let mut b = std::fs::read(d.join(&html)).unwrap();
                b[3] ^= 0x20;
                std::fs::write(d.join(html), b).unwrap();
            }),
        ),
        (
            "file-missing",
            Box::new(|_, d| std::fs::remove_file(d.join("welcome.html")).unwrap()),
        ),
        (
            "file-unlisted",
            Box::new(|_, d| std::fs::write(d.join("extra.js"), "x").unwrap()),
        ),
        (
            "script-in-fragment",
            Box::new(|m, d| {
                std::fs::write(d.join("welcome.html"), "<p>Hej</p><script>x()</script>").unwrap();
                rehash(m, d, "welcome.html");
            }),
        ),
        (
            "handler-in-fragment",
            Box::new(|m, d| {
                std::fs::write(d.join("welcome.html"), "<p onmouseover=\"x()\">Hej</p>").unwrap();
                rehash(m, d, "welcome.html");
            }),
        ),
        (
            "javascript-url",
            Box::new(|m, d| {
                std::fs::write(d.join("welcome.html"), "<a href=\"JavaScript:x()\">Hej</a>")
                    .unwrap();
                rehash(m, d, "welcome.html");
            }),
        ),
        (
            "harmless-fragment-edit",
            Box::new(|m, d| {
                std::fs::write(
                    d.join("welcome.html"),
                    "<h2>Välkommen</h2>\n<p><a href=\"https://1177.se\">1177</a></p>\n",
                )
                .unwrap();
                rehash(m, d, "welcome.html");
            }),
        ),
        (
            "escape-in-title",
            Box::new(|m, _| m["moment"]["title"] = json!("PLUS\u{1b}]0;x\u{7}")),
        ),
        (
            "bidi-in-steg-title",
            Box::new(|m, _| first_of_type(m, "text")["title"] = json!("\u{202e}lmth.live")),
        ),
        (
            "newline-in-summary",
            Box::new(|m, _| m["moment"]["summary"] = json!("En rad.\nEn till.")),
        ),
        (
            "audience-spelled-with-a-ring",
            Box::new(|m, _| m["moment"]["audience"]["groups"] = json!(["unga", "vårdnadshavare"])),
        ),
        (
            "release-with-drafts",
            Box::new(|m, _| m["release"] = json!(true)),
        ),
        (
            "release-all-approved",
            Box::new(|m, _| {
                m["release"] = json!(true);
                for s in all_steg(m) {
                    let h = s["content_hash"].clone();
                    s["review"] = json!({ "status": "approved", "approved_hash": h });
                }
            }),
        ),
        (
            "bands-with-a-gap",
            Box::new(|m, _| {
                let f = all_steg(m)
                    .into_iter()
                    .find(|s| s["scores"].is_array())
                    .unwrap();
                let (lo, hi) = (f["scores"][0]["min"].clone(), f["scores"][0]["max"].clone());
                f["scores"][0]["bands"] = json!([{ "min": lo, "max": lo, "label": "a" },
                { "min": hi.as_f64().unwrap() + 1.0, "max": hi.as_f64().unwrap() + 1.0, "label": "b" }]);
            }),
        ),
        (
            "bands-exact",
            Box::new(|m, _| {
                let f = all_steg(m)
                    .into_iter()
                    .find(|s| s["scores"].is_array())
                    .unwrap();
                let (lo, hi) = (f["scores"][0]["min"].clone(), f["scores"][0]["max"].clone());
                f["scores"][0]["bands"] = json!([{ "min": lo, "max": hi, "label": "alla" }]);
            }),
        ),
        (
            "score-range-wrong",
            Box::new(|m, _| {
                let f = all_steg(m)
                    .into_iter()
                    .find(|s| s["scores"].is_array())
                    .unwrap();
                f["scores"][0]["max"] = json!(99);
            }),
        ),
        (
            "option-value-twice",
            Box::new(|m, _| {
                let f = first_of_type(m, "form");
                let q = f["questions"]
                    .as_array_mut()
                    .unwrap()
                    .iter_mut()
                    .find(|q| q["options"].as_array().is_some_and(|o| o.len() > 1))
                    .unwrap();
                let v = q["options"][0]["value"].clone();
                q["options"][1]["value"] = v;
            }),
        ),
        (
            "display-required",
            Box::new(|m, _| {
                first_of_type(m, "form")["questions"].as_array_mut().unwrap()
                .push(json!({ "id": "las-detta", "label": "Läs", "type": "display", "required": true }));
            }),
        ),
        (
            "captions-not-webvtt",
            Box::new(|m, d| {
                let vtt = first_of_type(m, "video")["captions"]
                    .as_str()
                    .unwrap()
                    .to_string();
                std::fs::write(d.join(&vtt), "1\n00:00:01.000 --> 00:00:02.000\nHej\n").unwrap();
                rehash(m, d, &vtt);
            }),
        ),
        (
            "media-type-wrong",
            Box::new(|m, _| {
                for f in m["files"].as_array_mut().unwrap() {
                    if f["path"].as_str().unwrap().ends_with(".webm") {
                        f["media_type"] = json!("text/html");
                    }
                }
            }),
        ),
        (
            "unknown-fields",
            Box::new(|m, _| {
                m["x_future"] = json!(1);
                m["moment"]["flags"][0]["trigger"]["x_future"] = json!(true);
                first_of_type(m, "text")["x_future"] = json!({ "a": [1] });
            }),
        ),
        (
            "unknown-steg-type",
            Box::new(|m, _| first_of_type(m, "text")["type"] = json!("quiz")),
        ),
        (
            "format-version-2",
            Box::new(|m, _| m["format_version"] = json!(2)),
        ),
        (
            "invalid-steg-id",
            Box::new(|m, _| first_of_type(m, "text")["id"] = json!("Välkommen")),
        ),
        (
            "address-mismatch",
            Box::new(|m, _| first_of_type(m, "text")["address"] = json!("a/b/c")),
        ),
        (
            "look-alike-file",
            Box::new(|_, d| {
                std::fs::copy(d.join("welcome.html"), d.join("WELCOME.html")).unwrap();
            }),
        ),
        (
            "listed-path-escapes",
            Box::new(|m, _| {
                let mut f = m["files"][0].clone();
                f["path"] = json!("../../etc/passwd");
                m["files"].as_array_mut().unwrap().push(f);
            }),
        ),
        #[cfg(unix)]
        (
            "symlink",
            Box::new(|_, d| {
                std::fs::remove_file(d.join("welcome.html")).unwrap();
                std::os::unix::fs::symlink("/etc/passwd", d.join("welcome.html")).unwrap();
            }),
        ),
        #[cfg(unix)]
        (
            "hard-link",
            Box::new(|_, d| {
                let outside = d.parent().unwrap().join(format!(
                    "{}-outside.html",
                    d.file_name().unwrap().to_string_lossy()
                ));
                std::fs::rename(d.join("welcome.html"), &outside).unwrap();
                std::fs::hard_link(&outside, d.join("welcome.html")).unwrap();
            }),
        ),
        #[cfg(unix)]
        (
            "fifo",
            Box::new(|_, d| {
                std::fs::remove_file(d.join("welcome.html")).unwrap();
                assert!(
                    std::process::Command::new("mkfifo")
                        .arg(d.join("welcome.html"))
                        .status()
                        .unwrap()
                        .success()
                );
            }),
        ),
        // Media tracks, poster alt text, moved_from and provenance (docs/bundle-format.md,
        // *Media tracks*, *Provenance*, B0026-B0029).
        (
            "second-text-track",
            Box::new(|m, _| {
                let v = first_of_type(m, "video");
                let src = v["captions"].clone();
                v["text_tracks"].as_array_mut().unwrap().push(
                    json!({ "src": src, "language": "en", "kind": "subtitles", "label": "English" }),
                );
                v["transcript_language"] = json!("sv");
                v["transcript_kind"] = json!("speech");
            }),
        ),
        (
            "track-language-malformed",
            Box::new(|m, _| {
                first_of_type(m, "video")["text_tracks"][0]["language"] = json!("svenska")
            }),
        ),
        (
            "track-kind-unknown",
            Box::new(|m, _| {
                first_of_type(m, "video")["text_tracks"][0]["kind"] = json!("metadata")
            }),
        ),
        (
            "track-file-missing",
            Box::new(|m, _| {
                first_of_type(m, "video")["text_tracks"]
                    .as_array_mut()
                    .unwrap()
                    .push(
                        json!({ "src": "media/saknas.vtt", "language": "en", "kind": "subtitles" }),
                    )
            }),
        ),
        (
            "transcript-language-malformed",
            Box::new(|m, _| first_of_type(m, "video")["transcript_language"] = json!("sv_SE")),
        ),
        (
            "poster-alt-without-poster",
            Box::new(|m, _| {
                let v = first_of_type(m, "video");
                v.as_object_mut().unwrap().remove("poster");
                v["poster_alt"] = json!("En klocka.");
            }),
        ),
        (
            "moved-from-elsewhere",
            Box::new(|m, _| {
                first_of_type(m, "text")["moved_from"] = json!(["gammal/intro/valkommen"])
            }),
        ),
        (
            "moved-from-still-there",
            Box::new(|m, _| {
                let other = first_of_type(m, "video")["address"].clone();
                first_of_type(m, "text")["moved_from"] = json!([other]);
            }),
        ),
        (
            "moved-from-claimed-twice",
            Box::new(|m, _| {
                first_of_type(m, "text")["moved_from"] = json!(["gammal/intro/valkommen"]);
                first_of_type(m, "video")["moved_from"] = json!(["gammal/intro/valkommen"]);
            }),
        ),
        (
            "provenance-consistent",
            Box::new(|m, _| {
                m["provenance"] = json!({
                    "source": { "commit": "0123456789abcdef0123456789abcdef01234567", "clean": false },
                    "source_date_epoch": 1_768_204_800u64, "built_at": "2026-01-12T08:00:00Z" })
            }),
        ),
        (
            "provenance-built-at-wrong",
            Box::new(|m, _| {
                m["provenance"] = json!({ "source_date_epoch": 1_768_204_800u64,
                    "built_at": "2026-01-12T09:00:00Z" })
            }),
        ),
        (
            "provenance-key-id-wrong",
            Box::new(|m, _| {
                m["provenance"] = json!({ "signing_key": { "algorithm": "ed25519",
                    "id": "0000000000000000", "public_key": "11".repeat(32) } })
            }),
        ),
    ]
}

/// `steg verify`'s verdict: accepted, and the codes.
fn steg_says(path: &Path) -> (bool, BTreeSet<String>) {
    let r = run(steg().arg("verify").arg(path).args(["--format", "json"]));
    assert!(r.code == 0 || r.code == 1, "{}{}", r.stdout, r.stderr);
    (r.code == 0, r.json_codes())
}

/// Runs in CI (`bash .ci/run` installs tests/importer/requirements.txt and runs ignored tests);
/// fails, not skips, without Python or the package.
#[test]
#[ignore = "needs Python with tests/importer/requirements.txt (bash .ci/run installs it)"]
fn an_importer_written_from_the_docs_agrees_with_steg_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = build("content", &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let real = single_bundle(&out);
    let archive = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "tar"))
        .expect("the archive");

    let mut paths: Vec<PathBuf> = vec![real.clone(), archive.clone()];
    let cases = tmp.path().join("cases");
    for (name, tamper) in tampers() {
        let dir = cases.join(name);
        copy_dir(&real, &dir);
        let mut m = manifest(&dir);
        tamper(&mut m, &dir);
        save(&dir, &m);
        paths.push(dir);
    }
    // Archives: the real one with something after its end, with a header field changed (its
    // checksum then wrong), and every committed hostile archive.
    let bytes = std::fs::read(&archive).unwrap();
    let mut after = bytes.clone();
    after.extend_from_slice(&[0x41; 512]);
    let p = cases.join("after-end.tar");
    std::fs::write(&p, after).unwrap();
    paths.push(p);
    let mut mode = bytes.clone();
    mode[102] = b'7';
    let p = cases.join("mode-changed.tar");
    std::fs::write(&p, mode).unwrap();
    paths.push(p);
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/hostile"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "tar"))
        .collect();
    fixtures.sort();
    paths.extend(fixtures);

    let result = std::process::Command::new("python3")
        .arg(root().join("tests/importer/import_bundle.py"))
        .arg(root().join("schema/bundle.schema.json"))
        .args(&paths)
        .output()
        .expect("python3 runs (this test needs Python 3)");
    let stdout = String::from_utf8_lossy(&result.stdout);
    assert!(
        result.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let verdicts: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(verdicts.len(), paths.len(), "{stdout}");

    // The media, rename and provenance cases each mean one thing, so agreeing on them is
    // agreeing on that: their expected verdicts (empty: accepted).
    let expected: &[(&str, &[&str])] = &[
        ("second-text-track", &[]),
        ("track-language-malformed", &["B0026"]),
        ("track-kind-unknown", &["B0002"]),
        ("track-file-missing", &["B0006"]),
        ("transcript-language-malformed", &["B0026"]),
        ("poster-alt-without-poster", &["B0027"]),
        ("moved-from-elsewhere", &[]),
        ("moved-from-still-there", &["B0028"]),
        ("moved-from-claimed-twice", &["B0028"]),
        ("provenance-consistent", &[]),
        ("provenance-built-at-wrong", &["B0029"]),
        ("provenance-key-id-wrong", &["B0029"]),
    ];
    let mut disagreements = Vec::new();
    let mut checked = 0;
    let (mut accepted, mut refused) = (0, 0);
    for (path, v) in paths.iter().zip(&verdicts) {
        let (ok, codes) = steg_says(path);
        let name = path.file_name().unwrap().to_string_lossy();
        if let Some((_, want)) = expected.iter().find(|(n, _)| *n == name) {
            checked += 1;
            let want: BTreeSet<String> = want.iter().map(|c| c.to_string()).collect();
            if codes != want {
                disagreements.push(format!("{name}: steg verify says {codes:?}, not {want:?}"));
            }
        }
        let theirs: BTreeSet<String> = v["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_string())
            .collect();
        if ok {
            accepted += 1
        } else {
            refused += 1
        }
        if v["accepted"] != json!(ok) || theirs != codes {
            disagreements.push(format!(
                "{}: steg verify {} {codes:?}, the importer {} {theirs:?} ({})",
                path.display(),
                if ok { "accepts" } else { "refuses" },
                if v["accepted"] == json!(true) {
                    "accepts"
                } else {
                    "refuses"
                },
                v["problems"]
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    assert_eq!(checked, expected.len(), "a case of `expected` was not run");
    // Both verdicts occur, so agreement is not agreement on "refuse everything".
    assert!(
        accepted >= 5 && refused >= 30,
        "{accepted} accepted, {refused} refused"
    );
}
