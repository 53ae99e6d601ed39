//! Markdown to HTML fragments, with links between steps and to media checked and rewritten.
//!
//! A link in the source names a file as the editor sees it (`../02-x/03-y.md`, `bild.png`);
//! in the output it must name the rendered document or the hashed media file, relative to the
//! fragment's own place in the bundle. Raw HTML is allowed but sanitized.

pub mod readability;

use crate::model::Document;
use crate::source::{PathProblem, resolve_path};
use pulldown_cmark::{CowStr, Event, Options, Parser, Tag};
use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;
use steg_bundle::diagnostic::{Diagnostic, Location, codes::*};
use steg_bundle::layout;

/// What a document's links may point at.
pub struct Links<'a> {
    /// Markdown files of the moment (rel path) → the bundle path of their rendered document.
    pub documents: &'a HashMap<String, String>,
    /// Other files of the moment (rel path) → their bundle path.
    pub media: &'a HashMap<String, String>,
    /// Hosts raw HTML may embed in an `<iframe>` (`checks: allowed_iframe_hosts:` in
    /// moment.md). Empty: no iframe at all.
    pub iframe_hosts: &'a [String],
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
    let mut counter = readability::Counter::default();
    let mut headings = Vec::new();
    let mut raw_html = false;
    let mut depth = HtmlDepth::default();
    let mut rewriter = Rewriter {
        src,
        links,
        problems: Vec::new(),
        media: Vec::new(),
    };
    let mut events = Vec::new();
    for (event, range) in Parser::new_ext(body, options()).into_offset_iter() {
        counter.event(&event);
        if let Event::Start(Tag::Heading { level, .. }) = &event {
            headings.push((*level as usize, range.clone()));
        }
        if let Event::Html(h) | Event::InlineHtml(h) = &event {
            raw_html = true;
            depth.feed(h, range.start);
        }
        events.push(rewriter.event(event, &range));
    }
    let Rewriter {
        mut problems,
        mut media,
        ..
    } = rewriter;
    let mut html = String::with_capacity(body.len() * 3 / 2);
    if let Some(at) = depth.too_deep {
        // Refused before sanitizing: the sanitizer's time grows with the square of the
        // depth (180,000 nested tags take minutes). The document is an error; its HTML is
        // the text itself, escaped, so nothing of it is active and it is not reported empty.
        html.push_str("<pre>");
        for c in body.chars() {
            match c {
                '<' => html.push_str("&lt;"),
                '>' => html.push_str("&gt;"),
                '&' => html.push_str("&amp;"),
                '"' => html.push_str("&quot;"),
                c => html.push(c),
            }
        }
        html.push_str("</pre>");
        problems.push(
            Diagnostic::new(E0607, "deep")
                .arg("max", MAX_HTML_DEPTH)
                .in_file(src.file)
                .at(Location::at_byte(src.text, src.body_offset + at)),
        );
    } else {
        pulldown_cmark::html::push_html(&mut html, events.into_iter());
        if raw_html {
            html = sanitize(&html, src, links, &mut problems);
        }
    }
    media.sort();
    media.dedup();
    let words = counter.plain_words;
    let lix = counter.finish();
    (
        Document {
            html,
            words,
            lix,
            headings,
            media,
            snippets: Vec::new(),
        },
        problems,
    )
}

/// Raw HTML nested deeper than this is refused. Real text nests a few levels (a table in a
/// `<details>`, a list in a cell); a hundred is far beyond it.
pub const MAX_HTML_DEPTH: usize = 100;

/// Elements that have no end tag, or whose end tag may be left out (a list of `<li>` without
/// `</li>` is not nested): they do not count towards the depth.
const FLAT_ELEMENTS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr", "p", "li", "dt", "dd", "tr", "td", "th", "option", "optgroup", "thead", "tbody",
    "tfoot", "colgroup", "rb", "rt", "rp",
];

