//! Control characters in front-matter text: refused, because a title is shown in the preview,
//! the platform and the terminal, where an escape sequence can rewrite the screen, a bell
//! rings, a NUL cuts the text, and a bidi override makes a text read differently from what it
//! is (`U+202E` turns `txt.exe` into what looks like `exe.txt`).
//!
//! YAML can write them as escapes in double quotes (`"\e[2J"`, `"\u202e"`), so the parsed
//! values are checked, not the file's bytes: the front matter is read once more into a tree
//! of every value with its place, only when it could hold one (it has a `\` or a literal
//! control character), which few files do.

use super::frontmatter::{Split, YamlPos};
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use std::path::Path;
use steg_bundle::diagnostic::{Diagnostic, codes::*};

/// Whether `c` is refused in front-matter text: C0 controls but tab and line feed, DEL, C1
/// controls, and the bidi embeddings, overrides and isolates.
/// The loader's own rule for text of several lines, so that build and load refuse the same.
pub fn is_forbidden(c: char) -> bool {
    steg_bundle::text::is_forbidden(c, true)
}

/// `text` with every forbidden character written as `\u{…}`, for printing where the
/// character itself would act (a terminal).
pub fn escape(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(is_forbidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_forbidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// `text` with every forbidden character that is not ASCII (C1 controls, bidi characters)
/// replaced by a visible one of the same length in UTF-8, so that byte offsets into it
/// still hold: for a snippet of a file shown in a terminal. (The snippet printer already
/// shows ASCII controls as pictures, `␛`.)
pub fn defang_same_length(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(|c| !c.is_ascii() && is_forbidden(c)) {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .map(|c| match c.len_utf8() {
                2 if is_forbidden(c) => '¤',
                3 if is_forbidden(c) => '\u{fffd}',
                _ => c,
            })
            .collect(),
    )
}

/// Every text value of the front matter with a forbidden character, each as an `E0208`
/// located at the value.
pub fn check(split: &Split<'_>, file: &Path) -> Vec<Diagnostic> {
    if !split.yaml.contains('\\') && !split.yaml.chars().any(is_forbidden) {
        return vec![];
    }
    // The typed parse already accepted this YAML; a failure here has nothing to add.
    let Ok(tree) = serde_saphyr::from_str::<Spanned<Node>>(split.yaml) else {
        return vec![];
    };
    let pos = YamlPos {
        text: split.text,
        yaml_offset: split.yaml_offset,
    };
    let mut found = Vec::new();
    walk(&tree, &pos, file, &mut found);
    found
}

fn walk(node: &Spanned<Node>, pos: &YamlPos<'_>, file: &Path, out: &mut Vec<Diagnostic>) {
    match &node.value {
        Node::Text(t) => {
            if let Some(c) = t.chars().find(|&c| is_forbidden(c)) {
                out.push(
                    Diagnostic::new(E0208, "control")
                        .arg("char", format!("U+{:04X}", c as u32))
                        .in_file(file)
                        .at_opt(pos.at(node)),
                );
            }
        }
        Node::List(items) => items.iter().for_each(|i| walk(i, pos, file, out)),
        Node::Map(fields) => fields.iter().for_each(|f| walk(f, pos, file, out)),
        Node::Other => {}
    }
}

/// Any YAML value, each text with its place.
enum Node {
    Text(String),
    List(Vec<Spanned<Node>>),
    /// The values of a mapping (keys are checked by the typed parse: unknown ones are refused).
    Map(Vec<Spanned<Node>>),
    Other,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Text(v.to_string()))
    }

    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Node, E> {
        Ok(Node::Text(v))
    }

    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<Node, E> {
        Ok(Node::Other)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Node>>()? {
            items.push(item);
        }
        Ok(Node::List(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut values = Vec::new();
        while map.next_key::<serde::de::IgnoredAny>()?.is_some() {
            values.push(map.next_value::<Spanned<Node>>()?);
        }
        Ok(Node::Map(values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, usize)> {
        let file = Path::new("x.md");
        let split = super::super::frontmatter::split(text, file).unwrap();
        check(&split, file)
            .into_iter()
            .map(|d| {
                let line = d.location.as_ref().map_or(0, |l| l.line);
                let char = match &d.args[0].1 {
                    steg_bundle::diagnostic::Arg::Plain(s) => s.clone(),
                    other => format!("{other:?}"),
                };
                (char, line)
            })
            .collect()
    }

    #[test]
    fn escapes_and_literal_controls_are_found_where_they_are() {
        assert_eq!(
            found("---\ntitle: \"Hej\\e[2J\"\n---\n"),
            [("U+001B".to_string(), 2)]
        );
        assert_eq!(
            found("---\ntitle: Ok\nsummary: \"a\\u202Eb\"\n---\n"),
            [("U+202E".to_string(), 3)]
        );
        assert_eq!(
            found("---\nquestions:\n  - label: \"x\\a\"\n---\n"),
            [("U+0007".to_string(), 3)]
        );
        assert_eq!(found("---\ntitle: \"a\\0\"\n---\n")[0].0, "U+0000");
        assert_eq!(found("---\ntitle: \"a\\x9b\"\n---\n")[0].0, "U+009B");
        // Tabs and new lines are text; a backslash in plain text is only a backslash.
        assert!(
            found("---\ntitle: \"a\\tb\"\nsummary: |\n  en\n  två\nalt: C:\\e\n---\n").is_empty()
        );
        assert_eq!(escape("a\u{1b}[2Jb\u{202e}"), "a\\u{1b}[2Jb\\u{202e}");
        let text = "a\u{9b}b\u{202e}c\u{1b}";
        let safe = defang_same_length(text);
        assert_eq!(safe, "a¤b\u{fffd}c\u{1b}");
        assert_eq!(safe.len(), text.len());
        let text = "a\u{9b}b\u{202e}c\u{1b}";
        let safe = defang_same_length(text);
        assert_eq!(safe, "a¤b\u{fffd}c\u{1b}");
        assert_eq!(safe.len(), text.len());
    }
}
