use super::{Format, Verbosity, counts, error_line, report, status};
use std::path::Path;
use std::process::ExitCode;
use steg_bundle::manifest::StegContent;
use steg_bundle::{Bundle, LoadOptions};

pub fn run(
    path: &Path,
    trust: Option<&Path>,
    format: Format,
    v: Verbosity,
    lang: steg_bundle::diagnostic::Lang,
) -> ExitCode {
    let mut options = LoadOptions::default();
    if let Some(trust) = trust {
        match super::keys::public_key(trust) {
            Ok(k) => options.trusted_key = Some(k),
            Err(d) => {
                report(
                    &steg_bundle::diagnostic::Diagnostics::from_iter([d]),
                    format,
                    v,
                    lang,
                );
                return ExitCode::from(1);
            }
        }
    }
    let bundle = match Bundle::open_with(path, &options) {
        Ok(b) => b,
        Err(problems) => {
            report(&problems, format, v, lang);
            if format == Format::Human {
                error_line(
                    lang,
                    "verify-failed",
                    &[
                        ("path", path.display().to_string()),
                        ("counts", counts(&problems, lang)),
                    ],
                );
            }
            return ExitCode::from(1);
        }
    };
    let (moduler, avsnitt, steg, files) = bundle.counts();
    let m = &bundle.manifest().moment;
    match format {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "verified": m.id, "version": m.version, "moduler": moduler,
                "avsnitt": avsnitt, "steg": steg, "files": files,
                "signature_verified": bundle.signature_verified()
            })
        ),
        Format::Human => {
            println!(
                "{} {} — {} ({}, {} days)",
                m.id, m.version, m.title, m.language, m.duration_days
            );
            for (i, modul) in m.moduler.iter().enumerate() {
                let last_m = i + 1 == m.moduler.len();
                let steg_in: usize = modul.avsnitt.iter().map(|a| a.steg.len()).sum();
                println!(
                    "{} {} — {} ({} avsnitt, {steg_in} steg)",
                    if last_m { "└─" } else { "├─" },
                    modul.id,
                    modul.title,
                    modul.avsnitt.len()
                );
                let bar = if last_m { "   " } else { "│  " };
                for (j, a) in modul.avsnitt.iter().enumerate() {
                    let last_a = j + 1 == modul.avsnitt.len();
                    println!(
                        "{bar}{} {} — {} ({} steg)",
                        if last_a { "└─" } else { "├─" },
                        a.id,
                        a.title,
                        a.steg.len()
                    );
                    let bar2 = format!("{bar}{}", if last_a { "   " } else { "│  " });
                    for (k, s) in a.steg.iter().enumerate() {
                        let extra = match &s.content {
                            StegContent::Form { form, .. } => {
                                let n = steg_bundle::forms::questions_in_order(&form.questions)
                                    .iter()
                                    .filter(|q| q.kind.takes_answer())
                                    .count();
                                format!(", {n} questions")
                            }
                            _ => String::new(),
                        };
                        println!(
                            "{bar2}{} {} [{}{extra}]",
                            if k + 1 == a.steg.len() {
                                "└─"
                            } else {
                                "├─"
                            },
                            s.id,
                            s.content.type_name()
                        );
                    }
                }
            }
            println!(
                "flags: {}",
                m.flags
                    .iter()
                    .map(|f| f.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            status(
                v,
                "Verified",
                &format!(
                    "{moduler} moduler, {avsnitt} avsnitt, {steg} steg; {files} files, every size and SHA-256 matches{}",
                    if bundle.signature_verified() {
                        "; signed by the trusted key"
                    } else {
                        ""
                    }
                ),
            );
        }
    }
    ExitCode::SUCCESS
}