/// Follows how deep the raw HTML of a document nests, over all its HTML pieces, in one
/// pass over their text: opening tags add one, closing tags take one away.
#[derive(Default)]
struct HtmlDepth {
    depth: usize,
    /// The byte offset (in the body) of the first tag past [`MAX_HTML_DEPTH`].
    too_deep: Option<usize>,
}

impl HtmlDepth {
    /// `html` is one raw HTML piece of the body, starting at byte `start` of the body.
    fn feed(&mut self, html: &str, start: usize) {
        let b = html.as_bytes();
        let mut i = 0;
        while self.too_deep.is_none() {
            let Some(lt) = html[i..].find('<').map(|p| i + p) else {
                return;
            };
            i = lt + 1;
            if html[i..].starts_with("!--") {
                match html[i..].find("-->") {
                    Some(end) => i += end + 3,
                    None => return,
                }
                continue;
            }
            let close = b.get(i) == Some(&b'/');
            let name_start = i + usize::from(close);
            let name_len = b[name_start..]
                .iter()
                .take_while(|c| c.is_ascii_alphanumeric())
                .count();
            if name_len == 0 {
                continue;
            }
            let name_end = name_start + name_len;
            // Jump to the tag's end, so that the text is read once however it is written.
            let Some(gt) = html[name_end..].find('>').map(|p| name_end + p) else {
                return;
            };
            i = gt + 1;
            let name = html[name_start..name_end].to_ascii_lowercase();
            if FLAT_ELEMENTS.contains(&name.as_str()) {
                continue;
            }
            if close {
                self.depth = self.depth.saturating_sub(1);
            } else if !html[..gt].ends_with('/') {
                self.depth += 1;
                if self.depth > MAX_HTML_DEPTH {
                    self.too_deep = Some((start + lt).min(start + html.len()));
                }
            }
        }
    }
}

/// Only documents with raw HTML pay for sanitizing: Markdown alone cannot produce script,
/// and its links and images went through [`Rewriter`], which refuses schemes outside
/// `URL_SCHEMES`. Reports every iframe the sanitizer refused.
fn sanitize(
    html: &str,
    src: &Source<'_>,
    links: &Links<'_>,
    problems: &mut Vec<Diagnostic>,
) -> String {
    let refused = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let html = sanitizer(links.iframe_hosts, refused.clone())
        .clean(html)
        .to_string();
    let refused = refused.lock().map(|r| r.clone()).unwrap_or_default();
    for src_url in refused {
        problems.push(
            Diagnostic::new(
                E0606,
                if links.iframe_hosts.is_empty() {
                    "iframe-off"
                } else {
                    "iframe"
                },
            )
            .arg("url", &src_url)
            .arg("hosts", links.iframe_hosts.join(", "))
            .in_file(src.file)
            .at(Location::at_byte(src.text, src.body_offset)),
        );
    }
    html
}

/// The Markdown extensions steg renders with (and counts with).
pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_FOOTNOTES
}

/// The address schemes, elements and attributes raw HTML may use: the loader's own lists, so
/// that what a build lets through is exactly what a platform's loader accepts. No script,
/// style, form, object, embed or svg; `iframe` only with `allowed_iframe_hosts` (its `src` is
/// filtered below); no `on*` handler, no `style`, no `id` (which could clobber the platform's
/// own page elements).
pub use steg_bundle::html::{ALLOWED_GENERIC_ATTRIBUTES, ALLOWED_TAGS, URL_SCHEMES};

/// Attributes allowed on particular elements (the loader's list also has what the sanitizer
/// below adds itself: `rel` on links, `sandbox` and `referrerpolicy` on iframes).
pub const ALLOWED_TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "hreflang"]),
    ("img", &["src", "alt", "width", "height"]),
    ("ol", &["start", "reversed"]),
    ("td", &["colspan", "rowspan"]),
    ("th", &["colspan", "rowspan", "scope"]),
    ("time", &["datetime"]),
    ("details", &["open"]),
    (
        "iframe",
        &[
            "src",
            "width",
            "height",
            "allow",
            "allowfullscreen",
            "loading",
        ],
    ),
];

