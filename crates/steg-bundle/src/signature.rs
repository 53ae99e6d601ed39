//! Ed25519 signatures over a bundle's manifest, and the text formats of keys and signatures.
//!
//! The signature covers the exact bytes of `bundle.json`. Because the manifest lists every
//! other file with its SHA-256 and size, and the loader checks those, one signature over the
//! manifest vouches for the whole bundle.
//!
//! All three files are small line-based text files (described in docs/bundle-format.md), so
//! they can be inspected and copied without tools:
//!
//! ```text
//! steg-ed25519-secret-key 1        steg-ed25519-public-key 1        steg-bundle-signature 1
//! <64 hex digits: the seed>        <64 hex digits>                  algorithm: ed25519
//!                                                                   public-key: <64 hex>
//!                                                                   signature: <128 hex>
//! ```

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

/// The signature file beside `bundle.json` (and in the archive). Not listed in the manifest:
/// it is made from the manifest's bytes, so it cannot be listed in them.
pub const SIGNATURE_FILE: &str = "bundle.sig";

const SECRET_HEADER: &str = "steg-ed25519-secret-key 1";
const PUBLIC_HEADER: &str = "steg-ed25519-public-key 1";
const SIGNATURE_HEADER: &str = "steg-bundle-signature 1";
/// A signature file is four short lines; anything much longer is not one.
pub const MAX_SIGNATURE_BYTES: u64 = 1024;

pub use ed25519_dalek::{SigningKey as SecretKey, VerifyingKey as PublicKey};

/// Why a key or signature file was refused, in plain words.
pub type FormatError = String;

/// The text of a secret key file for `key`.
pub fn secret_key_text(key: &SigningKey) -> String {
    format!("{SECRET_HEADER}\n{}\n", hex(key.as_bytes()))
}

/// The text of a public key file for `key`.
pub fn public_key_text(key: &VerifyingKey) -> String {
    format!("{PUBLIC_HEADER}\n{}\n", hex(key.as_bytes()))
}

/// Parses a secret key file.
pub fn parse_secret_key(text: &str) -> Result<SigningKey, FormatError> {
    let bytes = key_body(text, SECRET_HEADER, "secret")?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Parses a public key file.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, FormatError> {
    let bytes = key_body(text, PUBLIC_HEADER, "public")?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| "the public key is not a valid ed25519 point".to_string())
}

fn key_body(text: &str, header: &str, what: &str) -> Result<[u8; 32], FormatError> {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    match lines.next() {
        Some(h) if h == header => {}
        Some(h) if h.starts_with("steg-ed25519-") => {
            return Err(format!(
                "the file starts with `{h}`, but a {what} key file starts with `{header}`"
            ));
        }
        _ => return Err(format!("a {what} key file starts with the line `{header}`")),
    }
    let body = lines
        .next()
        .ok_or_else(|| format!("the {what} key file has no key after its first line"))?;
    if lines.next().is_some() {
        return Err(format!("the {what} key file has more than two lines"));
    }
    unhex::<32>(body).ok_or_else(|| format!("the {what} key is not 64 hexadecimal digits"))
}

/// The text of `bundle.sig` for the manifest bytes `manifest`.
pub fn sign(key: &SigningKey, manifest: &[u8]) -> String {
    let signature = key.sign(manifest);
    format!(
        "{SIGNATURE_HEADER}\nalgorithm: ed25519\npublic-key: {}\nsignature: {}\n",
        hex(key.verifying_key().as_bytes()),
        hex(&signature.to_bytes())
    )
}

/// Why a signature was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureProblem {
    /// The file is not in the signature format.
    Malformed(String),
    /// Well-formed, but made with another key than the trusted one.
    OtherKey { signed_by: String },
    /// Made with the trusted key's id, but it does not match the manifest's bytes.
    Invalid,
}

/// Checks that `sig_text` is a signature of `manifest` by `trusted`.
pub fn verify(
    trusted: &VerifyingKey,
    manifest: &[u8],
    sig_text: &[u8],
) -> Result<(), SignatureProblem> {
    let malformed = |m: &str| SignatureProblem::Malformed(m.to_string());
    let text = std::str::from_utf8(sig_text).map_err(|_| malformed("it is not UTF-8 text"))?;
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    if lines.next() != Some(SIGNATURE_HEADER) {
        return Err(malformed(&format!(
            "its first line is not `{SIGNATURE_HEADER}`"
        )));
    }
    let mut algorithm = None;
    let mut key = None;
    let mut sig = None;
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| malformed(&format!("the line `{}` is not `name: value`", clip(line))))?;
        let slot = match name.trim() {
            "algorithm" => &mut algorithm,
            "public-key" => &mut key,
            "signature" => &mut sig,
            other => {
                return Err(malformed(&format!(
                    "it has an unknown field `{}`",
                    clip(other)
                )));
            }
        };
        if slot.replace(value.trim()).is_some() {
            return Err(malformed(&format!(
                "the field `{}` appears twice",
                name.trim()
            )));
        }
    }
    if algorithm != Some("ed25519") {
        return Err(malformed("its algorithm is not `ed25519`"));
    }
    let key = key
        .and_then(unhex::<32>)
        .ok_or_else(|| malformed("its public-key is not 64 hexadecimal digits"))?;
    let sig = sig
        .and_then(unhex::<64>)
        .ok_or_else(|| malformed("its signature is not 128 hexadecimal digits"))?;
    if &key != trusted.as_bytes() {
        return Err(SignatureProblem::OtherKey {
            signed_by: hex(&key),
        });
    }
    // Strict verification rejects the malleable and small-order edge cases plain `verify` allows.
    trusted
        .verify_strict(manifest, &Signature::from_bytes(&sig))
        .map_err(|_| SignatureProblem::Invalid)
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Lower-case hex, as keys and signatures are written.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.as_bytes();
    if s.len() != N * 2 {
        return None;
    }
    let digit = |c: u8| (c as char).to_digit(16).and_then(|d| u8::try_from(d).ok());
    let mut out = [0u8; N];
    for (i, pair) in s.chunks_exact(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify_round_trip() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let back = parse_secret_key(&secret_key_text(&key)).unwrap();
        assert_eq!(back.as_bytes(), key.as_bytes());
        let public = parse_public_key(&public_key_text(&key.verifying_key())).unwrap();
        let sig = sign(&key, b"{}");
        assert_eq!(verify(&public, b"{}", sig.as_bytes()), Ok(()));
        assert_eq!(
            verify(&public, b"{ }", sig.as_bytes()),
            Err(SignatureProblem::Invalid)
        );
        let other = SigningKey::from_bytes(&[8; 32]).verifying_key();
        assert!(matches!(
            verify(&other, b"{}", sig.as_bytes()),
            Err(SignatureProblem::OtherKey { .. })
        ));
        assert!(matches!(
            verify(&public, b"{}", b"nonsense"),
            Err(SignatureProblem::Malformed(_))
        ));
    }

    #[test]
    fn key_files_are_checked() {
        let key = SigningKey::from_bytes(&[7; 32]);
        assert!(parse_public_key(&secret_key_text(&key)).is_err());
        assert!(parse_secret_key("steg-ed25519-secret-key 1\nzz\n").is_err());
        assert!(parse_secret_key("").is_err());
    }
}
