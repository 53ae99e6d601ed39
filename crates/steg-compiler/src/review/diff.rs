//! What changed between two versions of a program, and what version number that requires.
//!
//! People are mid-program when a new version ships and the platform keeps their progress and
//! answers under steg addresses and question ids. So removing or re-addressing a steg, or
//! changing a form's question ids or types, is a major change; adding is minor; editing text
//! is a patch. Both sides are read as bundles (a content folder is compiled in memory first),
//! so the comparison is the same whichever was given.

use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use steg_bundle::diagnostic::{Lang, catalogue};
use steg_bundle::manifest::{Flag, Manifest, StegContent};

/// Semantic-version weight of a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    None,
    Patch,
    Minor,
    Major,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::None => "none",
            Verdict::Patch => "patch",
            Verdict::Minor => "minor",
            Verdict::Major => "major",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Added,
    Removed,
    Moved,
    Changed,
}

/// One change, with its weight and, for text, a word-level diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    pub kind: ChangeKind,
    /// What changed: a steg address, `flag:<id>`, or `moment`.
    pub subject: String,
    pub title: String,
    pub verdict: Verdict,
    /// Plain-words details, e.g. "question `sovtid` removed", worded in either language.
    pub details: Vec<Detail>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub words: Vec<Word>,
}

/// One detail of a change, as data: its words are the catalogue's (`diff-KEY` in the `ui`
/// section), in the language it is shown in. In JSON it is the English sentence, as before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detail {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Detail {
    fn new(key: &'static str) -> Self {
        Detail {
            key,
            args: Vec::new(),
        }
    }

    fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    /// The detail in words of `lang`.
    pub fn text(&self, lang: Lang) -> String {
        catalogue::ui(lang, &format!("diff-{}", self.key), &self.args)
    }
}

impl Serialize for Detail {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text(Lang::En))
    }
}

/// A piece of a word-level diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", content = "text", rename_all = "lowercase")]
pub enum Word {
    Same(String),
    Removed(String),
    Added(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffReport {
    pub moment: String,
    pub old_version: String,
    pub new_version: String,
    pub changes: Vec<Change>,
    pub verdict: Verdict,
    /// The lowest version NEW may have.
    pub required_version: String,
    pub version_ok: bool,
}

/// One side: the manifest and a way to read a file of the bundle as text.
pub struct Side<'a> {
    pub manifest: &'a Manifest,
    pub read: &'a dyn Fn(&str) -> Option<String>,
}

struct StegSnap<'a> {
    title: &'a str,
    id: &'a str,
    position: (usize, usize, usize),
    content: &'a StegContent,
    text: String,
    /// The addresses the steg says it had (`moved_from`).
    moved_from: &'a [String],
}

fn snapshot<'a>(side: &Side<'a>) -> BTreeMap<&'a str, StegSnap<'a>> {
    let mut out = BTreeMap::new();
    for (mi, modul) in side.manifest.moment.moduler.iter().enumerate() {
        for (ai, a) in modul.avsnitt.iter().enumerate() {
            for (si, s) in a.steg.iter().enumerate() {
                let mut text = (side.read)(&s.html)
                    .map(|h| plain_text(&h))
                    .unwrap_or_default();
                if let StegContent::Video { transcript, .. } | StegContent::Audio { transcript, .. } =
                    &s.content
                    && let Some(t) = (side.read)(transcript)
                {
                    text.push('\n');
                    text.push_str(&plain_text(&t));
                }
                out.insert(
                    s.address.as_str(),
                    StegSnap {
                        title: &s.title,
                        id: &s.id,
                        position: (mi, ai, si),
                        content: &s.content,
                        text,
                        moved_from: &s.moved_from,
                    },
                );
            }
        }
    }
    out
}

