//! Entry points for the fuzz targets in `fuzz/` (not a public API: hidden from the docs).
//!
//! They run the same code the compiler runs on one steg file, without a content folder, so a
//! fuzzer can feed arbitrary bytes straight in. Any input must give diagnostics, never a panic.

use super::Parsed;
use crate::front::StegFront;
use crate::markdown::{self, Links, Source};
use crate::source::frontmatter;
use std::collections::HashMap;
use std::path::Path;
use steg_bundle::diagnostic::Diagnostics;

const FILE: &str = "content/m/01-a/01-b/01-c.md";

/// Splits `text` into front matter and body, parses the front matter as a steg's, builds its
/// form when it has questions, and renders the Markdown body. Returns the diagnostics.
pub fn steg_file(text: &str) -> Diagnostics {
    let file = Path::new(FILE);
    let mut d = Diagnostics::new();
    let split = match frontmatter::split(text, file) {
        Ok(s) => s,
        Err(e) => {
            d.push(e);
            return d;
        }
    };
    let front: StegFront = match frontmatter::parse(&split, file) {
        Ok(f) => f,
        Err(e) => {
            d.push(e);
            render_body(text, split.body, split.body_offset, &mut d);
            return d;
        }
    };
    let (yaml_offset, body_offset) = (split.yaml_offset, split.body_offset);
    let body = split.body.to_string();
    let parsed = Parsed {
        file: file.to_path_buf(),
        dir: "01-a/01-b".to_string(),
        text: text.to_string(),
        yaml_offset,
        body_offset,
        front,
    };
    if let Some(questions) = &parsed.front.questions {
        let _ = super::form::build(&parsed, questions, &mut d);
    }
    render_body(text, &body, body_offset, &mut d);
    d
}

/// Parses `yaml` as a form's `questions:` list (the YAML of one steg's questions) and builds
/// the form, as the compiler does.
pub fn form_questions(yaml: &str) -> Diagnostics {
    let text = format!("---\ntitle: Fuzz\ntype: form\nquestions:\n{yaml}\n---\n");
    let file = Path::new(FILE);
    let mut d = Diagnostics::new();
    let Ok(split) = frontmatter::split(&text, file) else {
        return d;
    };
    // The steg's other fields are fixed and valid, so only the questions can fail to parse.
    let front: StegFront = match frontmatter::parse(&split, file) {
        Ok(f) => f,
        Err(e) => {
            d.push(e);
            return d;
        }
    };
    let parsed = Parsed {
        file: file.to_path_buf(),
        dir: "01-a/01-b".to_string(),
        text: text.clone(),
        yaml_offset: split.yaml_offset,
        body_offset: split.body_offset,
        front,
    };
    if let Some(questions) = &parsed.front.questions {
        let _ = super::form::build(&parsed, questions, &mut d);
    }
    d
}

fn render_body(text: &str, body: &str, body_offset: usize, d: &mut Diagnostics) {
    let documents = HashMap::new();
    let media = HashMap::new();
    let src = Source {
        file: Path::new(FILE),
        text,
        body_offset,
        dir: "01-a/01-b",
        output: "steg/a/b/c.html",
    };
    let (_, problems) = markdown::render(
        body,
        &src,
        &Links {
            documents: &documents,
            media: &media,
            iframe_hosts: &["www.youtube-nocookie.com".to_string()],
        },
    );
    d.extend(problems);
}
