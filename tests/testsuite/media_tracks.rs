//! Media tracks: a film with several text tracks (each with its file, language, kind and
//! label), transcripts with a language and a kind, the duration every video and audio states;
//! from front matter through the bundle and the preview, and the loader's checks of a bundle
//! changed by hand (text tracks, poster alt text, `moved_from`, provenance).

use crate::common::*;
use crate::harness::ContentTest;
use crate::hostile::refused;
use serde_json::{Value, json};
use std::path::Path;

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

fn film(m: &mut Value) -> &mut Value {
    let s = &mut m["moment"]["moduler"][0]["avsnitt"][0]["steg"][0];
    assert_eq!(s["type"], "video");
    s
}

/// good/media-tracks built, its manifest changed by `change`.
fn changed(change: impl FnOnce(&mut Value)) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, dir) = build_good("media-tracks");
    let mut m = manifest(&dir);
    change(&mut m);
    save(&dir, &m);
    (tmp, dir)
}

fn accepted(dir: &Path) {
    let r = verify(dir, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn every_track_reaches_the_bundle_with_its_language_kind_label_and_hash() {
    let (_t, dir) = build_good("media-tracks");
    let mut m = manifest(&dir);
    let files: Vec<Value> = m["files"].as_array().unwrap().clone();
    let s = film(&mut m).clone();
    let tracks = s["text_tracks"].as_array().unwrap();
    let described: Vec<(&str, &str, &str)> = tracks
        .iter()
        .map(|t| {
            (
                t["language"].as_str().unwrap(),
                t["kind"].as_str().unwrap(),
                t["label"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        described,
        [
            ("sv", "captions", "Svenska"),
            ("en", "subtitles", "English"),
            ("ar", "subtitles", "العربية"),
            ("sv", "descriptions", "Svenska (syntolkning)"),
        ]
    );
    // The captions are the first track; every track's file is listed with its hash, as
    // media files are, and holds what the source file holds.
    assert_eq!(tracks[0]["src"], s["captions"]);
    for (t, source) in tracks.iter().zip(["sv", "en", "ar", "syntolkning"]) {
        let src = t["src"].as_str().unwrap();
        let listed = files
            .iter()
            .find(|f| f["path"] == src)
            .unwrap_or_else(|| panic!("{src} is not listed"));
        assert_eq!(listed["media_type"], "text/vtt");
        let bytes = std::fs::read(dir.join(src)).unwrap();
        assert_eq!(listed["sha256"], steg_bundle::sha256_hex(&bytes));
        let original = std::fs::read(
            root()
                .join(fixture("good", "media-tracks"))
                .join(format!("media/film.{source}.vtt")),
        )
        .unwrap();
        assert_eq!(bytes, original, "{src}");
    }
    assert_eq!(s["transcript_kind"], "descriptive");
    assert_eq!(s["duration_seconds"], 200);
    let audio = &m["moment"]["moduler"][0]["avsnitt"][0]["steg"][1];
    assert_eq!(audio["transcript_language"], "sv");
    assert_eq!(audio["transcript_kind"], "speech");
    assert_eq!(audio["duration_seconds"], 240);
    accepted(&dir);
    // The library reads the same tracks.
    let b = steg_bundle::Bundle::open(&dir).unwrap();
    let st = b.steg_at("somn/intro/film").unwrap();
    let steg_bundle::manifest::StegContent::Video { text_tracks, .. } = &st.steg.content else {
        panic!("a video");
    };
    assert_eq!(text_tracks.len(), 4);
    assert_eq!(
        text_tracks[3].kind,
        steg_bundle::manifest::TrackKind::Descriptions
    );
}

#[test]
fn the_preview_has_one_track_element_per_track_the_captions_default() {
    let t = ContentTest::from_fixture("good/media-tracks");
    let o = t.build(&[]).expect_exit(0).expect_verified();
    let page =
        std::fs::read_to_string(o.out.join("preview/media-tracks/steg/somn/intro/film.html"))
            .unwrap();
    let tracks: Vec<&str> = page
        .match_indices("<track ")
        .map(|(i, _)| &page[i..i + page[i..].find('>').unwrap() + 1])
        .collect();
    assert_eq!(tracks.len(), 4, "{page}");
    assert!(tracks[0].contains(r#"kind="captions""#), "{}", tracks[0]);
    assert!(tracks[0].contains(r#"srclang="sv""#) && tracks[0].contains(r#"label="Svenska""#));
    assert!(tracks[0].ends_with(" default>"), "{}", tracks[0]);
    assert!(tracks[1].contains(r#"kind="subtitles""#) && tracks[1].contains(r#"srclang="en""#));
    assert!(tracks[1].contains(r#"label="English""#));
    assert!(tracks[3].contains(r#"kind="descriptions""#));
    assert!(tracks[3].contains(r#"label="Svenska (syntolkning)""#));
    for t in &tracks[1..] {
        assert!(!t.contains("default"), "{t}");
    }
    // Each track's address resolves to a file of the preview.
    let dir = o.out.join("preview/media-tracks/steg/somn/intro");
    for t in &tracks {
        let src = t
            .split(r#"src=""#)
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap();
        assert!(dir.join(src).is_file(), "{src}");
    }
    // The review dossier names every track, with its kind and language, for the sign-off.
    let dossier = std::fs::read_to_string(o.out.join("preview/media-tracks/dossier.html")).unwrap();
    assert_eq!(dossier.matches("Textspår ").count(), 4, "{dossier}");
    assert!(
        dossier.contains("Textspår English (subtitles, en)"),
        "{dossier}"
    );
    assert!(
        dossier.contains("Textspår Svenska (syntolkning) (descriptions, sv)"),
        "{dossier}"
    );
}

/// A copy of good/media-tracks with `edit` applied to the film's front matter.
fn with_film(edit: impl FnOnce(String) -> String) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, copy) = copy_fixture("good", "media-tracks");
    let file = copy.join("01-somn/01-intro/01-film.md");
    let text = std::fs::read_to_string(&file).unwrap();
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit changed nothing");
    std::fs::write(&file, edited).unwrap();
    (tmp, copy)
}

fn json_build(content: &Path) -> Vec<Value> {
    let out = content.with_file_name("out");
    let r = build(content, &out, &["--format", "json"]);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(!out.exists(), "a failed build writes nothing");
    r.json_diagnostics()
}

fn one(found: &[Value], code: &str) -> Value {
    let with: Vec<&Value> = found.iter().filter(|d| d["code"] == code).collect();
    assert_eq!(with.len(), 1, "{found:?}");
    assert!(!with[0]["hint"].as_str().unwrap().is_empty());
    with[0].clone()
}

#[test]
fn video_and_audio_need_a_duration() {
    let (_t, copy) = with_film(|t| t.replace("duration_seconds: 200\n", ""));
    let found = json_build(&copy);
    let d = one(&found, "E0407");
    assert!(d["file"].as_str().unwrap().ends_with("01-film.md"), "{d}");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(found.len(), 1, "{found:?}");

    // Audio too, and zero is no duration: the error points at the 0.
    let (_t, copy) = copy_fixture("good", "media-tracks");
    let file = copy.join("01-somn/01-intro/02-ljud.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace("duration_seconds: 240", "duration_seconds: 0"),
    )
    .unwrap();
    let d = one(&json_build(&copy), "E0407");
    assert!(d["file"].as_str().unwrap().ends_with("02-ljud.md"), "{d}");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(8), Some(19))
    );

    // In Swedish by default, with the hint.
    let (_t, copy) = with_film(|t| t.replace("duration_seconds: 200\n", ""));
    let r = run(steg_sv()
        .arg("build")
        .arg(&copy)
        .arg("--out")
        .arg(copy.with_file_name("ut")));
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("fel[E0407]"), "{}", r.stderr);
    assert!(r.stderr.contains("duration_seconds: 180"), "{}", r.stderr);
}

#[test]
fn a_track_needs_a_known_kind_a_language_tag_and_its_own_kind_and_language() {
    let (_t, copy) = with_film(|t| t.replace("kind: subtitles", "kind: translation"));
    let d = one(&json_build(&copy), "E0408");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(9), Some(11))
    );
    assert!(d["hint"].as_str().unwrap().contains("subtitles"), "{d}");

    let (_t, copy) = with_film(|t| t.replace("language: en", "language: engelska"));
    let d = one(&json_build(&copy), "E0304");
    assert_eq!(d["line"].as_u64(), Some(8));

    // A second Swedish captions track: the captions already are one.
    let (_t, copy) = with_film(|t| t.replace("kind: descriptions", "kind: captions"));
    let d = one(&json_build(&copy), "E0408");
    assert_eq!(d["line"].as_u64(), Some(13), "{d}");

    let (_t, copy) = with_film(|t| t.replace("film.ar.vtt", "saknas.vtt"));
    one(&json_build(&copy), "E0601");

    let (_t, copy) = with_film(|t| {
        t.replace(
            "transcript_kind: descriptive",
            "transcript_kind: fullstandig",
        )
    });
    one(&json_build(&copy), "E0408");

    // A track on an audio is a field audio does not use: a warning, the build goes on.
    let (_t, copy) = copy_fixture("good", "media-tracks");
    let file = copy.join("01-somn/01-intro/02-ljud.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace(
            "duration_seconds: 240\n",
            "duration_seconds: 240\ntracks:\n  - src: /media/film.en.vtt\n    language: en\n",
        ),
    )
    .unwrap();
    let r = build(&copy, copy.with_file_name("out"), &["--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.json_codes().contains("W0403"), "{}", r.stdout);
}

// ---------------------------------------------------------------------------------------------
// The loader, on bundles changed by hand

#[test]
fn the_loader_checks_text_tracks() {
    let (_t, dir) = changed(|m| film(m)["text_tracks"][1]["language"] = json!("engelska"));
    refused(&dir, &["B0026"]);
    // The captions first.
    let (_t, dir) = changed(|m| {
        let tracks = film(m)["text_tracks"].as_array_mut().unwrap();
        tracks.swap(0, 1);
    });
    refused(&dir, &["B0026"]);
    let (_t, dir) = changed(|m| film(m)["text_tracks"][2]["language"] = json!("en"));
    refused(&dir, &["B0026"]);
    let (_t, dir) = changed(|m| film(m)["text_tracks"][1]["label"] = json!(" "));
    refused(&dir, &["B0026"]);
    let (_t, dir) = changed(|m| film(m)["transcript_language"] = json!("svenska"));
    refused(&dir, &["B0026"]);
    // A kind is an enumeration: a value this format does not know is refused.
    let (_t, dir) = changed(|m| film(m)["text_tracks"][1]["kind"] = json!("metadata"));
    refused(&dir, &["B0002"]);
    // A track's file is a file of the bundle like any media: listed, with its hash.
    let (_t, dir) = changed(|m| film(m)["text_tracks"][1]["src"] = json!("media/saknas.vtt"));
    refused(&dir, &["B0006"]);
    let (_t, dir) = build_good("media-tracks");
    let src = film(&mut manifest(&dir))["text_tracks"][2]["src"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(dir.join(&src), "WEBVTT\n\nnågot annat\n").unwrap();
    refused(&dir, &["B0007"]);
    // Not WebVTT, even with its size and hash listed: B0024.
    let (_t, dir) = build_good("media-tracks");
    let mut m = manifest(&dir);
    let src = film(&mut m)["text_tracks"][3]["src"]
        .as_str()
        .unwrap()
        .to_string();
    let bytes = b"<p>inte undertexter</p>";
    std::fs::write(dir.join(&src), bytes).unwrap();
    for f in m["files"].as_array_mut().unwrap() {
        if f["path"] == src.as_str() {
            f["size"] = json!(bytes.len());
            f["sha256"] = json!(steg_bundle::sha256_hex(bytes));
        }
    }
    save(&dir, &m);
    refused(&dir, &["B0024"]);
    // Bundles written before `text_tracks`: the captions are the one track.
    let (_t, dir) = changed(|m| {
        let s = film(m).as_object_mut().unwrap();
        s.remove("text_tracks");
        s.remove("transcript_kind");
    });
    accepted(&dir);
}

#[test]
fn the_loader_checks_the_posters_alt_text() {
    let (_t, dir) = changed(|m| film(m)["poster_alt"] = json!("  "));
    refused(&dir, &["B0027"]);
    let (_t, dir) = changed(|m| {
        film(m).as_object_mut().unwrap().remove("poster");
    });
    // The poster's file is then listed but unused: allowed (files may be listed unused).
    refused(&dir, &["B0027"]);
    // Without poster_alt the poster is decorative: accepted.
    let (_t, dir) = changed(|m| {
        film(m).as_object_mut().unwrap().remove("poster_alt");
    });
    accepted(&dir);
}

#[test]
fn the_loader_checks_moved_from() {
    let (_t, dir) = changed(|m| film(m)["moved_from"] = json!(["somn/intro/gammal-film"]));
    accepted(&dir);
    let (_t, dir) = changed(|m| film(m)["moved_from"] = json!(["somn/gammal-film"]));
    refused(&dir, &["B0028"]);
    let (_t, dir) = changed(|m| film(m)["moved_from"] = json!(["somn/intro/Gammal Film"]));
    refused(&dir, &["B0028"]);
    // Still a steg of the bundle.
    let (_t, dir) = changed(|m| film(m)["moved_from"] = json!(["somn/intro/ljud"]));
    refused(&dir, &["B0028"]);
    // Claimed twice.
    let (_t, dir) = changed(|m| {
        film(m)["moved_from"] = json!(["somn/intro/gammal"]);
        m["moment"]["moduler"][0]["avsnitt"][0]["steg"][1]["moved_from"] =
            json!(["somn/intro/gammal"]);
    });
    let r = run(steg().arg("verify").arg(&dir).args(["--format", "json"]));
    assert_eq!(r.code, 1);
    let d = r
        .json_diagnostics()
        .into_iter()
        .find(|d| d["code"] == "B0028")
        .expect("B0028");
    let msg = d["message"].as_str().unwrap();
    assert!(
        msg.contains("somn/intro/film") && msg.contains("somn/intro/ljud"),
        "{msg}"
    );
}

#[test]
fn the_loader_checks_provenance() {
    let epoch = 1_768_204_800u64;
    let (_t, dir) = changed(|m| {
        m["provenance"] = json!({
            "source": { "commit": "0123456789abcdef0123456789abcdef01234567", "clean": true },
            "source_date_epoch": epoch, "built_at": "2026-01-12T08:00:00Z"
        })
    });
    accepted(&dir);
    for broken in [
        json!({ "source": { "commit": "HEAD", "clean": true } }),
        json!({ "source_date_epoch": epoch, "built_at": "2026-01-13T08:00:00Z" }),
        json!({ "built_at": "2026-01-12T08:00:00Z" }),
        json!({ "signing_key": { "algorithm": "rsa", "id": "0000000000000000",
            "public_key": "00".repeat(32) } }),
        json!({ "signing_key": { "algorithm": "ed25519", "id": "0000000000000000",
            "public_key": "zz" } }),
    ] {
        let (_t, dir) = changed(|m| m["provenance"] = broken.clone());
        refused(&dir, &["B0029"]);
    }
    // A key id that is not its key's.
    let (_t, dir) = changed(|m| {
        m["provenance"] = json!({ "signing_key": { "algorithm": "ed25519",
            "id": "0000000000000000", "public_key": "11".repeat(32) } })
    });
    refused(&dir, &["B0029"]);
}

#[test]
fn a_signed_bundles_provenance_names_the_key_that_signed() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = tmp.path().join("keys");
    let r = run(steg().args(["keygen", "--out"]).arg(&keys));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let (secret, public) = (keys.join("steg.key"), keys.join("steg.pub"));
    let out = tmp.path().join("out");
    let r = build(
        fixture("good", "media-tracks"),
        &out,
        &["--sign", secret.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let dir = single_bundle(&out);
    let trust = ["--trust", public.to_str().unwrap()];
    let r = verify(&dir, &trust);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);

    // Signed (validly) by the trusted key, but naming another key in its provenance: the
    // signer wrote something untrue about itself.
    let mut m = manifest(&dir);
    let other = steg_bundle::signature::SecretKey::from_bytes(&[7; 32]);
    let other_public = steg_bundle::signature::hex(other.verifying_key().as_bytes());
    let id = steg_bundle::sha256_hex(other.verifying_key().as_bytes())[..16].to_string();
    m["provenance"]["signing_key"] =
        json!({ "algorithm": "ed25519", "id": id, "public_key": other_public });
    let bytes = serde_json::to_vec_pretty(&m).unwrap();
    std::fs::write(dir.join("bundle.json"), &bytes).unwrap();
    let key = steg_bundle::signature::parse_secret_key(&std::fs::read_to_string(&secret).unwrap())
        .unwrap();
    std::fs::write(
        dir.join("bundle.sig"),
        steg_bundle::signature::sign(&key, &bytes),
    )
    .unwrap();
    let r = run(steg()
        .arg("verify")
        .arg(&dir)
        .args(trust)
        .args(["--format", "json"]));
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert_eq!(
        r.json_codes(),
        ["B0029".to_string()]
            .into_iter()
            .collect::<std::collections::BTreeSet<String>>(),
        "{}",
        r.stdout
    );
    // Without a trusted key the provenance is only checked for being well-formed.
    accepted(&dir);
}

#[test]
fn the_compiler_refuses_a_moved_from_the_loader_would_refuse() {
    // An address still in the program.
    let (_t, copy) = with_film(|t| {
        t.replace(
            "type: video\n",
            "type: video\nmoved_from: [somn/intro/ljud]\n",
        )
    });
    let d = one(&json_build(&copy), "E0301");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(4), Some(14)),
        "{d}"
    );
    // Claimed by two steg.
    let (_t, copy) = with_film(|t| {
        t.replace(
            "type: video\n",
            "type: video\nmoved_from: [somn/intro/gammal]\n",
        )
    });
    let file = copy.join("01-somn/01-intro/02-ljud.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        text.replace(
            "type: audio\n",
            "type: audio\nmoved_from: [somn/intro/gammal]\n",
        ),
    )
    .unwrap();
    let d = one(&json_build(&copy), "E0301");
    assert!(d["message"].as_str().unwrap().contains("01-film.md"), "{d}");
    assert!(d["file"].as_str().unwrap().ends_with("02-ljud.md"), "{d}");
}
