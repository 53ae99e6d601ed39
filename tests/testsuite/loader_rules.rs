//! The rules docs/bundle-format.md promises that the loader checks beyond the tree and the
//! hashes: release and review, forms, media kinds, HTML fragments, control characters,
//! spellings, unknown fields (ignored), and the API a platform uses. Each refusal is made by
//! changing a built bundle and re-hashing what changed, so only the rule under test is broken;
//! each rule also has a passing case, so the checks are not simply refusing everything.

use crate::common::*;
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

/// Writes `bytes` to `path` in the bundle and lists its new size and hash in `m`.
fn replace_file(m: &mut Value, dir: &Path, path: &str, bytes: &[u8]) {
    std::fs::write(dir.join(path), bytes).unwrap();
    for f in m["files"].as_array_mut().unwrap() {
        if f["path"] == path {
            f["size"] = json!(bytes.len());
            f["sha256"] = json!(steg_bundle::sha256_hex(bytes));
        }
    }
}

/// every-type, changed by `change` (on the manifest and the folder).
fn every_type(change: impl FnOnce(&mut Value, &Path)) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, dir) = build_good("every-type");
    let mut m = manifest(&dir);
    change(&mut m, &dir);
    save(&dir, &m);
    (tmp, dir)
}

fn steg(m: &mut Value, i: usize) -> &mut Value {
    &mut m["moment"]["moduler"][0]["avsnitt"][0]["steg"][i]
}

fn form(m: &mut Value) -> &mut Value {
    let s = steg(m, 4);
    assert_eq!(s["type"], "form");
    s
}

fn accepted(dir: &Path) -> steg_bundle::Bundle {
    let r = verify(dir, &[]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    steg_bundle::Bundle::open(dir).expect("accepted by the library too")
}

// ---------------------------------------------------------------------------------------------
// Release and review

#[test]
fn a_release_needs_every_steg_approved_for_its_content() {
    let (_t, dir) = every_type(|m, _| m["release"] = json!(true));
    refused(&dir, &["B0020"]);

    // Every steg approved for exactly its content: accepted, and said so in one line.
    let approve = |m: &mut Value| {
        for a in m["moment"]["moduler"][0]["avsnitt"].as_array_mut().unwrap() {
            for s in a["steg"].as_array_mut().unwrap() {
                let hash = s["content_hash"].clone();
                assert!(hash.is_string(), "{s}");
                s["review"] = json!({ "status": "approved", "approved_by": "Anna Berg",
                    "role": "psykolog", "date": "2026-11-30", "approved_hash": hash });
            }
        }
    };
    let (_t, dir) = every_type(|m, _| {
        m["release"] = json!(true);
        approve(m);
    });
    let r = verify(&dir, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("release: yes") && r.stdout.contains("7 of 7 steg approved"),
        "{}",
        r.stdout
    );
    let j = verify(&dir, &["--format", "json"]);
    assert_eq!(j.json_lines()[0]["release"], true);
    assert_eq!(j.json_lines()[0]["review"]["approved"], 7);

    // Approved, but for other content: refused in a release.
    let (_t, dir) = every_type(|m, _| {
        m["release"] = json!(true);
        approve(m);
        steg(m, 0)["review"]["approved_hash"] = json!("0".repeat(64));
    });
    refused(&dir, &["B0020"]);
}

#[test]
fn a_draft_says_so_in_one_line() {
    let (_t, dir) = build_good("every-type");
    let r = verify(&dir, &[]);
    let lines: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("release:"))
        .collect();
    assert_eq!(
        lines,
        ["release: no (draft); review: 0 of 7 steg approved, 7 never approved"]
    );
}

// ---------------------------------------------------------------------------------------------
// Forms

/// A valid score over the scale `trotthet` (0 to 10), with bands.
fn with_score(m: &mut Value, bands: Value) {
    form(m)["scores"] = json!([{ "id": "trotthet-summa", "label": "Trötthet",
        "questions": ["trotthet"], "min": 0, "max": 10, "bands": bands }]);
}

