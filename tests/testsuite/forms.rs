//! Forms: every question type, conditions, scores, alerts and instruments, through the real
//! binary; the FHIR Questionnaire export; scoring with the library; the loader's form checks.
//!
//! Every folder in `tests/fixtures/broken/forms/` is a small program whose one form has one
//! problem; its test checks the exit code, exactly the expected codes (as JSON), and the
//! human-readable report against a snapshot in `tests/snapshots/`. After a deliberate change
//! to a message, review the new output and accept it with `INSTA_UPDATE=always cargo test`.

use crate::common::*;
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
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
    // Not a release build: a draft.
    assert_eq!(q["status"], "draft");
    assert_eq!(q["id"], "forms.maende.fragor.formular");
    assert_eq!(
        q["meta"]["profile"],
        json!(["http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-behave"])
    );
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
            ("summa.band", "string"),
            ("somn-timmar", "decimal"),
            ("somn-timmar.band", "string"),
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
            "valueCoding": { "system": "urn:steg:forms:maende:fragor:formular:answers", "code": "3", "display": "Nästan varje dag" },
            "extension": [
                { "url": "http://hl7.org/fhir/StructureDefinition/itemWeight", "valueDecimal": 3 },
                { "url": "http://hl7.org/fhir/StructureDefinition/ordinalValue", "valueDecimal": 3 },
            ],
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
            { "question": "besvar", "operator": "=", "answerCoding": {
                "system": "urn:steg:forms:maende:fragor:formular:answers", "code": "somn" } },
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
        "%resource.repeat(item).where(linkId in ('intresse' | 'besvar')).answer.value.weight().aggregate($total + $this, 0) \
         + %resource.repeat(item).where(linkId in ('orkar')).answer.value.aggregate($total + $this, 0)"
    );
    // The bands, computed from the same sum: the label of the band it falls in.
    let band = item("summa.band");
    assert_eq!(band["readOnly"], true);
    let band_expr =
        ext(&band, "sdc-questionnaire-calculatedExpression")["valueExpression"]["expression"]
            .as_str()
            .unwrap()
            .to_string();
    assert!(
        band_expr.ends_with(".select(iif($this < 5, 'Låg', iif($this < 10, 'Måttlig', 'Hög')))"),
        "{band_expr}"
    );
    // Alerts travel with the item they test, in steg's documented extension.
    let alert = |it: &Value| ext(it, "urn:steg:fhir:StructureDefinition:alert");
    assert_eq!(
        alert(&item("tankar")),
        json!({ "url": "urn:steg:fhir:StructureDefinition:alert", "extension": [
            { "url": "operator", "valueCode": "equals" },
            { "url": "value", "valueBoolean": true },
            { "url": "message", "valueString": "Kontakta personen i dag." },
        ] })
    );
    assert_eq!(
        alert(&summa)["extension"][1],
        json!({ "url": "value", "valueDecimal": 12 })
    );
    assert_eq!(alert(&item("orkar")), Value::Null);
}

