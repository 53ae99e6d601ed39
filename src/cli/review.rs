use super::{Format, Verbosity, counts, error_line, report, status};
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

/// When a file last changed, as `YYYY-MM-DD HH:MM UTC`.
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
        let rows: Vec<(&Node, Status<'_>)> = nodes
            .iter()
            .map(|n| (n, review::status(&m.approvals, &n.address, &n.hash)))
            .collect();
        match format {
            Format::Json => print_json_rows(m, &rows),
            Format::Human => print_human_rows(m, &nodes, &rows, v),
        }
    }
    ExitCode::SUCCESS
}

/// One JSON line per node, with its review status.
fn print_json_rows(m: &Moment, rows: &[(&Node, Status<'_>)]) {
    for (n, st) in rows {
        let (state, a) = match st {
            Status::Approved(a) => ("approved", Some(*a)),
            Status::Changed(a) => ("changed", Some(*a)),
            Status::Never => ("never", None),
        };
        println!(
            "{}",
            serde_json::json!({
                "moment": m.id, "address": n.address, "level": n.level, "title": n.title,
                "status": state, "hash": n.hash, "source": n.source,
                "approval": a, "modified": modified(&n.source),
            })
        );
    }
}

/// A line per node, approvals that name nothing any more, and the steg counted by status.
fn print_human_rows(m: &Moment, nodes: &[Node], rows: &[(&Node, Status<'_>)], v: Verbosity) {
    println!("{} {} — {}", m.id, m.version, m.title);
    let (mut approved, mut changed, mut never) = (0, 0, 0);
    for (n, st) in rows {
        if n.level == "steg" {
            match st {
                Status::Approved(_) => approved += 1,
                Status::Changed(_) => changed += 1,
                Status::Never => never += 1,
            }
        }
        let what = match st {
            Status::Approved(a) => format!(
                "approved   by {}{} on {}",
                a.by,
                a.role
                    .as_ref()
                    .map(|r| format!(" ({r})"))
                    .unwrap_or_default(),
                a.date
            ),
            Status::Changed(a) => format!(
                "CHANGED    since {} approved it on {}; file changed {}",
                a.by,
                a.date,
                modified(&n.source).unwrap_or_else(|| "?".into())
            ),
            Status::Never => "never approved".to_string(),
        };
        println!("  {:<8} {:<48} {what}", n.level, n.address);
    }
    let stale = m
        .approvals
        .iter()
        .filter(|a| !nodes.iter().any(|n| n.address == a.address));
    for a in stale {
        println!(
            "  note: an approval names `{}`, which is no longer in the program",
            a.address
        );
    }
    status(
        v,
        "Review",
        &format!(
            "{}: {approved} steg approved, {changed} changed since approval, {never} never approved",
            m.id
        ),
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
    if args.by.trim().is_empty() {
        return usage("--by needs the reviewer's name".into());
    }
    let date = match args.date {
        Some(d) if review::is_date(d) => d.to_string(),
        Some(d) => return usage(format!("--date {d} is not a date like 2026-11-25")),
        None => review::today(),
    };
    let moments = match load(args.content, Format::Human, v, args.lang) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let moment = match pick_moment(&args, &moments) {
        Ok(m) => m,
        Err(code) => return code,
    };
    let nodes = review::nodes(moment);
    let chosen = match chosen_nodes(&args, moment, &nodes) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let new = new_approvals(&args, moment, chosen, &date);
    if new.is_empty() {
        status(
            v,
            "Approved",
            "nothing new: everything named was already approved as it is",
        );
        return ExitCode::SUCCESS;
    }
    match review::append_approvals(&moment.dir, &new) {
        Ok(path) => {
            for a in &new {
                println!("  approved  {}", a.address);
            }
            status(
                v,
                "Approved",
                &format!(
                    "{} node(s) by {}; recorded in {}",
                    new.len(),
                    args.by,
                    path.display()
                ),
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write the approvals: {e}");
            ExitCode::from(3)
        }
    }
}

/// A mistake in the command line: said on stderr, exit code 2.
fn usage(msg: String) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

/// The moment `--moment` names, or the only one.
fn pick_moment<'m>(
    args: &ApproveArgs<'_>,
    moments: &'m [Arc<Moment>],
) -> Result<&'m Moment, ExitCode> {
    match (args.moment, moments) {
        (Some(id), ms) => match ms.iter().find(|m| m.id == id) {
            Some(m) => Ok(&**m),
            None => Err(usage(format!(
                "there is no program `{id}` in {}",
                args.content.display()
            ))),
        },
        (None, [m]) => Ok(&**m),
        (None, _) => Err(usage(format!(
            "{} holds several programs; say which with --moment ({})",
            args.content.display(),
            moments
                .iter()
                .map(|m| m.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The nodes the addresses name (with `--recursive`, and everything below them), each once,
/// in the order named.
fn chosen_nodes<'n>(
    args: &ApproveArgs<'_>,
    moment: &Moment,
    nodes: &'n [Node],
) -> Result<Vec<&'n Node>, ExitCode> {
    let mut chosen: Vec<&Node> = Vec::new();
    for addr in args.addresses {
        let addr = addr.trim_end_matches('/');
        let addr = if addr.is_empty() {
            review::MOMENT_ADDRESS
        } else {
            addr
        };
        let matched: Vec<&Node> = nodes
            .iter()
            .filter(|n| {
                n.address == addr
                    || (args.recursive
                        && (addr == review::MOMENT_ADDRESS
                            || n.address.starts_with(&format!("{addr}/"))))
            })
            .collect();
        if matched.is_empty() {
            return Err(usage(format!(
                "`{addr}` is not an address in {}; `steg review status` lists them (`/` is the program itself)",
                moment.id
            )));
        }
        for n in matched {
            if !chosen.iter().any(|c| c.address == n.address) {
                chosen.push(n);
            }
        }
    }
    Ok(chosen)
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
            println!(
                "  already approved  {} (by {} on {})",
                n.address, a.by, a.date
            );
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
