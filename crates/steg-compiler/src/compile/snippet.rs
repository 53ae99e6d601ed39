//! Snippets: text written once in moment.md (`snippets:`) and shown in many documents.
//!
//! A document includes one with a line of its own, `::: snippet NAME`, between blank lines.
//! The colon fence is the block-directive form Markdown tools already use (Pandoc's fenced
//! divs, markdown-it containers), so it reads as "a block goes here"; it cannot be taken for
//! the platform's `{{placeholder}}`, which is filled per clinic when the program runs,
//! while a snippet is expanded when steg builds. The bundle carries the expanded text.
//!
//! Such a line renders as a paragraph of its own (`<p>::: snippet NAME</p>`), so the document
//! is rendered as written (every location in it stays true) and that paragraph is then
//! replaced by the snippet's HTML.

use super::Parsed;
use crate::markdown::{self, Links};
use crate::model::Document;
use std::collections::BTreeMap;
use std::ops::Range;
use steg_bundle::diagnostic::{Diagnostic, Diagnostics, Location, codes::*};

/// The moment's snippets, by name.
#[derive(Debug, Default)]
pub(crate) struct Snippets {
    list: BTreeMap<String, Snippet>,
}

#[derive(Debug)]
struct Snippet {
    markdown: String,
    /// SHA-256 of the text: what a including steg's content hash covers.
    sha256: String,
    location: Option<Location>,
}

/// What a line of a body includes: the snippet's name and the line's byte range.
pub(crate) fn includes(body: &str) -> Vec<(String, Range<usize>)> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in body.split_inclusive('\n') {
        let end = start + line.len();
        if let Some(name) = include_name(line) {
            let trimmed = line.trim_end().len();
            out.push((name.to_string(), start..start + trimmed));
        }
        start = end;
    }
    out
}

/// `NAME` from a line `::: snippet NAME` (spaces around the words are free).
fn include_name(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix(":::")?;
    let rest = rest.trim_start().strip_prefix("snippet")?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let name = rest.trim();
    (!name.is_empty() && !name.contains(char::is_whitespace)).then_some(name)
}

impl Snippets {
    /// The snippets of moment.md, with bad names and problems in their text reported once,
    /// at the snippet.
    pub(super) fn of_moment(
        p: Option<&Parsed<crate::front::MomentFront>>,
        links: &Links<'_>,
        swedish: bool,
        d: &mut Diagnostics,
    ) -> Snippets {
        let mut list = BTreeMap::new();
        let Some(p) = p else {
            return Snippets { list };
        };
        let Some(map) = &p.front.snippets else {
            return Snippets { list };
        };
        let map_at = p.at(map);
        for (name, markdown) in &map.value {
            let location = super::moment::find_after(&p.text, map_at.as_ref(), &format!("{name}:"))
                .or_else(|| map_at.clone());
            if !steg_bundle::ids::is_valid_id(name) {
                d.push(
                    Diagnostic::new(E0720, "name")
                        .arg("name", name)
                        .in_file(&p.file)
                        .at_opt(location.clone()),
                );
            }
            if !includes(markdown).is_empty() {
                d.push(
                    Diagnostic::new(E0720, "nested")
                        .arg("name", name)
                        .in_file(&p.file)
                        .at_opt(location.clone()),
                );
            }
            // Links in a snippet are written from the moment's folder; checked once here.
            let src = markdown::Source {
                file: &p.file,
                text: markdown,
                body_offset: 0,
                dir: "",
                output: steg_bundle::layout::WELCOME,
            };
            let (_, mut problems) = markdown::render(markdown, &src, links);
            // The typography rule, as for any Swedish text (the front matter is not checked).
            if swedish {
                problems.extend(crate::check::text::straight_quotes(&p.file, markdown, 0));
            }
            d.extend(problems.into_iter().map(|mut pr| {
                pr.location = location.clone();
                pr
            }));
            list.insert(
                name.clone(),
                Snippet {
                    sha256: steg_bundle::sha256_hex(markdown.as_bytes()),
                    markdown: markdown.clone(),
                    location,
                },
            );
        }
        Snippets { list }
    }

    /// What a content hash covers for the snippets `names`: each one's name and text hash.
    pub(crate) fn hash_inputs(&self, names: &[String]) -> Vec<String> {
        names
            .iter()
            .filter_map(|n| {
                self.list
                    .get(n)
                    .map(|s| format!("snippet {n} {}", s.sha256))
            })
            .collect()
    }

    /// Replaces every include in `doc` (rendered from `p`'s body) by its snippet, and
    /// reports includes of snippets that do not exist and ones that do not stand alone.
    pub(super) fn expand<T>(
        &self,
        doc: &mut Document,
        p: &Parsed<T>,
        output: &str,
        links: &Links<'_>,
        d: &mut Diagnostics,
    ) {
        for (name, range) in includes(p.body()) {
            let at = Location::of_range(
                &p.text,
                p.body_offset + range.start..p.body_offset + range.end,
            );
            let Some(snippet) = self.list.get(&name) else {
                let known: Vec<&str> = self.list.keys().map(String::as_str).collect();
                d.push(
                    Diagnostic::new(E0720, "unknown")
                        .arg("name", &name)
                        .arg(
                            "known",
                            if known.is_empty() {
                                "–".to_string()
                            } else {
                                known.join(", ")
                            },
                        )
                        .in_file(&p.file)
                        .at(at),
                );
                continue;
            };
            let line = format!("<p>::: snippet {name}</p>\n");
            let Some(i) = doc.html.find(&line) else {
                d.push(
                    Diagnostic::new(E0720, "alone")
                        .arg("name", &name)
                        .in_file(&p.file)
                        .at(at),
                );
                continue;
            };
            let src = markdown::Source {
                file: &p.file,
                text: &snippet.markdown,
                body_offset: 0,
                dir: "",
                output,
            };
            // Its problems were reported once, at the snippet.
            let (sdoc, _) = markdown::render(&snippet.markdown, &src, links);
            doc.html.replace_range(i..i + line.len(), &sdoc.html);
            doc.words = doc.words.saturating_sub(3) + sdoc.words;
            doc.media.extend(sdoc.media);
            doc.media.sort();
            doc.media.dedup();
            if !doc.snippets.contains(&name) {
                doc.snippets.push(name);
            }
        }
    }

    /// Warns of snippets that no document includes.
    pub(super) fn warn_unused(&self, used: &[&str], file: &std::path::Path, d: &mut Diagnostics) {
        for (name, s) in &self.list {
            if !used.contains(&name.as_str()) {
                d.push(
                    Diagnostic::new(W0721, "unused")
                        .arg("name", name)
                        .in_file(file)
                        .at_opt(s.location.clone()),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_include_is_a_line_of_its_own() {
        let body = "Text\n\n::: snippet kris\n\n  :::  snippet   ett-namn  \nx ::: snippet nej\n::: snippetnej\n::: snippet två namn\n";
        let found: Vec<_> = includes(body)
            .into_iter()
            .map(|(n, r)| (n, body[r].to_string()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("kris".to_string(), "::: snippet kris".to_string()),
                (
                    "ett-namn".to_string(),
                    "  :::  snippet   ett-namn".to_string()
                ),
            ]
        );
    }
}
