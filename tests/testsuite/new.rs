//! `steg new` through the binary: what each command creates builds and checks with no errors
//! and no warnings, numbers follow the siblings, nothing is ever replaced, a command in the
//! wrong folder is refused and says where to run it; and the examples in the editors' guide
//! (docs/guide-for-redaktorer.md) build, so the guide cannot drift from the format.

use crate::common::{Run, run, snapshot_tree};
use std::path::{Path, PathBuf};

/// `steg ARGS` run in `cwd`.
fn steg_in(cwd: &Path, args: &[&str]) -> Run {
    run(crate::common::steg().current_dir(cwd).args(args))
}

/// `steg new ARGS` in `cwd`, which must succeed.
fn new_ok(cwd: &Path, args: &[&str]) -> Run {
    let mut all = vec!["new"];
    all.extend(args);
    let r = steg_in(cwd, &all);
    assert_eq!(r.code, 0, "steg new {args:?} failed:\n{}", r.stderr);
    r
}

/// `steg new ARGS` in `cwd`, which must be refused (exit 2) and change nothing below `tree`.
fn new_refused(cwd: &Path, tree: &Path, args: &[&str]) -> Run {
    let before = snapshot_tree(tree);
    let mut all = vec!["new"];
    all.extend(args);
    let r = steg_in(cwd, &all);
    assert_eq!(
        r.code, 2,
        "steg new {args:?} was not refused:\n{}",
        r.stderr
    );
    assert!(r.stderr.contains("nothing was created"), "{}", r.stderr);
    assert_eq!(
        snapshot_tree(tree),
        before,
        "steg new {args:?} changed files"
    );
    r
}

/// `steg build` and `steg check` of `program` report no error and no warning but the
/// stand-ins `steg new` wrote (W1120: they are meant to be replaced, and a release refuses
/// them), and the bundle verifies.
fn builds_clean(program: &Path) {
    let out = program
        .parent()
        .expect("a program has a parent folder")
        .join("dist-test");
    let b = run(crate::common::steg()
        .arg("build")
        .arg(program)
        .arg("--out")
        .arg(&out));
    assert_eq!(b.code, 0, "build failed:\n{}", b.stderr);
    assert!(
        b.stderr
            .lines()
            .filter(|l| l.starts_with("warning["))
            .all(|l| l.starts_with("warning[W1120]")),
        "build warned:\n{}",
        b.stderr
    );
    // The bundle, placeholders included, is what a platform accepts.
    let v = crate::common::verify(crate::common::single_bundle(&out), &[]);
    assert_eq!(v.code, 0, "verify failed:\n{}{}", v.stdout, v.stderr);
    std::fs::remove_dir_all(&out).expect("remove the build output");
    let c = run(crate::common::steg()
        .arg("check")
        .arg(program)
        .args(["--format", "json"]));
    assert_eq!(c.code, 0, "check failed:\n{}{}", c.stdout, c.stderr);
    for d in c.json_diagnostics() {
        assert_eq!(d["code"], "W1120", "check found something:\n{}", c.stdout);
    }
}

fn read(path: impl AsRef<Path>) -> String {
    let path = path.as_ref();
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

fn write(path: impl AsRef<Path>, text: &str) {
    let path = path.as_ref();
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
    std::fs::write(path, text).expect("write");
}

/// A new program `content/somn-for-unga` in a fresh temporary folder.
fn new_program() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    new_ok(tmp.path(), &["moment", "Sömn för unga", "--in", "content"]);
    let program = tmp.path().join("content/somn-for-unga");
    (tmp, program)
}

const AVSNITT: &str = "01-forsta-modulen/01-forsta-avsnittet";

#[test]
fn a_new_moment_is_a_program_that_builds_clean() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let r = new_ok(tmp.path(), &["moment", "Sömn för unga", "--in", "content"]);
    let program = tmp.path().join("content/somn-for-unga");
    let files: Vec<String> = snapshot_tree(&program).into_keys().collect();
    assert_eq!(
        files,
        [
            "01-forsta-modulen/01-forsta-avsnittet/01-forsta-steget.md",
            "01-forsta-modulen/01-forsta-avsnittet/avsnitt.md",
            "01-forsta-modulen/modul.md",
            "moment.md",
        ]
    );
    builds_clean(&program);
    insta::assert_snapshot!("new-moment-output", r.stderr);
    insta::assert_snapshot!("moment.md", read(program.join("moment.md")));
    insta::assert_snapshot!("modul.md", read(program.join("01-forsta-modulen/modul.md")));
    insta::assert_snapshot!("avsnitt.md", read(program.join(AVSNITT).join("avsnitt.md")));
    insta::assert_snapshot!(
        "steg-text.md",
        read(program.join(AVSNITT).join("01-forsta-steget.md"))
    );
}

