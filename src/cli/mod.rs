//! Commands, their arguments, and how results reach the terminal.
//!
//! Exit codes: 0 success; 1 the content or bundle has errors; 2 the command line is wrong;
//! 3 the output could not be written.

mod build;
mod check;
mod diff;
mod explain;
mod keys;
mod lang;
mod new;
mod review;
mod schema;
mod serve;
mod timeline;
mod verify;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use steg_bundle::diagnostic::{Diagnostics, Lang, render_json};
use steg_compiler::locate::Place;
use steg_compiler::report::{Style, render_human};

#[derive(Parser)]
#[command(
    name = "steg",
    version,
    about = "Compile digital health-education programs into verified bundles",
    long_about = "steg reads a program (moment → modul → avsnitt → steg) written as Markdown files \
with YAML front matter, checks it, and compiles it into a versioned bundle a platform imports.",
    after_help = "Examples:\n  steg build                     build every program in ./content into ./dist\n  steg build content/plus-ung    build one program\n  steg verify dist/plus-ung/1.0.0\n\nExit codes: 0 ok, 1 problems found, 2 wrong command line, 3 output not written."
)]
struct Cli {
    /// The language of messages: sv (Swedish) or en [default: STEG_LANG, else the locale, else sv]
    #[arg(long, global = true, value_enum)]
    lang: Option<lang::LangArg>,
    #[command(subcommand)]
    command: Command,
    /// Print only errors: no warnings, notes or progress (`steg serve` still prints its
    /// address and each failed rebuild)
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also print how long each phase took and what was written
    #[arg(long, short, global = true)]
    verbose: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Compile programs into bundles (writes nothing if anything is wrong)
    #[command(
        after_help = "Examples:\n  steg build\n  steg build content/plus-ung --out /tmp/out\n  steg build --format json"
    )]
    Build {
        /// The content folder, or one program's folder [default: found from the working
        /// folder: the program you stand in, or ./content]
        content: Option<PathBuf>,
        /// Where bundles are written: <out>/<moment>/<version>/ [default: dist, beside the
        /// content folder]
        #[arg(long, short)]
        out: Option<PathBuf>,
        #[command(flatten)]
        site: SiteArgs,
        /// A release: refuse unless every steg is approved for its current content
        #[arg(long)]
        release: bool,
        /// Sign each bundle's manifest with this secret key file (from `steg keygen`)
        #[arg(long, value_name = "KEYFILE")]
        sign: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Check everything a build checks (and the quality rules), writing nothing
    #[command(
        after_help = "Examples:\n  steg check\n  steg check content/plus-ung --format json\n\nRules: format and links, media, alt text, captions and transcripts, heading levels,\nreadability (LIX), personal data, length, duplicate titles, unused files.\nSilence a judgement call for one steg in its front matter:\n  allow:\n    - code: W1102\n      reason: Citat från en ungdom; ska stå som det är sagt."
    )]
    Check {
        /// The content folder, or one program's folder [default: found from the working
        /// folder: the program you stand in, or ./content]
        content: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Create a moment, modul, avsnitt or steg from a template that builds
    New(new::NewArgs),
    /// Quality review: who approved what, bound to content hashes
    #[command(
        subcommand,
        after_help = "Examples:\n  steg review status\n  steg review approve somn/varfor-sover-vi/valkommen --by \"Anna Berg\" --role psykolog"
    )]
    Review(ReviewCommand),
    /// Compare two versions (bundles or content folders) and give the semver verdict
    #[command(
        after_help = "Examples:\n  steg diff dist/plus-ung/1.0.0 content/plus-ung\n  steg diff dist/plus-ung/1.0.0 dist/plus-ung/1.1.0 --format json\n\nRemoving or moving a steg, or changing a form's question ids or types, is major;\nadding is minor; text edits are patches. Exits 1 when NEW's version is too low."
    )]
    Diff {
        /// The earlier version: a bundle folder (e.g. dist/plus-ung/1.0.0) or a program's folder
        old: PathBuf,
        /// The later version: a bundle folder or a program's folder (e.g. content/plus-ung),
        /// whose version is checked against the changes
        new: PathBuf,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Load a bundle and check everything in it: format, hierarchy, ids, files and hashes
    #[command(
        after_help = "Examples:\n  steg verify dist/plus-ung/1.0.0\n  steg verify dist/plus-ung/1.0.0 --format json"
    )]
    Verify {
        /// A bundle folder (the one holding bundle.json) or a bundle archive (.tar)
        bundle: PathBuf,
        /// Accept only a bundle signed by this public key file (from `steg keygen`)
        #[arg(long, value_name = "PUBKEY")]
        trust: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Make an ed25519 key pair for signing bundles: steg.key (secret, 0600) and steg.pub
    #[command(
        after_help = "Examples:\n  steg keygen --out keys\n  steg build --sign keys/steg.key\n  steg verify dist/plus-ung-1.0.0.tar --trust keys/steg.pub"
    )]
    Keygen {
        /// The folder to write steg.key and steg.pub into (created if missing)
        #[arg(long)]
        out: PathBuf,
    },
    /// Preview the program in a browser, rebuilding and reloading on every save
    #[command(
        after_help = "Examples:\n  steg serve\n  steg serve content/plus-ung --port 4000 --open"
    )]
    Serve {
        /// The content folder, or one program's folder [default: found from the working
        /// folder: the program you stand in, or ./content]
        content: Option<PathBuf>,
        /// Port on 127.0.0.1 (0 picks a free one)
        #[arg(long, short, default_value_t = 4000)]
        port: u16,
        /// Listen on this address of the machine instead of 127.0.0.1, e.g. to preview on a
        /// phone on the same network (everyone on that network can then see the program)
        #[arg(long, value_name = "ADDR")]
        interface: Option<std::net::IpAddr>,
        /// steg build's output folder: the Ändringar page compares with its last release
        /// [default: dist beside the content folder]
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Open the preview in the default browser
        #[arg(long)]
        open: bool,
        /// Theme: a folder name under themes/, or a path to a theme folder
        #[arg(long)]
        theme: Option<String>,
    },
    /// Print or write JSON Schemas: of bundle.json, and of each kind of front matter
    #[command(after_help = schema::EXAMPLES)]
    Schema {
        /// Which schema: bundle, moment, modul, avsnitt, steg, or steg-TYPE (e.g. steg-video)
        #[arg(default_value = "bundle", conflicts_with = "out")]
        name: String,
        /// Write every schema into this folder, as NAME.schema.json, instead of printing one
        #[arg(long, short, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish or powershell)
    #[command(
        after_help = "Examples:\n  steg completions bash > ~/.local/share/bash-completion/completions/steg\n  steg completions zsh > ~/.zfunc/_steg\n  steg completions fish > ~/.config/fish/completions/steg.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Explain a diagnostic code at length, with an example of the problem and its fix
    #[command(
        after_help = "Examples:\n  steg explain E0302\n  steg explain e0302 --lang en\n  steg explain --list"
    )]
    Explain(explain::Args),
    /// The dated flags and events for a participant who starts on a date and then does nothing
    Timeline(timeline::Args),
}

