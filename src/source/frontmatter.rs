//! Splitting a Markdown file into YAML front matter and body, and parsing the YAML into a typed
//! struct with every problem located in the original file.

use crate::diagnostic::{Code, Diagnostic, Location, codes::*};
use serde::de::DeserializeOwned;
use std::path::Path;

/// A Markdown file split into its parts. Offsets are byte offsets into the whole file.
#[derive(Debug, Clone)]
pub struct Split<'a> {
    pub text: &'a str,
    pub yaml: &'a str,
    pub yaml_offset: usize,
    pub body: &'a str,
    pub body_offset: usize,
}

/// Splits `---\nyaml\n---\nbody`. A UTF-8 byte-order mark is allowed before the first `---`.
pub fn split<'a>(text: &'a str, file: &Path) -> Result<Split<'a>, Diagnostic> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[start..];
    let first_line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
    if rest[..first_line_end].trim_end() != "---" {
        return Err(Diagnostic::new(E0201, "the file does not start with front matter")
            .in_file(file)
            .at(Location::of_range(text, start..start + first_line_end.min(3)))
            .label("expected `---` here")
            .hint("start the file with a line `---`, the fields (at least `title: ...`), and another line `---`; the text follows after"));
    }
    let yaml_offset = start + first_line_end;
    let mut pos = yaml_offset;
    while pos < text.len() {
        let line_end = text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1);
        let line = text[pos..line_end].trim_end();
        if line == "---" || line == "..." {
            return Ok(Split {
                text,
                yaml: &text[yaml_offset..pos],
                yaml_offset,
                body: &text[line_end..],
                body_offset: line_end,
            });
        }
        pos = line_end;
    }
    Err(Diagnostic::new(E0202, "the front matter is never closed")
        .in_file(file)
        .at(Location::of_range(text, start..start + 3))
        .label("opened here")
        .hint("add a line with only `---` after the last field, before the text"))
}

/// Turns a location inside the YAML into a location in the whole file.
#[derive(Debug, Clone, Copy)]
pub struct YamlPos<'a> {
    pub text: &'a str,
    pub yaml_offset: usize,
}

impl YamlPos<'_> {
    pub fn of(&self, loc: &serde_saphyr::Location) -> Option<Location> {
        if loc.line() == 0 {
            return None;
        }
        let span = loc.span();
        if let (Some(start), Some(len)) = (span.byte_offset(), span.byte_len()) {
            let start = self.yaml_offset + usize::try_from(start).ok()?;
            let end = start + usize::try_from(len).ok()?;
            if end <= self.text.len() {
                return Some(Location::of_range(self.text, start..end));
            }
        }
        let first_line = self.text[..self.yaml_offset].matches('\n').count();
        Some(Location::line_column(
            first_line + usize::try_from(loc.line()).ok()?,
            usize::try_from(loc.column()).ok()?,
        ))
    }

    /// The location of a spanned value.
    pub fn at<T>(&self, value: &serde_saphyr::Spanned<T>) -> Option<Location> {
        self.of(&value.referenced)
    }
}

/// Limits that keep hostile YAML (alias bombs, deep nesting) cheap to refuse.
fn options() -> serde_saphyr::Options {
    serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_depth: 32,
            max_aliases: 100,
            max_anchors: 100,
            max_events: 200_000,
            max_total_scalar_bytes: 512 * 1024,
        },
    }
}

/// Parses the front matter of `split` into `T`.
pub fn parse<T: DeserializeOwned>(split: &Split<'_>, file: &Path) -> Result<T, Diagnostic> {
    // An empty front matter is an empty mapping, so "missing field" errors name the field.
    let yaml = if split.yaml.trim().is_empty() {
        "{}"
    } else {
        split.yaml
    };
    serde_saphyr::from_str_with_options::<T>(yaml, options()).map_err(|e| {
        let pos = YamlPos {
            text: split.text,
            yaml_offset: split.yaml_offset,
        };
        yaml_error(&e, pos, file)
    })
}