/// Compares OLD with NEW.
pub fn diff_sources(old: &Side<'_>, new: &Side<'_>) -> DiffReport {
    let a = snapshot(old);
    let b = snapshot(new);
    let mut changes = Vec::new();
    compare_addresses(&a, &b, &mut changes);
    for (addr, old_s) in &a {
        let Some(new_s) = b.get(addr) else { continue };
        if let Some(c) = compare_steg(addr, old_s, new_s) {
            changes.push(c);
        }
    }
    compare_flags(
        &old.manifest.moment.flags,
        &new.manifest.moment.flags,
        &mut changes,
    );
    compare_moment(old, new, &mut changes);

    let verdict = changes
        .iter()
        .map(|c| c.verdict)
        .max()
        .unwrap_or(Verdict::None);
    let old_v = semver::Version::parse(&old.manifest.moment.version)
        .unwrap_or(semver::Version::new(0, 0, 0));
    let new_v = semver::Version::parse(&new.manifest.moment.version)
        .unwrap_or(semver::Version::new(0, 0, 0));
    let required = match verdict {
        Verdict::None => old_v.clone(),
        Verdict::Patch => semver::Version::new(old_v.major, old_v.minor, old_v.patch + 1),
        Verdict::Minor => semver::Version::new(old_v.major, old_v.minor + 1, 0),
        Verdict::Major => semver::Version::new(old_v.major + 1, 0, 0),
    };
    DiffReport {
        moment: new.manifest.moment.id.clone(),
        old_version: old_v.to_string(),
        new_version: new_v.to_string(),
        version_ok: new_v >= required,
        required_version: required.to_string(),
        verdict,
        changes,
    }
}

/// Steg by address, as [`snapshot`] takes them.
type Snapshot<'a> = BTreeMap<&'a str, StegSnap<'a>>;

/// The addresses only one side has: steg removed, added, or moved (the same steg, by id or
/// by text and title, at a new address).
fn compare_addresses(a: &Snapshot<'_>, b: &Snapshot<'_>, changes: &mut Vec<Change>) {
    // Removed addresses, unless the same steg (same id and text) reappears elsewhere.
    let added: Vec<&str> = b.keys().filter(|k| !a.contains_key(*k)).copied().collect();
    let mut moved_to: HashMap<&str, &str> = HashMap::new();
    for (addr, s) in a {
        if b.contains_key(addr) {
            continue;
        }
        // A steg that says it moved from here first; then the same id, or the same content.
        let free = |n: &&&str| !moved_to.values().any(|v| v == *n);
        let target = added
            .iter()
            .filter(free)
            .find(|n| b[**n].moved_from.iter().any(|m| m == addr))
            .or_else(|| {
                added.iter().filter(free).find(|n| {
                    let t = &b[**n];
                    t.id == s.id || (t.text == s.text && t.title == s.title)
                })
            });
        match target {
            Some(n) => {
                moved_to.insert(addr, n);
                // With `moved_from`, a platform carries progress and answers over: the move
                // loses nothing, so it weighs as an addition.
                let declared = b[*n].moved_from.iter().any(|m| m == addr);
                let (verdict, detail) = if declared {
                    (
                        Verdict::Minor,
                        Detail::new("moved-declared").arg("address", addr),
                    )
                } else {
                    (
                        Verdict::Major,
                        Detail::new("moved").arg("address", addr).arg("new", n),
                    )
                };
                changes.push(Change {
                    kind: ChangeKind::Moved,
                    subject: (*n).to_string(),
                    title: b[*n].title.to_string(),
                    verdict,
                    details: vec![detail],
                    words: vec![],
                });
            }
            None => changes.push(Change {
                kind: ChangeKind::Removed,
                subject: (*addr).to_string(),
                title: s.title.to_string(),
                verdict: Verdict::Major,
                details: vec![Detail::new("removed")],
                words: vec![],
            }),
        }
    }
    for n in &added {
        if moved_to.values().any(|v| v == n) {
            continue;
        }
        changes.push(Change {
            kind: ChangeKind::Added,
            subject: (*n).to_string(),
            title: b[*n].title.to_string(),
            verdict: Verdict::Minor,
            details: vec![Detail::new("added").arg("type", b[*n].content.type_name())],
            words: vec![],
        });
    }
}

