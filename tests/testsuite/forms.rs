//! Forms: every question type, conditions, scores, alerts and instruments, through the real
//! binary; the FHIR Questionnaire export; scoring with the library; the loader's form checks.
//!
//! Every folder in `tests/fixtures/broken/forms/` is a small program whose one form has one
//! problem; its test checks the exit code, exactly the expected codes (as JSON), and the
//! human-readable report against a snapshot in `tests/snapshots/`. After a deliberate change
//! to a message, review the new output and accept it with `INSTA_UPDATE=always cargo test`.

use crate::common::*;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};

const BROKEN_FORMS: &str = "broken/forms";

/// Builds `broken/forms/<name>` and checks exit code, codes and the snapshot of the report.
fn check_broken(name: &str, exit: i32, expected: &[&str]) {
    let fixture = fixture(BROKEN_FORMS, name);
    let tmp = tempfile::tempdir().unwrap();

    let out = tmp.path().join("out");
    let r = build(&fixture, &out, &[]);
    assert_eq!(r.code, exit, "exit code of {name}; stderr:\n{}", r.stderr);
    assert_eq!(r.stdout, "", "human output goes to stderr only");
    if exit == 0 {
        let v = verify(single_bundle(&out), &[]);
        assert_eq!(
            v.code, 0,
            "verify after a warning-only build:\n{}",
            v.stderr
        );
    } else {
        assert!(
            !out.exists(),
            "a failed build must not create its output folder"
        );
    }
    insta::assert_snapshot!(name, normalize(&r.stderr, &fixture, &out));

    // The same report in Swedish, the default language.
    let sv = swedish_report(&fixture, &tmp.path().join("out-sv"), &r, exit, name);
    insta::assert_snapshot!(format!("{name}-sv"), sv);

    let j = build(&fixture, tmp.path().join("out-json"), &["--format", "json"]);
    assert_eq!(j.code, exit, "exit code with --format json for {name}");
    let expected: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
    assert_eq!(j.json_codes(), expected, "codes reported for {name}");
    for d in j.json_diagnostics() {
        // Every form problem points at the line and column of the field at fault.
        let code = d["code"].as_str().unwrap();
        assert!(
            steg_bundle::diagnostic::CODES.iter().any(|c| c.id == code),
            "{code} is not in the catalogue"
        );
        assert!(d["file"].as_str().unwrap().ends_with("01-fragor.md"), "{d}");
        assert!(d["line"].as_u64().unwrap() > 3, "{d}");
        assert!(d["column"].as_u64().unwrap() >= 1, "{d}");
        assert!(!d["message"].as_str().unwrap().is_empty(), "{d}");
        assert!(!d["hint"].as_str().unwrap().is_empty(), "{d}");
    }
    let json_order: Vec<String> = j
        .json_diagnostics()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        r.human_codes(),
        json_order,
        "human and JSON order for {name}"
    );
}

broken! {
    e0501_empty_group: "e0501-empty-group" => exit 1, ["E0501"];
    e0502_duplicate_id_in_group: "e0502-duplicate-id-in-group" => exit 1, ["E0502"];
    e0504_scale_step: "e0504-scale-step" => exit 1, ["E0504"];
    e0504_number_bounds: "e0504-number-bounds" => exit 1, ["E0504"];
    w0507_display_required: "w0507-display-required" => exit 0, ["W0507"];
    e0508_condition_unknown_question: "e0508-condition-unknown-question" => exit 1, ["E0508"];
    e0509_condition_later_question: "e0509-condition-later-question" => exit 1, ["E0509"];
    e0510_choice_value: "e0510-choice-value" => exit 1, ["E0510"];
    e0510_yes_no_value: "e0510-yes-no-value" => exit 1, ["E0510"];
    e0510_text_greater: "e0510-text-greater" => exit 1, ["E0510"];
    e0511_two_operators: "e0511-two-operators" => exit 1, ["E0511"];
    e0511_nested_all: "e0511-nested-all" => exit 1, ["E0511"];
    e0512_score_text_question: "e0512-score-text-question" => exit 1, ["E0512"];
    e0513_partly_scored_options: "e0513-partly-scored-options" => exit 1, ["E0513"];
    e0514_band_gap: "e0514-band-gap" => exit 1, ["E0514"];
    e0514_band_overlap: "e0514-band-overlap" => exit 1, ["E0514"];
    e0514_band_short: "e0514-band-short" => exit 1, ["E0514"];
    e0515_licensed_without_licence: "e0515-licensed-without-licence" => exit 1, ["E0515"];
}