fn yaml_error(e: &serde_saphyr::Error, pos: YamlPos<'_>, file: &Path) -> Diagnostic {
    let inner = e.without_snippet();
    let message = plain_message(inner);
    let location = inner
        .location()
        .and_then(|l| pos.of(&l))
        .or_else(|| Some(Location::at_byte(pos.text, pos.yaml_offset)));
    let (code, hint): (Code, String) = if let Some(limit) = over_limit(inner, &message) {
        (
            E0207,
            format!(
                "the front matter goes over a safety limit: {limit} ({message}); front matter holds a few short fields, so rewrite it as plain `name: value` lines"
            ),
        )
    } else if let Some(field) = between(&message, "unknown field `", "`") {
        let expected = message
            .split_once("expected ")
            .map(|(_, e)| e.to_string())
            .unwrap_or_default();
        let expected = expected.trim_start_matches("one of ").replace('`', "");
        let hint = if field.contains(' ') {
            // `{ label: Jag slår, kastar saker }` splits at the comma: the rest looks like a field.
            "this looks like text cut at a comma or colon: put text that contains `,` or `:` in quotes, e.g. label: \"Jag slår, kastar saker\"".to_string()
        } else {
            let suggestion = closest(field, &expected)
                .map(|s| format!("did you mean `{s}`? "))
                .unwrap_or_default();
            format!("{suggestion}the fields allowed here are: {expected}")
        };
        (E0204, hint)
    } else if let Some(field) = between(&message, "missing field `", "`") {
        let d = Diagnostic::new(E0206, format!("the front matter has no `{field}:`"))
            .in_file(file)
            .at(Location::of_range(
                pos.text,
                pos.yaml_offset.saturating_sub(4)..pos.yaml_offset.saturating_sub(1),
            ))
            .label(format!("add `{field}:` to this front matter"))
            .hint(format!(
                "add a line `{field}: ...` (see docs/content-format.md for what it holds)"
            ));
        return d;
    } else if is_wrong_value(inner) {
        let field = location
            .as_ref()
            .and_then(|l| field_at_line(pos.text, l.line))
            .map(|f| format!("`{f}`"))
            .unwrap_or_else(|| "this field".to_string());
        let m = message.to_ascii_lowercase();
        let wanted = if m.contains("unknown variant") {
            let allowed = message
                .split_once("expected ")
                .map(|(_, e)| e.trim_start_matches("one of ").replace('`', ""))
                .unwrap_or_default();
            format!("{field} takes one of: {allowed}")
        } else if m.contains("sequence") {
            format!("{field} takes a list: write `[a, b]`, or one `- item` per line below it")
        } else if m.contains("mapping") || m.contains("map") || m.contains("struct") {
            format!("{field} takes fields: `name: value` lines, indented below it")
        } else if m.contains("bool") {
            format!("{field} takes `true` or `false`")
        } else if m.contains("u8")
            || m.contains("u16")
            || m.contains("u32")
            || m.contains("u64")
            || m.contains("i32")
            || m.contains("i64")
            || m.contains("integer")
        {
            format!("{field} takes a whole number (a u8 is at most 255)")
        } else {
            format!(
                "{field} takes text; put text that starts with `[`, `{{`, `*`, `&` or `!`, or holds `: `, in quotes"
            )
        };
        (E0205, wanted)
    } else {
        (
            E0203,
            "the YAML cannot be read here: check the indentation (spaces, not tabs) and that quotes and brackets are closed; put text holding `: ` or ` #` in quotes".to_string(),
        )
    };
    let message = if code == E0207 {
        "the front matter is too deeply nested, uses too many aliases, or is too large".to_string()
    } else {
        message
    };
    Diagnostic::new(code, message)
        .in_file(file)
        .at_opt(location)
        .hint(hint)
}

