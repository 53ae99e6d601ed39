//! The review dossier (`<moment>/dossier.html` in the preview): every steg of a version in
//! order and in full, with address, content hash, review state and findings, to print and sign.

use crate::common::*;
use serde_json::Value;

#[test]
fn the_dossier_holds_every_steg_in_order_with_its_hash_and_review_state() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = build("content/plus-ung", &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(out.join("preview/plus-ung/dossier.html")).unwrap();
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(out.join("plus-ung/1.0.0/bundle.json")).unwrap())
            .unwrap();
    let mut from = 0;
    let mut steg = 0;
    for modul in manifest["moment"]["moduler"].as_array().unwrap() {
        for avsnitt in modul["avsnitt"].as_array().unwrap() {
            for s in avsnitt["steg"].as_array().unwrap() {
                // Each steg's section comes after the one before it and names its address,
                // its full content hash and its review state.
                let anchor = format!(
                    "id=\"steg-{}\"",
                    s["address"].as_str().unwrap().replace('/', "-")
                );
                let at = page[from..]
                    .find(&anchor)
                    .unwrap_or_else(|| panic!("{anchor} missing or out of order"))
                    + from;
                let end = page[at..].find("</section>").unwrap() + at;
                let section = &page[at..end];
                let address = format!("<code>{}</code>", s["address"].as_str().unwrap());
                assert!(section.contains(&address), "{section}");
                let hash = s["content_hash"].as_str().unwrap();
                assert!(section.contains(hash), "{anchor}: no hash");
                assert!(
                    section.contains("class=\"badge badge-"),
                    "{anchor}: no review state"
                );
                if s["type"] == "form" {
                    for q in s["questions"].as_array().unwrap() {
                        let label = q["label"].as_str().unwrap();
                        let escaped = label.replace('&', "&amp;").replace('"', "&quot;");
                        assert!(
                            section.contains(&escaped) || section.contains(label),
                            "{anchor}: question {label} missing"
                        );
                    }
                }
                from = end;
                steg += 1;
            }
        }
    }
    assert_eq!(steg, page.matches("class=\"dossier-steg\"").count());
    // Links between steg are made relative to the dossier (the browser test follows them).
    assert!(
        !page.contains("href=\"../../"),
        "a link still relative to a steg page"
    );
    assert!(
        page.contains("href=\"steg/"),
        "links to steg pages, from the dossier"
    );
    // The whole program's hash, for the signature at the end.
    assert!(page.contains("<h2>Godkännande</h2>"));
    let hash_line = page.split("<h2>Godkännande</h2>").nth(1).unwrap();
    assert!(
        hash_line.contains("version 1.0.0 med innehållshash"),
        "{hash_line}"
    );
    // The review page links to it; the stylesheet lays it out for paper.
    let review = std::fs::read_to_string(out.join("preview/plus-ung/granskning.html")).unwrap();
    assert!(review.contains("href=\"dossier.html\""));
    let css = std::fs::read_to_string(root().join("themes/default/static/style.css")).unwrap();
    let print = &css[css.find("@media print").expect("a print stylesheet")..];
    assert!(print.contains(".dossier-steg") && print.contains("break-inside: avoid"));
}

#[test]
fn the_dossier_shows_findings_and_full_texts() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let r = build(fixture("broken", "w0403-unused-field"), &out, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = std::fs::read_to_string(single_preview(&out, "dossier.html")).unwrap();
    assert!(
        page.contains("<code>W0403</code>"),
        "the finding is on the steg"
    );
    assert!(page.contains("Aldrig godkänd"), "never reviewed");
    assert!(
        page.contains("Välkommen till programmet."),
        "the welcome text in full"
    );
}

/// `<out>/preview/<moment>/<name>` of the one moment built into `out`.
fn single_preview(out: &std::path::Path, name: &str) -> std::path::PathBuf {
    let moment = single_bundle(out);
    let id = moment.parent().unwrap().file_name().unwrap();
    out.join("preview").join(id).join(name)
}
