//! `steg schema`: the JSON Schema of `bundle.json` and of each kind of front matter.

use super::{Verbosity, status, ui};
use serde_json::Value;
use std::path::Path;
use std::process::ExitCode;
use steg_bundle::diagnostic::Lang;

pub const EXAMPLES: &str = "Examples:
  steg schema                   print the schema of bundle.json
  steg schema steg              print the schema of a steg's front matter (every type)
  steg schema steg-video        only the fields of a video steg
  steg schema --out schema      write every schema into schema/ as NAME.schema.json

Names: bundle, moment, modul, avsnitt, steg, steg-text, steg-video, steg-audio, steg-image,
steg-form, steg-exercise. docs/editor-setup.md tells how an editor uses them.";

/// Every schema, by name: the bundle's first, then the front matter's.
fn all() -> Vec<(String, Value)> {
    let mut out = vec![("bundle".to_string(), steg_bundle::manifest::json_schema())];
    out.extend(steg_compiler::front::schema::front_matter_schemas());
    out
}

/// The text of a schema file: pretty JSON and a final newline.
fn text(schema: &Value) -> String {
    let mut s = serde_json::to_string_pretty(schema).unwrap_or_default();
    s.push('\n');
    s
}

pub fn run(name: &str, out: Option<&Path>, v: Verbosity, lang: Lang) -> ExitCode {
    let schemas = all();
    let Some(dir) = out else {
        return match schemas.iter().find(|(n, _)| n == name) {
            Some((_, schema)) => {
                print!("{}", text(schema));
                ExitCode::SUCCESS
            }
            None => {
                let names: Vec<&str> = schemas.iter().map(|(n, _)| n.as_str()).collect();
                let words = [("name", name.to_string()), ("names", names.join(", "))];
                super::error_line(lang, "schema-unknown", &words);
                ExitCode::from(2)
            }
        };
    };
    if let Err(e) = std::fs::create_dir_all(dir) {
        let words = [
            ("path", dir.display().to_string()),
            ("error", e.to_string()),
        ];
        super::error_line(lang, "schema-create-failed", &words);
        return ExitCode::from(3);
    }
    for (name, schema) in &schemas {
        let path = dir.join(format!("{name}.schema.json"));
        if let Err(e) = std::fs::write(&path, text(schema)) {
            let words = [
                ("path", path.display().to_string()),
                ("error", e.to_string()),
            ];
            super::error_line(lang, "schema-write-failed", &words);
            return ExitCode::from(3);
        }
        if v == Verbosity::Verbose {
            status(v, &ui(lang, "wrote-verb", &[]), &path.display().to_string());
        }
    }
    let words = [
        ("n", schemas.len().to_string()),
        ("path", dir.display().to_string()),
    ];
    status(
        v,
        &ui(lang, "finished-verb", &[]),
        &ui(lang, "schema-written", &words),
    );
    ExitCode::SUCCESS
}