#[derive(Subcommand)]
enum ReviewCommand {
    /// List every node (moment, modul, avsnitt, steg) as approved, changed since approval, or never approved
    #[command(
        after_help = "Examples:\n  steg review status\n  steg review status content/plus-ung --format json"
    )]
    Status {
        /// The content folder, or one program's folder [default: found from the working folder]
        content: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
    },
    /// Record approvals of the current content (appended to approvals.yaml beside moment.md)
    #[command(
        after_help = "Examples:\n  steg review approve somn/varfor-sover-vi/valkommen --by \"Anna Berg\" --role psykolog\n  steg review approve somn --recursive --by \"Anna Berg\" --comment \"Faktagranskad\"\n  steg review approve / --recursive --by \"Anna Berg\"      (the whole program)"
    )]
    Approve {
        /// Optionally the content folder or a program's folder first (as for every command;
        /// found from the working folder when left out), then the addresses:
        /// `modul/avsnitt/steg`, `modul/avsnitt`, `modul`, or `/` for the program
        #[arg(required = true, value_name = "[CONTENT] ADDRESSES")]
        addresses: Vec<String>,
        /// The reviewer's name
        #[arg(long)]
        by: String,
        /// The reviewer's role, e.g. psykolog
        #[arg(long)]
        role: Option<String>,
        /// A note kept with the approval in approvals.yaml, e.g. "Faktagranskad"
        #[arg(long)]
        comment: Option<String>,
        /// The date of the review, YYYY-MM-DD [default: today]
        #[arg(long)]
        date: Option<String>,
        /// Also approve everything below each address
        #[arg(long, short)]
        recursive: bool,
        /// The content folder (the same as naming it first)
        #[arg(long)]
        content: Option<PathBuf>,
        /// Which program, when the content folder holds several
        #[arg(long)]
        moment: Option<String>,
    },
}