#[test]
fn bands_must_cover_the_score_exactly() {
    let (_t, dir) = every_type(|m, _| {
        with_score(
            m,
            json!([{ "min": 6, "max": 10, "label": "Hög" }, { "min": 0, "max": 5, "label": "Låg" }]),
        )
    });
    accepted(&dir);
    for bands in [
        json!([{ "min": 0, "max": 4, "label": "Låg" }, { "min": 6, "max": 10, "label": "Hög" }]),
        json!([{ "min": 0, "max": 5, "label": "Låg" }, { "min": 5, "max": 10, "label": "Hög" }]),
        json!([{ "min": 0, "max": 5, "label": "Låg" }, { "min": 6, "max": 11, "label": "Hög" }]),
        json!([{ "min": 1, "max": 10, "label": "Alla" }]),
    ] {
        let (_t, dir) = every_type(|m, _| with_score(m, bands));
        refused(&dir, &["B0023"]);
    }
}

#[test]
fn score_ranges_and_scorable_questions_are_checked() {
    let (_t, dir) = every_type(|m, _| {
        with_score(m, json!([]));
        form(m)["scores"][0]["max"] = json!(12);
    });
    refused(&dir, &["B0023"]);
    // `namn` is a text question: it has no score.
    let (_t, dir) = every_type(|m, _| {
        with_score(m, json!([]));
        form(m)["scores"][0]["questions"] = json!(["trotthet", "namn"]);
    });
    refused(&dir, &["B0023"]);
}

#[test]
fn question_rules_are_checked() {
    type Change = Box<dyn Fn(&mut Value)>;
    let cases: Vec<Change> = vec![
        // `display` never required.
        Box::new(|m| {
            form(m)["questions"]
                .as_array_mut()
                .unwrap()
                .push(json!({ "id": "info", "label": "Läs", "type": "display", "required": true }))
        }),
        // Option values unique.
        Box::new(|m| form(m)["questions"][2]["options"][1]["value"] = json!("under-15")),
        // A step that does not divide the range.
        Box::new(|m| form(m)["questions"][4]["step"] = json!(3)),
        // An alert comparing a scale with text.
        Box::new(|m| {
            form(m)["questions"][4]["alert"] =
                json!({ "when": { "operator": "greater", "value": "mycket" }, "message": "Ring" })
        }),
        // A condition on a choice with a value it does not have.
        Box::new(|m| {
            form(m)["questions"][3]["show_if"] = json!({ "behavior": "all", "conditions": [
                { "question": "insomning", "operator": "equals", "value": "aldrig" }] })
        }),
        // Exercise field ids unique.
        Box::new(|m| steg(m, 5)["fields"][1]["id"] = json!("plan")),
    ];
    for change in cases {
        let (_t, dir) = every_type(|m, _| change(m));
        refused(&dir, &["B0023"]);
    }
    // A well-typed alert and condition pass.
    let (_t, dir) = every_type(|m, _| {
        form(m)["questions"][4]["alert"] =
            json!({ "when": { "operator": "greater", "value": 8 }, "message": "Ring" });
        form(m)["questions"][3]["show_if"] = json!({ "behavior": "all", "conditions": [
            { "question": "insomning", "operator": "equals", "value": "15-30" }] });
    });
    accepted(&dir);
    // A question id out of pattern is B0004.
    let (_t, dir) = every_type(|m, _| form(m)["questions"][0]["id"] = json!("Namn"));
    refused(&dir, &["B0004"]);
}

// ---------------------------------------------------------------------------------------------
// Media and fragments

fn path_of(m: &Value, i: usize, field: &str) -> String {
    let mut m = m.clone();
    steg(&mut m, i)[field].as_str().unwrap().to_string()
}

#[test]
fn captions_must_be_webvtt_and_images_images() {
    let (_t, dir) = every_type(|m, dir| {
        let vtt = path_of(m, 1, "captions");
        replace_file(m, dir, &vtt, b"<p>not captions</p>");
    });
    refused(&dir, &["B0024"]);
    let (_t, dir) = every_type(|m, dir| {
        let png = path_of(m, 3, "src");
        replace_file(m, dir, &png, b"GIF89a but called png");
    });
    refused(&dir, &["B0024"]);
}

