//! Quality review: approvals bound to content hashes.
//!
//! An approval records that a named reviewer approved one node of the program (the moment, a
//! modul, an avsnitt or a steg) exactly as its content hash describes it. The record lives in
//! `approvals.yaml` beside `moment.md`, in version control with the content; it is only ever
//! appended to, by `steg review approve`. A node is approved while its current hash equals
//! the hash of its newest approval; any change other than white space makes it "changed".

mod address;
mod diff;

pub use address::{Unknown, select, suggest, unapproved_below};

pub use diff::{
    Change, ChangeKind, Detail, DiffReport, Side, Verdict, Word, diff_sources, word_diff,
};

use crate::model::Moment;
pub use crate::model::{Approval, Approvals};
use crate::source::APPROVALS_FILE;
use std::path::{Path, PathBuf};
use steg_bundle::diagnostic::{Diagnostic, Location, codes::*};

/// The address of the moment itself in approvals (modul, avsnitt and steg use their ids).
pub const MOMENT_ADDRESS: &str = "/";

/// Where a node stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<'a> {
    Approved(&'a Approval),
    /// Approved once, changed since; the newest approval is given.
    Changed(&'a Approval),
    Never,
}

/// A reviewable node of a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub address: String,
    pub level: &'static str,
    pub title: String,
    pub hash: String,
    pub source: PathBuf,
}

/// Every node of `m`, the moment first, in reading order.
pub fn nodes(m: &Moment) -> Vec<Node> {
    let mut out = vec![Node {
        address: MOMENT_ADDRESS.into(),
        level: "moment",
        title: m.title.clone(),
        hash: m.content_hash.clone(),
        source: m.source.clone(),
    }];
    for modul in &m.moduler {
        out.push(Node {
            address: modul.id.clone(),
            level: "modul",
            title: modul.title.clone(),
            hash: modul.content_hash.clone(),
            source: modul.source.clone(),
        });
        for a in &modul.avsnitt {
            out.push(Node {
                address: format!("{}/{}", modul.id, a.id),
                level: "avsnitt",
                title: a.title.clone(),
                hash: a.content_hash.clone(),
                source: a.source.clone(),
            });
            for s in &a.steg {
                out.push(Node {
                    address: s.address.clone(),
                    level: "steg",
                    title: s.title.clone(),
                    hash: s.content_hash.clone(),
                    source: s.source.clone(),
                });
            }
        }
    }
    out
}

/// The status of the node at `address` with content hash `hash`.
pub fn status<'a>(approvals: &'a Approvals, address: &str, hash: &str) -> Status<'a> {
    let mut newest = None;
    for a in approvals.of(address) {
        if a.hash == hash {
            // Any approval of exactly this content counts, even if a later one approved
            // something else that was then reverted.
            return Status::Approved(a);
        }
        newest = Some(a);
    }
    newest.map_or(Status::Never, Status::Changed)
}

/// The largest `approvals.yaml` read: about 100,000 approvals, far beyond any program.
pub const MAX_APPROVALS_BYTES: u64 = 64 * 1024 * 1024;

pub fn approvals_path(moment_dir: &Path) -> PathBuf {
    moment_dir.join(APPROVALS_FILE)
}

/// Reads `approvals.yaml` in `moment_dir`; no file means no approvals yet.
pub fn read_approvals(moment_dir: &Path) -> Result<Vec<Approval>, Diagnostic> {
    let path = approvals_path(moment_dir);
    use crate::source::safe::{self, Refused};
    // Read like every other file: a link is not followed (its target would be printed in an
    // error), a FIFO or device is not opened, and a runaway file is not read whole.
    let bytes = match safe::read_limited(&path, MAX_APPROVALS_BYTES) {
        Ok(b) => b,
        Err(Refused::Missing) => return Ok(vec![]),
        Err(
            e @ (Refused::Link
            | Refused::Special { .. }
            | Refused::TooLarge { .. }
            | Refused::Grew { .. }),
        ) => {
            return Err(crate::source::refused(&path, e));
        }
        Err(e) => {
            return Err(Diagnostic::new(E1202, "read")
                .arg("error", e)
                .in_file(&path));
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            return Err(Diagnostic::new(E1202, "read")
                .arg("error", e.utf8_error())
                .in_file(&path));
        }
    };
    if text.trim().is_empty()
        || text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
    {
        return Ok(vec![]);
    }
    serde_saphyr::from_str::<Vec<Approval>>(&text).map_err(|e| {
        let inner = e.without_snippet();
        let location = inner
            .location()
            .filter(|l| l.line() > 0)
            .map(|l| Location::line_column(l.line() as usize, l.column() as usize));
        Diagnostic::new(E1202, "yaml")
            .arg(
                "detail",
                inner.to_string().lines().next().unwrap_or_default(),
            )
            .in_file(&path)
            .at_opt(location)
    })
}

