use super::{Format, Verbosity, counts, error_line, report, status};
use std::path::Path;
use std::process::ExitCode;
use steg_bundle::manifest::{AvsnittEntry, ModulEntry, StegContent};
use steg_bundle::{Bundle, LoadOptions};

pub fn run(
    path: &Path,
    trust: Option<&Path>,
    format: Format,
    v: Verbosity,
    lang: steg_bundle::diagnostic::Lang,
) -> ExitCode {
    let bundle = match open(path, trust, format, v, lang) {
        Ok(b) => b,
        Err(code) => return code,
    };
    match format {
        Format::Json => print_json(&bundle),
        Format::Human => print_human(&bundle, v),
    }
    ExitCode::SUCCESS
}

/// Opens and checks the bundle at `path` (against the key in `trust`, if given), reporting
/// what is wrong and returning the exit code if it does not verify.
fn open(
    path: &Path,
    trust: Option<&Path>,
    format: Format,
    v: Verbosity,
    lang: steg_bundle::diagnostic::Lang,
) -> Result<Bundle, ExitCode> {
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
                return Err(ExitCode::from(1));
            }
        }
    }
    Bundle::open_with(path, &options).map_err(|problems| {
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
        ExitCode::from(1)
    })
}

// Everything printed from the bundle is escaped: a title is input, and a control
// character in it could retitle or clear the terminal. (The loader refuses such titles;
// this is the second line of defence.)
fn e(s: &str) -> String {
    steg_bundle::text::escape(s).into_owned()
}

/// The verified bundle as one JSON object.
fn print_json(bundle: &Bundle) {
    let c = bundle.counts();
    let m = &bundle.manifest().moment;
    println!(
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
    );
}

/// The verified bundle for a person: the moment, its tree, flags, review and a summary.
fn print_human(bundle: &Bundle, v: Verbosity) {
    let c = bundle.counts();
    let m = &bundle.manifest().moment;
    println!(
        "{} {} — {} ({}, {} days)",
        e(&m.id),
        e(&m.version),
        e(&m.title),
        e(&m.language),
        m.duration_days
    );
    for (i, modul) in m.moduler.iter().enumerate() {
        print_modul(modul, i + 1 == m.moduler.len());
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

/// One modul of the tree, with its avsnitt and steg (`last_m`: the moment's last modul).
fn print_modul(modul: &ModulEntry, last_m: bool) {
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
        print_steg(a, &bar2);
    }
}

/// The steg of one avsnitt, each line starting with `bar` (the tree's lines above it).
fn print_steg(a: &AvsnittEntry, bar: &str) {
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
            "{bar}{} {} [{}{extra}]",
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
