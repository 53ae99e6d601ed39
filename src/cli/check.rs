use super::{Format, counts, error_line, report, status, ui};
use std::path::Path;
use std::process::ExitCode;

/// `steg check`: everything `build` checks, and nothing written.
pub fn run(content: &Path, format: Format, lang: steg::diagnostic::Lang) -> ExitCode {
    let loaded = steg::model::load(content);
    report(&loaded.diagnostics, format, lang);
    let steg: usize = loaded.moments.iter().map(|m| m.steg().count()).sum();
    let notes = loaded.diagnostics.note_count();
    match format {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "checked": content, "moments": loaded.moments.len(), "steg": steg,
                "errors": loaded.diagnostics.error_count(),
                "warnings": loaded.diagnostics.warning_count(), "notes": notes,
            })
        ),
        Format::Human => {
            let silenced = if notes > 0 {
                ui(lang, "silenced-count", &[("n", notes.to_string())])
            } else {
                String::new()
            };
            let args = [
                ("content", content.display().to_string()),
                ("counts", counts(&loaded.diagnostics, lang)),
                ("silenced", silenced),
                ("moments", loaded.moments.len().to_string()),
                ("steg", steg.to_string()),
            ];
            if loaded.diagnostics.has_errors() {
                error_line(lang, "check-failed", &args);
            } else {
                status(&ui(lang, "checked-verb", &[]), &ui(lang, "checked", &args));
            }
        }
    }
    if loaded.diagnostics.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