/// An explicit allow-list sanitizer. `iframe_hosts` are the hosts an `<iframe src>` may point
/// at (https only); the `src` of any other iframe is dropped and recorded in `refused`.
fn sanitizer(
    iframe_hosts: &[String],
    refused: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) -> ammonia::Builder<'static> {
    let mut b = ammonia::Builder::empty();
    let tags: std::collections::HashSet<&'static str> = ALLOWED_TAGS.iter().copied().collect();
    // The elements whose content is dropped with them, not kept as text.
    b.clean_content_tags(["script", "style", "template"].into_iter().collect());
    b.generic_attributes(ALLOWED_GENERIC_ATTRIBUTES.iter().copied().collect());
    let mut per_tag = std::collections::HashMap::new();
    for (tag, attrs) in ALLOWED_TAG_ATTRIBUTES {
        per_tag.insert(*tag, attrs.iter().copied().collect());
    }
    // Iframes are in the tag list always, so that a refused one is reported; its `src` is
    // what the filter below allows or drops, and an error stops the build anyway.
    b.tags(tags);
    b.tag_attributes(per_tag);
    b.set_tag_attribute_value(
        "iframe",
        "sandbox",
        "allow-scripts allow-same-origin allow-presentation",
    );
    b.set_tag_attribute_value("iframe", "referrerpolicy", "no-referrer");
    b.url_schemes(URL_SCHEMES.into_iter().collect());
    b.link_rel(Some("noopener noreferrer"));
    let hosts: Vec<String> = iframe_hosts
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    b.attribute_filter(move |element, attribute, value| {
        if element == "iframe" && attribute == "src" {
            if iframe_host(value).is_some_and(|h| hosts.contains(&h)) {
                return Some(value.into());
            }
            if let Ok(mut r) = refused.lock() {
                r.push(value.chars().take(200).collect());
            }
            return None;
        }
        Some(value.into())
    });
    b
}

/// The host of an `https://` address, lower-cased; `None` for anything else (http, relative
/// addresses, user names in the address, which could disguise the real host).
pub fn iframe_host(url: &str) -> Option<String> {
    let rest = url.trim().strip_prefix("https://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    if authority.is_empty() || authority.contains(['@', '\\', ' ']) {
        return None;
    }
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
        _ => authority,
    };
    Some(host.to_ascii_lowercase())
}

/// Counts words as runs of letters or digits.
pub fn count_words(text: &str) -> usize {
    use readability::is_alphanumeric;
    text.split(|c: char| !is_alphanumeric(c) && c != '-' && c != '\'')
        .filter(|w| w.chars().any(is_alphanumeric))
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

/// Rewrites the links and images of one document, collecting its problems and the media
/// files it embeds.
struct Rewriter<'s> {
    src: &'s Source<'s>,
    links: &'s Links<'s>,
    problems: Vec<Diagnostic>,
    media: Vec<String>,
}

