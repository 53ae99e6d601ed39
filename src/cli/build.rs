use super::{Format, SiteArgs, Verbosity, counts, human_size, report, status};
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
    v: Verbosity,
) -> ExitCode {
    let started = Instant::now();
    let key = match sign.map(super::keys::secret_key).transpose() {
        Ok(k) => k,
        Err(d) => {
            report(&steg::diagnostic::Diagnostics::from_iter([d]), format, v);
            if format == Format::Human {
                eprintln!("error: the signing key cannot be used; nothing was built");
            }
            return ExitCode::from(1);
        }
    };
    let theme = match site.theme() {
        Ok(t) => t,
        Err(problems) => {
            report(&problems, format, v);
            if format == Format::Human {
                eprintln!(
                    "error: the theme has errors ({}); nothing was built",
                    counts(&problems)
                );
            }
            return ExitCode::from(1);
        }
    };
    let options = steg::build::Options {
        theme: Some(&theme),
        site: site.options(release),
        release,
        sign: key.as_ref(),
    };
    let result = steg::build::build(content, out, &options);
    report(&result.diagnostics, format, v);
    if !result.ok() {
        let output_failed = result.diagnostics.iter().any(|d| d.code.starts_with("E08"));
        if format == Format::Human {
            if output_failed {
                eprintln!(
                    "error: the output could not be written to {}; it was left as it was",
                    out.display()
                );
            } else {
                eprintln!(
                    "error: could not build {} ({}); {} was left as it was",
                    content.display(),
                    counts(&result.diagnostics),
                    out.display()
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
                status(v, "Compiled",
                    &format!(
                        "{} {}: {} moduler, {avsnitt} avsnitt, {steg} steg ({})",
                        m.id,
                        m.version,
                        m.moduler.len(),
                        types.join(", ")
                    ),
                );
                status(v, "Bundle",
                    &format!(
                        "{} ({} files, {})",
                        b.bundle_dir.display(),
                        b.files,
                        human_size(b.bytes)
                    ),
                );
                status(v, "Archive",
                    &format!(
                        "{}{}",
                        b.archive.display(),
                        if key.is_some() { " (signed)" } else { "" }
                    ),
                );
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
        status(v, "Preview", &index.display().to_string());
    }
    if format == Format::Human {
        let warnings = if result.diagnostics.is_empty() {
            String::new()
        } else {
            format!(" with {}", counts(&result.diagnostics))
        };
        status(v, "Finished",
            &format!("in {:.2}s{warnings}", started.elapsed().as_secs_f64()),
        );
    }
    ExitCode::SUCCESS
}
