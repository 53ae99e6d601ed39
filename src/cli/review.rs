use super::{Format, Verbosity, counts, error_line, report, status, ui};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use steg_bundle::diagnostic::Lang;
use steg_compiler::model::Moment;
use steg_compiler::review::{self, Approval, Node, Status};

/// Loads the content; on errors prints them and returns the exit code to use.
fn load(
    content: &Path,
    format: Format,
    v: Verbosity,
    lang: Lang,
) -> Result<Vec<Arc<Moment>>, ExitCode> {
    let loaded = steg_compiler::compile::load(content);
    if loaded.diagnostics.has_errors() {
        report(&loaded.diagnostics, format, v, lang);
        error_line(
            lang,
            "review-failed",
            &[
                ("content", content.display().to_string()),
                ("counts", counts(&loaded.diagnostics, lang)),
            ],
        );
        return Err(ExitCode::from(1));
    }
    Ok(loaded.moments)
}

/// When a file last changed, as `YYYY-MM-DD HH:MM UTC` (only in the JSON rows: the status
/// itself is judged by content hash, never by file times).
fn modified(path: &Path) -> Option<String> {
    let t = std::fs::metadata(path).ok()?.modified().ok()?;
    let secs = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    Some(format!(
        "{} {:02}:{:02} UTC",
        review::date_of(secs),
        secs % 86_400 / 3600,
        secs % 3600 / 60
    ))
}

pub fn status_cmd(content: &Path, format: Format, v: Verbosity, lang: Lang) -> ExitCode {
    let moments = match load(content, format, v, lang) {
        Ok(m) => m,
        Err(code) => return code,
    };
    for m in &moments {
        let nodes = review::nodes(m);
        let rows: Vec<Row<'_>> = nodes
            .iter()
            .map(|n| Row {
                node: n,
                status: review::status(&m.approvals, &n.address, &n.hash),
                below: if n.level == "steg" {
                    0
                } else {
                    review::unapproved_below(&nodes, &m.approvals, n)
                },
            })
            .collect();
        match format {
            Format::Json => print_json_rows(m, &rows),
            Format::Human => print_human_rows(m, &nodes, &rows, v, lang),
        }
    }
    ExitCode::SUCCESS
}

/// A node, its status by content hash, and (for a modul, avsnitt or the moment) how many steg
/// below it are not approved as they are.
struct Row<'a> {
    node: &'a Node,
    status: Status<'a>,
    below: usize,
}

impl Row<'_> {
    /// A modul, avsnitt or moment whose hash changed only because something below it did:
    /// not shown as changed itself, since its own text may be as approved.
    fn changed_below(&self) -> bool {
        matches!(self.status, Status::Changed(_)) && self.below > 0
    }
}

