//! Helpers shared by the integration tests: running the real `steg` binary on the fixture
//! programs in `tests/fixtures/`, and making its output comparable across machines.
#![allow(dead_code)] // each test crate uses a different part of this module

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The crate root; every command runs here so fixture paths in the output are relative.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A fixture's path relative to the crate root, e.g. `tests/fixtures/broken/e0102-nul-byte`.
pub fn fixture(kind: &str, name: &str) -> String {
    format!("tests/fixtures/{kind}/{name}")
}

/// `steg` with colour off and messages in English, run from the crate root. The snapshots
/// are English; [`steg_sv`] runs it in Swedish.
pub fn steg() -> assert_cmd::Command {
    let mut cmd = steg_sv();
    cmd.env("STEG_LANG", "en");
    cmd
}

/// `steg` with colour off and no language chosen in the environment: Swedish, the default.
pub fn steg_sv() -> assert_cmd::Command {
    let mut cmd = assert_cmd::cargo::cargo_bin_cmd!("steg");
    cmd.current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("STEG_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env_remove("LANG");
    cmd
}

/// What one run of `steg` gave.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The diagnostics of a `--format json` run: every stdout line that has a `code`.
    pub fn json_diagnostics(&self) -> Vec<serde_json::Value> {
        self.json_lines()
            .into_iter()
            .filter(|v| v.get("code").is_some())
            .collect()
    }

    /// Every stdout line, each parsed as one JSON object (panics on a line that is not one).
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.stdout
            .lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line)
                    .unwrap_or_else(|e| panic!("stdout line is not JSON ({e}): {line:?}"));
                assert!(v.is_object(), "stdout line is not a JSON object: {line}");
                v
            })
            .collect()
    }

    /// The set of codes in a `--format json` run.
    pub fn json_codes(&self) -> BTreeSet<String> {
        self.json_diagnostics()
            .iter()
            .map(|d| d["code"].as_str().expect("code is a string").to_string())
            .collect()
    }

    /// The codes named in human output: `error[E0102]`, `warning[W0403]`, and in Swedish
    /// `fel[E0102]`, `varning[W0403]`.
    pub fn human_codes(&self) -> Vec<String> {
        self.stderr
            .lines()
            .filter_map(|l| {
                let rest = ["error[", "warning[", "fel[", "varning["]
                    .iter()
                    .find_map(|p| l.strip_prefix(p))?;
                Some(rest.split(']').next()?.to_string())
            })
            .collect()
    }
}

pub fn run(cmd: &mut assert_cmd::Command) -> Run {
    let out = cmd.output().expect("steg runs");
    Run {
        code: out
            .status
            .code()
            .expect("steg exits with a code, not a signal"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(out.stderr).expect("stderr is UTF-8"),
    }
}

/// `steg build CONTENT --out OUT [extra args]`.
pub fn build(content: impl AsRef<Path>, out: impl AsRef<Path>, extra: &[&str]) -> Run {
    run(steg()
        .arg("build")
        .arg(content.as_ref())
        .arg("--out")
        .arg(out.as_ref())
        .args(extra))
}

/// `steg verify BUNDLE [extra args]`.
pub fn verify(bundle: impl AsRef<Path>, extra: &[&str]) -> Run {
    run(steg().arg("verify").arg(bundle.as_ref()).args(extra))
}

/// Makes output stable: the fixture's path becomes `[FIXTURE]`, the output folder `[OUT]`,
/// and the build time `[TIME]`.
pub fn normalize(text: &str, fixture: &str, out: &Path) -> String {
    let out_str = out.display().to_string();
    let abs_fixture = root().join(fixture).display().to_string();
    let s = text
        .replace(&abs_fixture, "[FIXTURE]")
        .replace(fixture, "[FIXTURE]")
        .replace(&out_str, "[OUT]");
    // `Finished in 0.01s` → `Finished in [TIME]`, and in Swedish `Klart på 0,01 s`.
    let mut result = s;
    for (lead, unit) in [("Finished in ", "s"), ("Klart på ", " s")] {
        let mut out = String::with_capacity(result.len());
        let mut rest = result.as_str();
        while let Some(i) = rest.find(lead) {
            let start = i + lead.len();
            out.push_str(&rest[..start]);
            rest = &rest[start..];
            let len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
                .unwrap_or(rest.len());
            if len > 0 && rest[len..].starts_with(unit) {
                out.push_str("[TIME]");
                rest = &rest[len + unit.len()..];
            }
        }
        out.push_str(rest);
        result = out;
    }
    result
}

/// Every file below `dir` (relative, `/`-separated) with its bytes. Folders are not listed.
pub fn snapshot_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let entry = entry.expect("dir entry");
            let path = entry.path();
            let ty = entry.file_type().expect("file type");
            if ty.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .expect("below dir")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                out.insert(rel, std::fs::read(&path).expect("read file"));
            }
        }
    }
    out
}

