use super::{Format, SiteArgs, Verbosity, counts, error_line, human_size, report, status, ui};
use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::Instant;
use steg_compiler::build::Phase;

#[allow(clippy::too_many_arguments)] // one per command-line option; a struct would only rename them
pub fn run(
    place: &steg_compiler::locate::Place,
    out: &Path,
    site: &SiteArgs,
    release: bool,
    sign: Option<&Path>,
    format: Format,
    v: Verbosity,
    lang: steg_bundle::diagnostic::Lang,
) -> ExitCode {
    let started = Instant::now();
    let content = place.content.as_path();
    let tell = Tell { format, v, lang };
    let key = match sign.map(super::keys::secret_key).transpose() {
        Ok(k) => k,
        Err(d) => {
            let problems = steg_bundle::diagnostic::Diagnostics::from_iter([d]);
            return tell.setup_failed(&problems, "build-key-failed", &[]);
        }
    };
    let theme = match site.theme(place) {
        Ok(t) => t,
        Err(problems) => {
            let counts = ("counts", counts(&problems, lang));
            return tell.setup_failed(&problems, "build-theme-failed", &[counts]);
        }
    };
    let progress = Progress {
        lang,
        live: format == Format::Human && v != Verbosity::Quiet && std::io::stderr().is_terminal(),
        v,
        content,
        out,
        started: Mutex::new(Instant::now()),
    };
    let options = steg_compiler::build::Options {
        theme: Some(&theme),
        site: site.options(release, lang),
        release,
        sign: key.as_ref(),
        progress: Some(&progress),
    };
    let result = steg_compiler::build::build(content, out, &options);
    // A build that stopped in a phase never ended it: its progress line is still there.
    if progress.live {
        progress.clear();
    }
    tell.result(&result, content, out, key.is_some(), started)
}

/// How to tell the user what the build did: the options every message depends on.
#[derive(Clone, Copy)]
struct Tell {
    format: Format,
    v: Verbosity,
    lang: steg_bundle::diagnostic::Lang,
}

impl Tell {
    /// Reports what the build found and made, and gives the exit code.
    fn result(
        self,
        result: &steg_compiler::build::BuildReport,
        content: &Path,
        out: &Path,
        signed: bool,
        started: Instant,
    ) -> ExitCode {
        report(&result.diagnostics, self.format, self.v, self.lang);
        if !result.ok() {
            return self.build_failed(&result.diagnostics, content, out);
        }
        for b in &result.built {
            self.built(b, signed);
        }
        if let (Some(index), Format::Human) = (&result.site_index, self.format) {
            let verb = ui(self.lang, "preview-verb", &[]);
            status(self.v, &verb, &index.display().to_string());
        }
        if self.format == Format::Human {
            self.finished(&result.diagnostics, started);
        }
        ExitCode::SUCCESS
    }

    /// Reports `problems` with what stopped the build before it began (the signing key or
    /// the theme).
    fn setup_failed(
        self,
        problems: &steg_bundle::diagnostic::Diagnostics,
        message: &str,
        args: &[(&str, String)],
    ) -> ExitCode {
        report(problems, self.format, self.v, self.lang);
        if self.format == Format::Human {
            error_line(self.lang, message, args);
        }
        ExitCode::from(1)
    }

    /// Says why the build failed (its findings are already reported). The exit code tells
    /// content that did not compile (1) from an output that could not be written (3).
    fn build_failed(
        self,
        diagnostics: &steg_bundle::diagnostic::Diagnostics,
        content: &Path,
        out: &Path,
    ) -> ExitCode {
        let output_failed = diagnostics.output_failed();
        if self.format == Format::Human {
            let out = ("out", out.display().to_string());
            if output_failed {
                error_line(self.lang, "build-output-failed", &[out]);
            } else {
                let content = ("content", content.display().to_string());
                let counts = ("counts", counts(diagnostics, self.lang));
                error_line(self.lang, "build-failed", &[content, counts, out]);
            }
        }
        ExitCode::from(if output_failed { 3 } else { 1 })
    }

