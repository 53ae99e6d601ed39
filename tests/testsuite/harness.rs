//! A fixture harness in the style of mdBook's `BookTest`: a fixture program, the real binary
//! run against it, and expectations stated one after another.
//!
//! ```ignore
//! let outcome = ContentTest::from_fixture("broken/e0102-nul-byte")
//!     .build(&[])
//!     .expect_exit(1)
//!     .expect_codes(&["E0102"])
//!     .expect_output_absent();
//! insta::assert_snapshot!("e0102-nul-byte", outcome.stderr_normalized());
//! ```

use crate::common::{Run, build, fixture, normalize, single_bundle, verify};
use std::collections::BTreeSet;
use std::path::PathBuf;

/// A fixture program from `tests/fixtures/`, with a fresh output folder of its own.
pub struct ContentTest {
    /// The fixture's path relative to the crate root, e.g. `tests/fixtures/good/minimal`.
    pub fixture: String,
    tmp: tempfile::TempDir,
}

impl ContentTest {
    /// `kind/name`, e.g. `broken/e0102-nul-byte` or `good/every-type`.
    pub fn from_fixture(path: &str) -> ContentTest {
        let (kind, name) = path.split_once('/').expect("a fixture is kind/name");
        ContentTest {
            fixture: fixture(kind, name),
            tmp: tempfile::tempdir().expect("a temporary folder"),
        }
    }

    /// A fresh output folder inside this test's temporary folder.
    pub fn out(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// `steg build FIXTURE --out OUT [extra]`, in English.
    pub fn build(&self, extra: &[&str]) -> Outcome<'_> {
        let out = self.out(&format!("out-{}", extra.join("-")));
        let run = build(&self.fixture, &out, extra);
        Outcome {
            test: self,
            run,
            out,
        }
    }
}

/// What one run gave, and the expectations checked against it.
pub struct Outcome<'a> {
    test: &'a ContentTest,
    pub run: Run,
    pub out: PathBuf,
}

impl Outcome<'_> {
    pub fn expect_exit(self, code: i32) -> Self {
        assert_eq!(
            self.run.code, code,
            "exit code for {}; stderr:\n{}",
            self.test.fixture, self.run.stderr
        );
        self
    }

    /// Exactly these codes were reported (in human output, or in JSON with `--format json`).
    pub fn expect_codes(self, codes: &[&str]) -> Self {
        let expected: BTreeSet<String> = codes.iter().map(|c| c.to_string()).collect();
        let got: BTreeSet<String> = if self.run.stdout.trim_start().starts_with('{') {
            self.run.json_codes()
        } else {
            self.run.human_codes().into_iter().collect()
        };
        assert_eq!(
            got, expected,
            "codes for {}:\n{}",
            self.test.fixture, self.run.stderr
        );
        self
    }

    /// A failed build created no output folder.
    pub fn expect_output_absent(self) -> Self {
        assert!(
            !self.out.exists(),
            "a failed build must not create its output folder ({})",
            self.test.fixture
        );
        self
    }

    /// The build wrote one bundle, and the loader accepts it.
    pub fn expect_verified(self) -> Self {
        let bundle = single_bundle(&self.out);
        let v = verify(&bundle, &[]);
        assert_eq!(v.code, 0, "verify {}:\n{}", bundle.display(), v.stderr);
        self
    }

    /// The report on stderr, with paths and times made stable: what a snapshot holds. (The
    /// caller takes the snapshot, so that it is named after the test's module.)
    pub fn stderr_normalized(&self) -> String {
        normalize(&self.run.stderr, &self.test.fixture, &self.out)
    }
}