impl Rewriter<'_> {
    /// The event with its link or image rewritten; raw HTML as a block; others as they are.
    fn event<'e>(&mut self, event: Event<'e>, range: &Range<usize>) -> Event<'e> {
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Link {
                link_type,
                dest_url: self.rewrite(dest_url, false, range),
                title,
                id,
            }),
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => Event::Start(Tag::Image {
                link_type,
                dest_url: self.rewrite(dest_url, true, range),
                title,
                id,
            }),
            Event::Html(h) | Event::InlineHtml(h) => Event::Html(h),
            other => other,
        }
    }

    /// Where in the file the link at `range` (in the body) is written.
    fn at(&self, range: &Range<usize>) -> Location {
        let offset = self.src.body_offset;
        Location::of_range(self.src.text, offset + range.start..offset + range.end)
    }

    fn rewrite<'e>(&mut self, url: CowStr<'e>, image: bool, range: &Range<usize>) -> CowStr<'e> {
        if url.is_empty() {
            return url;
        }
        if is_external(&url) {
            return self.external(url, image, range);
        }
        let (path, fragment) = match url.find('#') {
            Some(i) => (&url[..i], &url[i..]),
            None => (&url[..], ""),
        };
        let decoded = percent_decode(path);
        let rel = match resolve_path(self.src.dir, &decoded) {
            Ok(rel) => rel,
            Err(PathProblem::LeavesMoment) => {
                let d = Diagnostic::new(E0602, "link").arg("url", &url);
                self.problems
                    .push(d.in_file(self.src.file).at(self.at(range)));
                return url;
            }
        };
        let document = if image {
            None
        } else {
            self.links.documents.get(&rel)
        };
        let target = document.or_else(|| {
            let file = self.links.media.get(&rel);
            self.media.extend(file.cloned());
            file
        });
        if let Some(target) = target {
            let to = layout::relative(self.src.output, target);
            return CowStr::from(format!("{to}{fragment}"));
        }
        let code = if !image && rel.to_ascii_lowercase().ends_with(".md") {
            E0603
        } else {
            E0601
        };
        self.problems.push(
            Diagnostic::new(code, "link")
                .arg("url", &url)
                .arg("path", &rel)
                .in_file(self.src.file)
                .at(self.at(range)),
        );
        url
    }

    /// A link out of the moment: kept if its scheme is allowed, else reported and made `#`.
    fn external<'e>(&mut self, url: CowStr<'e>, image: bool, range: &Range<usize>) -> CowStr<'e> {
        let scheme = url.split_once(':').map(|(s, _)| s.to_ascii_lowercase());
        let allowed = url.starts_with('#')
            || url.starts_with("//")
            || scheme.as_deref().is_some_and(|s| URL_SCHEMES.contains(&s));
        if allowed {
            return url;
        }
        let shown: String = url.chars().take(60).collect();
        self.problems.push(
            Diagnostic::new(E0605, if image { "image" } else { "link" })
                .arg("url", shown)
                .arg("scheme", scheme.unwrap_or_default())
                .arg("schemes", URL_SCHEMES.join(":, "))
                .in_file(self.src.file)
                .at(self.at(range)),
        );
        CowStr::from("#")
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
        // Hex digits are read as bytes: slicing the `str` after a `%` could cut a multi-byte
        // character in two (found by the `steg_file` fuzz target).
        if bytes[i] == b'%'
            && let (Some(hi), Some(lo)) = (
                bytes.get(i + 1).and_then(|b| (*b as char).to_digit(16)),
                bytes.get(i + 2).and_then(|b| (*b as char).to_digit(16)),
            )
        {
            out.push((hi * 16 + lo) as u8);
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
                iframe_hosts: &["www.youtube-nocookie.com".to_string()],
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
    fn the_allow_list_is_explicit() {
        let hostile = [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "<a href=\"javascript:alert(1)\">a</a>",
            "<a href=\"JaVaScRiPt:alert(1)\">a</a>",
            "<a href=\"data:text/html,<script>alert(1)</script>\">a</a>",
            "<svg><script>alert(1)</script></svg>",
            "<style>*{}</style>",
            "<object data=x></object><embed src=x>",
            "<form action=x><input name=p></form>",
            "<p style=\"background:url(x)\" id=\"app\">x</p>",
            "<math><mtext><script>alert(1)</script></mtext></math>",
            "<iframe src=\"javascript:alert(1)\"></iframe>",
            "<iframe src=\"https://evil.example/\"></iframe>",
            "<iframe src=\"https://www.youtube-nocookie.com@evil.example/\"></iframe>",
        ];
        for h in hostile {
            let (doc, _) = render_with(&format!("Text {h}"));
            let lower = doc.html.to_ascii_lowercase();
            for bad in [
                "<script",
                "onerror",
                "javascript:",
                "data:",
                "<svg",
                "<style",
                "<object",
                "<embed",
                "<form",
                "<input",
                "style=",
                "id=",
                "evil.example",
                "<math",
            ] {
                assert!(!lower.contains(bad), "{h} gave {}", doc.html);
            }
        }
        // An iframe from an allowed host stays, sandboxed.
        let (doc, problems) = render_with(
            "Film <iframe src=\"https://www.youtube-nocookie.com/embed/x\" title=\"Film\"></iframe>",
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert!(
            doc.html
                .contains("src=\"https://www.youtube-nocookie.com/embed/x\""),
            "{}",
            doc.html
        );
        assert!(doc.html.contains("sandbox="), "{}", doc.html);
        // One from another host is reported.
        let (_, problems) = render_with("<iframe src=\"https://evil.example/\"></iframe>");
        assert_eq!(
            problems.iter().map(|d| d.code).collect::<Vec<_>>(),
            ["E0606"]
        );
    }

    #[test]
    fn refuses_script_schemes_in_markdown_links() {
        let (doc, problems) = render_with(
            "[a](javascript:alert(1)) ![b](data:image/svg+xml,x) <vbscript:x> [ok](https://1177.se) [m](mailto:a@b.se)",
        );
        let codes: Vec<_> = problems.iter().map(|d| d.code).collect();
        assert_eq!(codes, ["E0605", "E0605", "E0605"], "{problems:?}");
        assert!(!doc.html.contains("javascript:"), "{}", doc.html);
        assert!(!doc.html.contains("data:"), "{}", doc.html);
        assert!(doc.html.contains("https://1177.se"));
    }

    #[test]
    fn percent_decoding_never_splits_a_character() {
        // Found by fuzzing: `%` followed by a multi-byte character.
        assert_eq!(percent_decode("a%ö.png"), "a%ö.png");
        assert_eq!(percent_decode("%é"), "%é");
        assert_eq!(percent_decode("a%20b%C3%B6"), "a bö");
        assert_eq!(percent_decode("trailing%2"), "trailing%2");
        let (_, problems) = render_with("[film](01-filmm%\u{fffd}d)");
        assert!(problems.iter().all(|d| d.code == "E0601"), "{problems:?}");
    }

    #[test]
    fn iframe_hosts_are_parsed_strictly() {
        assert_eq!(
            iframe_host("https://Www.X.se:443/a").as_deref(),
            Some("www.x.se")
        );
        assert_eq!(iframe_host("http://www.x.se/"), None);
        assert_eq!(iframe_host("https://a@www.x.se/"), None);
        assert_eq!(iframe_host("//www.x.se/"), None);
    }

    #[test]
    fn counts_words() {
        assert_eq!(count_words("Hej du, så här gör vi 2026!"), 7);
    }

    #[test]
    fn raw_html_nested_past_the_limit_is_e0607_and_never_sanitized() {
        let deep = |n: usize| format!("Text.\n\n{}{}", "<div>".repeat(n), "</div>".repeat(n));
        let (doc, problems) = render_with(&deep(MAX_HTML_DEPTH));
        assert!(problems.is_empty(), "{problems:?}");
        assert!(doc.html.contains("<div>"), "{}", doc.html);
        let (doc, problems) = render_with(&deep(MAX_HTML_DEPTH + 1));
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].code, "E0607");
        assert!(!doc.html.contains("<div>"), "{}", doc.html);
        // Tags without end tags, comments and self-closing tags do not nest.
        let flat = format!(
            "<ul>{}</ul>\n\n{}<br/>{}",
            "<li>punkt".repeat(500),
            "<!-- <div> -->".repeat(500),
            "<span/>".repeat(500)
        );
        let (_, problems) = render_with(&flat);
        assert!(problems.is_empty(), "{problems:?}");
        // 180,000 levels: refused at once, not sanitized for minutes.
        let start = std::time::Instant::now();
        let (_, problems) = render_with(&"<div>".repeat(180_000));
        assert_eq!(problems[0].code, "E0607");
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }
}
