//! Round trips: a generated program → `steg_compiler::build::build` → the loader (folder and archive)
//! → the same ids, titles, types and question ids as the sources said.

use proptest::prelude::*;
use std::fmt::Write as _;
use std::path::Path;
use steg_bundle::Bundle;
use steg_bundle::manifest::StegContent;

#[derive(Debug, Clone)]
enum Kind {
    Text,
    Form(Vec<String>),
}

#[derive(Debug, Clone)]
struct StegSpec {
    title: String,
    kind: Kind,
}

/// moduler → avsnitt → steg, with titles.
type Program = Vec<(String, Vec<(String, Vec<StegSpec>)>)>;

fn title() -> impl Strategy<Value = String> {
    // Letters (Swedish ones too), spaces and a few signs that YAML would misread unquoted.
    "[A-ZÅÄÖ][a-zåäö]{1,8}( [a-zåäö#:&*!]{1,8}){0,3}".prop_map(|s| s.trim().to_string())
}

fn steg_spec() -> impl Strategy<Value = StegSpec> {
    let kind = prop_oneof![
        Just(Kind::Text),
        proptest::collection::btree_set("[a-z]{1,6}", 1..4)
            .prop_map(|ids| Kind::Form(ids.into_iter().collect())),
    ];
    (title(), kind).prop_map(|(title, kind)| StegSpec { title, kind })
}

fn program() -> impl Strategy<Value = Program> {
    let avsnitt = (title(), proptest::collection::vec(steg_spec(), 1..4));
    let modul = (title(), proptest::collection::vec(avsnitt, 1..3));
    proptest::collection::vec(modul, 1..3)
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

fn write_program(dir: &Path, p: &Program) {
    let mut moment = String::from(
        "---\ntitle: Genererat\nversion: 1.0.0\nlanguage: sv\nduration_days: 30\naudience:\n  groups: [unga]\n  min_age: 12\n---\nVälkommen.\n",
    );
    moment.push('\n');
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("moment.md"), moment).unwrap();
    for (mi, (mtitle, avsnitt)) in p.iter().enumerate() {
        let mdir = dir.join(format!("{:02}-m{mi}", mi + 1));
        std::fs::create_dir_all(&mdir).unwrap();
        std::fs::write(
            mdir.join("modul.md"),
            format!("---\ntitle: {}\nsummary: Om {}\n---\n", quoted(mtitle), mi),
        )
        .unwrap();
        for (ai, (atitle, steg)) in avsnitt.iter().enumerate() {
            let adir = mdir.join(format!("{:02}-a{ai}", ai + 1));
            std::fs::create_dir_all(&adir).unwrap();
            std::fs::write(
                adir.join("avsnitt.md"),
                format!("---\ntitle: {}\n---\n", quoted(atitle)),
            )
            .unwrap();
            for (si, s) in steg.iter().enumerate() {
                let mut text = format!("---\ntitle: {}\n", quoted(&s.title));
                match &s.kind {
                    Kind::Text => text.push_str("---\nText att läsa.\n"),
                    Kind::Form(ids) => {
                        text.push_str("type: form\nquestions:\n");
                        for id in ids {
                            let _ = write!(
                                text,
                                "  - id: {id}\n    type: text\n    label: Fråga {id}\n"
                            );
                        }
                        text.push_str("---\n");
                    }
                }
                std::fs::write(adir.join(format!("{:02}-s{si}.md", si + 1)), text).unwrap();
            }
        }
    }
}

fn compare(bundle: &Bundle, p: &Program) {
    let m = &bundle.manifest().moment;
    assert_eq!(m.title, "Genererat");
    assert_eq!(m.moduler.len(), p.len());
    for (mi, (modul, (mtitle, avsnitt))) in m.moduler.iter().zip(p).enumerate() {
        assert_eq!(modul.id, format!("m{mi}"));
        assert_eq!(&modul.title, mtitle);
        assert_eq!(modul.avsnitt.len(), avsnitt.len());
        for (ai, (a, (atitle, steg))) in modul.avsnitt.iter().zip(avsnitt).enumerate() {
            assert_eq!(a.id, format!("a{ai}"));
            assert_eq!(&a.title, atitle);
            assert_eq!(a.steg.len(), steg.len());
            for (si, (s, spec)) in a.steg.iter().zip(steg).enumerate() {
                assert_eq!(s.id, format!("s{si}"));
                assert_eq!(s.address, format!("m{mi}/a{ai}/s{si}"));
                assert_eq!(s.title, spec.title);
                match (&s.content, &spec.kind) {
                    (StegContent::Text, Kind::Text) => {}
                    (StegContent::Form { form, .. }, Kind::Form(ids)) => {
                        let got: Vec<&str> = form.questions.iter().map(|q| q.id.as_str()).collect();
                        assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
                    }
                    (got, want) => panic!("{}: {} instead of {want:?}", s.address, got.type_name()),
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 12,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0x57e6),
        ..ProptestConfig::default()
    })]

    #[test]
    fn program_survives_build_and_load(p in program()) {
        let tmp = tempfile::tempdir().unwrap();
        let content = tmp.path().join("genererat");
        write_program(&content, &p);
        let out = tmp.path().join("out");
        let options = steg_compiler::build::Options {
            theme: None,
            site: steg_compiler::site::Options::default(),
            release: false,
            sign: None,
            progress: None,
        };
        let report = steg_compiler::build::build(&content, &out, &options);
        prop_assert!(report.ok(), "{:?}", report.diagnostics);
        let folder = Bundle::open(out.join("genererat/1.0.0")).expect("the folder verifies");
        compare(&folder, &p);
        let archive = Bundle::open(out.join("genererat-1.0.0.tar")).expect("the archive verifies");
        compare(&archive, &p);
        prop_assert_eq!(folder.manifest(), archive.manifest());
    }
}