#[test]
fn every_broken_form_fixture_has_a_test() {
    let dir = root().join("tests/fixtures").join(BROKEN_FORMS);
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let tested: BTreeSet<String> = BROKEN.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(
        on_disk, tested,
        "fixtures without a test, or tests without a fixture"
    );
}

/// The form codes from E0508 on are tested here (tests/build.rs leaves them to this file).
#[test]
fn every_new_form_code_is_covered() {
    let covered: BTreeSet<&str> = BROKEN.iter().flat_map(|(_, c)| c.iter().copied()).collect();
    let missing: Vec<&str> = steg_bundle::diagnostic::CODES
        .iter()
        .map(|c| c.id)
        .filter(|id| id.starts_with("E05") && *id >= "E0508" && !covered.contains(id))
        .collect();
    assert!(
        missing.is_empty(),
        "form codes no test triggers: {missing:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The good forms fixture: the manifest

fn manifest(bundle: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(bundle.join("bundle.json")).unwrap()).unwrap()
}

/// The form steg of the forms fixture, from its manifest.
fn form_steg(m: &Value) -> &Value {
    &m["moment"]["moduler"][0]["avsnitt"][0]["steg"][1]
}

#[test]
fn good_forms_build_without_findings_and_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = build(fixture("good", "forms"), &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !r.stderr.contains("warning") && !r.stderr.contains("error"),
        "{}",
        r.stderr
    );
    let bundle = single_bundle(&out);
    let v = verify(&bundle, &[]);
    assert_eq!(v.code, 0, "{}{}", v.stdout, v.stderr);
    assert!(
        v.stdout.contains("formular [form, 10 questions]"),
        "{}",
        v.stdout
    );
}

#[test]
fn the_manifest_carries_the_whole_form() {
    let (_tmp, bundle) = build_good("forms");
    let m = manifest(&bundle);
    let s = form_steg(&m);
    assert_eq!(s["type"], "form");

    fn types(questions: &Value, out: &mut Vec<String>) {
        for q in questions.as_array().unwrap() {
            out.push(q["type"].as_str().unwrap().to_string());
            if q["type"] == "group" {
                types(&q["questions"], out);
            }
        }
    }
    let mut kinds = Vec::new();
    types(&s["questions"], &mut kinds);
    assert_eq!(
        kinds,
        [
            "display",
            "text",
            "long_text",
            "single_choice",
            "multiple_choice",
            "scale",
            "number",
            "yes_no",
            "group",
            "display",
            "text",
            "date",
            "time"
        ]
    );
    let q = &s["questions"];
    // Option values written as numbers are text; scores are numbers, whole ones without `.0`.
    assert_eq!(
        q[3]["options"][2],
        json!({ "value": "2", "label": "Mer än hälften av dagarna", "score": 2 })
    );
    assert_eq!(q[5]["step"], 2);
    assert_eq!(
        (&q[6]["min"], &q[6]["max"], &q[6]["unit"], &q[6]["decimals"]),
        (&json!(0), &json!(24), &json!("timmar"), &json!(1))
    );
    assert_eq!(
        q[7]["alert"],
        json!({ "when": { "operator": "equals", "value": true }, "message": "Kontakta personen i dag." })
    );
    assert_eq!(
        q[8]["show_if"],
        json!({ "behavior": "all", "conditions": [
            { "question": "tankar", "operator": "equals", "value": true } ] })
    );
    assert_eq!(q[8]["required"], false);
    assert_eq!(q[8]["questions"][1]["required"], true);
    assert_eq!(
        q[9]["show_if"],
        json!({ "behavior": "any", "conditions": [
            { "question": "orkar", "operator": "less", "value": 4 },
            { "question": "besvar", "operator": "equals", "value": "somn" } ] })
    );
    assert_eq!(q[10]["show_if"]["conditions"][0]["operator"], "answered");
    assert_eq!(q[10]["show_if"]["conditions"][1]["value"], "0");

    let scores = &s["scores"];
    assert_eq!(
        scores[0]["questions"],
        json!(["intresse", "besvar", "orkar"])
    );
    assert_eq!(
        (&scores[0]["min"], &scores[0]["max"]),
        (&json!(0), &json!(16))
    );
    assert_eq!(
        scores[0]["bands"][1],
        json!({ "min": 5, "max": 9, "label": "Måttlig" })
    );
    assert_eq!(
        scores[0]["alert"]["when"],
        json!({ "operator": "greater", "value": 12 })
    );
    assert_eq!(scores[1]["bands"][0]["max"], 5.9);

    assert_eq!(
        s["instrument"],
        json!({ "name": "Exempelskalan", "source": "Skriven för steg:s tester",
                "licence": "Fri att använda och ändra (CC BY 4.0).", "version": "1.0",
                "licensed": true })
    );

    // The FHIR file is referenced from the steg and listed, with its hash, like every file.
    assert_eq!(s["fhir"], "fhir/maende/fragor/formular.json");
    let entry = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "fhir/maende/fragor/formular.json")
        .expect("the FHIR file is listed");
    assert_eq!(entry["media_type"], "application/fhir+json");
    let bytes = std::fs::read(bundle.join("fhir/maende/fragor/formular.json")).unwrap();
    assert_eq!(entry["sha256"], steg_bundle::sha256_hex(&bytes));
    assert_eq!(entry["size"], bytes.len());
}

