//! Quality rules beyond what the format requires: readability, heading structure, personal
//! data, length, duplicate titles and unused files. They run inside every load (so `build`,
//! `check` and `serve` report the same findings), per steg from its source text, and once per
//! moment for rules that look across steg.
//!
//! An editor can silence one rule for one steg with `allow:` in its front matter and a reason;
//! the finding is then reported as a note carrying that reason, so reviewers still see it.

pub mod personal;
pub mod text;

use crate::model::{Allow, Moment, StegKind};
use std::collections::HashMap;
use std::path::Path;
use steg_bundle::diagnostic::{Code, Diagnostic, Diagnostics, Location, Severity, codes::*};
use steg_bundle::manifest::AudienceGroup;

/// Limits and allow-lists, from `checks:` in moment.md.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The highest LIX per audience group.
    pub lix: HashMap<AudienceGroup, f64>,
    /// Phone numbers and e-mail addresses that may appear (e.g. a clinic's switchboard).
    pub allowed_contacts: Vec<String>,
    /// A steg with more words than this is reported as long.
    pub max_words: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            lix: HashMap::from([
                (AudienceGroup::Unga, 40.0),
                (AudienceGroup::Vardnadshavare, 50.0),
            ]),
            allowed_contacts: vec![],
            max_words: 700,
        }
    }
}

/// Codes an editor may silence for one steg: the judgement calls. Errors about the format
/// and personal data cannot be silenced.
pub const SILENCEABLE: &[Code] = &[
    W1101, W1102, W1106, W1107, W0403, W0507, W1121, W1122, W1123,
];

/// What the rules need to know about one steg.
pub struct StegText<'a> {
    pub file: &'a Path,
    /// The whole file, and where its Markdown body starts.
    pub text: &'a str,
    pub body_offset: usize,
    pub audience: &'a [AudienceGroup],
    /// Whether the body is the main prose of the steg (text and exercise steg).
    pub prose: bool,
    /// The body's readability counts (from the render's parse of the body),
    /// counted once by the caller, which keeps them too.
    pub lix: crate::model::Lix,
    /// The body's headings (level, byte range in the body), from the same parse.
    pub headings: &'a [(usize, std::ops::Range<usize>)],
}

/// The rules that need only one steg's source.
pub fn steg(s: &StegText<'_>, settings: &Settings) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    headings(s, &mut out);
    personal_data(s, settings, &mut out);

    let counts = s.lix;
    if s.prose && counts.words >= 50 {
        // The strictest limit of the steg's readers applies.
        let limit = s
            .audience
            .iter()
            .filter_map(|g| settings.lix.get(g))
            .fold(f64::INFINITY, |a, b| a.min(*b));
        let score = counts.score();
        if limit.is_finite() && score > limit {
            out.push(
                Diagnostic::new(W1102, "lix")
                    .arg("score", format!("{score:.0}"))
                    .arg("limit", format!("{limit:.0}"))
                    .arg("words", counts.words)
                    .arg("sentences", counts.sentences)
                    .arg("long", counts.long_words)
                    .in_file(s.file)
                    .at(Location::at_byte(s.text, s.body_offset)),
            );
        }
    }
    if counts.words > settings.max_words {
        out.push(
            Diagnostic::new(W1107, "long")
                .arg("words", counts.words)
                .arg("minutes", counts.words.div_ceil(150))
                .arg("limit", settings.max_words)
                .in_file(s.file)
                .at(Location::at_byte(s.text, s.body_offset)),
        );
    }
    out
}

fn headings(s: &StegText<'_>, out: &mut Vec<Diagnostic>) {
    // The steg's title is the page's level-1 heading, so the text starts at level 2.
    let mut previous = 1;
    for (n, range) in s.headings {
        let n = *n;
        let at = Location::of_range(
            s.text,
            s.body_offset + range.start..s.body_offset + range.end,
        );
        if n == 1 {
            out.push(Diagnostic::new(W1101, "level-1").in_file(s.file).at(at));
        } else if n > previous + 1 {
            out.push(
                Diagnostic::new(W1101, "skip")
                    .arg("from", previous)
                    .arg("to", n)
                    .arg("hashes", "#".repeat(previous + 1))
                    .in_file(s.file)
                    .at(at),
            );
        }
        previous = n;
    }
}

fn personal_data(s: &StegText<'_>, settings: &Settings, out: &mut Vec<Diagnostic>) {
    let allowed_digits: Vec<String> = settings
        .allowed_contacts
        .iter()
        .map(|c| personal::digits(c))
        .filter(|d| !d.is_empty())
        .collect();
    for found in personal::scan(s.text) {
        let d = match found {
            personal::Found::IdentityNumber(r) => Diagnostic::new(E1103, "found")
                .in_file(s.file)
                .at(Location::of_range(s.text, r)),
            personal::Found::Phone(r, digits) => {
                if allowed_digits.contains(&digits) {
                    continue;
                }
                Diagnostic::new(E1104, "found")
                    .in_file(s.file)
                    .at(Location::of_range(s.text, r))
            }
            personal::Found::Email(r, address) => {
                if settings
                    .allowed_contacts
                    .iter()
                    .any(|c| c.eq_ignore_ascii_case(&address))
                {
                    continue;
                }
                Diagnostic::new(E1105, "found")
                    .arg("address", &address)
                    .in_file(s.file)
                    .at(Location::of_range(s.text, r))
            }
        };
        out.push(d);
    }
}