    /// Reports one built moment: its size, its bundle and its archive.
    fn built(self, b: &steg_compiler::build::Built, signed: bool) {
        let (v, lang) = (self.v, self.lang);
        let m = &b.moment;
        let mut by_type = std::collections::BTreeMap::<&str, usize>::new();
        for (_, _, s) in m.steg() {
            *by_type.entry(s.kind.type_name()).or_default() += 1;
        }
        let types: Vec<String> = by_type.iter().map(|(t, n)| format!("{n} {t}")).collect();
        let avsnitt: usize = m.moduler.iter().map(|x| x.avsnitt.len()).sum();
        let steg: usize = by_type.values().sum();
        if self.format == Format::Json {
            println!(
                "{}",
                serde_json::json!({
                    "built": m.id, "version": m.version.to_string(),
                    "bundle": b.bundle_dir, "archive": b.archive, "signed": signed, "moduler": m.moduler.len(), "avsnitt": avsnitt,
                    "steg": steg, "files": b.files, "bytes": b.bytes
                })
            );
            return;
        }
        let sizes = format!(
            "{} {}: {} moduler, {avsnitt} avsnitt, {steg} steg ({})",
            m.id,
            m.version,
            m.moduler.len(),
            types.join(", ")
        );
        status(v, &ui(lang, "compiled-verb", &[]), &sizes);
        let bundle = [
            ("path", b.bundle_dir.display().to_string()),
            ("files", b.files.to_string()),
            ("size", human_size(b.bytes)),
        ];
        status(
            v,
            &ui(lang, "bundle-verb", &[]),
            &ui(lang, "bundle", &bundle),
        );
        let archive = ("path", b.archive.display().to_string());
        let archive = if signed {
            ui(lang, "archive-signed", &[archive])
        } else {
            archive.1
        };
        status(v, &ui(lang, "archive-verb", &[]), &archive);
    }

    /// The last line: how long the build took, and how many findings it had.
    fn finished(self, diagnostics: &steg_bundle::diagnostic::Diagnostics, started: Instant) {
        let lang = self.lang;
        let time = ui(
            lang,
            "seconds",
            &[(
                "time",
                format!("{:.2}", started.elapsed().as_secs_f64())
                    .replace('.', &ui(lang, "decimal-mark", &[])),
            )],
        );
        let finished = if diagnostics.is_empty() {
            ui(lang, "finished", &[("time", time)])
        } else {
            let counts = counts(diagnostics, lang);
            ui(lang, "finished-with", &[("time", time), ("counts", counts)])
        };
        status(self.v, &ui(lang, "finished-verb", &[]), &finished);
    }
}

/// The phase a build is in, on one line of a terminal that the next line overwrites; with
/// `--verbose`, a line per phase with its time.
struct Progress<'a> {
    lang: steg_bundle::diagnostic::Lang,
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

impl steg_compiler::build::Progress for Progress<'_> {
    fn start(&self, phase: Phase, count: usize) {
        if let Ok(mut started) = self.started.lock() {
            *started = Instant::now();
        }
        if !self.live {
            return;
        }
        let t = |key: &str, args: &[(&str, String)]| ui(self.lang, key, args);
        let n = [("n", count.to_string())];
        let line = match phase {
            Phase::Reading => format!("{:>12} {}", t("reading-verb", &[]), self.content.display()),
            Phase::Rendering => format!("{:>12} {}", t("rendering-verb", &[]), t("n-steg", &n)),
            Phase::Writing => format!("{:>12} {}", t("writing-verb", &[]), t("n-files", &n)),
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
        let t = |key: &str, args: &[(&str, String)]| ui(self.lang, key, args);
        let n = ("n", count.to_string());
        let (verb, message) = match phase {
            Phase::Reading => (
                t("read-verb", &[]),
                t(
                    "build-read",
                    &[n, ("path", self.content.display().to_string())],
                ),
            ),
            Phase::Rendering => (t("rendered-verb", &[]), t("n-files", &[n])),
            Phase::Writing => (
                t("wrote-verb", &[]),
                t(
                    "build-wrote",
                    &[n, ("path", self.out.display().to_string())],
                ),
            ),
        };
        let time = format!("{seconds:.2}");
        status(
            self.v,
            &verb,
            &t("phase-took", &[("message", message), ("time", time)]),
        );
    }
}
