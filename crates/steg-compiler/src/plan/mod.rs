//! The render plan: a moment rendered once into its bundle, in memory, for every output to write.

use crate::model::{
    Avsnitt, Document, MediaFile, MediaRef, MediaSource, Modul, Moment, Steg, StegKind,
};
use std::path::Path;
use steg_bundle::diagnostic::{Diagnostic, codes::E0801};
use steg_bundle::manifest::{self as m, FORMAT_NAME, FORMAT_VERSION, Manifest};
use steg_bundle::{layout, signature};

/// One file of a bundle, or of the preview, before it is written: most are borrowed from the
/// model, so a plan is never a second copy of the program in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content<'a> {
    /// Text or bytes held elsewhere: a rendered fragment as the model holds it, a theme file.
    Borrowed(&'a [u8]),
    /// Made for this output (FHIR resources, the manifest, a preview page).
    Owned(Vec<u8>),
    /// A media file of the content, copied as it is: read when written, and refused if it no
    /// longer has the hash the model recorded, so what is written is what was checked.
    Media(&'a MediaFile),
}

impl Content<'_> {
    /// The bytes, reading a media file now.
    pub fn bytes(&self) -> Result<std::borrow::Cow<'_, [u8]>, Diagnostic> {
        match self {
            Content::Borrowed(b) => Ok(std::borrow::Cow::Borrowed(b)),
            Content::Owned(b) => Ok(std::borrow::Cow::Borrowed(b.as_slice())),
            Content::Media(f) => {
                let bytes = std::fs::read(&f.path).map_err(|e| {
                    Diagnostic::new(E0801, "read")
                        .arg("error", e)
                        .in_file(&f.path)
                })?;
                if steg_bundle::sha256_hex(&bytes) != f.sha256 {
                    return Err(Diagnostic::new(E0801, "changed").in_file(&f.path));
                }
                Ok(std::borrow::Cow::Owned(bytes))
            }
        }
    }
}

/// A moment rendered into its bundle, in memory: the manifest and every file, in path order,
/// `bundle.json` (and `bundle.sig` when signed) included. Every output (a folder, the
/// single-file archive, memory for `steg diff`) writes the same plan; nothing reads back what
/// another output wrote.
#[derive(Debug)]
pub struct BundlePlan<'a> {
    pub moment_id: String,
    pub version: String,
    pub manifest: Manifest,
    /// Every file with its path inside the bundle, sorted by path.
    pub files: Vec<(String, Content<'a>)>,
}

impl<'a> BundlePlan<'a> {
    /// The bundle's folder relative to the output folder.
    pub fn dir(&self) -> String {
        format!("{}/{}", self.moment_id, self.version)
    }

    /// The text of the file at `path`, when the plan has it and it is text in memory.
    pub fn text(&self, path: &str) -> Option<&str> {
        let i = self
            .files
            .binary_search_by(|(p, _)| p.as_str().cmp(path))
            .ok()?;
        match &self.files[i].1 {
            Content::Borrowed(b) => std::str::from_utf8(b).ok(),
            Content::Owned(b) => std::str::from_utf8(b).ok(),
            Content::Media(_) => None,
        }
    }

    /// `bundle.json` as written: the bytes a signature covers.
    pub fn manifest_json(&self) -> &[u8] {
        self.text(m::MANIFEST_FILE).unwrap_or_default().as_bytes()
    }

    /// Records where the bundle came from in `bundle.json` (before signing, which covers it).
    pub fn set_provenance(&mut self, provenance: m::Provenance) {
        let empty = provenance == m::Provenance::default();
        self.manifest.provenance = (!empty).then_some(provenance);
        self.write_manifest();
    }

    /// Writes `bundle.json` again from `self.manifest`.
    fn write_manifest(&mut self) {
        let mut json = serde_json::to_string_pretty(&self.manifest).unwrap_or_default();
        json.push('\n');
        self.insert(
            m::MANIFEST_FILE.to_string(),
            Content::Owned(json.into_bytes()),
        );
    }