/// Which of the limits in [`options`] hostile YAML ran into, in plain words.
fn over_limit(e: &serde_saphyr::Error, message: &str) -> Option<&'static str> {
    use serde_saphyr::Error as E;
    let m = message.to_ascii_lowercase();
    let alias = "it uses anchors and aliases (`&name`, `*name`) more than steg allows (100), which can make a short file expand enormously";
    let deep = "it nests lists or fields deeper than steg allows (32 levels)";
    let large = "it is larger than steg allows for front matter (200 000 parts, 512 KiB of text)";
    match e {
        E::AliasReplayLimitExceeded { .. }
        | E::AliasExpansionLimitExceeded { .. }
        | E::AliasReplayStackDepthExceeded { .. } => Some(alias),
        E::Budget { .. } if m.contains("alias") || m.contains("anchor") => Some(alias),
        E::Budget { .. } if m.contains("depth") => Some(deep),
        E::Budget { .. } => Some(large),
        _ if m.contains("recursion limit") || m.contains("depth limit") => Some(deep),
        _ => None,
    }
}

/// A value of the wrong kind (text where a number belongs, a word outside a list of allowed
/// values), as opposed to YAML that cannot be read at all.
fn is_wrong_value(e: &serde_saphyr::Error) -> bool {
    use serde_saphyr::Error as E;
    matches!(
        e,
        E::Unexpected { .. }
            | E::InvalidScalar { .. }
            | E::SerdeInvalidType { .. }
            | E::SerdeInvalidValue { .. }
            | E::SerdeInvalidLength { .. }
            | E::SerdeUnknownVariant { .. }
            | E::ExternallyTaggedEnumExpectedScalarOrMapping { .. }
            | E::ExpectedStringKeyForExternallyTaggedEnum { .. }
            | E::UnexpectedValueForUnitEnumVariant { .. }
            | E::NullIntoString { .. }
            | E::InvalidBooleanStrict { .. }
            | E::TaggedScalarCannotDeserializeIntoString { .. }
    )
}

/// The field named on line `line` of `text` (`  title: x` or `- id: x` gives the name).
fn field_at_line(text: &str, line: usize) -> Option<String> {
    let l = text.lines().nth(line.checked_sub(1)?)?;
    let l = l
        .trim_start()
        .trim_start_matches("- ")
        .trim_start_matches(['{', ' ']);
    let (name, _) = l.split_once(':')?;
    let name = name.trim();
    (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| name.to_string())
}

/// The error's message without the location and snippet serde-saphyr would add.
fn plain_message(e: &serde_saphyr::Error) -> String {
    let text = match e {
        serde_saphyr::Error::Message { msg, .. } => msg.clone(),
        other => other.to_string(),
    };
    let first = text.lines().next().unwrap_or_default();
    // Drop a trailing " at line N column M" that some messages carry.
    let trimmed = match first.find(" at line ") {
        Some(i) => &first[..i],
        None => first,
    };
    trimmed.trim().trim_end_matches('.').to_string()
}

fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}

/// The allowed name closest to `field`, if it is close enough to be a likely typo.
fn closest<'a>(field: &str, expected: &'a str) -> Option<&'a str> {
    expected
        .split(['`', ',', ' '])
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .map(|cand| (edit_distance(field, cand), cand))
        .filter(|(d, cand)| *d <= 2.max(cand.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_front_matter() {
        let t = "---\ntitle: A\n---\nBody\n";
        let s = split(t, Path::new("x.md")).unwrap();
        assert_eq!(s.yaml, "title: A\n");
        assert_eq!(s.body, "Body\n");
        assert_eq!(&t[s.body_offset..], "Body\n");
    }

    #[test]
    fn missing_and_unclosed() {
        assert_eq!(
            split("title: A\n", Path::new("x")).unwrap_err().code,
            "E0201"
        );
        assert_eq!(
            split("---\ntitle: A\n", Path::new("x")).unwrap_err().code,
            "E0202"
        );
    }

    #[test]
    fn typo_suggestion() {
        assert_eq!(closest("titel", "`id`, `title`, `type`"), Some("title"));
        assert_eq!(closest("zzzzzz", "`id`, `title`"), None);
    }
}
