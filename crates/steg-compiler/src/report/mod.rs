//! Diagnostics rendered for a person: human-readable rendering, rustc style, with the offending line shown and underlined.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use std::collections::HashMap;
use std::path::PathBuf;
use steg_bundle::diagnostic::{Diagnostic, Diagnostics, Lang, Severity, catalogue};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Colours, for a terminal.
    Color,
    /// No escape codes: for pipes, files, tests and `NO_COLOR`.
    Plain,
}

/// The largest file a snippet is shown from (an `approvals.yaml` of a large program).
const SNIPPET_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Renders all diagnostics, each with a snippet of its source when it has a location in a
/// file the user gave (see [`Diagnostic::may_read_source`]), with its words in `lang`.
///
/// A diagnostic about a bundle never has its file read: the bundle is input, its entry names
/// are not host paths, and its files may be FIFOs or devices that block or never end.
pub fn render_human(diagnostics: &Diagnostics, style: Style, lang: Lang) -> String {
    let renderer = match style {
        Style::Color => Renderer::styled(),
        Style::Plain => Renderer::plain(),
    };
    let mut sources: HashMap<PathBuf, Option<String>> = HashMap::new();
    let mut out = String::new();
    for d in diagnostics {
        // Read only for a snippet of a file the user gave (never a bundle's entry), and only
        // as every file is read: it may be a link (whose target must not be shown) or a FIFO.
        let source = d
            .file
            .as_ref()
            .filter(|_| d.may_read_source() && d.location.is_some())
            .and_then(|f| {
                sources
                    .entry(f.clone())
                    .or_insert_with(|| {
                        crate::source::safe::read_limited(f, SNIPPET_MAX_BYTES)
                            .ok()
                            .and_then(|b| String::from_utf8(b).ok())
                            .map(crate::source::nfc)
                            .map(|t| crate::source::control::defang_same_length(&t).into_owned())
                    })
                    .as_deref()
            });
        out.push_str(&render_one(&renderer, d, source, lang));
        out.push_str("\n\n");
    }
    out
}

fn render_one(renderer: &Renderer, d: &Diagnostic, source: Option<&str>, lang: Lang) -> String {
    let (level, word) = match d.severity {
        Severity::Error => (Level::ERROR, "error"),
        Severity::Warning => (Level::WARNING, "warning"),
        Severity::Note => (Level::NOTE, "note"),
    };
    let level = level.with_name(catalogue::ui(lang, word, &[]));
    // Words from the content (a link, a file name) may hold control characters: escaped,
    // so that nothing printed can act on the terminal.
    let safe = |s: String| crate::source::control::escape(&s).into_owned();
    let path = d.file.as_ref().map(|p| safe(p.display().to_string()));
    let message = safe(d.message(lang));
    let label = d.label(lang).map(safe);
    let hint = d.hint(lang).map(safe);
    let title = level.primary_title(message.as_str()).id(d.code);

    let snippet_range = match (&d.location, source) {
        (Some(loc), Some(text)) => loc
            .bytes
            .clone()
            .or_else(|| byte_of_line_column(text, loc.line, loc.column).map(|b| b..b))
            .filter(|r| r.end <= text.len()),
        _ => None,
    };

    let mut group = match (snippet_range, source, &path) {
        (Some(range), Some(text), Some(path)) => {
            // Underline at least one character so the caret is visible.
            let range = widen(text, range);
            let mut annotation = AnnotationKind::Primary.span(range);
            if let Some(label) = &label {
                annotation = annotation.label(label.as_str());
            }
            title.element(
                Snippet::source(text)
                    .path(path.as_str())
                    .annotation(annotation),
            )
        }
        (_, _, Some(_)) => title.element(annotate_snippets::Origin::path(d.position())),
        _ => Group::with_title(title),
    };
    if let Some(hint) = &hint {
        let help = Level::HELP.with_name(catalogue::ui(lang, "help", &[]));
        group = group.element(help.message(hint.as_str()));
    }
    renderer.render(&[group])
}

fn widen(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    if range.start < range.end {
        return range;
    }
    let start = range.start;
    match text[start..].chars().next() {
        Some('\n') | None => start..start,
        Some(c) => start..start + c.len_utf8(),
    }
}

fn byte_of_line_column(text: &str, line: usize, column: usize) -> Option<usize> {
    let line_start = if line <= 1 {
        0
    } else {
        text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)?
    };
    let rest = &text[line_start..];
    let offset = rest
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(rest.len(), |(i, _)| i);
    Some(line_start + offset)
}
