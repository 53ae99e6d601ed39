//! Markdown to HTML fragments, with links between steps and to media checked and rewritten.
//!
//! A link in the source names a file as the editor sees it (`../02-x/03-y.md`, `bild.png`);
//! in the output it must name the rendered document or the hashed media file, relative to the
//! fragment's own place in the bundle. Raw HTML is allowed but sanitized.

pub mod readability;

use crate::diagnostic::{Diagnostic, Location, codes::*};
use crate::model::{Document, layout};
use crate::source::{PathProblem, resolve_path};
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};
use std::collections::HashMap;
use std::path::Path;

/// What a document's links may point at.
pub struct Links<'a> {
    /// Markdown files of the moment (rel path) → the bundle path of their rendered document.
    pub documents: &'a HashMap<String, String>,
    /// Other files of the moment (rel path) → their bundle path.
    pub media: &'a HashMap<String, String>,
}

/// Where the Markdown comes from and where its HTML goes.
pub struct Source<'a> {
    pub file: &'a Path,
    /// The whole file's text, and where the body starts in it (for diagnostics).
    pub text: &'a str,
    pub body_offset: usize,
    /// The folder of the file, relative to the moment (`""` at the moment's root).
    pub dir: &'a str,
    /// The bundle path of the rendered fragment.
    pub output: &'a str,
}

/// Renders `body` and reports links that point nowhere.
pub fn render(body: &str, src: &Source<'_>, links: &Links<'_>) -> (Document, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let mut words = 0;
    let mut raw_html = false;
    let mut media = Vec::new();
    let mut events = Vec::new();
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        let event = match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = rewrite(
                    dest_url,
                    false,
                    src,
                    links,
                    &range,
                    &mut problems,
                    &mut media,
                );
                Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = rewrite(
                    dest_url,
                    true,
                    src,
                    links,
                    &range,
                    &mut problems,
                    &mut media,
                );
                Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                })
            }
            Event::Text(t) => {
                words += count_words(&t);
                Event::Text(t)
            }
            Event::Html(h) | Event::InlineHtml(h) => {
                raw_html = true;
                Event::Html(h)
            }
            other => other,
        };
        events.push(event);
    }
    let mut html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    if raw_html {
        // Only documents with raw HTML pay for sanitizing; Markdown alone cannot produce script.
        html = sanitizer().clean(&html).to_string();
    }
    media.sort();
    media.dedup();
    (Document { html, words, media }, problems)
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES
}

fn sanitizer() -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::default();
    b.url_schemes(["http", "https", "mailto", "tel"].into_iter().collect());
    b.link_rel(Some("noopener noreferrer"));
    b
}

/// Counts words as runs of letters or digits.
pub fn count_words(text: &str) -> usize {
    text.split(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'')
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}

fn is_external(url: &str) -> bool {
    url.starts_with('#')
        || url.starts_with("//")
        || url.split_once(':').is_some_and(|(scheme, _)| {
            !scheme.is_empty()
                && !scheme.contains('/')
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
        })
}

fn rewrite<'e>(
    url: CowStr<'e>,
    image: bool,
    src: &Source<'_>,
    links: &Links<'_>,
    range: &std::ops::Range<usize>,
    problems: &mut Vec<Diagnostic>,
    media: &mut Vec<String>,
) -> CowStr<'e> {
    if url.is_empty() || is_external(&url) {
        return url;
    }
    let (path, fragment) = match url.find('#') {
        Some(i) => (&url[..i], &url[i..]),
        None => (&url[..], ""),
    };
    let decoded = percent_decode(path);
    let at = || {
        Location::of_range(
            src.text,
            src.body_offset + range.start..src.body_offset + range.end,
        )
    };
    let rel = match resolve_path(src.dir, &decoded) {
        Ok(rel) => rel,
        Err(PathProblem::LeavesMoment) => {
            problems.push(
                Diagnostic::new(
                    E0602,
                    format!("the link `{url}` leads out of the program's folder"),
                )
                .in_file(src.file)
                .at(at())
                .hint("link only to steg and files inside the program's folder"),
            );
            return url;
        }
    };
    let document = if image {
        None
    } else {
        links.documents.get(&rel)
    };
    let target = document.or_else(|| {
        let file = links.media.get(&rel);
        media.extend(file.cloned());
        file
    });
    match target {
        Some(target) => CowStr::from(format!(
            "{}{fragment}",
            layout::relative(src.output, target)
        )),
        None => {
            let (code, what, hint) = if !image && rel.to_ascii_lowercase().ends_with(".md") {
                (
                    E0603,
                    "steg",
                    "check the file name and its folder; a link to another steg is the path of its .md file, e.g. `../02-vanor/01-intro.md`",
                )
            } else {
                (
                    E0601,
                    "file",
                    "check the spelling and the folder; paths are relative to this file, or start with `/` for the program's folder",
                )
            };
            problems.push(
                Diagnostic::new(
                    code,
                    format!("the link `{url}` points to a {what} that does not exist (`{rel}`)"),
                )
                .in_file(src.file)
                .at(at())
                .hint(hint),
            );
            url
        }
    }
}

/// Decodes `%XX` escapes in a URL path; invalid UTF-8 leaves the text as it was.
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render_with(body: &str) -> (Document, Vec<Diagnostic>) {
        let mut documents = HashMap::new();
        documents.insert(
            "01-m/01-a/02-b.md".to_string(),
            "steg/m/a/b.html".to_string(),
        );
        let mut media = HashMap::new();
        media.insert("media/x.png".to_string(), "media/x-0123.png".to_string());
        let src = Source {
            file: Path::new("f.md"),
            text: body,
            body_offset: 0,
            dir: "01-m/01-a",
            output: "steg/m/a/a.html",
        };
        render(
            body,
            &src,
            &Links {
                documents: &documents,
                media: &media,
            },
        )
    }

    #[test]
    fn rewrites_links_and_images() {
        let (doc, problems) = render_with("[b](02-b.md#x) ![bild](/media/x.png) [w](https://e.se)");
        assert!(problems.is_empty(), "{problems:?}");
        assert!(
            doc.html.contains(r#"href="../../../steg/m/a/b.html#x""#),
            "{}",
            doc.html
        );
        assert!(
            doc.html.contains(r#"src="../../../media/x-0123.png""#),
            "{}",
            doc.html
        );
        assert!(doc.html.contains(r#"href="https://e.se""#));
    }

    #[test]
    fn reports_broken_links() {
        let (_, problems) =
            render_with("text\n\n[c](03-c.md) ![x](nope.png) [u](../../../../x.md)");
        let codes: Vec<_> = problems.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E0603", "E0601", "E0602"]);
        assert_eq!(problems[0].location.as_ref().unwrap().line, 3);
    }

    #[test]
    fn sanitizes_raw_html() {
        let (doc, _) = render_with("Hej <script>alert(1)</script> <b onclick=\"x()\">du</b>");
        assert!(!doc.html.contains("script"), "{}", doc.html);
        assert!(!doc.html.contains("onclick"), "{}", doc.html);
        assert!(doc.html.contains("<b>du</b>"));
    }

    #[test]
    fn counts_words() {
        assert_eq!(count_words("Hej du, så här gör vi 2026!"), 7);
    }
}