#[test]
fn a_new_moment_may_make_the_content_folder_but_not_a_second_program_with_one_id() {
    let tmp = tempfile::tempdir().expect("tempdir");
    new_ok(tmp.path(), &["moment", "Sömn", "--in", "a/b/content"]);
    assert!(tmp.path().join("a/b/content/somn/moment.md").is_file());
    builds_clean(&tmp.path().join("a/b/content/somn"));

    let content = tmp.path().join("a/b/content");
    let r = new_refused(&content, tmp.path(), &["moment", "SÖMN"]);
    assert!(r.stderr.contains("already exists"), "{}", r.stderr);
    // Another folder name, but the same id as a program that pins it.
    write(
        content.join("sovprogram/moment.md"),
        "---\nid: oro\ntitle: Sov\n---\n",
    );
    let r = new_refused(&content, tmp.path(), &["moment", "Oro"]);
    assert!(
        r.stderr
            .contains("there is already a program with the id `oro`"),
        "{}",
        r.stderr
    );
}

#[test]
fn every_steg_type_builds_clean() {
    let (_tmp, program) = new_program();
    let avsnitt = program.join(AVSNITT);
    for (i, kind) in ["text", "video", "audio", "image", "form", "exercise"]
        .iter()
        .enumerate()
    {
        let r = new_ok(
            &avsnitt,
            &["steg", &format!("Ett {kind}steg"), "--type", kind],
        );
        let file = format!("{:02}-ett-{kind}steg.md", i + 2);
        assert!(r.stderr.contains(&file), "{}", r.stderr);
        let text = read(avsnitt.join(&file));
        assert!(text.contains(&format!("type: {kind}\n")), "{text}");
        if *kind != "text" {
            insta::assert_snapshot!(format!("steg-{kind}.md"), text);
        }
    }
    builds_clean(&program);

    // The placeholders are real files of their kind, named after the modul and the steg.
    let media = program.join("media");
    let starts = |name: &str, magic: &[u8]| {
        let bytes = std::fs::read(media.join(name)).expect(name);
        assert!(bytes.starts_with(magic), "{name} is not what its name says");
    };
    starts(
        "forsta-modulen-ett-videosteg-platshallare.webm",
        &[0x1a, 0x45, 0xdf, 0xa3],
    );
    starts("forsta-modulen-ett-videosteg.sv.vtt", b"WEBVTT");
    starts("forsta-modulen-ett-videosteg.transcript.md", b"H");
    starts("forsta-modulen-ett-audiosteg-platshallare.ogg", b"OggS");
    starts("forsta-modulen-ett-imagesteg-platshallare.svg", b"<svg");
    insta::assert_snapshot!(
        "captions.vtt",
        read(media.join("forsta-modulen-ett-videosteg.sv.vtt"))
    );
}

#[test]
fn a_new_modul_and_avsnitt_build_clean() {
    let (_tmp, program) = new_program();
    let r = new_ok(&program, &["modul", "Oro och ångest"]);
    assert!(
        r.stderr.contains("02-oro-och-angest/modul.md"),
        "{}",
        r.stderr
    );
    assert!(
        program
            .join("02-oro-och-angest/01-forsta-avsnittet/01-forsta-steget.md")
            .is_file()
    );
    let r = new_ok(
        &program,
        &["avsnitt", "Vad är oro?", "--in", "02-oro-och-angest"],
    );
    assert!(
        r.stderr
            .contains("02-oro-och-angest/02-vad-ar-oro/avsnitt.md"),
        "{}",
        r.stderr
    );
    assert!(
        program
            .join("02-oro-och-angest/02-vad-ar-oro/01-forsta-steget.md")
            .is_file()
    );
    assert!(r.stderr.contains("steg serve"), "{}", r.stderr);
    builds_clean(&program);
}