/// One JSON line per node, with its review status.
fn print_json_rows(m: &Moment, rows: &[Row<'_>]) {
    for row in rows {
        let n = row.node;
        let (state, a) = match row.status {
            Status::Approved(a) => ("approved", Some(a)),
            Status::Changed(a) if row.changed_below() => ("changed_below", Some(a)),
            Status::Changed(a) => ("changed", Some(a)),
            Status::Never => ("never", None),
        };
        println!(
            "{}",
            serde_json::json!({
                "moment": m.id, "address": n.address, "level": n.level, "title": n.title,
                "status": state, "hash": n.hash, "source": n.source,
                "approval": a, "modified": modified(&n.source),
                "unapproved_below": row.below,
            })
        );
    }
}

/// A line per node, approvals that name nothing any more, and the steg counted by status.
fn print_human_rows(m: &Moment, nodes: &[Node], rows: &[Row<'_>], v: Verbosity, lang: Lang) {
    println!("{} {} — {}", m.id, m.version, m.title);
    let (mut approved, mut changed, mut never) = (0, 0, 0);
    for row in rows {
        let n = row.node;
        if n.level == "steg" {
            match row.status {
                Status::Approved(_) => approved += 1,
                Status::Changed(_) => changed += 1,
                Status::Never => never += 1,
            }
        }
        let who = |a: &Approval| {
            let role = a
                .role
                .as_ref()
                .map(|r| format!(" {}", ui(lang, "review-role", &[("role", r.clone())])))
                .unwrap_or_default();
            [
                ("by", a.by.clone()),
                ("role", role),
                ("date", a.date.clone()),
                ("n", row.below.to_string()),
            ]
        };
        let what = match row.status {
            Status::Approved(a) => ui(lang, "review-approved", &who(a)),
            Status::Changed(a) if row.changed_below() => ui(lang, "review-below", &who(a)),
            Status::Changed(a) => ui(lang, "review-changed", &who(a)),
            Status::Never => ui(lang, "review-never", &[]),
        };
        println!("  {:<8} {:<48} {what}", n.level, n.address);
    }
    let stale = m
        .approvals
        .iter()
        .filter(|a| !nodes.iter().any(|n| n.address == a.address));
    for a in stale {
        println!(
            "  {}",
            ui(lang, "review-stale", &[("address", a.address.clone())])
        );
    }
    let summary = [
        ("moment", m.id.clone()),
        ("approved", approved.to_string()),
        ("changed", changed.to_string()),
        ("never", never.to_string()),
    ];
    status(
        v,
        &ui(lang, "review-verb", &[]),
        &ui(lang, "review-summary", &summary),
    );
}

pub struct ApproveArgs<'a> {
    pub content: &'a Path,
    pub addresses: &'a [String],
    pub by: &'a str,
    pub role: Option<&'a str>,
    pub comment: Option<&'a str>,
    pub date: Option<&'a str>,
    pub recursive: bool,
    pub moment: Option<&'a str>,
    pub lang: Lang,
}

pub fn approve(args: ApproveArgs<'_>, v: Verbosity) -> ExitCode {
    let lang = args.lang;
    if args.by.trim().is_empty() {
        return usage(lang, "approve-no-by", &[]);
    }
    let date = match args.date {
        Some(d) if review::is_date(d) => d.to_string(),
        Some(d) => return usage(lang, "approve-bad-date", &[("date", d.to_string())]),
        None => review::today(),
    };
    let moments = match load(args.content, Format::Human, v, lang) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let moment = match pick_moment(&args, &moments) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let nodes = review::nodes(moment);
    let chosen = match review::select(&nodes, args.addresses, args.recursive) {
        Ok(c) => c,
        Err(unknown) => {
            let mut words = vec![("address", unknown.address), ("moment", moment.id.clone())];
            return match unknown.suggestion {
                Some(s) => {
                    words.push(("suggestion", s));
                    usage(lang, "approve-unknown-near", &words)
                }
                None => usage(lang, "approve-unknown", &words),
            };
        }
    };
    let new = new_approvals(&args, moment, chosen, &date);
    let verb = ui(lang, "approve-verb", &[]);
    if new.is_empty() {
        status(v, &verb, &ui(lang, "approve-nothing", &[]));
        return ExitCode::SUCCESS;
    }
    match review::append_approvals(&moment.dir, &new) {
        Ok(path) => {
            for a in &new {
                println!(
                    "  {}",
                    ui(lang, "approve-row", &[("address", a.address.clone())])
                );
            }
            let done = [
                ("n", new.len().to_string()),
                ("by", args.by.trim().to_string()),
                ("path", path.display().to_string()),
            ];
            let key = if new.len() == 1 {
                "approve-done-one"
            } else {
                "approve-done-many"
            };
            status(v, &verb, &ui(lang, key, &done));
            ExitCode::SUCCESS
        }
        Err(e) => {
            error_line(lang, "approve-write-failed", &[("error", e.to_string())]);
            ExitCode::from(3)
        }
    }
}

/// A mistake in the command line: said on stderr, exit code 2.
fn usage(lang: Lang, key: &str, args: &[(&str, String)]) -> ExitCode {
    error_line(lang, key, args);
    ExitCode::from(2)
}

/// The moment `--moment` names, or the only one.
fn pick_moment<'m>(
    args: &ApproveArgs<'_>,
    moments: &'m [Arc<Moment>],
) -> Result<&'m Moment, ExitCode> {
    let content = ("content", args.content.display().to_string());
    match (args.moment, moments) {
        (Some(id), ms) => match ms.iter().find(|m| m.id == id) {
            Some(m) => Ok(&**m),
            None => Err(usage(
                args.lang,
                "approve-no-program",
                &[("id", id.to_string()), content],
            )),
        },
        (None, [m]) => Ok(&**m),
        (None, _) => {
            let ids: Vec<&str> = moments.iter().map(|m| m.id.as_str()).collect();
            let example = moments
                .first()
                .map(|m| m.dir.display().to_string())
                .unwrap_or_default();
            Err(usage(
                args.lang,
                "approve-several",
                &[content, ("ids", ids.join(", ")), ("example", example)],
            ))
        }
    }
}

/// An approval for each chosen node not already approved as it is (those are said).
fn new_approvals(
    args: &ApproveArgs<'_>,
    moment: &Moment,
    chosen: Vec<&Node>,
    date: &str,
) -> Vec<Approval> {
    let mut new = Vec::new();
    for n in chosen {
        if let Status::Approved(a) = review::status(&moment.approvals, &n.address, &n.hash) {
            let words = [
                ("address", n.address.clone()),
                ("by", a.by.clone()),
                ("date", a.date.clone()),
            ];
            println!("  {}", ui(args.lang, "approve-already", &words));
            continue;
        }
        new.push(Approval {
            address: n.address.clone(),
            hash: n.hash.clone(),
            by: args.by.trim().to_string(),
            role: args.role.map(str::to_string),
            date: date.to_string(),
            comment: args.comment.map(str::to_string),
        });
    }
    new
}
