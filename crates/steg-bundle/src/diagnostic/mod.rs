//! Problems as data.
//!
//! Every check in steg, in the compiler and in the bundle loader alike, produces
//! [`Diagnostic`] values instead of printing or failing early. They are collected into a
//! [`Diagnostics`] list and rendered once, at the edge (the CLI), as human-readable text or JSON.
//! That is what lets a build report every problem at once.

pub mod catalogue;
pub mod codes;
mod lang;

pub use codes::{CODES, Code};
pub use lang::Lang;

use serde::Serialize;
use std::path::{Path, PathBuf};

/// How serious a finding is. Errors stop a build; warnings are reported and let it finish.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// A finding an editor silenced for one steg, reported with the reason given.
    Note,
}

/// A place in a source file. Lines and columns count from 1; columns count characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Location {
    pub line: usize,
    pub column: usize,
    /// Byte range in the file, when known; used to underline the exact text.
    #[serde(skip)]
    pub bytes: Option<std::ops::Range<usize>>,
}

impl Location {
    /// The location of byte `offset` in `text` (clamped to the text, and to a char boundary).
    pub fn at_byte(text: &str, offset: usize) -> Self {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..offset].chars().count() + 1;
        Location {
            line,
            column,
            bytes: Some(offset..offset),
        }
    }

    /// The location of the byte range `range` in `text`.
    pub fn of_range(text: &str, range: std::ops::Range<usize>) -> Self {
        let mut loc = Self::at_byte(text, range.start);
        let start = loc.bytes.as_ref().map_or(0, |r| r.start);
        let mut end = range.end.clamp(start, text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        loc.bytes = Some(start..end);
        loc
    }

    /// A line and column with no byte range (e.g. from a parser that reports only those).
    pub fn line_column(line: usize, column: usize) -> Self {
        Location {
            line: line.max(1),
            column: column.max(1),
            bytes: None,
        }
    }
}

/// One finding: what is wrong, where, and what to do about it.
///
/// It holds no words, only the code, which of the code's messages it is, and the values to put
/// into that message: the text is taken from the catalogue, in the reader's language, when it
/// is shown.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code, e.g. `E0302`. Explained by `steg explain E0302`; never reused.
    pub code: &'static str,
    /// Which of the code's messages: a key in the catalogue, e.g. `both` for E0406.
    pub key: &'static str,
    /// The values for the message's `{name}` placeholders.
    pub args: Vec<(&'static str, Arg)>,
    /// The file the problem is in, as the user named it (relative to where steg was run). For
    /// a problem inside a bundle, the bundle (its folder or archive), with [`Self::entry`].
    pub file: Option<PathBuf>,
    /// For a problem inside a bundle: the entry's name within it (escaped). It came from the
    /// input, so it is a name to show, never a host path: nothing opens it.
    pub entry: Option<String>,
    pub location: Option<Location>,
    /// Why an editor silenced this finding, for a [`Severity::Note`].
    pub silenced: Option<String>,
}

impl Diagnostic {
    /// The message `key` of `code`; its words are in the catalogue under that code and key.
    pub fn new(code: Code, key: &'static str) -> Self {
        debug_assert!(
            catalogue::raw(Lang::En, code.id, key).is_some(),
            "{} has no message `{key}` in the catalogue",
            code.id
        );
        Diagnostic {
            severity: code.severity(),
            code: code.id,
            key,
            args: Vec::new(),
            file: None,
            entry: None,
            location: None,
            silenced: None,
        }
    }

    /// Gives the placeholder `{name}` its value. Control and bidi characters in it are
    /// escaped: a value may come from a hostile bundle, and messages reach terminals.
    pub fn arg(mut self, name: &'static str, value: impl std::fmt::Display) -> Self {
        let value = value.to_string();
        let value = crate::text::escape(&value).into_owned();
        self.args.push((name, Arg::Plain(value)));
        self
    }

