//! HTML fragments checked again at load against the allow-list the compiler sanitizes with
//! (defence in depth: an unsigned bundle may have been edited after the build).
//!
//! A careful scan, not a parser: the compiler's sanitizer (ammonia, html5ever) writes
//! serialized, normalized HTML, so a fragment from `steg build` is plain tags with quoted
//! attributes, and anything unusual (a comment, a doctype, an unquoted `<`-trick, an entity
//! in a URL scheme) is refused rather than interpreted. Refusing what a browser might read
//! differently is the point; a few lines of scan have no parser of their own to disagree with.

/// Elements a fragment may hold: the compiler's `ALLOWED_TAGS` and `iframe` (a test in
/// tests/testsuite checks the two lists agree).
pub const ALLOWED_TAGS: &[&str] = &[
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "caption",
    "cite",
    "code",
    "col",
    "colgroup",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "iframe",
    "img",
    "ins",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "samp",
    "small",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "u",
    "ul",
    "var",
];

/// Attributes allowed on every element.
pub const ALLOWED_GENERIC_ATTRIBUTES: &[&str] = &["lang", "title", "dir"];

/// Attributes allowed on particular elements: the compiler's list, and what its sanitizer
/// adds itself (`rel` on links, `sandbox` and `referrerpolicy` on iframes).
pub const ALLOWED_TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "hreflang", "rel"]),
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
            "sandbox",
            "referrerpolicy",
        ],
    ),
];

/// What the compiler's Markdown renderer (pulldown-cmark, with tables, strikethrough and
/// footnotes) writes itself, outside the sanitizer, which only sees raw HTML: `class` on
/// footnote marks and code blocks, `id` on footnote definitions, and table cell alignment.
pub const RENDERER_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("sup", &["class"]),
    ("div", &["class", "id"]),
    ("code", &["class"]),
    ("th", &["style"]),
    ("td", &["style"]),
];

/// The only `style` values allowed: the renderer's table cell alignment.
pub const ALLOWED_STYLES: [&str; 3] = [
    "text-align: left",
    "text-align: center",
    "text-align: right",
];

/// The schemes a URL attribute may use; a relative address has none.
pub const URL_SCHEMES: [&str; 4] = ["http", "https", "mailto", "tel"];

/// The attributes that hold an address.
const URL_ATTRIBUTES: [&str; 2] = ["href", "src"];

/// Why a fragment was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not UTF-8.
    Utf8,
    /// A control or bidi character in the text.
    Control(char),
    /// An element not on the allow-list (`script`, `style`, `svg`, ...).
    Tag(String),
    /// An event handler (`onclick`, `onerror`, ...).
    Handler(String),
    /// Another attribute not on the allow-list for its element.
    Attribute(String, String),
    /// A URL whose scheme is not allowed (`javascript:`, `data:`, ...) or cannot be read
    /// plainly (an entity or control character before its `:`).
    Url(String),
    /// Markup a sanitized fragment never has: a comment, doctype, processing instruction or
    /// an unfinished tag.
    Markup(String),
}

impl Problem {
    /// The catalogue key and the detail to show.
    pub fn parts(&self) -> (&'static str, String) {
        let clip =
            |s: &str| crate::text::escape(&s.chars().take(60).collect::<String>()).into_owned();
        match self {
            Problem::Utf8 => ("markup", "it is not UTF-8".into()),
            Problem::Control(c) => ("control", format!("U+{:04X}", u32::from(*c))),
            Problem::Tag(t) => ("tag", clip(t)),
            Problem::Handler(a) => ("handler", clip(a)),
            Problem::Attribute(t, a) => ("attribute", format!("{} on <{}>", clip(a), clip(t))),
            Problem::Url(u) => ("url", clip(u)),
            Problem::Markup(m) => ("markup", clip(m)),
        }
    }
}

/// Checks one fragment; the first problem found.
pub fn check_fragment(bytes: &[u8]) -> Result<(), Problem> {
    let text = std::str::from_utf8(bytes).map_err(|_| Problem::Utf8)?;
    if let Some(c) = text
        .chars()
        .find(|&c| c != '\r' && crate::text::is_forbidden(c, true))
    {
        return Err(Problem::Control(c));
    }
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(off) = text[i..].find('<') {
        i += off;
        let next = b.get(i + 1).copied();
        match next {
            Some(c) if c.is_ascii_alphabetic() => i = tag(text, i + 1, false)?,
            Some(b'/') if b.get(i + 2).is_some_and(u8::is_ascii_alphabetic) => {
                i = tag(text, i + 2, true)?;
            }
            Some(b'!' | b'?' | b'/') => {
                return Err(Problem::Markup(text[i..].chars().take(12).collect()));
            }
            // `<` before a space or digit is text to every HTML parser.
            _ => i += 1,
        }
    }
    Ok(())
}

