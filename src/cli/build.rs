use super::{Format, SiteArgs, counts, error_line, human_size, report, status, ui};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

pub fn run(
    content: &Path,
    out: &Path,
    site: &SiteArgs,
    release: bool,
    sign: Option<&Path>,
    format: Format,
    lang: steg::diagnostic::Lang,
) -> ExitCode {
    let started = Instant::now();
    let key = match sign.map(super::keys::secret_key).transpose() {
        Ok(k) => k,
        Err(d) => {
            report(&steg::diagnostic::Diagnostics::from_iter([d]), format, lang);
            if format == Format::Human {
                error_line(lang, "build-key-failed", &[]);
            }
            return ExitCode::from(1);
        }
    };
    let theme = match site.theme() {
        Ok(t) => t,
        Err(problems) => {
            report(&problems, format, lang);
            if format == Format::Human {
                error_line(
                    lang,
                    "build-theme-failed",
                    &[("counts", counts(&problems, lang))],
                );
            }
            return ExitCode::from(1);
        }
    };
    let options = steg::build::Options {
        theme: Some(&theme),
        site: site.options(release, lang),
        release,
        sign: key.as_ref(),
    };
    let result = steg::build::build(content, out, &options);
    report(&result.diagnostics, format, lang);
    if !result.ok() {
        let output_failed = result.diagnostics.iter().any(|d| d.code.starts_with("E08"));
        if format == Format::Human {
            if output_failed {
                error_line(
                    lang,
                    "build-output-failed",
                    &[("out", out.display().to_string())],
                );
            } else {
                error_line(
                    lang,
                    "build-failed",
                    &[
                        ("content", content.display().to_string()),
                        ("counts", counts(&result.diagnostics, lang)),
                        ("out", out.display().to_string()),
                    ],
                );
            }
        }
        return ExitCode::from(if output_failed { 3 } else { 1 });
    }
    for b in &result.built {
        let m = &b.moment;
        let mut by_type = std::collections::BTreeMap::<&str, usize>::new();
        for (_, _, s) in m.steg() {
            *by_type.entry(s.kind.type_name()).or_default() += 1;
        }
        let types: Vec<String> = by_type.iter().map(|(t, n)| format!("{n} {t}")).collect();
        let avsnitt: usize = m.moduler.iter().map(|x| x.avsnitt.len()).sum();
        let steg: usize = by_type.values().sum();
        match format {
            Format::Human => {
                status(
                    &ui(lang, "compiled-verb", &[]),
                    &format!(
                        "{} {}: {} moduler, {avsnitt} avsnitt, {steg} steg ({})",
                        m.id,
                        m.version,
                        m.moduler.len(),
                        types.join(", ")
                    ),
                );
                status(
                    &ui(lang, "bundle-verb", &[]),
                    &ui(
                        lang,
                        "bundle",
                        &[
                            ("path", b.bundle_dir.display().to_string()),
                            ("files", b.files.to_string()),
                            ("size", human_size(b.bytes)),
                        ],
                    ),
                );
                let archive = ("path", b.archive.display().to_string());
                let archive = if key.is_some() {
                    ui(lang, "archive-signed", &[archive])
                } else {
                    archive.1
                };
                status(&ui(lang, "archive-verb", &[]), &archive);
            }
            Format::Json => println!(
                "{}",
                serde_json::json!({
                    "built": m.id, "version": m.version.to_string(),
                    "bundle": b.bundle_dir, "archive": b.archive, "signed": key.is_some(), "moduler": m.moduler.len(), "avsnitt": avsnitt,
                    "steg": steg, "files": b.files, "bytes": b.bytes
                })
            ),
        }
    }
    if let (Some(index), Format::Human) = (&result.site_index, format) {
        status(&ui(lang, "preview-verb", &[]), &index.display().to_string());
    }
    if format == Format::Human {
        let time = ui(
            lang,
            "seconds",
            &[(
                "time",
                format!("{:.2}", started.elapsed().as_secs_f64())
                    .replace('.', &ui(lang, "decimal-mark", &[])),
            )],
        );
        let finished = if result.diagnostics.is_empty() {
            ui(lang, "finished", &[("time", time)])
        } else {
            let counts = counts(&result.diagnostics, lang);
            ui(lang, "finished-with", &[("time", time), ("counts", counts)])
        };
        status(&ui(lang, "finished-verb", &[]), &finished);
    }
    ExitCode::SUCCESS
}
