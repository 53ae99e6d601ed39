//! The JSON Schemas in `schema/`: they are what `steg schema --out` writes, and an independent
//! validator (python-jsonschema) accepts the front matter of real programs with them and
//! refuses front matter with deliberate mistakes.

use crate::common::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[test]
fn committed_schemas_are_what_steg_schema_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let r = run(steg()
        .args(["schema", "--out"])
        .arg(tmp.path().join("schema")));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let written = schema_files(&tmp.path().join("schema"));
    let committed = schema_files(&root().join("schema"));
    assert_eq!(
        written.keys().collect::<Vec<_>>(),
        committed.keys().collect::<Vec<_>>(),
        "schema/ does not hold the schemas `steg schema --out` writes: regenerate it with `cargo run -- schema --out schema`"
    );
    for (name, text) in &written {
        assert!(
            committed[name] == *text,
            "schema/{name} is out of date: regenerate it with `cargo run -- schema --out schema`"
        );
    }
    assert!(written.len() >= 11, "{:?}", written.keys());
}

#[test]
fn each_schema_can_be_printed_by_name() {
    for name in ["bundle", "moment", "steg", "steg-video"] {
        let r = run(steg().args(["schema", name]));
        assert_eq!(r.code, 0, "{}", r.stderr);
        let printed: Value = serde_json::from_str(&r.stdout).expect("a schema is JSON");
        let committed: Value = serde_json::from_str(
            &std::fs::read_to_string(root().join(format!("schema/{name}.schema.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(printed, committed, "{name}");
    }
    let r = run(steg().args(["schema", "stg"]));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no schema `stg`") && r.stderr.contains("steg-video"),
        "{}",
        r.stderr
    );
}

fn schema_files(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".schema.json"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Independent validation

/// Which schema a file's front matter follows, by the file's name; `None` for files that are
/// not part of the program's structure (transcripts, notes, drafts).
fn kind_of(path: &Path) -> Option<&'static str> {
    let name = path.file_name()?.to_str()?;
    if name.starts_with(['.', '_']) || !name.ends_with(".md") {
        return None;
    }
    match name {
        "moment.md" => Some("moment"),
        "modul.md" => Some("modul"),
        "avsnitt.md" => Some("avsnitt"),
        _ if name.starts_with(|c: char| c.is_ascii_digit())
            && path.parent()?.join("avsnitt.md").is_file() =>
        {
            Some("steg")
        }
        _ => None,
    }
}

fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            markdown_files(&p, out);
        } else if kind_of(&p).is_some() {
            out.push(p);
        }
    }
}

/// The front matter of a file as JSON.
///
/// Read with serde-saphyr, the YAML parser steg itself uses, through steg's own splitter, so
/// the validator judges exactly the values steg reads. PyYAML would not do: it reads YAML 1.1,
/// where `no`, `off` and `y` are booleans and `010` is octal, so it would hand the validator
/// other values than steg sees. A second YAML 1.2 parser (ruamel.yaml) would mostly agree, but
/// "mostly" is a source of false alarms in both directions; the independent part of this test is
/// the schema validator, which is python-jsonschema, not steg's code.
fn front_matter(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    let split = steg_compiler::source::frontmatter::split(&text, path).unwrap_or_else(|d| {
        panic!(
            "{}: {}",
            path.display(),
            d.message(steg_bundle::diagnostic::Lang::En)
        )
    });
    serde_saphyr::from_str(split.yaml)
        .unwrap_or_else(|e| panic!("{}: not YAML: {e}", path.display()))
}

struct Case {
    name: String,
    schema: String,
    instance: Value,
    valid: bool,
}

impl Case {
    fn json(&self) -> Value {
        json!({ "name": self.name, "schema": self.schema, "instance": self.instance, "valid": self.valid })
    }
}

/// Every structural file of `dir`: valid for its kind's schema and, for a steg, for the schema
/// of its type too.
fn good_cases(dir: &str) -> Vec<Case> {
    let mut files = Vec::new();
    markdown_files(&root().join(dir), &mut files);
    let mut cases = Vec::new();
    for f in files {
        let kind = kind_of(&f).unwrap();
        let instance = front_matter(&f);
        let name = f.strip_prefix(root()).unwrap().display().to_string();
        if kind == "steg" {
            let t = instance["type"].as_str().unwrap_or("text").to_string();
            cases.push(Case {
                name: name.clone(),
                schema: format!("steg-{t}"),
                instance: instance.clone(),
                valid: true,
            });
        }
        cases.push(Case {
            name,
            schema: kind.to_string(),
            instance,
            valid: true,
        });
    }
    cases
}

/// The first good case of `schema` whose front matter satisfies `pick`, changed by `change`.
fn broken(
    good: &[Case],
    name: &str,
    schema: &str,
    pick: impl Fn(&Value) -> bool,
    change: impl FnOnce(&mut Value),
) -> Case {
    let found = good
        .iter()
        .find(|c| c.schema == schema && pick(&c.instance))
        .unwrap_or_else(|| panic!("no {schema} file to break for `{name}`"));
    let mut instance = found.instance.clone();
    change(&mut instance);
    Case {
        name: format!("{name} (from {})", found.name),
        schema: schema.to_string(),
        instance,
        valid: false,
    }
}