#[test]
fn numbers_follow_the_siblings() {
    let (_tmp, program) = new_program();
    let avsnitt = program.join(AVSNITT);
    // A gap, a draft and a hidden file: the next number follows the highest real one.
    write(
        avsnitt.join("05-femte.md"),
        "---\ntitle: Femte\n---\nText.\n",
    );
    write(avsnitt.join("_09-utkast.md"), "utkast\n");
    write(avsnitt.join(".12-dold.md"), "dold\n");
    new_ok(&avsnitt, &["steg", "Sjätte"]);
    assert!(avsnitt.join("06-sjatte.md").is_file());

    // The width of the siblings' numbers is kept.
    let modul = program.join("01-forsta-modulen");
    write(
        modul.join("007-sjunde/avsnitt.md"),
        "---\ntitle: Sju\n---\n",
    );
    write(
        modul.join("007-sjunde/001-a.md"),
        // Its own text: two steg with the same text are reported (W1121).
        "---\ntitle: A\n---\nEn annan text.\n",
    );
    new_ok(&modul, &["avsnitt", "Åttonde"]);
    assert!(modul.join("008-attonde/avsnitt.md").is_file());
    new_ok(&modul.join("007-sjunde"), &["steg", "B"]);
    assert!(modul.join("007-sjunde/002-b.md").is_file());

    // Moduler: one digit stays one digit until it no longer fits.
    let other = program.parent().expect("content").join("annat");
    write(other.join("moment.md"), &read(program.join("moment.md")));
    for n in 1..=9 {
        write(
            other.join(format!("{n}-m/modul.md")),
            "---\ntitle: M\n---\n",
        );
    }
    new_ok(&other, &["modul", "Tionde"]);
    assert!(other.join("10-tionde/modul.md").is_file());
    std::fs::remove_dir_all(other).expect("remove");

    builds_clean(&program);
}

#[test]
fn nothing_is_ever_replaced() {
    let (tmp, program) = new_program();
    let avsnitt = program.join(AVSNITT);
    // A steg whose id the new name would take: refused, as the build would refuse it (E0302).
    new_refused(&avsnitt, tmp.path(), &["steg", "Första steget"]);
    // The same with an id pinned in the front matter.
    write(
        avsnitt.join("02-annat.md"),
        "---\nid: somnrad # fastlagt\ntitle: Annat\n---\nText.\n",
    );
    let r = new_refused(
        &avsnitt,
        tmp.path(),
        &["steg", "Sömnråd", "--type", "video"],
    );
    assert!(
        r.stderr
            .contains("there is already a steg with the id `somnrad` here"),
        "{}",
        r.stderr
    );
    new_refused(&program, tmp.path(), &["modul", "Första modulen"]);
    new_refused(
        &program.join("01-forsta-modulen"),
        tmp.path(),
        &["avsnitt", "Första avsnittet"],
    );

    // A media file with the name a placeholder would get stays as it is; the placeholder
    // gets another name.
    let film = program.join("media/forsta-modulen-film-platshallare.webm");
    write(&film, "en riktig film");
    new_ok(&avsnitt, &["steg", "Film", "--type", "video"]);
    assert_eq!(read(&film), "en riktig film");
    let steg = read(avsnitt.join("03-film.md"));
    assert!(
        steg.contains("src: /media/forsta-modulen-film-2-platshallare.webm"),
        "{steg}"
    );
    std::fs::remove_file(&film).expect("remove");
    builds_clean(&program);
}