/// Changes to the moment itself: its welcome text and its duration.
fn compare_moment(old: &Side<'_>, new: &Side<'_>, changes: &mut Vec<Change>) {
    let welcome = |side: &Side<'_>| {
        (side.read)(&side.manifest.moment.welcome)
            .map(|h| plain_text(&h))
            .unwrap_or_default()
    };
    let (ow, nw) = (welcome(old), welcome(new));
    if ow != nw {
        changes.push(Change {
            kind: ChangeKind::Changed,
            subject: "moment".into(),
            title: "Välkomsttext".into(),
            verdict: Verdict::Patch,
            details: vec![Detail::new("welcome-edited")],
            words: word_diff(&ow, &nw),
        });
    }
    if old.manifest.moment.duration_days != new.manifest.moment.duration_days {
        changes.push(Change {
            kind: ChangeKind::Changed,
            subject: "moment".into(),
            title: "duration".into(),
            verdict: Verdict::Minor,
            details: vec![
                Detail::new("duration")
                    .arg("old", old.manifest.moment.duration_days)
                    .arg("new", new.manifest.moment.duration_days),
            ],
            words: vec![],
        });
    }
}

fn compare_steg(addr: &str, a: &StegSnap<'_>, b: &StegSnap<'_>) -> Option<Change> {
    let mut verdict = Verdict::None;
    let mut details = Vec::new();
    let mut bump = |v: Verdict, d: Detail| {
        verdict = verdict.max(v);
        details.push(d);
    };
    if a.content.type_name() != b.content.type_name() {
        bump(
            Verdict::Major,
            Detail::new("type")
                .arg("old", a.content.type_name())
                .arg("new", b.content.type_name()),
        );
    }
    if let (StegContent::Form { form: fa, .. }, StegContent::Form { form: fb, .. }) =
        (a.content, b.content)
    {
        let (qa, qb) = (questions_of(fa), questions_of(fb));
        for (id, (ty, q)) in &qa {
            match qb.get(id) {
                None => bump(
                    Verdict::Major,
                    Detail::new("question-removed").arg("id", id),
                ),
                Some((t2, _)) if t2 != ty => {
                    bump(Verdict::Major, Detail::new("question-type").arg("id", id))
                }
                Some((_, q2)) if q2 != q => {
                    bump(Verdict::Patch, Detail::new("question-edited").arg("id", id))
                }
                Some(_) => {}
            }
        }
        for id in qb.keys().filter(|id| !qa.contains_key(*id)) {
            bump(Verdict::Minor, Detail::new("question-added").arg("id", id));
        }
        if fa != fb && qa == qb {
            bump(Verdict::Patch, Detail::new("form-details"));
        }
    } else if a.content != b.content && a.content.type_name() == b.content.type_name() {
        bump(Verdict::Patch, Detail::new("media"));
    }
    if a.title != b.title {
        bump(Verdict::Patch, Detail::new("title").arg("old", a.title));
    }
    if a.position != b.position {
        bump(Verdict::Minor, Detail::new("order"));
    }
    let words = if a.text != b.text {
        bump(Verdict::Patch, Detail::new("text-edited"));
        word_diff(&a.text, &b.text)
    } else {
        vec![]
    };
    (verdict != Verdict::None).then(|| Change {
        kind: ChangeKind::Changed,
        subject: addr.to_string(),
        title: b.title.to_string(),
        verdict,
        details,
        words,
    })
}

/// Every question of a form, nested groups included: id → (type, the whole question).
/// Read through JSON so that the comparison follows the manifest format, whatever it holds.
fn questions_of<T: Serialize>(form: &T) -> BTreeMap<String, (String, serde_json::Value)> {
    fn walk(v: &serde_json::Value, out: &mut BTreeMap<String, (String, serde_json::Value)>) {
        if let Some(list) = v.get("questions").and_then(|q| q.as_array()) {
            for q in list {
                if let Some(id) = q.get("id").and_then(|i| i.as_str()) {
                    let ty = q.get("type").and_then(|t| t.as_str()).unwrap_or_default();
                    out.insert(id.to_string(), (ty.to_string(), q.clone()));
                }
                walk(q, out);
            }
        }
    }
    let mut out = BTreeMap::new();
    if let Ok(v) = serde_json::to_value(form) {
        walk(&v, &mut out);
    }
    out
}