/// Turns findings that a steg allows into notes carrying the reason, and reports `allow:`
/// entries that silence nothing or a code that cannot be silenced.
pub fn apply_allows(file: &Path, allows: &[Allow], findings: Vec<Diagnostic>) -> Vec<Diagnostic> {
    let mut used = vec![false; allows.len()];
    let mut out: Vec<Diagnostic> = findings
        .into_iter()
        .map(|mut d| {
            let hit = allows
                .iter()
                .position(|a| a.code == d.code && SILENCEABLE.iter().any(|c| c.id == d.code));
            if let (Some(i), Some(file_of_d)) = (hit, d.file.as_deref())
                && file_of_d == file
            {
                used[i] = true;
                d.severity = Severity::Note;
                d.silenced = Some(allows[i].reason.clone());
            }
            d
        })
        .collect();
    for (a, used) in allows.iter().zip(used) {
        if used {
            continue;
        }
        let silenceable = SILENCEABLE.iter().any(|c| c.id == a.code);
        out.push(
            Diagnostic::new(W1109, if silenceable { "nothing" } else { "cannot" })
                .arg("code", &a.code)
                .arg(
                    "codes",
                    SILENCEABLE
                        .iter()
                        .map(|c| c.id)
                        .collect::<Vec<_>>()
                        .join(", "),
                )
                .in_file(file)
                .at_opt(a.location.clone()),
        );
    }
    out
}

/// Steg of one avsnitt with the same title: the reader cannot tell them apart in a list.
/// Checked as each modul is built, so that a modul taken unchanged from an earlier build
/// brings its findings along.
pub fn avsnitt_titles(modul_id: &str, a: &crate::model::Avsnitt) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut seen: HashMap<&str, &Path> = HashMap::new();
    for s in &a.steg {
        if let Some(first) = seen.insert(s.title.as_str(), &s.source) {
            let d = Diagnostic::new(W1106, "same")
                .arg("avsnitt", format!("{}/{}", modul_id, a.id))
                .arg("title", &s.title)
                .arg("other", first.display())
                .in_file(&s.source);
            out.extend(
                apply_allows(&s.source, &s.allow, vec![d])
                    .into_iter()
                    .filter(|d| d.code == W1106.id),
            );
        }
    }
    out
}

/// The rules that look across a moment: copies of a steg, and (when every steg loaded, so
/// that "unused" is not a guess) files nothing uses.
pub fn moment(m: &Moment, assets: &[(String, std::path::PathBuf)], complete: bool) -> Diagnostics {
    let mut out = Diagnostics::new();
    identical_steg(m, &mut out);
    if !complete {
        return out;
    }
    let referenced = referenced_media(m);
    for (rel, path) in assets {
        if !referenced.contains(rel.as_str()) {
            out.push(
                Diagnostic::new(W1108, "unused")
                    .arg("path", rel)
                    .in_file(path),
            );
        }
    }
    out
}

/// Every media file a steg names (its film, captions, transcript …) or a text links to, by
/// its path in the moment: what the outputs use, and the transcripts' sources (shipped
/// rendered, but not unused).
fn referenced_media(m: &Moment) -> rustc_hash::FxHashSet<&str> {
    let mut referenced: rustc_hash::FxHashSet<&str> =
        m.used_media().iter().map(|f| f.rel.as_str()).collect();
    for (_, _, s) in m.steg() {
        if let StegKind::Video { transcript, .. } | StegKind::Audio { transcript, .. } = &s.kind {
            referenced.insert(transcript.file.0.as_str());
        }
    }
    referenced
}

/// Two steg with the same content (rendered text and type with all its parts): usually a
/// copy left behind. Reported at the later one, naming the first.
fn identical_steg(m: &Moment, out: &mut Diagnostics) {
    // The first steg with each fingerprint (of text and type); one shared by different steg
    // is astronomically rare, and would only leave a copy unreported.
    let mut first: rustc_hash::FxHashMap<crate::model::Revision, &crate::model::Steg> =
        Default::default();
    for (_, _, s) in m.steg() {
        // Steg not written yet (stand-ins from `steg new`, or declared placeholders) are alike
        // by nature, and W1120 already reports them.
        if s.placeholder {
            continue;
        }
        let earlier = *first.entry(s.text_print).or_insert(s);
        if std::ptr::eq(earlier, s) || earlier.kind != s.kind || earlier.body.html != s.body.html {
            continue;
        }
        let d = Diagnostic::new(W1121, "same")
            .arg("other", earlier.source.display())
            .in_file(&s.source);
        out.extend(
            apply_allows(&s.source, &s.allow, vec![d])
                .into_iter()
                .filter(|d| d.code == W1121.id),
        );
    }
}
