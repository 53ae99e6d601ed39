//! Renamed ids: `moved_from:` tells a platform where a steg used to be, and `steg diff`
//! proposes it when a removed and an added steg have the same content.

use crate::common::*;
use serde_json::Value;
use std::path::Path;

fn set_version(content: &Path, version: &str) {
    let path = content.join("moment.md");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace("version: 1.0.0", &format!("version: {version}")),
    )
    .unwrap();
}

/// `steg diff OLD NEW --format json`, with its exit code.
fn diff(old: &Path, new: &Path) -> (i32, Value) {
    let r = run(steg()
        .arg("diff")
        .arg(old)
        .arg(new)
        .args(["--format", "json"]));
    (
        r.code,
        serde_json::from_str(&r.stdout).unwrap_or_else(|_| panic!("{}{}", r.stdout, r.stderr)),
    )
}

#[test]
fn diff_proposes_moved_from_and_honours_it() {
    let (tmp, content) = copy_fixture("good", "minimal");
    let out = tmp.path().join("out");
    assert_eq!(build(&content, &out, &[]).code, 0);
    let old = single_bundle(&out);

    // The same steg under a new file name, so a new id and address.
    let intro = content.join("01-somn/01-intro");
    std::fs::rename(intro.join("01-valkommen.md"), intro.join("01-hej.md")).unwrap();
    set_version(&content, "1.1.0");
    let (code, report) = diff(&old, &content);
    let change = &report["changes"][0];
    assert_eq!(change["kind"], "moved", "{report}");
    assert_eq!(change["subject"], "somn/intro/hej");
    assert_eq!(change["verdict"], "major");
    let detail = change["details"][0].as_str().unwrap();
    assert!(
        detail.contains("add `moved_from: [somn/intro/valkommen]`")
            && detail.contains("somn/intro/hej"),
        "{detail}"
    );
    assert_eq!(code, 1, "a major change needs 2.0.0");

    // With the proposal taken, the platform keeps progress: a minor change, 1.1.0 is enough.
    let steg = intro.join("01-hej.md");
    let text = std::fs::read_to_string(&steg).unwrap();
    std::fs::write(
        &steg,
        text.replacen("---\n", "---\nmoved_from: [somn/intro/valkommen]\n", 1),
    )
    .unwrap();
    let (code, report) = diff(&old, &content);
    assert_eq!(report["changes"][0]["kind"], "moved", "{report}");
    assert_eq!(report["changes"][0]["verdict"], "minor", "{report}");
    assert_eq!(report["verdict"], "minor");
    assert_eq!(code, 0, "{report}");

    // A declared move is honoured even when the text changed too.
    std::fs::write(
        &steg,
        std::fs::read_to_string(&steg)
            .unwrap()
            .replace("Här börjar", "Nu börjar"),
    )
    .unwrap();
    let (_, report) = diff(&old, &content);
    assert_eq!(report["changes"][0]["kind"], "moved", "{report}");
    assert_eq!(report["changes"][0]["verdict"], "minor", "{report}");

    // The bundle carries it, for the platform.
    let out2 = tmp.path().join("out2");
    let r = build(&content, &out2, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(single_bundle(&out2).join("bundle.json")).unwrap())
            .unwrap();
    let s = &manifest["moment"]["moduler"][0]["avsnitt"][0]["steg"][0];
    assert_eq!(s["address"], "somn/intro/hej");
    assert_eq!(s["moved_from"], serde_json::json!(["somn/intro/valkommen"]));
}

#[test]
fn moved_from_must_be_an_address() {
    let (_tmp, content) = copy_fixture("good", "minimal");
    let steg = content.join("01-somn/01-intro/01-valkommen.md");
    let text = std::fs::read_to_string(&steg).unwrap();
    std::fs::write(
        &steg,
        text.replacen("---\n", "---\nmoved_from: [sömn/intro]\n", 1),
    )
    .unwrap();
    let r = run(&mut steg_cmd_check(&content));
    assert_eq!(r.code, 1);
    let d = r.json_diagnostics();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "E0301");
    assert_eq!(d[0]["line"], 2);
    assert!(
        d[0]["message"].as_str().unwrap().contains("sömn/intro"),
        "{}",
        d[0]
    );
}