    /// Records the key in the manifest's provenance, then adds `bundle.sig`, the signature of
    /// the exact bytes of `bundle.json`.
    pub fn sign(&mut self, key: &signature::SecretKey) {
        let public = key.verifying_key();
        let mut provenance = self.manifest.provenance.clone().unwrap_or_default();
        provenance.signing_key = Some(m::SigningKey {
            algorithm: "ed25519".to_string(),
            id: steg_bundle::sha256_hex(public.as_bytes())[..16].to_string(),
            public_key: signature::hex(public.as_bytes()),
        });
        self.set_provenance(provenance);
        let sig = signature::sign(key, self.manifest_json());
        self.insert(
            signature::SIGNATURE_FILE.to_string(),
            Content::Owned(sig.into_bytes()),
        );
    }

    /// Adds a file, keeping the files in path order (a path already there is replaced).
    fn insert(&mut self, path: String, content: Content<'a>) {
        match self.files.binary_search_by(|(p, _)| p.as_str().cmp(&path)) {
            Ok(i) => self.files[i].1 = content,
            Err(i) => self.files.insert(i, (path, content)),
        }
    }
}

/// The fragment of an introduction that has no text.
static EMPTY: Document = Document::EMPTY;

/// Renders `moment` into its bundle plan: every fragment, FHIR resource and media file with
/// its hash, and the manifest that lists them. Deterministic: the same model gives the same
/// bytes. `release` marks a bundle whose every steg was approved (the caller has checked that).
pub fn render(moment: &Moment, release: bool) -> BundlePlan<'_> {
    let mut planner = Planner {
        moment,
        version: moment.version.to_string(),
        files: Vec::new(),
        release,
    };
    let welcome = planner.add_doc(layout::WELCOME.to_string(), &moment.welcome);
    let moduler = moment.moduler.iter().map(|m| planner.modul(m)).collect();
    let mut files = planner.files;

    for f in moment.used_media() {
        files.push((f.bundle_path(), Content::Media(f)));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);

    let manifest = manifest(moment, release, welcome, moduler, file_entries(&files));
    let mut json = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    json.push('\n');
    let manifest_json = json.into_bytes();
    let mut plan = BundlePlan {
        moment_id: moment.id.clone(),
        version: moment.version.to_string(),
        manifest,
        files,
    };
    plan.insert(m::MANIFEST_FILE.to_string(), Content::Owned(manifest_json));
    plan
}

/// The walk over a moment's moduler, avsnitt and steg: each gives its manifest entry, and
/// adds the files it is made of to `files`.
struct Planner<'a> {
    moment: &'a Moment,
    version: String,
    files: Vec<(String, Content<'a>)>,
    /// A release build: FHIR resources are `active`, not `draft`.
    release: bool,
}

impl<'a> Planner<'a> {
    /// Adds `doc` at `path`, and gives the path for the manifest.
    fn add_doc(&mut self, path: String, doc: &'a Document) -> String {
        self.files
            .push((path.clone(), Content::Borrowed(doc.html.as_bytes())));
        path
    }

    fn modul(&mut self, modul: &'a Modul) -> m::ModulEntry {
        // Introductions are written even when empty: a steg may link to its modul or avsnitt.
        let intro = Some(self.add_doc(
            layout::modul_intro(&modul.id),
            modul.intro.as_ref().unwrap_or(&EMPTY),
        ));
        let avsnitt = modul
            .avsnitt
            .iter()
            .map(|a| self.avsnitt(&modul.id, a))
            .collect();
        m::ModulEntry {
            id: modul.id.clone(),
            title: modul.title.clone(),
            summary: modul.summary.clone(),
            duration_days: modul.duration_days,
            audience: modul.audience.clone(),
            intro,
            avsnitt,
        }
    }

    fn avsnitt(&mut self, modul_id: &str, a: &'a Avsnitt) -> m::AvsnittEntry {
        let intro = Some(self.add_doc(
            layout::avsnitt_intro(modul_id, &a.id),
            a.intro.as_ref().unwrap_or(&EMPTY),
        ));
        let steg = a.steg.iter().map(|s| self.steg(s)).collect();
        m::AvsnittEntry {
            id: a.id.clone(),
            title: a.title.clone(),
            intro,
            steg,
            audience: a.audience.clone(),
        }
    }