    /// Gives the placeholder `{name}` a phrase of the code's own section of the catalogue
    /// (a field whose name starts with `_`), itself filled with `args`: for words that differ
    /// between languages, such as "question `x`" or "score `x`".
    pub fn arg_phrase(
        mut self,
        name: &'static str,
        phrase: &'static str,
        args: &[(&'static str, String)],
    ) -> Self {
        self.args.push((name, Arg::Phrase(phrase, args.to_vec())));
        self
    }

    /// The arguments as text in `lang`.
    fn args_in(&self, lang: Lang) -> Vec<(&'static str, String)> {
        self.args
            .iter()
            .map(|(name, arg)| {
                let text = match arg {
                    Arg::Plain(s) => s.clone(),
                    Arg::Phrase(field, args) => catalogue::text(lang, self.code, field, args)
                        .unwrap_or_else(|| field.to_string()),
                };
                (*name, text)
            })
            .collect()
    }

    pub fn in_file(mut self, file: impl AsRef<Path>) -> Self {
        self.file = Some(file.as_ref().to_path_buf());
        self
    }

    /// A problem with the entry `entry` of the bundle at `bundle` (a folder or an archive).
    /// The entry is named, escaped, and never joined to a host path.
    pub fn in_entry(mut self, bundle: impl AsRef<Path>, entry: &str) -> Self {
        self.file = Some(bundle.as_ref().to_path_buf());
        self.entry = Some(crate::text::escape(entry).into_owned());
        self
    }

    /// Whether a renderer may read [`Self::file`] to show the source around the location:
    /// only for a located problem in a file the user gave (content, a theme), never for a
    /// problem in a bundle, whose files are input and may be FIFOs or devices.
    pub fn may_read_source(&self) -> bool {
        self.location.is_some() && self.entry.is_none() && !self.code.starts_with('B')
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    pub fn at_opt(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    /// What is wrong, in plain words, in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let message = catalogue::text(lang, self.code, self.key, &self.args_in(lang))
            .unwrap_or_else(|| format!("{} {}", self.code, self.key));
        match &self.silenced {
            Some(reason) => catalogue::ui(
                lang,
                "silenced",
                &[("message", message), ("reason", reason.clone())],
            ),
            None => message,
        }
    }

    /// A short label shown under the underlined text, if the message has one.
    pub fn label(&self, lang: Lang) -> Option<String> {
        catalogue::text(
            lang,
            self.code,
            &format!("{}.label", self.key),
            &self.args_in(lang),
        )
    }

    /// What to do about it, if the message says.
    pub fn hint(&self, lang: Lang) -> Option<String> {
        catalogue::text(
            lang,
            self.code,
            &format!("{}.hint", self.key),
            &self.args_in(lang),
        )
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column`, or as much of it as is known; in a bundle `bundle: entry:line:column`.
    /// Escaped: it may name an entry of a hostile bundle.
    pub fn position(&self) -> String {
        let mut s = self
            .file
            .as_ref()
            .map(|f| crate::text::escape(&f.display().to_string()).into_owned())
            .unwrap_or_default();
        if let Some(entry) = &self.entry {
            if !s.is_empty() {
                s.push_str(": ");
            }
            s.push_str(entry);
        }
        if let Some(loc) = &self.location {
            s.push_str(&format!(":{}:{}", loc.line, loc.column));
        }
        s
    }
}

/// The value of one placeholder.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Arg {
    /// A name, number or path, the same in every language.
    Plain(String),
    /// A phrase from the catalogue (a `_field` of the diagnostic's code) with its own values.
    Phrase(&'static str, Vec<(&'static str, String)>),
}

/// The findings of one run, in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    pub fn note_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Note)
            .count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    /// Sorts by file, then position, then code, so output does not depend on thread timing.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                (
                    d.file.clone(),
                    d.entry.clone(),
                    d.location.as_ref().map(|l| (l.line, l.column)),
                    d.code,
                    d.key,
                    d.args.clone(),
                )
            };
            key(a).cmp(&key(b))
        });
        self.items.dedup();
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

/// One line, in English: `error[B0007]: message (where)`.
impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let word = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        };
        write!(f, "{word}[{}]: {}", self.code, self.message(Lang::En))?;
        let at = self.position();
        if !at.is_empty() {
            write!(f, " ({at})")?;
        }
        Ok(())
    }
}

/// One diagnostic a line, in English; a platform logs it or returns it as an error.
impl std::fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, d) in self.items.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Diagnostic {}
impl std::error::Error for Diagnostics {}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(iter: I) -> Self {
        Diagnostics {
            items: iter.into_iter().collect(),
        }
    }
}

/// One diagnostic as CI reads it, with its words in one language.
#[derive(Serialize)]
struct Json<'a> {
    severity: Severity,
    code: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a Path>,
    /// The entry within the bundle `file`, for a problem inside a bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    entry: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none", flatten)]
    location: Option<&'a Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
}

/// Findings as JSON lines for CI: one object per diagnostic, stable field names; the message,
/// label and hint in `lang`.
pub fn render_json(diagnostics: &Diagnostics, lang: Lang) -> String {
    let mut out = String::new();
    for d in diagnostics {
        let json = Json {
            severity: d.severity,
            code: d.code,
            message: d.message(lang),
            file: d.file.as_deref(),
            entry: d.entry.as_deref(),
            location: d.location.as_ref(),
            label: d.label(lang),
            hint: d.hint(lang),
        };
        // Serializing a plain struct of strings and numbers cannot fail.
        out.push_str(&serde_json::to_string(&json).unwrap_or_default());
        out.push('\n');
    }
    out
}

/// What kind of failure a set of findings is, decided here rather than by each caller reading
/// code numbers.
impl Diagnostics {
    /// Whether an error is about writing the output (`E08xx`) rather than about the content:
    /// `steg build` exits 3 for these, 1 for the rest.
    pub fn output_failed(&self) -> bool {
        self.items
            .iter()
            .any(|d| d.severity == Severity::Error && codes::Code { id: d.code }.is_output())
    }
}

#[cfg(test)]
mod output_failed_tests {
    use super::*;

    #[test]
    fn only_an_output_error_is_an_output_failure() {
        let content = Diagnostic::new(codes::E0101, "root-missing").arg("path", "content");
        let output = Diagnostic::new(codes::E0802, "overlap")
            .arg("out", "dist")
            .arg("content", "content");
        assert!(!Diagnostics::from_iter([content.clone()]).output_failed());
        assert!(Diagnostics::from_iter([content, output]).output_failed());
    }
}
