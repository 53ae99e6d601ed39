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
    let c = bundle.counts();
    let m = &bundle.manifest().moment;
    // Everything printed from the bundle is escaped: a title is input, and a control
    // character in it could retitle or clear the terminal. (The loader refuses such titles;
    // this is the second line of defence.)
    let e = |s: &str| steg_bundle::text::escape(s).into_owned();
    match format {
        Format::Json => println!(
            "{}",
            serde_json::json!({
                "verified": m.id, "version": m.version, "moduler": c.moduler,
                "avsnitt": c.avsnitt, "steg": c.steg, "files": c.files,
                "signature_verified": bundle.signature_verified(),
                "release": bundle.is_release(),
                "review": {
                    "approved": c.approved, "changed": c.changed,
                    "unapproved": c.unapproved, "unreviewed": c.unreviewed
                }
            })
        ),
        Format::Human => {
            println!(
                "{} {} — {} ({}, {} days)",
                e(&m.id),
                e(&m.version),
                e(&m.title),
                e(&m.language),
                m.duration_days
            );
            for (i, modul) in m.moduler.iter().enumerate() {
                let last_m = i + 1 == m.moduler.len();
                let steg_in: usize = modul.avsnitt.iter().map(|a| a.steg.len()).sum();
                println!(
                    "{} {} — {} ({} avsnitt, {steg_in} steg)",
                    if last_m { "└─" } else { "├─" },
                    e(&modul.id),
                    e(&modul.title),
                    modul.avsnitt.len()
                );
                let bar = if last_m { "   " } else { "│  " };
                for (j, a) in modul.avsnitt.iter().enumerate() {
                    let last_a = j + 1 == modul.avsnitt.len();
                    println!(
                        "{bar}{} {} — {} ({} steg)",
                        if last_a { "└─" } else { "├─" },
                        e(&a.id),
                        e(&a.title),
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
                            e(&s.id),
                            s.content.type_name()
                        );
                    }
                }
            }
            println!(
                "flags: {}",
                m.flags
                    .iter()
                    .map(|f| e(&f.id))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            println!("{}", review_line(bundle.is_release(), &c));
            status(
                v,
                "Verified",
                &format!(
                    "{} moduler, {} avsnitt, {} steg; {} files, every size and SHA-256 matches{}",
                    c.moduler,
                    c.avsnitt,
                    c.steg,
                    c.files,
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

/// The release and review state in one line, e.g. `release: no (draft); review: 12 of 89
/// steg approved, 3 changed since approval, 74 never approved`.
fn review_line(release: bool, c: &steg_bundle::Counts) -> String {
    let mut parts = vec![format!("{} of {} steg approved", c.approved, c.steg)];
    if c.changed > 0 {
        parts.push(format!("{} changed since approval", c.changed));
    }
    if c.unapproved > 0 {
        parts.push(format!("{} never approved", c.unapproved));
    }
    if c.unreviewed > 0 {
        parts.push(format!("{} without a review state", c.unreviewed));
    }
    format!(
        "release: {}; review: {}",
        if release {
            "yes (every steg approved for its content, checked)"
        } else {
            "no (draft)"
        },
        parts.join(", ")
    )
}
