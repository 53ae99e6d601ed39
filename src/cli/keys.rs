//! `steg keygen` and reading key files for `build --sign` and `verify --trust`.

// A `Diagnostic` is returned on the cold error path only, as in the library; boxing buys nothing.
#![allow(clippy::result_large_err)]

use super::{Format, Verbosity, report, status, ui};
use std::path::Path;
use std::process::ExitCode;
use steg_bundle::diagnostic::{Diagnostic, Diagnostics, codes::*};
use steg_bundle::signature::{self, PublicKey, SecretKey};

pub const SECRET_FILE: &str = "steg.key";
pub const PUBLIC_FILE: &str = "steg.pub";

pub fn keygen(out: &Path, v: Verbosity, lang: steg_bundle::diagnostic::Lang) -> ExitCode {
    match write_pair(out) {
        Ok(public) => {
            status(
                v,
                &ui(lang, "keygen-secret-verb", &[]),
                &out.join(SECRET_FILE).display().to_string(),
            );
            status(
                v,
                &ui(lang, "keygen-public-verb", &[]),
                &out.join(PUBLIC_FILE).display().to_string(),
            );
            println!("{}", signature::hex(public.as_bytes()));
            ExitCode::SUCCESS
        }
        Err(d) => {
            report(&Diagnostics::from_iter([d]), Format::Human, v, lang);
            ExitCode::from(3)
        }
    }
}

fn write_pair(out: &Path) -> Result<PublicKey, Diagnostic> {
    let fail = |path: &Path, e: std::io::Error| {
        Diagnostic::new(E0801, "key").arg("error", e).in_file(path)
    };
    std::fs::create_dir_all(out).map_err(|e| fail(out, e))?;
    let mut seed = [0u8; 32];
    getrandom::getrandom(&mut seed)
        .map_err(|e| Diagnostic::new(E0801, "random").arg("error", e))?;
    let key = SecretKey::from_bytes(&seed);
    let secret_path = out.join(SECRET_FILE);
    let public_path = out.join(PUBLIC_FILE);
    // Created new (never over an existing key) and readable by the owner only.
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&secret_path)
        .map_err(|e| fail(&secret_path, e))?;
    std::io::Write::write_all(&mut file, signature::secret_key_text(&key).as_bytes())
        .map_err(|e| fail(&secret_path, e))?;
    let public = key.verifying_key();
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&public_path)
        .and_then(|mut f| {
            std::io::Write::write_all(&mut f, signature::public_key_text(&public).as_bytes())
        })
        .map_err(|e| fail(&public_path, e))?;
    Ok(public)
}

/// `what` is the catalogue key: `secret` or `public`.
fn read_key_file(path: &Path, what: &'static str) -> Result<String, Diagnostic> {
    // Key files are a few dozen bytes; refuse to read anything large.
    let mut text = String::new();
    let read = std::fs::File::open(path)
        .and_then(|f| std::io::Read::read_to_string(&mut std::io::Read::take(f, 4096), &mut text));
    read.map_err(|e| Diagnostic::new(E0803, what).arg("error", e).in_file(path))?;
    Ok(text)
}

pub fn secret_key(path: &Path) -> Result<SecretKey, Diagnostic> {
    let text = read_key_file(path, "secret")?;
    signature::parse_secret_key(&text).map_err(|why| {
        Diagnostic::new(E0803, "not-secret")
            .arg("detail", why)
            .in_file(path)
    })
}

pub fn public_key(path: &Path) -> Result<PublicKey, Diagnostic> {
    let text = read_key_file(path, "public")?;
    signature::parse_public_key(&text).map_err(|why| {
        Diagnostic::new(E0803, "not-public")
            .arg("detail", why)
            .in_file(path)
    })
}