    fn steg(&mut self, s: &'a Steg) -> m::StegEntry {
        let html = self.add_doc(layout::steg(&s.address), &s.body);
        let content = self.steg_content(s);
        m::StegEntry {
            id: s.id.clone(),
            address: s.address.clone(),
            title: s.title.clone(),
            audience: s.audience.clone(),
            html,
            content_hash: Some(s.content_hash.clone()),
            review: Some(review_state(self.moment, s)),
            content,
            moved_from: s.moved_from.clone(),
        }
    }

    /// What the steg is, for the manifest, adding a transcript or a FHIR form to the files.
    fn steg_content(&mut self, s: &'a Steg) -> m::StegContent {
        let moment = self.moment;
        let file = |r: &MediaRef| -> String {
            moment
                .media_file(r)
                .map(MediaFile::bundle_path)
                .unwrap_or_default()
        };
        match &s.kind {
            StegKind::Text => m::StegContent::Text,
            StegKind::Video {
                source,
                captions,
                transcript,
                poster,
                duration_seconds,
                poster_alt,
                captions_language,
                tracks,
            } => m::StegContent::Video {
                source: media_source(source, &file),
                captions: file(captions),
                transcript: self.add_doc(layout::transcript(&s.address), &transcript.document),
                poster: poster.as_ref().map(file),
                duration_seconds: *duration_seconds,
                poster_alt: poster_alt.clone(),
                text_tracks: crate::model::text_tracks(moment, captions, captions_language, tracks)
                    .into_iter()
                    .map(|(src, language, kind, label)| m::TextTrack {
                        src: file(src),
                        language,
                        kind,
                        label: Some(label),
                    })
                    .collect(),
                transcript_language: transcript.language.clone(),
                transcript_kind: transcript.kind,
            },
            StegKind::Audio {
                source,
                transcript,
                duration_seconds,
            } => m::StegContent::Audio {
                source: media_source(source, &file),
                transcript: self.add_doc(layout::transcript(&s.address), &transcript.document),
                duration_seconds: *duration_seconds,
                transcript_language: transcript.language.clone(),
                transcript_kind: transcript.kind,
            },
            StegKind::Image {
                src,
                alt,
                decorative,
                caption,
            } => m::StegContent::Image {
                src: file(src),
                alt: alt.clone(),
                decorative: *decorative,
                caption: caption.clone(),
            },
            StegKind::Form(form) => self.form(s, form),
            StegKind::Exercise { fields } => m::StegContent::Exercise {
                fields: fields.clone(),
            },
        }
    }

    /// A form steg: the same form for systems that speak FHIR, beside the manifest's.
    fn form(&mut self, s: &Steg, form: &m::Form) -> m::StegContent {
        let path = layout::fhir(&s.address);
        let review = review_state(self.moment, s);
        let mut meta = crate::fhir::Meta::for_steg(
            &self.moment.id,
            &s.address,
            &s.title,
            &self.version,
            &self.moment.language,
        )
        .with_base(self.moment.fhir.canonical_base.as_deref());
        meta.release = self.release;
        meta.publisher = self.moment.fhir.publisher.as_deref();
        // The date the form's current content was approved: a date that changes only with it.
        meta.date = review
            .date
            .as_deref()
            .filter(|_| review.status == m::ReviewStatus::Approved);
        let json = crate::fhir::questionnaire_json(form, &meta);
        self.files.push((path.clone(), Content::Owned(json)));
        m::StegContent::Form {
            form: form.clone(),
            fhir: Some(path),
        }
    }
}

