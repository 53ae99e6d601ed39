use super::{Format, Verbosity, counts, error_line, report, status, ui};
use std::path::Path;
use std::process::ExitCode;

/// `steg check`: everything `build` checks, and nothing written.
pub fn run(
    content: &Path,
    format: Format,
    v: Verbosity,
    lang: steg_bundle::diagnostic::Lang,
) -> ExitCode {
    let started = std::time::Instant::now();
    let loaded = steg_compiler::compile::load(content);
    if v == Verbosity::Verbose {
        let words = [
            ("path", content.display().to_string()),
            ("time", format!("{:.2}", started.elapsed().as_secs_f64())),
        ];
        status(
            v,
            &ui(lang, "read-verb", &[]),
            &ui(lang, "check-read", &words),
        );
    }
    report(&loaded.diagnostics, format, v, lang);
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
            // Only notes an `allow:` made are "silenced"; others (a declared placeholder)
            // are printed above and not counted as silenced.
            let silenced_n = loaded
                .diagnostics
                .iter()
                .filter(|d| d.silenced.is_some())
                .count();
            let silenced = if silenced_n > 0 {
                ui(lang, "silenced-count", &[("n", silenced_n.to_string())])
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
                status(
                    v,
                    &ui(lang, "checked-verb", &[]),
                    &ui(lang, "checked", &args),
                );
            }
        }
    }
    if loaded.diagnostics.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