#[test]
fn media_types_must_fit_names_and_uses() {
    // A PNG listed as HTML.
    let (_t, dir) = every_type(|m, _| {
        let png = path_of(m, 3, "src");
        for f in m["files"].as_array_mut().unwrap() {
            if f["path"] == png.as_str() {
                f["media_type"] = json!("text/html");
            }
        }
    });
    refused(&dir, &["B0024"]);
    // Captions used as a poster image.
    let (_t, dir) = every_type(|m, _| {
        let vtt = path_of(m, 1, "captions");
        steg(m, 1)["poster"] = json!(vtt);
    });
    refused(&dir, &["B0024"]);
}

#[test]
fn fragments_are_checked_against_the_allow_list() {
    for bad in [
        "<p>Hej</p><img src=\"x\" onerror=\"alert(1)\">",
        "<p><a href=\"javascript:alert(1)\">x</a></p>",
        "<script>alert(1)</script>",
        "<style>body{display:none}</style>",
    ] {
        let (_t, dir) = every_type(|m, dir| {
            let html = path_of(m, 0, "html");
            replace_file(m, dir, &html, bad.as_bytes());
        });
        refused(&dir, &["B0025"]);
    }
    let (_t, dir) = every_type(|m, dir| {
        let html = path_of(m, 0, "html");
        replace_file(
            m,
            dir,
            &html,
            b"<h2>Ny</h2><p><a href=\"https://1177.se\">1177</a></p>",
        );
    });
    accepted(&dir);
}