/// Copies the folder `from` to `to` (which must not exist), recursively.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create copy");
    for entry in std::fs::read_dir(from).expect("read_dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy file");
        }
    }
}

/// A copy of a fixture in a fresh temporary folder, for tests that change it.
/// Returns the temporary folder (keep it alive) and the copy's path.
pub fn copy_fixture(kind: &str, name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dest = tmp.path().join(name);
    copy_dir(&root().join(fixture(kind, name)), &dest);
    (tmp, dest)
}

/// Builds a good fixture into a fresh temporary folder with the real binary; returns the
/// temporary folder (keep it alive) and the bundle's folder.
pub fn build_good(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("out");
    let r = build(fixture("good", name), &out, &[]);
    assert_eq!(r.code, 0, "building good/{name} failed:\n{}", r.stderr);
    let bundle = single_bundle(&out);
    (tmp, bundle)
}

/// The one `<out>/<moment>/<version>/` folder of a build (a folder holding a bundle.json).
pub fn single_bundle(out: &Path) -> PathBuf {
    let mut found = Vec::new();
    for moment in std::fs::read_dir(out).expect("read out") {
        let moment = moment.expect("entry").path();
        if !moment.is_dir() {
            continue;
        }
        for version in std::fs::read_dir(&moment).expect("read moment") {
            let version = version.expect("entry").path();
            if version.join("bundle.json").is_file() {
                found.push(version);
            }
        }
    }
    assert_eq!(
        found.len(),
        1,
        "expected one bundle in {}: {found:?}",
        out.display()
    );
    found.pop().unwrap()
}

/// One test per broken fixture, each calling the test file's own `check_broken(name, exit,
/// codes)`, and a `BROKEN` list of every fixture with the codes it reports.
#[allow(unused_macros)] // not every test file has broken fixtures
macro_rules! broken {
    ($($test:ident: $name:literal => exit $exit:literal, [$($code:literal),+ $(,)?];)*) => {
        $(
            #[test]
            fn $test() {
                check_broken($name, $exit, &[$($code),+]);
            }
        )*
        /// Every broken fixture with a test, and the codes it reports.
        const BROKEN: &[(&str, &[&str])] = &[$(($name, &[$($code),+])),*];
    };
}

/// Builds `fixture` again in Swedish, the default language, and checks that it fails (or
/// passes) as the English run `en` did, with the same codes. Returns the normalized report
/// for the caller's snapshot (insta names snapshots after the calling test file).
pub fn swedish_report(fixture: &str, out: &Path, en: &Run, exit: i32, name: &str) -> String {
    let sv = run(steg_sv().arg("build").arg(fixture).arg("--out").arg(out));
    assert_eq!(sv.code, exit, "exit code in Swedish for {name}");
    assert_eq!(
        sv.human_codes(),
        en.human_codes(),
        "codes in Swedish for {name}"
    );
    normalize(&sv.stderr, fixture, out)
}
