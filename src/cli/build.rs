use super::{Format, SiteArgs, Verbosity, counts, human_size, report, status};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;
use steg::build::Phase;

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
    let progress = Progress {
        live: format == Format::Human && v != Verbosity::Quiet && std::io::stderr().is_terminal(),
        v,
        content,
        out,
        started: Mutex::new(Instant::now()),
    };
    let options = steg::build::Options {
        theme: Some(&theme),
        site: site.options(release),
        release,
        sign: key.as_ref(),
        progress: Some(&progress),
    };
    let result = steg::build::build(content, out, &options);
    // A build that stopped in a phase never ended it: its progress line is still there.
    if progress.live {
        progress.clear();
    }
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
                status(
                    v,
                    "Compiled",
                    &format!(
                        "{} {}: {} moduler, {avsnitt} avsnitt, {steg} steg ({})",
                        m.id,
                        m.version,
                        m.moduler.len(),
                        types.join(", ")
                    ),
                );
                status(
                    v,
                    "Bundle",
                    &format!(
                        "{} ({} files, {})",
                        b.bundle_dir.display(),
                        b.files,
                        human_size(b.bytes)
                    ),
                );
                status(
                    v,
                    "Archive",
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
        status(
            v,
            "Finished",
            &format!("in {:.2}s{warnings}", started.elapsed().as_secs_f64()),
        );
    }
    ExitCode::SUCCESS
}

/// The phase a build is in, on one line of a terminal that the next line overwrites; with
/// `--verbose`, a line per phase with its time.
struct Progress<'a> {
    /// Draw the progress line: stderr is a terminal, and neither `--quiet` nor JSON output.
    live: bool,
    v: Verbosity,
    content: &'a Path,
    out: &'a Path,
    started: Mutex<Instant>,
}

impl Progress<'_> {
    const WIDTH: usize = 72;

    fn clear(&self) {
        eprint!("\r{:width$}\r", "", width = Self::WIDTH);
    }
}

impl steg::build::Progress for Progress<'_> {
    fn start(&self, phase: Phase, count: usize) {
        if let Ok(mut started) = self.started.lock() {
            *started = Instant::now();
        }
        if !self.live {
            return;
        }
        let line = match phase {
            Phase::Reading => format!("{:>12} {}", "Reading", self.content.display()),
            Phase::Rendering => format!("{:>12} {count} steg", "Rendering"),
            Phase::Writing => format!("{:>12} {count} files", "Writing"),
        };
        // Cut to the width cleared afterwards: a long path must not wrap onto a second line.
        let line: String = line.chars().take(Self::WIDTH).collect();
        self.clear();
        eprint!("{line}");
        let _ = std::io::stderr().flush();
    }

    fn end(&self, phase: Phase, count: usize) {
        if self.live {
            self.clear();
        }
        if self.v != Verbosity::Verbose {
            return;
        }
        let seconds = self
            .started
            .lock()
            .map(|s| s.elapsed().as_secs_f64())
            .unwrap_or_default();
        let (verb, message) = match phase {
            Phase::Reading => (
                "Read",
                format!("{count} steg from {}", self.content.display()),
            ),
            Phase::Rendering => ("Rendered", format!("{count} files")),
            Phase::Writing => ("Wrote", format!("{count} files to {}", self.out.display())),
        };
        status(self.v, verb, &format!("{message} in {seconds:.2}s"));
    }
}