fn compare_flags(a: &[Flag], b: &[Flag], changes: &mut Vec<Change>) {
    for f in a {
        match b.iter().find(|x| x.id == f.id) {
            None => changes.push(flag_change(
                ChangeKind::Removed,
                f,
                Verdict::Major,
                Detail::new("flag-removed"),
            )),
            Some(x) if x.trigger != f.trigger || x.recipient != f.recipient => {
                changes.push(flag_change(
                    ChangeKind::Changed,
                    x,
                    Verdict::Minor,
                    Detail::new("flag-trigger"),
                ))
            }
            Some(x) if x != f => changes.push(flag_change(
                ChangeKind::Changed,
                x,
                Verdict::Patch,
                Detail::new("flag-edited"),
            )),
            Some(_) => {}
        }
    }
    for f in b.iter().filter(|f| !a.iter().any(|x| x.id == f.id)) {
        changes.push(flag_change(
            ChangeKind::Added,
            f,
            Verdict::Minor,
            Detail::new("flag-added"),
        ));
    }
}

fn flag_change(kind: ChangeKind, f: &Flag, verdict: Verdict, detail: Detail) -> Change {
    Change {
        kind,
        subject: format!("flag:{}", f.id),
        title: f.title.clone(),
        verdict,
        details: vec![detail],
        words: vec![],
    }
}

/// The text of an HTML fragment: tags dropped, entities for the five HTML specials decoded.
fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A word-level diff by longest common subsequence; runs of one kind are merged.
pub fn word_diff(a: &str, b: &str) -> Vec<Word> {
    let x: Vec<&str> = a.split_whitespace().collect();
    let y: Vec<&str> = b.split_whitespace().collect();
    // Long texts: trim the common start and end first, which is where edits usually are not.
    let prefix = x.iter().zip(&y).take_while(|(p, q)| p == q).count();
    let suffix = x[prefix..]
        .iter()
        .rev()
        .zip(y[prefix..].iter().rev())
        .take_while(|(p, q)| p == q)
        .count();
    let (xm, ym) = (&x[prefix..x.len() - suffix], &y[prefix..y.len() - suffix]);
    let mut ops: Vec<Word> = Vec::new();
    let mut push = |w: Word| match (ops.last_mut(), &w) {
        (Some(Word::Same(s)), Word::Same(t))
        | (Some(Word::Removed(s)), Word::Removed(t))
        | (Some(Word::Added(s)), Word::Added(t)) => {
            s.push(' ');
            s.push_str(t);
        }
        _ => ops.push(w),
    };
    for w in &x[..prefix] {
        push(Word::Same((*w).to_string()));
    }
    if xm.len() * ym.len() > 4_000_000 {
        // Too large for a word table: show the middle as replaced.
        for w in xm {
            push(Word::Removed((*w).to_string()));
        }
        for w in ym {
            push(Word::Added((*w).to_string()));
        }
    } else {
        let (n, m) = (xm.len(), ym.len());
        let mut table = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                table[i * (m + 1) + j] = if xm[i] == ym[j] {
                    table[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    table[(i + 1) * (m + 1) + j].max(table[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && xm[i] == ym[j] {
                push(Word::Same(xm[i].to_string()));
                i += 1;
                j += 1;
            } else if i < n
                && (j == m || table[(i + 1) * (m + 1) + j] >= table[i * (m + 1) + j + 1])
            {
                push(Word::Removed(xm[i].to_string()));
                i += 1;
            } else {
                push(Word::Added(ym[j].to_string()));
                j += 1;
            }
        }
    }
    for w in &x[x.len() - suffix..] {
        push(Word::Same((*w).to_string()));
    }
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words() {
        let d = word_diff("Du sover bra på natten", "Du sover dåligt på natten");
        assert_eq!(
            d,
            [
                Word::Same("Du sover".into()),
                Word::Removed("bra".into()),
                Word::Added("dåligt".into()),
                Word::Same("på natten".into())
            ]
        );
        assert_eq!(word_diff("a b", "a b"), [Word::Same("a b".into())]);
    }

    #[test]
    fn html_to_text() {
        assert_eq!(
            plain_text("<p>Hej &amp; <b>du</b></p>\n<p>Två</p>"),
            "Hej & du Två"
        );
    }
}