/// How the preview site is made.
#[derive(clap::Args, Clone)]
struct SiteArgs {
    /// Theme: a folder name under themes/, or a path to a theme folder
    /// [default: themes/default, or the built-in theme when there is none]
    #[arg(long)]
    theme: Option<String>,
    /// Write the preview's HTML as rendered, without minifying it (only `--release` builds
    /// minify; `steg build` without it and `steg serve` never do)
    #[arg(long)]
    no_minify: bool,
}

impl SiteArgs {
    /// The theme's folder; `None` means the built-in theme. A theme named by its name is
    /// looked for in the project's `themes/` folder, wherever in the project steg is run.
    fn theme_dir(&self, place: &Place) -> Option<PathBuf> {
        use std::path::Path;
        match &self.theme {
            Some(name) => {
                let path = Path::new(name);
                Some(if path.components().count() > 1 || path.is_absolute() {
                    path.to_path_buf()
                } else {
                    place.in_project("themes").join(name)
                })
            }
            None => {
                Some(place.in_project("themes/default")).filter(|p| p.join("templates").is_dir())
            }
        }
    }

    fn theme(&self, place: &Place) -> Result<steg_compiler::site::Theme, Diagnostics> {
        match self.theme_dir(place) {
            Some(dir) => steg_compiler::site::Theme::load(&dir),
            None => Ok(steg_compiler::site::Theme::builtin()),
        }
    }