/// Every file's manifest entry. Text is hashed side by side; a media file has the hash and
/// size its load recorded, so it is read again only when an output copies it.
fn file_entries(files: &[(String, Content<'_>)]) -> Vec<m::FileEntry> {
    use rayon::prelude::*;
    files
        .par_iter()
        .map(|(path, content)| {
            let (sha256, size) = match content {
                Content::Media(f) => (f.sha256.clone(), f.size),
                Content::Borrowed(b) => (steg_bundle::sha256_hex(b), b.len() as u64),
                Content::Owned(b) => (steg_bundle::sha256_hex(b), b.len() as u64),
            };
            m::FileEntry {
                path: path.clone(),
                sha256,
                size,
                media_type: if path.starts_with(layout::FHIR_DIR) {
                    "application/fhir+json".to_string()
                } else {
                    layout::media_type(path).to_string()
                },
            }
        })
        .collect()
}

fn manifest(
    moment: &Moment,
    release: bool,
    welcome: String,
    moduler: Vec<m::ModulEntry>,
    files: Vec<m::FileEntry>,
) -> Manifest {
    Manifest {
        format: FORMAT_NAME.to_string(),
        format_version: FORMAT_VERSION,
        generator: m::Generator {
            name: "steg".to_string(),
            version: crate::VERSION.to_string(),
        },
        release,
        moment: m::MomentEntry {
            id: moment.id.clone(),
            title: moment.title.clone(),
            version: moment.version.to_string(),
            language: moment.language.clone(),
            summary: moment.summary.clone(),
            duration_days: moment.duration_days,
            audience: moment.audience.clone(),
            placeholders: moment.placeholders.clone(),
            flags: moment.flags.clone(),
            welcome,
            moduler,
        },
        files,
        provenance: None,
    }
}

/// Where a moment's bundle comes from, as far as the build can tell: the git revision of the
/// moment's folder (when `git` is installed and the folder is in a repository) and
/// `SOURCE_DATE_EPOCH` (when set). Nothing here reads a clock, so the same sources at the same
/// revision give the same bytes.
pub fn provenance(moment_dir: &Path) -> m::Provenance {
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok());
    m::Provenance {
        source: git_revision(moment_dir),
        source_date_epoch: epoch,
        built_at: epoch.map(|s| {
            format!(
                "{}T{:02}:{:02}:{:02}Z",
                crate::review::date_of(s),
                s % 86_400 / 3600,
                s % 3600 / 60,
                s % 60
            )
        }),
        signing_key: None,
    }
}

/// The commit checked out where `dir` is, and whether `dir` is unchanged from it; `None`
/// when git is missing, fails, or `dir` is not in a repository (all normal: a build needs no
/// git).
fn git_revision(dir: &Path) -> Option<m::SourceRevision> {
    let git = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(dir)
            .args(args)
            // Not the user's pager, prompts or locale: plain machine output.
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("LC_ALL", "C")
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let commit = git(&["rev-parse", "--verify", "--quiet", "HEAD"])?
        .trim()
        .to_string();
    if commit.is_empty() || !commit.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let status = git(&[
        "status",
        "--porcelain",
        "--untracked-files=normal",
        "--",
        ".",
    ])?;
    Some(m::SourceRevision {
        commit,
        clean: status.trim().is_empty(),
    })
}

fn media_source(source: &MediaSource, file: &impl Fn(&MediaRef) -> String) -> m::MediaSource {
    match source {
        MediaSource::File(r) => m::MediaSource::File(file(r)),
        MediaSource::Url(u) => m::MediaSource::Url(u.clone()),
    }
}

fn review_state(moment: &Moment, s: &Steg) -> m::ReviewState {
    use crate::review::{Status, status};
    let (state, approval) = match status(&moment.approvals, &s.address, &s.content_hash) {
        Status::Approved(a) => (m::ReviewStatus::Approved, Some(a)),
        Status::Changed(a) => (m::ReviewStatus::Changed, Some(a)),
        Status::Never => (m::ReviewStatus::Unapproved, None),
    };
    m::ReviewState {
        status: state,
        approved_by: approval.map(|a| a.by.clone()),
        role: approval.and_then(|a| a.role.clone()),
        date: approval.map(|a| a.date.clone()),
        approved_hash: approval.map(|a| a.hash.clone()),
    }
}