fn steg_cmd_check(content: &Path) -> assert_cmd::Command {
    let mut cmd = steg();
    cmd.arg("check").arg(content).args(["--format", "json"]);
    cmd
}

/// An avsnitt may be for part of the audience (e.g. guardians); its steg inherit it.
#[test]
fn an_avsnitt_states_its_audience_and_its_steg_inherit_it() {
    let (tmp, content) = copy_fixture("good", "minimal");
    let moment = content.join("moment.md");
    let text = std::fs::read_to_string(&moment).unwrap();
    std::fs::write(
        &moment,
        text.replace("groups: [unga]", "groups: [unga, vardnadshavare]"),
    )
    .unwrap();
    let avsnitt = content.join("01-somn/01-intro/avsnitt.md");
    let text = std::fs::read_to_string(&avsnitt).unwrap();
    std::fs::write(
        &avsnitt,
        text.replacen("---\n", "---\naudience: [vardnadshavare]\n", 1),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let r = build(&content, &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(single_bundle(&out).join("bundle.json")).unwrap())
            .unwrap();
    let modul = &manifest["moment"]["moduler"][0];
    assert_eq!(
        modul["audience"],
        serde_json::json!(["unga", "vardnadshavare"])
    );
    let a = &modul["avsnitt"][0];
    assert_eq!(a["audience"], serde_json::json!(["vardnadshavare"]));
    assert_eq!(
        a["steg"][0]["audience"],
        serde_json::json!(["vardnadshavare"])
    );
}

/// A video's captions are a track with a language and a kind; its poster may say what it shows.
#[test]
fn a_video_names_its_caption_track_language_and_poster_text() {
    let (tmp, content) = copy_fixture("good", "every-type");
    let film = content.join("01-alla-typer/01-forsta/02-film.md");
    let manifest_of = |out: &Path| -> Value {
        let r = build(&content, out, &[]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        serde_json::from_slice(&std::fs::read(single_bundle(out).join("bundle.json")).unwrap())
            .unwrap()
    };
    let video = |m: &Value| -> Value {
        m["moment"]["moduler"][0]["avsnitt"][0]["steg"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["type"] == "video")
            .cloned()
            .unwrap()
    };
    // By default: one track of captions in the program's language.
    let v = video(&manifest_of(&tmp.path().join("a")));
    assert_eq!(
        v["text_tracks"],
        serde_json::json!([{ "src": v["captions"], "language": "sv-SE", "kind": "captions",
            "label": "Svenska" }]),
        "the moment is sv-SE"
    );
    assert!(v.get("poster_alt").is_none());
    let text = std::fs::read_to_string(&film).unwrap();
    std::fs::write(
        &film,
        text.replacen(
            "---\n",
            "---\ncaptions_language: sv-FI\nposter_alt: En klocka vid en säng.\n",
            1,
        ),
    )
    .unwrap();
    let v = video(&manifest_of(&tmp.path().join("b")));
    assert_eq!(v["text_tracks"][0]["language"], "sv-FI");
    assert_eq!(v["poster_alt"], "En klocka vid en säng.");
    // Not a language tag: E0304 where it is written.
    std::fs::write(
        &film,
        text.replacen("---\n", "---\ncaptions_language: svenska\n", 1),
    )
    .unwrap();
    let r = run(steg().arg("check").arg(&content).args(["--format", "json"]));
    assert_eq!(r.code, 1);
    let d = r.json_diagnostics();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(
        (d[0]["code"].as_str(), d[0]["line"].as_u64()),
        (Some("E0304"), Some(2))
    );
}