/// Every problem with `q` by the rules of a FHIR R4 Questionnaire that `fhir.resources` does
/// not check: the invariants que-0 … que-12, linkIds and `enableWhen` pointing at an earlier
/// item with an answer of that item's type (and, for a choice, one of its codes), and what
/// steg promises besides (an `id`, a `status`, a profile, a code system on every Coding).
pub fn questionnaire_problems(q: &Value) -> Vec<String> {
    let mut p = Vec::new();
    let name = q["name"].as_str().unwrap_or("");
    let name_ok = name.starts_with(|c: char| c.is_ascii_uppercase())
        && name.len() <= 255
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !name_ok {
        p.push(format!("que-0: name {name:?}"));
    }
    let id = q["id"].as_str().unwrap_or("");
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        p.push(format!("id {id:?}"));
    }
    if !matches!(q["status"].as_str(), Some("draft" | "active")) {
        p.push(format!("status {}", q["status"]));
    }
    if q["meta"]["profile"].as_array().is_none_or(|a| a.is_empty()) {
        p.push("no meta.profile".into());
    }
    if !q["url"].as_str().is_some_and(|u| u.contains(':')) {
        p.push(format!("url {}", q["url"]));
    }
    // Items in document order, each with the types seen before it.
    let mut earlier: HashMap<String, &Value> = HashMap::new();
    for it in items(&q["item"]) {
        let id = it["linkId"].as_str().unwrap_or("");
        let ty = it["type"].as_str().unwrap_or("");
        let has = |k: &str| it.get(k).is_some();
        let nested = it["item"].as_array().is_some_and(|i| !i.is_empty());
        if ty == "group" && !nested {
            p.push(format!("que-1: group {id} has no items"));
        }
        if ty == "display" && has("item") {
            p.push(format!("que-1: display {id} has items"));
        }
        if earlier.contains_key(id) || id.is_empty() {
            p.push(format!("que-2: linkId {id:?} twice or empty"));
        }
        if ty == "display" && has("code") {
            p.push(format!("que-3: {id}"));
        }
        if has("answerOption") && has("answerValueSet") {
            p.push(format!("que-4: {id}"));
        }
        if (has("answerOption") || has("answerValueSet")) && !matches!(ty, "choice" | "open-choice")
        {
            p.push(format!("que-5: {id} is {ty}"));
        }
        if ty == "display" && (has("required") || has("repeats")) {
            p.push(format!("que-6: {id}"));
        }
        if matches!(ty, "group" | "display")
            && it
                .as_object()
                .unwrap()
                .keys()
                .any(|k| k.starts_with("initial"))
        {
            p.push(format!("que-8: {id}"));
        }
        if ty == "display" && has("readOnly") {
            p.push(format!("que-9: {id}"));
        }
        if has("maxLength")
            && !matches!(
                ty,
                "boolean" | "decimal" | "integer" | "string" | "text" | "url" | "open-choice"
            )
        {
            p.push(format!("que-10: {id}"));
        }
        if has("answerOption")
            && it
                .as_object()
                .unwrap()
                .keys()
                .any(|k| k.starts_with("initial"))
        {
            p.push(format!("que-11: {id}"));
        }
        for o in it["answerOption"].as_array().into_iter().flatten() {
            if let Some(c) = o.get("valueCoding")
                && c["system"].as_str().is_none_or(|s| s.is_empty())
            {
                p.push(format!("{id}: a Coding without system: {c}"));
            }
        }
        let when = it["enableWhen"].as_array().cloned().unwrap_or_default();
        if when.len() > 1 && !it["enableBehavior"].is_string() {
            p.push(format!("que-12: {id}"));
        }
        for w in &when {
            let op = w["operator"].as_str().unwrap_or("");
            let answers: Vec<&String> = w
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| k.starts_with("answer"))
                .collect();
            if answers.len() != 1 {
                p.push(format!("{id}: enableWhen needs one answer[x]: {w}"));
                continue;
            }
            let key = answers[0].as_str();
            if op == "exists" && key != "answerBoolean" {
                p.push(format!("que-7: {id}: {w}"));
            }
            let target = w["question"].as_str().unwrap_or("");
            let Some(t) = earlier.get(target) else {
                p.push(format!(
                    "{id}: enableWhen on {target:?}, not an earlier item"
                ));
                continue;
            };
            if op == "exists" {
                continue;
            }
            let expected = match t["type"].as_str().unwrap_or("") {
                "choice" | "open-choice" => "answerCoding",
                "boolean" => "answerBoolean",
                "integer" => "answerInteger",
                "decimal" => "answerDecimal",
                "date" => "answerDate",
                "dateTime" => "answerDateTime",
                "time" => "answerTime",
                "string" | "text" => "answerString",
                other => {
                    p.push(format!("{id}: enableWhen on a {other} item"));
                    continue;
                }
            };
            if key != expected {
                p.push(format!("{id}: {key} on {target}, a {} item", t["type"]));
            }
            if key == "answerCoding" {
                let matches = t["answerOption"].as_array().into_iter().flatten().any(|o| {
                    o["valueCoding"]["code"] == w[key]["code"]
                        && o["valueCoding"]["system"] == w[key]["system"]
                });
                if !matches {
                    p.push(format!("{id}: {} is not an option of {target}", w[key]));
                }
            }
        }
        earlier.insert(id.to_string(), it);
    }
    p
}