#[test]
fn the_compiler_and_the_loader_share_one_allow_list() {
    let mut compiler: Vec<&str> = steg_compiler::markdown::ALLOWED_TAGS.to_vec();
    compiler.sort_unstable();
    let mut loader = steg_bundle::html::ALLOWED_TAGS.to_vec();
    loader.sort_unstable();
    assert_eq!(compiler, loader);
    assert_eq!(
        steg_compiler::markdown::ALLOWED_GENERIC_ATTRIBUTES,
        steg_bundle::html::ALLOWED_GENERIC_ATTRIBUTES
    );
    assert_eq!(
        steg_compiler::markdown::URL_SCHEMES,
        steg_bundle::html::URL_SCHEMES
    );
    for (tag, attrs) in steg_compiler::markdown::ALLOWED_TAG_ATTRIBUTES {
        let loader = steg_bundle::html::ALLOWED_TAG_ATTRIBUTES
            .iter()
            .find(|(t, _)| t == tag)
            .map(|(_, a)| *a)
            .unwrap_or_default();
        for a in *attrs {
            assert!(loader.contains(a), "{a} on <{tag}>");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Strings, spellings, unknown fields

#[test]
fn control_characters_in_strings_are_b0019() {
    for title in [
        "Text\u{1b}[2J",
        "Text\u{0}",
        "Te\u{202e}xt",
        "Text\u{85}",
        "Två\nrader",
    ] {
        let (_t, dir) = every_type(|m, _| steg(m, 0)["title"] = json!(title));
        refused(&dir, &["B0019"]);
    }
    // Line feeds are allowed where text may span lines.
    let (_t, dir) = every_type(|m, _| m["moment"]["summary"] = json!("Två\nrader"));
    accepted(&dir);
}

#[test]
fn enumerations_are_spelled_as_the_format_spells_them() {
    let (_t, dir) =
        every_type(|m, _| m["moment"]["audience"]["groups"][1] = json!("vårdnadshavare"));
    refused(&dir, &["B0002"]);
    let (_t, dir) = every_type(|m, _| m["moment"]["flags"][0]["recipient"] = json!("invånare"));
    refused(&dir, &["B0002"]);
}

#[test]
fn unknown_fields_are_ignored_and_unknown_values_refused() {
    let (_t, dir) = every_type(|m, _| {
        m["x_future"] = json!({ "anything": 1 });
        m["moment"]["flags"][0]["trigger"]["x_future"] = json!(true);
        steg(m, 0)["x_future"] = json!("ignored");
        form(m)["questions"][0]["x_future"] = json!([]);
    });
    accepted(&dir);
    // A new trigger event is a new format version's; this one refuses it.
    let (_t, dir) =
        every_type(|m, _| m["moment"]["flags"][0]["trigger"] = json!({ "event": "moment_paused" }));
    refused(&dir, &["B0002"]);
}

#[test]
fn look_alike_listed_paths_are_b0022() {
    let (_t, dir) = every_type(|m, _| {
        let files = m["files"].as_array_mut().unwrap();
        let mut twin = files
            .iter()
            .find(|f| f["path"] == "welcome.html")
            .unwrap()
            .clone();
        twin["path"] = json!("Welcome.html");
        files.push(twin);
    });
    // Listed but not there as well.
    refused(&dir, &["B0006", "B0022"]);
}

// ---------------------------------------------------------------------------------------------
// The API

#[test]
fn bundles_offer_lookup_iteration_counts_and_errors() {
    let (_t, dir) = build_good("every-type");
    let bundle = steg_bundle::Bundle::open(&dir).unwrap();
    let all: Vec<&str> = bundle.steg().map(|s| s.steg.address.as_str()).collect();
    assert_eq!(all.len(), 7);
    assert_eq!(all[0], "alla-typer/forsta/text");
    let film = bundle
        .steg_at("alla-typer/forsta/film")
        .expect("found by address");
    assert_eq!(
        (film.modul.id.as_str(), film.avsnitt.id.as_str()),
        ("alla-typer", "forsta")
    );
    assert!(bundle.steg_at("alla-typer/forsta/finns-inte").is_none());
    assert!(bundle.modul("alla-typer").is_some());
    let c = bundle.counts();
    assert_eq!((c.moduler, c.avsnitt, c.steg, c.unapproved), (1, 2, 7, 7));
    assert!(!bundle.is_release());

    std::fs::write(dir.join("welcome.html"), "x").unwrap();
    let err = steg_bundle::Bundle::open(&dir).unwrap_err();
    fn takes_error(_: &dyn std::error::Error) {}
    takes_error(&err);
    let text = err.to_string();
    assert!(text.starts_with("error[B0007]: "), "{text}");
    assert!(text.contains("welcome.html"), "{text}");
}

#[test]
fn the_schema_pins_the_format_and_states_the_rules() {
    let schema = steg_bundle::manifest::json_schema();
    assert_eq!(schema["properties"]["format"]["const"], "steg-bundle");
    assert_eq!(schema["properties"]["format_version"]["const"], 1);
    let defs = &schema["$defs"];
    assert_eq!(
        defs["MomentEntry"]["properties"]["version"]["pattern"],
        steg_bundle::manifest::SEMVER_PATTERN
    );
    for (def, field) in [
        ("MomentEntry", "id"),
        ("ModulEntry", "id"),
        ("AvsnittEntry", "id"),
        ("Flag", "id"),
        ("Question", "id"),
        ("Score", "id"),
        ("ExerciseField", "id"),
    ] {
        assert_eq!(
            defs[def]["properties"][field]["pattern"],
            steg_bundle::manifest::ID_PATTERN,
            "{def}.{field}"
        );
    }
    // The audience enumeration is the loader's, spelled as the loader spells it.
    let groups: Vec<&str> = defs["AudienceGroup"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["const"].as_str().unwrap())
        .collect();
    let loader: Vec<&str> = steg_bundle::manifest::AudienceGroup::ALL
        .iter()
        .map(|g| g.as_str())
        .collect();
    assert_eq!(groups, loader);
    // One forward-compatibility policy: no object refuses unknown properties.
    let text = schema.to_string();
    assert!(!text.contains("\"additionalProperties\":false"), "{text}");
    // Every string refuses control characters (unless it has a stricter pattern or enum).
    assert_eq!(
        defs["StegEntry"]["properties"]["title"]["pattern"],
        steg_bundle::manifest::ONE_LINE_PATTERN
    );
}
