//! The one way steg opens a file it did not write: content, media, approvals, theme files
//! and old releases.
//!
//! An author's folder holds whatever their editor, sync client or a colleague put there. A
//! symbolic link could make steg read (and print) a file outside the folder, a FIFO would
//! block a build forever, and a device such as `/dev/zero` never ends. So the type is checked
//! without following links, the file is opened so that it cannot be swapped for a link or
//! block on opening (`O_NOFOLLOW | O_NONBLOCK`), its type is checked again on the open handle,
//! and nothing is read past a limit.

use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Why a file could not be opened or read.
#[derive(Debug)]
pub enum Refused {
    /// There is no such file.
    Missing,
    /// A symbolic link: never followed.
    Link,
    /// Not a regular file: `kind` names it, as [`kind_of`] does.
    Special { kind: &'static str },
    /// Larger than `max` bytes.
    TooLarge { size: u64, max: u64 },
    /// Grew past `max` bytes while it was read (its size said it was within).
    Grew { max: u64 },
    /// Any other failure to open or read.
    Io(std::io::Error),
}

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refused::Missing => write!(f, "the file does not exist"),
            Refused::Link => write!(f, "the file is a link"),
            Refused::Special { kind } => write!(f, "the file is a {kind}, not a regular file"),
            Refused::TooLarge { size, max } => {
                write!(f, "the file is {size} bytes; at most {max} are read")
            }
            Refused::Grew { max } => write!(f, "the file grew past {max} bytes while read"),
            Refused::Io(e) => write!(f, "{e}"),
        }
    }
}

/// What kind of file `t` is, as the `E0101` catalogue key that names it: `fifo`, `device`,
/// `socket`, `not-file` (a folder), `link` or `special`.
pub fn kind_of(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "fifo";
        }
        if t.is_char_device() || t.is_block_device() {
            return "device";
        }
        if t.is_socket() {
            return "socket";
        }
    }
    if t.is_dir() {
        return "not-file";
    }
    if t.is_symlink() {
        return "link";
    }
    "special"
}

/// Opens `path` for reading if it is a regular file (not a link, FIFO, device or folder),
/// with its size as the open handle sees it.
pub fn open_regular(path: &Path) -> Result<(File, u64), Refused> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Refused::Missing,
        _ => Refused::Io(e),
    })?;
    let t = meta.file_type();
    if t.is_symlink() {
        return Err(Refused::Link);
    }
    if !t.is_file() {
        return Err(Refused::Special { kind: kind_of(t) });
    }
    let file = open_no_follow(path)?;
    // The path may have been replaced between the look and the open: ask the handle.
    let meta = file.metadata().map_err(Refused::Io)?;
    if !meta.is_file() {
        return Err(Refused::Special {
            kind: kind_of(meta.file_type()),
        });
    }
    Ok((file, meta.len()))
}

#[cfg(unix)]
fn open_no_follow(path: &Path) -> Result<File, Refused> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        // O_NONBLOCK: opening a FIFO that appeared since the look must not wait for a writer.
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| match e.raw_os_error() {
            Some(libc::ELOOP) => Refused::Link,
            _ if e.kind() == std::io::ErrorKind::NotFound => Refused::Missing,
            _ => Refused::Io(e),
        })
}

#[cfg(not(unix))]
fn open_no_follow(path: &Path) -> Result<File, Refused> {
    File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Refused::Missing,
        _ => Refused::Io(e),
    })
}

/// Opens `path` to append to it (creating it if missing), never through a link and never a
/// FIFO or device: an author's file is written only where it is.
pub fn open_append(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other(format!(
            "{} is not a plain file",
            path.display()
        )));
    }
    Ok(file)
}

/// Reads a whole regular file of at most `max` bytes. A file that grows past `max` while it
/// is read is refused too: never more than `max + 1` bytes are held.
pub fn read_limited(path: &Path, max: u64) -> Result<Vec<u8>, Refused> {
    let (file, size) = open_regular(path)?;
    if size > max {
        return Err(Refused::TooLarge { size, max });
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(Refused::Io)?;
    if bytes.len() as u64 > max {
        return Err(Refused::Grew { max });
    }
    Ok(bytes)
}

/// Reads at most the first `n` bytes of a regular file (to look at its header).
pub fn read_head(path: &Path, n: u64) -> Result<Vec<u8>, Refused> {
    let (file, _) = open_regular(path)?;
    let mut bytes = Vec::new();
    file.take(n).read_to_end(&mut bytes).map_err(Refused::Io)?;
    Ok(bytes)
}

/// Whether `path` is a folder itself, not a link to one.
pub fn is_real_dir(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_dir())
}

/// Whether `path` is a regular file itself, not a link to one.
pub fn is_real_file(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file())
}

/// The SHA-256 (hex) and length of a regular file of at most `max` bytes, read in pieces so
/// that a large film never sits in memory whole.
pub fn hash_limited(path: &Path, max: u64) -> Result<(String, u64), Refused> {
    use sha2::Digest;
    let (file, size) = open_regular(path)?;
    if size > max {
        return Err(Refused::TooLarge { size, max });
    }
    let mut hasher = sha2::Sha256::new();
    let mut reader = file.take(max + 1);
    let mut buf = vec![0u8; 256 * 1024];
    let mut len = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Refused::Io(e)),
        };
        hasher.update(&buf[..n]);
        len += n as u64;
    }
    if len > max {
        return Err(Refused::Grew { max });
    }
    let digest = hasher.finalize();
    Ok((hex(&digest), len))
}

/// Bytes as lower-case hex, as hashes are written in manifests.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn refuses_links_fifos_devices_and_large_files() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("a.txt");
        std::fs::write(&file, "hej").unwrap();
        assert_eq!(read_limited(&file, 10).unwrap(), b"hej");
        assert!(matches!(
            read_limited(&file, 2),
            Err(Refused::TooLarge { size: 3, max: 2 })
        ));
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&file, &link).unwrap();
        assert!(matches!(read_limited(&link, 10), Err(Refused::Link)));
        let fifo = tmp.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success());
        assert!(matches!(
            read_limited(&fifo, 10),
            Err(Refused::Special { kind: "fifo" })
        ));
        assert!(matches!(
            read_limited(Path::new("/dev/zero"), 10),
            Err(Refused::Special { kind: "device" })
        ));
        assert!(matches!(
            read_limited(&tmp.path().join("none"), 10),
            Err(Refused::Missing)
        ));
        let (h, n) = hash_limited(&file, 10).unwrap();
        assert_eq!(n, 3);
        assert_eq!(h, steg_bundle::sha256_hex(b"hej"));
    }
}
