//! Where each document and file goes in a bundle.
//!
//! Both outputs use these paths, so a link written into one rendered fragment (always relative
//! to the fragment's own path) works in the bundle and in the preview site alike.

pub const WELCOME: &str = "welcome.html";

pub fn modul_intro(modul: &str) -> String {
    format!("modul/{modul}.html")
}

pub fn avsnitt_intro(modul: &str, avsnitt: &str) -> String {
    format!("avsnitt/{modul}/{avsnitt}.html")
}

pub fn steg(address: &str) -> String {
    format!("steg/{address}.html")
}

pub fn transcript(address: &str) -> String {
    format!("transcript/{address}.html")
}

/// The folder of the forms exported as FHIR Questionnaires.
pub const FHIR_DIR: &str = "fhir/";

/// A form exported as a FHIR R4 Questionnaire (JSON).
pub fn fhir(address: &str) -> String {
    format!("{FHIR_DIR}{address}.json")
}

/// A media file keeps its name, with part of its hash added so a changed file gets a new
/// name (caches can keep files forever) and two files with one name cannot collide.
pub fn media(rel: &str, sha256: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    let stem: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let ext: String = ext
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    format!(
        "media/{stem}-{}{}",
        &sha256[..16.min(sha256.len())],
        ext.to_ascii_lowercase()
    )
}

/// The relative path from the document at `from` to the file at `to` (both bundle paths).
pub fn relative(from: &str, to: &str) -> String {
    let depth = from.matches('/').count();
    let mut s = "../".repeat(depth);
    s.push_str(to);
    s
}

/// A media type for a file name, for the manifest and for serving.
pub fn media_type(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" => "text/html",
        "json" => "application/json",
        "vtt" => "text/vtt",
        "md" | "txt" => "text/plain",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "avif" => "image/avif",
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "ogv" => "video/ogg",
        "mp3" => "audio/mpeg",
        "m4a" => "audio/mp4",
        "ogg" | "oga" | "opus" => "audio/ogg",
        "wav" => "audio/wav",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(
            relative("steg/a/b/c.html", "steg/x/y/z.html"),
            "../../../steg/x/y/z.html"
        );
        assert_eq!(relative(WELCOME, "media/x.png"), "media/x.png");
    }

    #[test]
    fn media_names() {
        assert_eq!(
            media("media/Bild 1.PNG", "abcdef0123456789ff"),
            "media/Bild-1-abcdef0123456789.png"
        );
    }
}