/// Appends approvals to `approvals.yaml`, keeping what is there byte for byte.
pub fn append_approvals(moment_dir: &Path, new: &[Approval]) -> std::io::Result<PathBuf> {
    use std::io::Write;
    let path = approvals_path(moment_dir);
    let exists = std::fs::symlink_metadata(&path).is_ok();
    let mut f = crate::source::safe::open_append(&path)?;
    if !exists {
        writeln!(
            f,
            "# Granskningar: vem som godkände vad, bundet till innehållets hash.\n# Skrivs av `steg review approve`. Ändra inte för hand; filen ska versionshanteras."
        )?;
    }
    for a in new {
        write!(f, "{}", to_yaml(a))?;
    }
    Ok(path)
}

/// One approval as a YAML list item. Strings are written as JSON strings, which YAML reads
/// unchanged, so no name or comment can break the file.
fn to_yaml(a: &Approval) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into());
    let mut s = format!(
        "- address: {}\n  hash: {}\n  by: {}\n",
        q(&a.address),
        q(&a.hash),
        q(&a.by)
    );
    if let Some(role) = &a.role {
        s.push_str(&format!("  role: {}\n", q(role)));
    }
    s.push_str(&format!("  date: {}\n", q(&a.date)));
    if let Some(c) = &a.comment {
        s.push_str(&format!("  comment: {}\n", q(c)));
    }
    s
}

/// Today's date in UTC as `YYYY-MM-DD`.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    date_of(secs)
}

/// `YYYY-MM-DD` (UTC) of a Unix time, by the proleptic Gregorian calendar.
pub fn date_of(unix_seconds: u64) -> String {
    let days = (unix_seconds / 86_400) as i64;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Whether `s` is a plausible `YYYY-MM-DD` date.
pub fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && s.chars()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u32>().unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(951_782_400), "2000-02-29");
        assert_eq!(date_of(1_795_564_800), "2026-11-25");
        assert!(is_date("2026-11-25"));
        assert!(!is_date("2026-13-01"));
    }

    #[test]
    fn status_follows_the_hash() {
        let a = |hash: &str, date: &str| Approval {
            address: "m/a/s".into(),
            hash: hash.into(),
            by: "A".into(),
            role: None,
            date: date.into(),
            comment: None,
        };
        let list = Approvals::new(vec![a("h1", "2026-01-01"), a("h2", "2026-02-01")]);
        assert!(
            matches!(status(&list, "m/a/s", "h2"), Status::Approved(x) if x.date == "2026-02-01")
        );
        assert!(matches!(status(&list, "m/a/s", "h1"), Status::Approved(_)));
        assert!(matches!(status(&list, "m/a/s", "h3"), Status::Changed(x) if x.hash == "h2"));
        assert!(matches!(status(&list, "x", "h1"), Status::Never));
    }

    #[test]
    fn yaml_round_trip_survives_awkward_text() {
        let a = Approval {
            address: "m/a/s".into(),
            hash: "abc".into(),
            by: "Åsa \"Q\": #1".into(),
            role: Some("psykolog".into()),
            date: "2026-11-25".into(),
            comment: Some("rad 1\nrad 2 - ok".into()),
        };
        let back: Vec<Approval> = serde_saphyr::from_str(&to_yaml(&a)).unwrap();
        assert_eq!(back, vec![a]);
    }
}