/// The FHIR Questionnaires of every bundle under `out`.
fn exported_questionnaires(out: &Path) -> Vec<(String, Value)> {
    walkdir::WalkDir::new(out)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.path().extension().is_some_and(|x| x == "json")
                && e.path().components().any(|c| c.as_os_str() == "fhir")
        })
        .map(|e| {
            let text = std::fs::read_to_string(e.path()).unwrap();
            (
                e.path().display().to_string(),
                serde_json::from_str(&text).unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_invariant_checker_finds_what_it_looks_for() {
    let bad = json!({
        "resourceType": "Questionnaire", "id": "a b", "name": "lower", "status": "active",
        "meta": { "profile": ["x"] }, "url": "urn:x",
        "item": [
            { "linkId": "a", "type": "bogus", "answerOption": [{ "valueCoding": { "code": "1" } }] },
            { "linkId": "a", "type": "display", "required": true, "readOnly": true,
              "item": [{ "linkId": "c", "type": "string" }] },
            { "linkId": "g", "type": "group" },
            { "linkId": "b", "type": "boolean", "enableWhen": [
                { "question": "nowhere", "operator": "=", "answerBoolean": true },
                { "question": "c", "operator": "exists", "answerString": "x" },
                { "question": "c", "operator": "=", "answerInteger": 1 } ] }
        ]
    });
    let found = questionnaire_problems(&bad).join("\n");
    for rule in [
        "que-0",
        "id \"a b\"",
        "que-1: group",
        "que-1: display",
        "que-2",
        "que-5",
        "que-6",
        "que-7",
        "que-9",
        "que-12",
        "without system",
        "not an earlier item",
        "answerInteger on c",
    ] {
        assert!(found.contains(rule), "{rule} not found in:\n{found}");
    }
}

/// Rules of the FHIR R4 Questionnaire that `fhir.resources` does not check, over every
/// exported Questionnaire: the forms fixture, every-type and PLUS ung.
#[test]
fn the_questionnaire_keeps_fhir_invariants() {
    let (_tmp, bundle) = build_good("forms");
    let mut all = exported_questionnaires(&bundle);
    let (_tmp2, every) = build_good("every-type");
    all.extend(exported_questionnaires(&every));
    let tmp = tempfile::tempdir().unwrap();
    let r = build("content/plus-ung", tmp.path().join("out"), &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let plus = exported_questionnaires(&tmp.path().join("out/plus-ung"));
    assert!(!plus.is_empty(), "PLUS ung has forms");
    all.extend(plus);
    let mut problems = Vec::new();
    for (path, q) in &all {
        problems.extend(
            questionnaire_problems(q)
                .into_iter()
                .map(|e| format!("{path}: {e}")),
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
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

/// Answers to every question of `form` that takes one, choosing by `pick` (0: the lowest
/// option or bound, 1: the highest, 2: one between), kept to the questions steg shows.
fn sample_answers(form: &steg_bundle::manifest::Form, pick: usize) -> steg_bundle::forms::Answers {
    use steg_bundle::forms::{Answer, questions_in_order, shown};
    use steg_bundle::manifest::QuestionKind as K;
    let choose = |lo: f64, hi: f64| match pick {
        0 => lo,
        1 => hi,
        _ => ((lo + hi) / 2.0).floor(),
    };
    let mut all = steg_bundle::forms::Answers::new();
    for q in questions_in_order(&form.questions) {
        let a = match &q.kind {
            K::SingleChoice { options } => {
                let i = choose(0.0, (options.len() - 1) as f64) as usize;
                Answer::Text(options[i].value.clone())
            }
            K::MultipleChoice { options } => {
                let n = choose(0.0, options.len() as f64) as usize;
                Answer::Choices(options.iter().take(n).map(|o| o.value.clone()).collect())
            }
            K::Scale { min, max, step, .. } => {
                let steps = f64::from((max - min) / step);
                Answer::Number(f64::from(*min) + choose(0.0, steps) * f64::from(*step))
            }
            K::Number { min, max, .. } => {
                Answer::Number(choose(min.unwrap_or(0.0), max.unwrap_or(10.0)))
            }
            K::YesNo => Answer::Bool(pick != 0),
            K::Date => Answer::Text("2026-01-12".into()),
            K::Time => Answer::Text("07:30".into()),
            K::Text | K::LongText => Answer::Text("Ett svar.".into()),
            K::Display | K::Group { .. } => continue,
        };
        all.insert(q.id.clone(), a);
    }
    // A form filler drops the answers of disabled items; keep what steg shows, until stable.
    loop {
        let visible = shown(form, &all);
        let before = all.len();
        all.retain(|id, _| visible.contains(id));
        if all.len() == before {
            return all;
        }
    }
}

/// Every score's `calculatedExpression`, and its band's, evaluated by fhirpath.js (the engine
/// LHC-Forms uses) against sample answers, gives what steg's own scoring gives.
#[test]
#[ignore = "needs Node with tests/fhir/package.json installed (npm ci --prefix tests/fhir; bash .ci/run does it)"]
fn fhirpath_computes_every_score_as_steg_does() {
    use steg_bundle::manifest::StegContent;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    for content in [fixture("good", "forms"), "content/plus-ung".to_string()] {
        let r = build(&content, &out, &[]);
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let mut checked = 0;
    for bundle in [out.join("forms/1.2.0"), out.join("plus-ung/1.0.0")] {
        let b = steg_bundle::Bundle::open(&bundle).unwrap();
        for modul in &b.manifest().moment.moduler {
            for s in modul.avsnitt.iter().flat_map(|a| &a.steg) {
                let StegContent::Form {
                    form,
                    fhir: Some(fhir),
                } = &s.content
                else {
                    continue;
                };
                if form.scores.is_empty() {
                    continue;
                }
                for pick in 0..3 {
                    let answers = sample_answers(form, pick);
                    let answers_file = tmp.path().join("answers.json");
                    std::fs::write(&answers_file, serde_json::to_vec(&answers).unwrap()).unwrap();
                    let result = std::process::Command::new("node")
                        .arg(root().join("tests/fhir/calculate.mjs"))
                        .arg(bundle.join(fhir))
                        .arg(&answers_file)
                        .output()
                        .expect("node runs (this test needs Node)");
                    let stdout = String::from_utf8_lossy(&result.stdout);
                    assert!(
                        result.status.success(),
                        "calculate.mjs failed for {}: {stdout}{}",
                        s.address,
                        String::from_utf8_lossy(&result.stderr)
                    );
                    let fhirpath: Value = serde_json::from_str(&stdout).unwrap();
                    for r in steg_bundle::forms::score(form, &answers) {
                        let what = format!("{} {} with {answers:?}", s.address, r.score.id);
                        let value = fhirpath[&r.score.id][0].as_f64();
                        assert!(
                            value.is_some_and(|v| (v - r.value).abs() < 1e-9),
                            "{what}: steg {}, FHIRPath {}",
                            r.value,
                            fhirpath[&r.score.id]
                        );
                        if let Some(band) = r.band {
                            assert_eq!(
                                fhirpath[format!("{}.band", r.score.id)][0],
                                band.label,
                                "{what}"
                            );
                        }
                        checked += 1;
                    }
                }
            }
        }
    }
    assert!(checked >= 6, "scores checked: {checked}");
}

/// `fhir:` in moment.md: a canonical base gives FHIR's usual urls, and a publisher.
#[test]
fn a_canonical_base_and_publisher_from_moment_md() {
    let (tmp, content) = copy_fixture("good", "forms");
    let moment = content.join("moment.md");
    let text = std::fs::read_to_string(&moment).unwrap();
    let with = |base: &str| {
        text.replacen(
            "---\n",
            &format!("---\nfhir:\n  canonical_base: {base}\n  publisher: Region Exempel\n"),
            1,
        )
    };
    std::fs::write(&moment, with("https://fhir.example.se/forms/")).unwrap();
    let out = tmp.path().join("out");
    let r = build(&content, &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let q = questionnaire(&single_bundle(&out));
    assert_eq!(
        q["url"],
        "https://fhir.example.se/forms/Questionnaire/forms.maende.fragor.formular"
    );
    assert_eq!(q["id"], "forms.maende.fragor.formular");
    assert_eq!(q["publisher"], "Region Exempel");
    let system = "https://fhir.example.se/forms/CodeSystem/forms.maende.fragor.formular";
    let intresse = items(&q["item"])
        .into_iter()
        .find(|i| i["linkId"] == "intresse")
        .unwrap()
        .clone();
    assert_eq!(intresse["answerOption"][0]["valueCoding"]["system"], system);
    assert_eq!(questionnaire_problems(&q), Vec::<String>::new());

    // Not a web address: refused where it is written.
    std::fs::write(&moment, with("fhir.example.se/forms")).unwrap();
    let r = build(&content, tmp.path().join("out2"), &["--format", "json"]);
    assert_eq!(r.code, 1);
    let d = r.json_diagnostics();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["code"], "E0205");
    assert_eq!(d[0]["line"], 3, "{}", d[0]);
    assert!(d[0]["message"].as_str().unwrap().contains("canonical_base"));
}
