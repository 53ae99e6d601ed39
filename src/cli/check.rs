use super::{Format, Verbosity, counts, report, status};
use std::path::Path;
use std::process::ExitCode;

/// `steg check`: everything `build` checks, and nothing written.
pub fn run(content: &Path, format: Format, v: Verbosity) -> ExitCode {
    let started = std::time::Instant::now();
    let loaded = steg::model::load(content);
    if v == Verbosity::Verbose {
        status(
            v,
            "Read",
            &format!(
                "{} in {:.2}s",
                content.display(),
                started.elapsed().as_secs_f64()
            ),
        );
    }
    report(&loaded.diagnostics, format, v);
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
                format!(", {notes} silenced")
            } else {
                String::new()
            };
            if loaded.diagnostics.has_errors() {
                eprintln!(
                    "error: {} has problems ({}{silenced})",
                    content.display(),
                    counts(&loaded.diagnostics)
                );
            } else {
                status(
                    v,
                    "Checked",
                    &format!(
                        "{}: {} moment(s), {steg} steg; {}{silenced}",
                        content.display(),
                        loaded.moments.len(),
                        counts(&loaded.diagnostics)
                    ),
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