fn broken_cases(good: &[Case]) -> Vec<Case> {
    let any = |_: &Value| true;
    let of_type = |t: &'static str| move |v: &Value| v["type"] == t;
    vec![
        // Unknown fields: a typo, at the top and deep inside a form.
        broken(good, "unknown field `titel`", "moment", any, |v| {
            v["titel"] = json!("PLUS ung");
        }),
        broken(good, "unknown field `sammanfattning`", "modul", any, |v| {
            v["sammanfattning"] = json!("Om sömn.");
        }),
        broken(
            good,
            "unknown field `lable` in a question",
            "steg",
            of_type("form"),
            |v| {
                v["questions"][0]["lable"] = json!("Hur mår du?");
            },
        ),
        // Wrong types.
        broken(good, "`duration_days` as text", "moment", any, |v| {
            v["duration_days"] = json!("nittio");
        }),
        broken(good, "`min_age` negative", "moment", any, |v| {
            v["audience"]["min_age"] = json!(-1);
        }),
        broken(good, "`audience` not a group", "modul", any, |v| {
            v["audience"] = json!(["barn"]);
        }),
        broken(good, "`title` as a list", "avsnitt", any, |v| {
            v["title"] = json!(["Sömn"]);
        }),
        broken(good, "unknown steg type", "steg", any, |v| {
            v["type"] = json!("film");
        }),
        broken(good, "`lix` for an unknown group", "moment", any, |v| {
            v["checks"] = json!({ "lix": { "barn": 30 } });
        }),
        broken(good, "unknown flag event", "moment", any, |v| {
            v["flags"][0]["trigger"] = json!({ "event": "moment_paused" });
        }),
        // Missing required fields.
        broken(good, "no `summary`", "modul", any, |v| {
            v.as_object_mut().unwrap().remove("summary");
        }),
        broken(good, "no `version`", "moment", any, |v| {
            v.as_object_mut().unwrap().remove("version");
        }),
        broken(good, "no `title`", "steg", any, |v| {
            v.as_object_mut().unwrap().remove("title");
        }),
        // Rules that depend on the type.
        broken(
            good,
            "video without `captions`",
            "steg",
            of_type("video"),
            |v| {
                v.as_object_mut().unwrap().remove("captions");
            },
        ),
        broken(
            good,
            "video with both `src` and `url`",
            "steg",
            of_type("video"),
            |v| {
                v["src"] = json!("/media/film.webm");
                v["url"] = json!("https://video.example.org/film");
            },
        ),
        broken(
            good,
            "text steg with `src`",
            "steg",
            |v| v.get("type").is_none(),
            |v| {
                v["src"] = json!("/media/bild.png");
            },
        ),
        broken(
            good,
            "exercise with `questions`",
            "steg-exercise",
            any,
            |v| {
                v["questions"] = json!([]);
            },
        ),
        broken(
            good,
            "form without `questions`",
            "steg",
            of_type("form"),
            |v| {
                v.as_object_mut().unwrap().remove("questions");
            },
        ),
        broken(good, "scale without `max`", "steg", of_type("form"), |v| {
            v["questions"] =
                json!([{ "id": "trotthet", "type": "scale", "label": "Hur trött?", "min": 0 }]);
        }),
        broken(
            good,
            "`options` on a yes_no question",
            "steg",
            of_type("form"),
            |v| {
                v["questions"] =
                    json!([{ "id": "ja", "type": "yes_no", "label": "Ja?", "options": [] }]);
            },
        ),
        broken(
            good,
            "image without `alt` and not decorative",
            "steg",
            |v| v["type"] == "image",
            |v| {
                v.as_object_mut().unwrap().remove("alt");
            },
        ),
        broken(
            good,
            "video without `duration_seconds`",
            "steg",
            of_type("video"),
            |v| {
                v.as_object_mut().unwrap().remove("duration_seconds");
            },
        ),
        broken(
            good,
            "audio without `duration_seconds`",
            "steg",
            of_type("audio"),
            |v| {
                v.as_object_mut().unwrap().remove("duration_seconds");
            },
        ),
        broken(
            good,
            "a text track without `language`",
            "steg",
            of_type("video"),
            |v| {
                v["tracks"] = json!([{ "src": "/media/film.en.vtt", "kind": "subtitles" }]);
            },
        ),
    ]
}

/// `#[ignore]`d: `bash .ci/run` installs the package and runs it; it fails, not skips, when Python or
/// the package is missing.
#[test]
#[ignore = "needs Python with tests/schema/requirements.txt (bash .ci/run installs it)"]
fn jsonschema_accepts_real_front_matter_and_refuses_mistakes() {
    let mut cases = good_cases("content/plus-ung");
    let program = cases.len();
    assert!(program > 100, "the default program has {program} files?");
    // The fixtures hold the steg types and question types the default program does not use.
    for dir in [
        "tests/fixtures/good/every-type",
        "tests/fixtures/good/forms",
        "tests/fixtures/good/media-tracks",
    ] {
        cases.extend(good_cases(dir));
    }
    let bad = broken_cases(&cases);
    let bad_count = bad.len();
    cases.extend(bad);
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("cases.json");
    let all: Vec<Value> = cases.iter().map(Case::json).collect();
    std::fs::write(&file, serde_json::to_string(&all).unwrap()).unwrap();
    let result = std::process::Command::new("python3")
        .arg(root().join("tests/schema/validate.py"))
        .arg(&file)
        .arg(root().join("schema"))
        .output()
        .expect("python3 runs (this test needs Python 3)");
    let stdout = String::from_utf8_lossy(&result.stdout);
    let stderr = String::from_utf8_lossy(&result.stderr);
    // Shown with --nocapture: which rule refused each mistake.
    println!("{stdout}");
    assert!(
        result.status.success(),
        "tests/schema/validate.py failed (a file refused or a mistake accepted, or jsonschema missing):\n{stdout}{stderr}"
    );
    assert!(
        stdout.contains(&format!("{} as expected, 0 unexpected", cases.len())),
        "{stdout}{stderr}"
    );
    assert!(bad_count >= 15);
}
