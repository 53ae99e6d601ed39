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

/// Parses a public key file. A small-order ("weak") key is refused: any signature made
/// "by" it can be forged without a secret.
pub fn parse_public_key(text: &str) -> Result<VerifyingKey, FormatError> {
    let bytes = key_body(text, PUBLIC_HEADER, "public")?;
    let key = VerifyingKey::from_bytes(&bytes)
        .map_err(|_| "the public key is not a valid ed25519 point".to_string())?;
    if key.is_weak() {
        return Err("the public key is a point of small order, which anyone can sign for".into());
    }
    Ok(key)
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
    unhex::<32>(body)
        .ok_or_else(|| format!("the {what} key is not 64 lower-case hexadecimal digits"))
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
///
/// The file must be exactly the four lines [`sign`] writes, each ended by a line feed, in that
/// order, with lower-case hex and nothing else (docs/bundle-format.md): one spelling per
/// signature, so no reader can accept a file another refuses. Verification is strict
/// (`verify_strict`): a non-canonical S (S ≥ ℓ), a small-order R or key are refused, which
/// plain RFC 8032 verification (and OpenSSL) would accept.
pub fn verify(
    trusted: &VerifyingKey,
    manifest: &[u8],
    sig_text: &[u8],
) -> Result<(), SignatureProblem> {
    let malformed = |m: &str| SignatureProblem::Malformed(m.to_string());
    let text = std::str::from_utf8(sig_text).map_err(|_| malformed("it is not UTF-8 text"))?;
    let Some(body) = text.strip_suffix('\n') else {
        return Err(malformed("it does not end with a line feed"));
    };
    let lines: Vec<&str> = body.split('\n').collect();
    if lines.first() != Some(&SIGNATURE_HEADER) {
        return Err(malformed(&format!(
            "its first line is not `{SIGNATURE_HEADER}`"
        )));
    }
    if lines.len() != 4 {
        return Err(malformed(
            "it is not exactly four lines (the header, algorithm, public-key, signature)",
        ));
    }
    let field = |line: &str, name: &str| -> Result<String, SignatureProblem> {
        line.strip_prefix(name)
            .and_then(|l| l.strip_prefix(": "))
            .map(str::to_string)
            .ok_or_else(|| {
                malformed(&format!(
                    "the line `{}` is not `{name}: ...` in its place",
                    clip(line)
                ))
            })
    };
    if field(lines[1], "algorithm")? != "ed25519" {
        return Err(malformed("its algorithm is not `ed25519`"));
    }
    let key = unhex::<32>(&field(lines[2], "public-key")?)
        .ok_or_else(|| malformed("its public-key is not 64 lower-case hexadecimal digits"))?;
    let sig = unhex::<64>(&field(lines[3], "signature")?)
        .ok_or_else(|| malformed("its signature is not 128 lower-case hexadecimal digits"))?;
    if &key != trusted.as_bytes() {
        return Err(SignatureProblem::OtherKey {
            signed_by: hex(&key),
        });
    }
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

/// Exactly `2 * N` lower-case hex digits (upper case is refused: one spelling only).
fn unhex<const N: usize>(s: &str) -> Option<[u8; N]> {
    let s = s.as_bytes();
    if s.len() != N * 2 {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
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
    fn the_signature_text_has_one_spelling() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let public = key.verifying_key();
        let sig = sign(&key, b"{}");
        assert_eq!(verify(&public, b"{}", sig.as_bytes()), Ok(()));
        let key_hex = hex(public.as_bytes());
        let variants = [
            sig.replace(&key_hex, &key_hex.to_uppercase()),
            sig.replace('\n', "\r\n"),
            sig.trim_end().to_string(),
            format!("{sig}\n"),
            sig.replace("algorithm: ed25519\n", "")
                .replace("signature:", "algorithm: ed25519\nsignature:"),
            sig.replace("public-key: ", "public-key:  "),
            format!("{sig}comment: x\n"),
        ];
        for v in variants {
            assert!(
                matches!(
                    verify(&public, b"{}", v.as_bytes()),
                    Err(SignatureProblem::Malformed(_))
                ),
                "{v:?}"
            );
        }
    }

    #[test]
    fn verification_is_strict() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let public = key.verifying_key();
        let good = key.sign(b"{}").to_bytes();
        // S + ℓ: the same signature to lax verifiers, non-canonical to strict ones.
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut bad = good;
        let mut carry = 0u16;
        for i in 0..32 {
            let sum = u16::from(bad[32 + i]) + u16::from(L[i]) + carry;
            bad[32 + i] = (sum & 0xff) as u8;
            carry = sum >> 8;
        }
        assert_eq!(carry, 0, "S + ℓ fits in 32 bytes");
        let text = |sig: &[u8]| {
            format!(
                "{SIGNATURE_HEADER}\nalgorithm: ed25519\npublic-key: {}\nsignature: {}\n",
                hex(public.as_bytes()),
                hex(sig)
            )
        };
        assert_eq!(verify(&public, b"{}", text(&good).as_bytes()), Ok(()));
        assert_eq!(
            verify(&public, b"{}", text(&bad).as_bytes()),
            Err(SignatureProblem::Invalid)
        );
        // A small-order public key (the identity point) is refused as a trusted key.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let weak = format!("{PUBLIC_HEADER}\n{}\n", hex(&identity));
        assert!(parse_public_key(&weak).is_err());
        // Upper-case hex is refused in key files too.
        let upper = public_key_text(&public)
            .to_uppercase()
            .replace("STEG-ED25519-PUBLIC-KEY", "steg-ed25519-public-key");
        assert!(parse_public_key(&upper).is_err());
    }

    #[test]
    fn key_files_are_checked() {
        let key = SigningKey::from_bytes(&[7; 32]);
        assert!(parse_public_key(&secret_key_text(&key)).is_err());
        assert!(parse_secret_key("steg-ed25519-secret-key 1\nzz\n").is_err());
        assert!(parse_secret_key("").is_err());
    }
}