    /// Minifying costs about a third of a build's time, so only release builds do it.
    fn options(&self, release: bool, lang: Lang) -> steg_compiler::site::Options {
        steg_compiler::site::Options {
            minify: release && !self.no_minify,
            lang,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// Readable text, with the source line of each problem
    Human,
    /// One JSON object per line, for CI and editors
    Json,
}

pub fn run() -> ExitCode {
    let cli = Cli::parse();
    let v = Verbosity::of(cli.quiet, cli.verbose);
    let lang = lang::choose(cli.lang);
    match cli.command {
        Command::Build {
            content,
            out,
            site,
            release,
            sign,
            format,
        } => {
            let place = place(content.as_deref());
            let out = out.unwrap_or_else(|| place.in_project("dist"));
            build::run(
                &place,
                &out,
                &site,
                release,
                sign.as_deref(),
                format,
                v,
                lang,
            )
        }
        Command::Check { content, format } => {
            check::run(&place(content.as_deref()).content, format, v, lang)
        }
        Command::New(args) => new::run(args, lang),
        Command::Review(command) => run_review(command, v, lang),
        Command::Diff { old, new, format } => diff::run(&old, &new, format, v, lang),
        Command::Verify {
            bundle,
            trust,
            format,
        } => verify::run(&bundle, trust.as_deref(), format, v, lang),
        Command::Keygen { out } => keys::keygen(&out, v, lang),
        Command::Explain(args) => explain::run(&args, lang),
        Command::Timeline(args) => timeline::run(&args, v, lang),
        Command::Serve {
            content,
            port,
            interface,
            out,
            open,
            theme,
        } => {
            let place = place(content.as_deref());
            let out = out.unwrap_or_else(|| place.in_project("dist"));
            serve::run(
                serve::Args {
                    place,
                    out,
                    port,
                    interface,
                    open,
                    theme,
                },
                v,
                lang,
            )
        }
        Command::Schema { name, out } => schema::run(&name, out.as_deref(), v, lang),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut <Cli as clap::CommandFactory>::command(),
                "steg",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
    }
}

fn run_review(command: ReviewCommand, v: Verbosity, lang: Lang) -> ExitCode {
    match command {
        ReviewCommand::Status { content, format } => {
            review::status_cmd(&place(content.as_deref()).content, format, v, lang)
        }
        ReviewCommand::Approve {
            addresses,
            by,
            role,
            comment,
            date,
            recursive,
            content,
            moment,
        } => {
            // A first word that is a content or program folder is CONTENT, as for every other
            // command; addresses are ids, which are no folder's name (those have numbers).
            let (named, addresses) = match addresses.split_first() {
                Some((first, rest))
                    if content.is_none()
                        && !rest.is_empty()
                        && first != "/"
                        && steg_compiler::locate::is_content(Path::new(first)) =>
                {
                    (Some(PathBuf::from(first)), rest.to_vec())
                }
                _ => (content, addresses),
            };
            let place = place(named.as_deref());
            review::approve(
                review::ApproveArgs {
                    content: &place.content,
                    addresses: &addresses,
                    by: &by,
                    role: role.as_deref(),
                    comment: comment.as_deref(),
                    date: date.as_deref(),
                    recursive,
                    moment: moment.as_deref(),
                    lang,
                },
                v,
            )
        }
    }
}

/// Where the content is: the folder named on the command line, or found from the working
/// folder (the program or content folder one stands in, or `content` in the project folder).
fn place(given: Option<&Path>) -> Place {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    match given {
        Some(path) => steg_compiler::locate::resolve(path, &cwd),
        None => steg_compiler::locate::find(&cwd),
    }
}

/// Colour only on a terminal, and never when NO_COLOR is set.
fn style() -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if !no_color && std::io::stderr().is_terminal() {
        Style::Color
    } else {
        Style::Plain
    }
}

/// How much a command prints besides its result (`--quiet`, `--verbose`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Verbosity {
    /// Errors only.
    Quiet,
    Normal,
    /// Also each phase's time and what was written.
    Verbose,
}

impl Verbosity {
    fn of(quiet: bool, verbose: bool) -> Verbosity {
        match (quiet, verbose) {
            (true, _) => Verbosity::Quiet,
            (false, true) => Verbosity::Verbose,
            (false, false) => Verbosity::Normal,
        }
    }
}

/// Prints diagnostics: rendered to stderr, or as JSON lines to stdout. `--quiet` leaves out
/// warnings and notes from the rendered text; JSON lines always hold everything, since a
/// program reading them filters for itself.
fn report(diagnostics: &Diagnostics, format: Format, v: Verbosity, lang: Lang) {
    match format {
        Format::Human if v == Verbosity::Quiet => {
            let errors: Diagnostics = diagnostics
                .iter()
                .filter(|d| d.severity == steg_bundle::diagnostic::Severity::Error)
                .cloned()
                .collect();
            eprint!("{}", render_human(&errors, style(), lang));
        }
        Format::Human => eprint!("{}", render_human(diagnostics, style(), lang)),
        Format::Json => print!("{}", render_json(diagnostics, lang)),
    }
}

use lang::{counts, ui};

/// `error: MESSAGE` / `fel: MESSAGE` on stderr, for the line after the diagnostics.
fn error_line(lang: Lang, key: &str, args: &[(&str, String)]) {
    let message = ui(lang, key, args);
    eprintln!("{}", ui(lang, "error-line", &[("message", message)]));
}

/// A status line in cargo's style: a right-aligned verb, then the message. Not with `--quiet`.
fn status(v: Verbosity, verb: &str, message: &str) {
    if v == Verbosity::Quiet {
        return;
    }
    if style() == Style::Color {
        eprintln!("\x1b[1;32m{verb:>12}\x1b[0m {message}");
    } else {
        eprintln!("{verb:>12} {message}");
    }
}

fn human_size(bytes: u64) -> String {
    match bytes {
        b if b >= 1024 * 1024 => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
        b if b >= 1024 => format!("{:.1} kB", b as f64 / 1024.0),
        b => format!("{b} B"),
    }
}