/// The JSON Schema (committed and printed; tests/verify.rs checks they agree) knows every
/// question type.
#[test]
fn the_schema_knows_every_question_type() {
    let schema = serde_json::to_string(&steg_bundle::manifest::json_schema()).unwrap();
    for t in steg_bundle::manifest::QUESTION_TYPES {
        assert!(
            schema.contains(&format!("\"{t}\"")),
            "{t} missing from the schema"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Scoring with the library, on the bundle as a platform reads it

#[test]
fn scores_sample_answers_from_the_built_bundle() {
    use steg_bundle::forms::{Answer, Answers, alerts, score, shown};
    use steg_bundle::manifest::StegContent;

    let (_tmp, dir) = build_good("forms");
    let bundle = steg_bundle::Bundle::open(&dir).expect("the bundle verifies");
    let form = bundle
        .manifest()
        .moment
        .moduler
        .iter()
        .flat_map(|m| &m.avsnitt)
        .flat_map(|a| &a.steg)
        .find_map(|s| match &s.content {
            StegContent::Form { form, .. } => Some(form),
            _ => None,
        })
        .expect("a form");

    let answers: Answers = serde_json::from_value(json!({
        "intresse": "2",
        "besvar": ["somn", "skola"],
        "orkar": 4,
        "sovtimmar": 5.5,
        "tankar": false,
    }))
    .unwrap();
    let results = score(form, &answers);
    let summa = &results[0];
    assert_eq!(summa.score.id, "summa");
    assert_eq!(summa.value, 8.0, "2 + 2 ticks + 4");
    assert_eq!(summa.band.map(|b| b.label.as_str()), Some("Måttlig"));
    assert!(summa.complete);
    assert_eq!(summa.alert, None);
    let somn = &results[1];
    assert_eq!(somn.value, 5.5);
    assert_eq!(somn.band.map(|b| b.label.as_str()), Some("Kort sömn"));

    // The support group is shown only after a yes; the date question after a low `orkar` or
    // a tick at `somn`; the time question once `sovtimmar` is answered and `intresse` is not 0.
    let visible = shown(form, &answers);
    assert!(!visible.contains("stod") && !visible.contains("pratat-med"));
    assert!(visible.contains("senast") && visible.contains("vaknar"));

    let mut worried = answers.clone();
    worried.insert("tankar".into(), Answer::Bool(true));
    worried.insert("intresse".into(), Answer::Text("3".into()));
    worried.insert("orkar".into(), Answer::Number(10.0));
    let fired: Vec<&str> = alerts(form, &worried).iter().map(|a| a.message).collect();
    assert_eq!(
        fired,
        ["Kontakta personen i dag.", "Hög summa: boka ett samtal."]
    );
    let r = score(form, &worried);
    assert_eq!(
        (r[0].value, r[0].band.map(|b| b.label.as_str())),
        (15.0, Some("Hög"))
    );
    assert!(shown(form, &worried).contains("pratat-med"));
}

// ---------------------------------------------------------------------------------------------
// The FHIR export

fn questionnaire(bundle: &Path) -> Value {
    let text = std::fs::read_to_string(bundle.join("fhir/maende/fragor/formular.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Every item, depth first, with the items it is nested in.
fn items(list: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for it in list.as_array().into_iter().flatten() {
        out.push(it);
        out.extend(items(&it["item"]));
    }
    out
}

#[test]
fn the_questionnaire_says_what_the_form_says() {
    let (_tmp, bundle) = build_good("forms");
    let q = questionnaire(&bundle);
    assert_eq!(q["resourceType"], "Questionnaire");
    assert_eq!(q["status"], "active");
    assert_eq!(q["version"], "1.2.0", "the moment's version");
    assert_eq!(q["url"], "urn:steg:forms:maende:fragor:formular");
    assert_eq!(q["name"], "MaendeFragorFormular");
    assert_eq!(q["title"], "Hur mår du?");
    assert_eq!(q["language"], "sv");
    assert_eq!(q["copyright"], "Fri att använda och ändra (CC BY 4.0).");

    let top: Vec<(&str, &str)> = q["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["linkId"].as_str().unwrap(), i["type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        top,
        [
            ("intro", "display"),
            ("namn", "string"),
            ("beskrivning", "text"),
            ("intresse", "choice"),
            ("besvar", "choice"),
            ("orkar", "integer"),
            ("sovtimmar", "decimal"),
            ("tankar", "boolean"),
            ("stod", "group"),
            ("senast", "date"),
            ("vaknar", "time"),
            ("summa", "decimal"),
            ("somn-timmar", "decimal"),
        ]
    );
    let item = |id: &str| -> Value {
        items(&q["item"])
            .into_iter()
            .find(|i| i["linkId"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no item {id}"))
    };
    let intresse = item("intresse");
    assert_eq!(intresse["required"], true);
    assert_eq!(
        intresse["answerOption"][3],
        json!({
            "valueCoding": { "code": "3", "display": "Nästan varje dag" },
            "extension": [{ "url": "http://hl7.org/fhir/StructureDefinition/itemWeight", "valueDecimal": 3 }],
        })
    );
    assert_eq!(item("besvar")["repeats"], true);
    assert_eq!(
        item("beskrivning")["item"][0]["text"],
        "Skriv så mycket eller så lite du vill."
    );

    let ext = |it: &Value, name: &str| -> Value {
        it["extension"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|e| e["url"].as_str().unwrap().ends_with(name))
            .cloned()
            .unwrap_or(Value::Null)
    };
    let orkar = item("orkar");
    assert_eq!(ext(&orkar, "/minValue")["valueInteger"], 0);
    assert_eq!(ext(&orkar, "/maxValue")["valueInteger"], 10);
    assert_eq!(ext(&orkar, "sliderStepValue")["valueInteger"], 2);
    let sov = item("sovtimmar");
    assert_eq!(ext(&sov, "/maxValue")["valueDecimal"], 24);
    assert_eq!(
        ext(&sov, "questionnaire-unit")["valueCoding"]["display"],
        "timmar"
    );

    assert_eq!(
        item("stod")["enableWhen"],
        json!([{ "question": "tankar", "operator": "=", "answerBoolean": true }])
    );
    assert!(
        item("stod").get("enableBehavior").is_none(),
        "one condition"
    );
    let senast = item("senast");
    assert_eq!(senast["enableBehavior"], "any");
    assert_eq!(
        senast["enableWhen"],
        json!([
            { "question": "orkar", "operator": "<", "answerInteger": 4 },
            { "question": "besvar", "operator": "=", "answerCoding": { "code": "somn" } },
        ])
    );
    assert_eq!(
        item("vaknar")["enableWhen"][0],
        json!({ "question": "sovtimmar", "operator": "exists", "answerBoolean": true })
    );

    let summa = item("summa");
    assert_eq!(summa["readOnly"], true);
    let expr = &ext(&summa, "sdc-questionnaire-calculatedExpression")["valueExpression"];
    assert_eq!(expr["language"], "text/fhirpath");
    assert_eq!(
        expr["expression"],
        "%resource.repeat(item).where(linkId in ('intresse' | 'besvar')).answer.value.weight().sum() \
         + %resource.repeat(item).where(linkId in ('orkar')).answer.value.sum()"
    );
}

/// Rules of the FHIR R4 Questionnaire that `fhir.resources` does not check (see
/// shared notes): linkIds unique, enableWhen pointing at an earlier item, and the que-*
/// invariants steg's export could break.
#[test]
fn the_questionnaire_keeps_fhir_invariants() {
    let (_tmp, bundle) = build_good("forms");
    let q = questionnaire(&bundle);
    let all = items(&q["item"]);
    let mut seen = HashSet::new();
    for it in &all {
        let id = it["linkId"].as_str().expect("every item has a linkId");
        assert!(seen.insert(id), "linkId {id} twice (que-2)");
        let ty = it["type"].as_str().unwrap();
        if ty == "display" {
            assert!(
                it.get("required").is_none() && it.get("repeats").is_none(),
                "que-6: {it}"
            );
            assert!(
                it.get("item").is_none(),
                "que-1: display items have no items: {it}"
            );
            assert!(it.get("readOnly").is_none(), "que-9: {it}");
        }
        if ty == "group" {
            assert!(
                it["item"].as_array().is_some_and(|i| !i.is_empty()),
                "que-1: {it}"
            );
        }
        if it.get("answerOption").is_some() {
            assert_eq!(ty, "choice", "que-5: {it}");
        }
        if let Some(when) = it["enableWhen"].as_array() {
            if when.len() > 1 {
                assert!(it["enableBehavior"].is_string(), "que-12: {it}");
            }
            for w in when {
                let target = w["question"].as_str().unwrap();
                assert!(
                    seen.contains(target),
                    "{id} depends on {target}, not earlier"
                );
                if w["operator"] == "exists" {
                    assert!(w["answerBoolean"].is_boolean(), "que-7: {w}");
                }
            }
        }
    }
    // The file as written, for review: elements in FHIR's order.
    let text = std::fs::read_to_string(bundle.join("fhir/maende/fragor/formular.json")).unwrap();
    insta::assert_snapshot!("fhir-questionnaire", text);
}

/// Independent validation of every exported Questionnaire with the `fhir.resources` Python
/// package (R4B models). `#[ignore]`d: `bash .ci/run` installs the package and runs it; it fails, not
/// skips, when Python or the package is missing.
#[test]
#[ignore = "needs Python with tests/fhir/requirements.txt (bash .ci/run installs it)"]
fn fhir_resources_accepts_every_questionnaire() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for good in ["forms", "every-type"] {
        let r = build(fixture("good", good), &out, &[]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let mut files: Vec<PathBuf> = Vec::new();
    let mut stack = vec![out.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "json")
                && p.components().any(|c| c.as_os_str() == "fhir")
            {
                files.push(p);
            }
        }
    }
    files.sort();
    assert_eq!(files.len(), 2, "one form in each fixture: {files:?}");
    let result = std::process::Command::new("python3")
        .arg(root().join("tests/fhir/validate.py"))
        .args(&files)
        .output()
        .expect("python3 runs (this test needs Python 3)");
    let stdout = String::from_utf8_lossy(&result.stdout);
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(
        result.status.success(),
        "tests/fhir/validate.py failed (an export refused, or fhir.resources missing):\n{stdout}{stderr}"
    );
    assert!(stdout.contains("2 valid, 0 invalid"), "{stdout}{stderr}");
}

// ---------------------------------------------------------------------------------------------
// The loader's form checks

fn tampered(tamper: impl FnOnce(&mut Value), expected: &[&str]) {
    let (_tmp, bundle) = build_good("forms");
    let mut m = manifest(&bundle);
    tamper(&mut m);
    std::fs::write(
        bundle.join("bundle.json"),
        serde_json::to_string_pretty(&m).unwrap(),
    )
    .unwrap();
    let err = steg_bundle::Bundle::open(&bundle).expect_err("the loader refuses it");
    let codes: BTreeSet<&str> = err.iter().map(|d| d.code).collect();
    let expected: BTreeSet<&str> = expected.iter().copied().collect();
    assert_eq!(codes, expected, "{err:?}");
    let r = verify(&bundle, &["--format", "json"]);
    assert_eq!(r.code, 1);
}

fn form_steg_mut(m: &mut Value) -> &mut Value {
    &mut m["moment"]["moduler"][0]["avsnitt"][0]["steg"][1]
}

#[test]
fn loader_refuses_a_condition_on_a_later_question() {
    tampered(
        |m| {
            form_steg_mut(m)["questions"][8]["show_if"]["conditions"][0]["question"] =
                json!("vaknar");
        },
        &["B0012"],
    );
}

#[test]
fn loader_refuses_a_duplicate_id_inside_a_group() {
    tampered(
        |m| form_steg_mut(m)["questions"][8]["questions"][1]["id"] = json!("namn"),
        &["B0005"],
    );
}

#[test]
fn loader_refuses_a_score_over_a_missing_question() {
    tampered(
        |m| form_steg_mut(m)["scores"][0]["questions"][0] = json!("borta"),
        &["B0012"],
    );
}

#[test]
fn loader_refuses_a_form_without_its_fhir_file_listed() {
    tampered(
        |m| {
            let files = m["files"].as_array_mut().unwrap();
            files.retain(|f| !f["path"].as_str().unwrap().starts_with("fhir/"));
        },
        // Referenced but not listed; and the file on disk is then unlisted.
        &["B0006", "B0010"],
    );
}