#[test]
fn the_wrong_folder_is_refused_with_where_to_run_it() {
    let (tmp, program) = new_program();
    let modul = program.join("01-forsta-modulen");
    let r = new_refused(&modul, tmp.path(), &["steg", "Hej", "--type", "form"]);
    assert!(
        r.stderr.contains(
            "a new steg goes in an avsnitt's folder (one with avsnitt.md), but the current folder is a modul's folder"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("`steg new steg \"Hej\" --type form --in 01-forsta-avsnittet`"),
        "{}",
        r.stderr
    );
    let r = new_refused(
        &modul.join("01-forsta-avsnittet"),
        tmp.path(),
        &["modul", "M"],
    );
    assert!(r.stderr.contains("--in ../.."), "{}", r.stderr);
    let r = new_refused(tmp.path(), tmp.path(), &["avsnitt", "A", "--in", "content"]);
    assert!(
        r.stderr
            .contains("--in content/somn-for-unga/01-forsta-modulen"),
        "{}",
        r.stderr
    );
    let r = new_refused(&modul, tmp.path(), &["moment", "Nytt"]);
    assert!(r.stderr.contains("--in ../.."), "{}", r.stderr);
    // From a media folder: the avsnitt are found below the program's folder.
    std::fs::create_dir(program.join("media")).expect("media");
    let r = new_refused(&program.join("media"), tmp.path(), &["steg", "S"]);
    assert!(
        r.stderr
            .contains("--in ../01-forsta-modulen/01-forsta-avsnittet"),
        "{}",
        r.stderr
    );
    let r = new_refused(tmp.path(), tmp.path(), &["steg", "S", "--in", "finns-inte"]);
    assert!(
        r.stderr.contains("the folder finns-inte does not exist"),
        "{}",
        r.stderr
    );
    // A name that gives no file name.
    new_refused(&program, tmp.path(), &["modul", "?!"]);
    // A wrong type is a wrong command line (clap's exit code 2).
    let r = steg_in(
        &program.join(AVSNITT),
        &["new", "steg", "S", "--type", "quiz"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn swedish_letters_are_folded_in_names_and_kept_in_titles() {
    let (_tmp, program) = new_program();
    let avsnitt = program.join(AVSNITT);
    new_ok(&avsnitt, &["steg", "Ångest, oro och rädsla"]);
    let text = read(avsnitt.join("02-angest-oro-och-radsla.md"));
    assert!(text.contains("title: Ångest, oro och rädsla\n"), "{text}");
    // A title YAML would read as something else is quoted.
    new_ok(&avsnitt, &["steg", "Sömn: varför? #1"]);
    let text = read(avsnitt.join("03-somn-varfor-1.md"));
    assert!(text.contains("title: \"Sömn: varför? #1\"\n"), "{text}");
    new_ok(&avsnitt, &["steg", "Ja"]);
    builds_clean(&program);
    let out = program.parent().expect("content").join("out");
    let b = run(crate::common::steg()
        .arg("build")
        .arg(&program)
        .arg("--out")
        .arg(&out));
    assert_eq!(b.code, 0, "{}", b.stderr);
    let manifest = read(crate::common::single_bundle(&out).join("bundle.json"));
    for title in ["Ångest, oro och rädsla", "Sömn: varför? #1", "\"Ja\""] {
        assert!(manifest.contains(title), "{title} not in bundle.json");
    }
}

/// The fenced blocks of the guide whose info string is `md exempel-KIND`, as (KIND, text).
fn guide_examples() -> Vec<(String, String)> {
    let guide = read(crate::common::root().join("docs/guide-for-redaktorer.md"));
    let mut out = Vec::new();
    let mut lines = guide.lines();
    while let Some(line) = lines.next() {
        let Some(kind) = line.strip_prefix("```md exempel-") else {
            continue;
        };
        let mut text = String::new();
        for l in lines.by_ref() {
            if l == "```" {
                break;
            }
            text.push_str(l);
            text.push('\n');
        }
        out.push((kind.trim().to_string(), text));
    }
    out
}

/// A file for a path a steg names: a placeholder of the right kind, taken from what
/// `steg new` writes, or a one-pixel PNG.
fn media_file(name: &str) -> Vec<u8> {
    const PNG: &[u8] = &[
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f,
        0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x60,
        0x60, 0x60, 0x60, 0x00, 0x00, 0x00, 0x05, 0x00, 0x01, 0xa5, 0xf6, 0x45, 0x40, 0x00, 0x00,
        0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];
    let new = crate::common::root().join("crates/steg-compiler/src/scaffold/templates");
    let ext = name.rsplit('.').next().unwrap_or("");
    match ext {
        "webm" => std::fs::read(new.join("platshallare.webm")).expect("film"),
        "ogg" => std::fs::read(new.join("platshallare.ogg")).expect("sound"),
        "vtt" => std::fs::read(new.join("captions.vtt")).expect("captions"),
        "md" => std::fs::read(new.join("transcript.md")).expect("transcript"),
        "png" => PNG.to_vec(),
        other => panic!("the guide's example names a .{other} file; add it to this test"),
    }
}

#[test]
fn the_guide_examples_build_clean() {
    let examples = guide_examples();
    let kinds: std::collections::BTreeSet<&str> = examples
        .iter()
        .filter(|(k, _)| k == "steg")
        .filter_map(|(_, text)| {
            text.lines()
                .find_map(|l| l.strip_prefix("type: "))
                .map(str::trim)
        })
        .collect();
    assert_eq!(
        kinds.into_iter().collect::<Vec<_>>(),
        ["audio", "exercise", "form", "image", "text", "video"],
        "the guide needs one example of each steg type"
    );
    let (_tmp, program) = new_program();
    let avsnitt = program.join(AVSNITT);
    let mut steg = 1;
    for (kind, text) in &examples {
        let path = match kind.as_str() {
            "moment" => program.join("moment.md"),
            "modul" => program.join("01-forsta-modulen/modul.md"),
            "avsnitt" => avsnitt.join("avsnitt.md"),
            "steg" => {
                steg += 1;
                avsnitt.join(format!("{steg:02}-exempel-{steg}.md"))
            }
            other => panic!("unknown example kind `exempel-{other}` in the guide"),
        };
        std::fs::write(&path, text).expect("write example");
        // Create each file the example names, relative to the program (`/media/...`).
        for line in text.lines() {
            let Some((field, value)) = line.split_once(": ") else {
                continue;
            };
            if ["src", "captions", "transcript", "poster"].contains(&field)
                && let Some(rel) = value.trim().strip_prefix('/')
            {
                let file = program.join(rel);
                std::fs::create_dir_all(file.parent().expect("parent")).expect("media folder");
                std::fs::write(&file, media_file(rel)).expect("media");
            }
        }
    }
    assert!(steg > 6, "the guide's steg examples were not found");
    builds_clean(&program);
}

#[test]
fn a_folder_that_cannot_be_made_is_exit_3_and_leaves_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    write(tmp.path().join("en-fil"), "text");
    let before = snapshot_tree(tmp.path());
    let r = steg_in(
        tmp.path(),
        &["new", "moment", "Sömn", "--in", "en-fil/content"],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("cannot write en-fil/content"),
        "{}",
        r.stderr
    );
    assert_eq!(snapshot_tree(tmp.path()), before);
}

#[cfg(unix)]
#[test]
fn a_link_is_a_taken_name_even_when_it_leads_nowhere() {
    let (_tmp, program) = new_program();
    let media = program.join("media");
    std::fs::create_dir(&media).expect("media");
    std::os::unix::fs::symlink(
        "finns-inte",
        media.join("forsta-modulen-ljud.transcript.md"),
    )
    .expect("link");
    new_ok(&program.join(AVSNITT), &["steg", "Ljud", "--type", "audio"]);
    assert!(media.join("forsta-modulen-ljud-2.transcript.md").is_file());
    assert!(
        std::fs::symlink_metadata(media.join("forsta-modulen-ljud.transcript.md"))
            .expect("the link is still there")
            .file_type()
            .is_symlink()
    );
}

#[test]
fn a_file_where_the_new_folder_would_go_is_not_replaced() {
    let (tmp, program) = new_program();
    // Not a modul (a file), so it is not counted, but it has the name the new modul would get.
    write(program.join("02-oro"), "anteckningar");
    let r = new_refused(&program, tmp.path(), &["modul", "Oro"]);
    assert!(r.stderr.contains("02-oro already exists"), "{}", r.stderr);
    assert_eq!(read(program.join("02-oro")), "anteckningar");
}

/// Splits a command line as a shell would, for the simple lines of the guide (words, and
/// text in double quotes).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word: Option<String> = None;
    let mut quoted = false;
    for c in line.chars() {
        match c {
            '"' => {
                quoted = !quoted;
                word.get_or_insert_with(String::new);
            }
            c if c.is_whitespace() && !quoted => out.extend(word.take()),
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    out.extend(word);
    out
}

#[test]
fn the_guide_walkthrough_of_steg_new_works() {
    let guide = read(crate::common::root().join("docs/guide-for-redaktorer.md"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let mut cwd = tmp.path().to_path_buf();
    let mut ran = 0;
    let mut in_sh = false;
    for line in guide.lines().map(str::trim) {
        if line.starts_with("```") {
            in_sh = line == "```sh";
            continue;
        }
        if !in_sh {
            continue;
        }
        if let Some(dir) = line.strip_prefix("cd ") {
            cwd = cwd.join(dir);
        } else if line.starts_with("steg new ") {
            let args = words(line);
            let args: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
            let r = steg_in(&cwd, &args);
            assert_eq!(r.code, 0, "`{line}` from the guide failed:\n{}", r.stderr);
            ran += 1;
        }
    }
    assert!(ran >= 4, "the guide's `steg new` commands were not found");
    let program = tmp.path().join("content/somn-for-unga");
    assert!(
        program
            .join("02-oro-och-angest/02-vad-ar-oro/02-kroppens-larm.md")
            .is_file()
    );
    builds_clean(&program);
}

/// The commands between backticks in what `steg new` printed, as shell words.
fn printed_commands(stderr: &str) -> Vec<Vec<String>> {
    stderr
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|c| c.starts_with("steg "))
        .map(words)
        .collect()
}

/// Every command `steg new` prints works when pasted in the same folder: from the project
/// folder, and from inside the program and a modul (where steg finds the program itself).
/// `steg serve` is started elsewhere (tests/testsuite/serve.rs); here only its folder is
/// checked by `steg check` with the same argument.
#[test]
fn the_commands_steg_new_prints_work_pasted() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let program = tmp.path().join("content/somn-for-unga");
    // The modul "Oro" is numbered after the modul the pasted command makes, so its folder is
    // looked up when it is needed.
    let oro = |program: &Path| -> PathBuf {
        std::fs::read_dir(program)
            .expect("the program's folder")
            .flatten()
            .map(|e| e.path())
            .find(|p| p.to_string_lossy().ends_with("-oro"))
            .expect("the modul Oro")
    };
    type Place<'a> = (Box<dyn Fn() -> PathBuf + 'a>, Vec<&'a str>);
    let places: Vec<Place<'_>> = vec![
        (
            Box::new(|| tmp.path().to_path_buf()),
            vec!["new", "moment", "Sömn för unga", "--in", "content"],
        ),
        (Box::new(|| program.clone()), vec!["new", "modul", "Oro"]),
        (
            Box::new(|| oro(&program)),
            vec!["new", "avsnitt", "Vad är oro?"],
        ),
    ];
    let mut pasted = 0;
    for (cwd, args) in places {
        let cwd = cwd();
        let made = steg_in(&cwd, &args);
        assert_eq!(made.code, 0, "{}", made.stderr);
        let commands = printed_commands(&made.stderr);
        assert!(commands.len() >= 2, "no commands in:\n{}", made.stderr);
        for command in commands {
            let mut args: Vec<String> = command[1..]
                .iter()
                .map(|w| match w.as_str() {
                    "NAME" => "Något nytt".to_string(),
                    "TYPE" => "text".to_string(),
                    w => w.to_string(),
                })
                .collect();
            if args[0] == "serve" {
                args[0] = "check".into();
            }
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let r = steg_in(&cwd, &args);
            assert_eq!(
                r.code,
                0,
                "`steg {}` printed by `steg {}` failed in {}:\n{}",
                args.join(" "),
                command.join(" "),
                cwd.display(),
                r.stderr
            );
            pasted += 1;
        }
    }
    assert!(pasted >= 6, "only {pasted} commands were pasted");
}

/// From inside a program, `steg check .`, `steg check` and `steg review status` read that
/// program, and `steg build` writes to `dist/` beside the content folder, not into the program.
#[test]
fn commands_work_from_inside_a_program() {
    let (tmp, program) = new_program();
    let modul = program.join("01-forsta-modulen");
    for args in [
        vec!["check", "."],
        vec!["check"],
        vec!["review", "status"],
        vec!["build"],
    ] {
        let r = steg_in(&modul, &args);
        assert_eq!(
            r.code, 0,
            "steg {args:?} in a modul's folder:\n{}",
            r.stderr
        );
    }
    assert!(
        tmp.path()
            .join("dist/somn-for-unga/0.1.0/bundle.json")
            .is_file()
    );
    assert!(!modul.join("dist").exists() && !program.join("dist").exists());
    let status = steg_in(&modul, &["review", "status"]);
    assert!(
        status.stdout.contains("somn-for-unga 0.1.0"),
        "{}",
        status.stdout
    );
}

/// In a project folder that has `content/`, a new program goes into `content/`, as every
/// other command reads it from there; `--in` still says exactly where.
#[test]
fn a_new_moment_in_the_project_folder_goes_into_content() {
    let (tmp, _) = new_program();
    let r = new_ok(tmp.path(), &["moment", "Oro hos unga"]);
    assert!(
        tmp.path().join("content/oro-hos-unga/moment.md").is_file(),
        "{}",
        r.stderr
    );
    assert!(!tmp.path().join("oro-hos-unga").exists());
    new_ok(tmp.path(), &["moment", "Tredje", "--in", "annat"]);
    assert!(tmp.path().join("annat/tredje/moment.md").is_file());
}