/// Scans the tag whose name starts at `start`; returns the index after its `>`.
fn tag(text: &str, start: usize, closing: bool) -> Result<usize, Problem> {
    let b = text.as_bytes();
    let mut i = start;
    while i < b.len() && b[i].is_ascii_alphanumeric() {
        i += 1;
    }
    let name = text[start..i].to_ascii_lowercase();
    if !ALLOWED_TAGS.contains(&name.as_str()) {
        return Err(Problem::Tag(name));
    }
    let unfinished = || {
        Problem::Markup(format!(
            "<{}",
            &text[start..].chars().take(20).collect::<String>()
        ))
    };
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        match b.get(i) {
            None => return Err(unfinished()),
            Some(b'>') => return Ok(i + 1),
            Some(b'/') if b.get(i + 1) == Some(&b'>') => return Ok(i + 2),
            Some(_) if closing => return Err(unfinished()),
            Some(_) => {}
        }
        let name_start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let attr = text[name_start..i].to_ascii_lowercase();
        if attr.is_empty() {
            return Err(unfinished());
        }
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if b.get(i) == Some(&b'=') {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            // Sanitized HTML always quotes attribute values with double quotes.
            if b.get(i) != Some(&b'"') {
                return Err(unfinished());
            }
            let end = text[i + 1..].find('"').ok_or_else(unfinished)? + i + 1;
            value = text[i + 1..end].to_string();
            i = end + 1;
        }
        if attr.starts_with("on") {
            return Err(Problem::Handler(attr));
        }
        let listed = |list: &[(&str, &[&str])]| {
            list.iter()
                .any(|(t, attrs)| *t == name && attrs.contains(&attr.as_str()))
        };
        let allowed = ALLOWED_GENERIC_ATTRIBUTES.contains(&attr.as_str())
            || listed(ALLOWED_TAG_ATTRIBUTES)
            || listed(RENDERER_ATTRIBUTES);
        if !allowed || (attr == "style" && !ALLOWED_STYLES.contains(&value.as_str())) {
            return Err(Problem::Attribute(name, attr));
        }
        if URL_ATTRIBUTES.contains(&attr.as_str()) && !url_allowed(&value) {
            return Err(Problem::Url(value));
        }
    }
}

/// A relative address, or one whose scheme is on [`URL_SCHEMES`]. Whatever stands before the
/// first `/`, `?` or `#` must be plain: an entity (`&#106;avascript:`) or a control or space
/// character there is refused, not decoded, since browsers strip and decode more than a
/// simple reader would.
fn url_allowed(value: &str) -> bool {
    let head_end = value.find(['/', '?', '#']).unwrap_or(value.len());
    let head = &value[..head_end];
    if head.contains(['&', '\\']) || head.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    match head.split_once(':') {
        None => true,
        Some((scheme, _)) => URL_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(s: &str) -> bool {
        check_fragment(s.as_bytes()).is_ok()
    }

    #[test]
    fn sanitized_html_passes() {
        assert!(ok(
            "<h2>Sömn</h2>\n<p>Text med <strong>fet</strong> och <a href=\"../../steg/a/b/c.html\">länk</a>.</p>"
        ));
        assert!(ok(
            "<p><a href=\"https://umo.se/x?a=1&amp;b=2\" rel=\"noopener noreferrer\">UMO</a> 1 &lt; 2</p>"
        ));
        assert!(ok(
            "<p>a<br>b<br/>c</p><img src=\"../media/a.png\" alt=\"En bild\">"
        ));
        assert!(ok("<p>3 < 4 och 5 <6</p>"));
        // What the Markdown renderer writes itself: footnotes, code languages, alignment.
        assert!(ok(
            "<p>Text<sup class=\"footnote-reference\"><a href=\"#1\">1</a></sup></p>\n<div class=\"footnote-definition\" id=\"1\"><sup class=\"footnote-definition-label\">1</sup>\n<p>fotnot</p>\n</div>"
        ));
        assert!(ok(
            "<pre><code class=\"language-text\">x</code></pre><table><thead><tr><th style=\"text-align: center\">a</th></tr></thead></table>"
        ));
        assert!(ok(""));
    }

    #[test]
    fn active_content_is_refused() {
        for bad in [
            "<script>alert(1)</script>",
            "<SCRIPT>alert(1)</SCRIPT>",
            "<svg onload=\"x\">",
            "<p onclick=\"alert(1)\">x</p>",
            "<img src=\"x\" onerror=\"alert(1)\">",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
            "<a href=\"&#106;avascript:alert(1)\">x</a>",
            "<a href=\" javascript:alert(1)\">x</a>",
            "<a href=\"java\tscript:alert(1)\">x</a>",
            "<img src=\"data:image/png;base64,AAAA\">",
            "<a href=javascript:alert(1)>x</a>",
            "<a href='javascript:alert(1)'>x</a>",
            "<p style=\"x\">x</p>",
            "<td style=\"background: url(x)\">x</td>",
            "<p class=\"x\">x</p>",
            "<!-- <script> -->",
            "<!doctype html>",
            "<p>\u{1b}]0;titel\u{7}</p>",
            "<p>\u{202e}lmth</p>",
            "<p",
            "</p x>",
        ] {
            assert!(!ok(bad), "{bad}");
        }
        assert!(check_fragment(b"\xff").is_err());
    }
}
