//! The bundle output: a moment rendered into files and a manifest that lists them all.

use crate::bundle::manifest::{self as m, FORMAT_NAME, FORMAT_VERSION, Manifest};
use crate::model::{Document, MediaFile, MediaRef, MediaSource, Moment, StegKind, layout};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The bytes of one output file: rendered in memory, or copied from a source file whose
/// hash the model already knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    Bytes(Vec<u8>),
    Copy {
        from: PathBuf,
        sha256: String,
        size: u64,
    },
}

impl Content {
    /// The bytes to write. A copied file is read now and must still have the hash the model
    /// recorded, so what is written is what was checked.
    pub fn bytes(&self) -> Result<std::borrow::Cow<'_, [u8]>, crate::diagnostic::Diagnostic> {
        use crate::diagnostic::{Diagnostic, codes::E0801};
        match self {
            Content::Bytes(b) => Ok(std::borrow::Cow::Borrowed(b.as_slice())),
            Content::Copy { from, sha256, .. } => {
                let bytes = std::fs::read(from)
                    .map_err(|e| Diagnostic::new(E0801, "read").arg("error", e).in_file(from))?;
                if &crate::sha256_hex(&bytes) != sha256 {
                    return Err(Diagnostic::new(E0801, "changed").in_file(from));
                }
                Ok(std::borrow::Cow::Owned(bytes))
            }
        }
    }
}

/// A set of files to write under one folder, keyed by `/`-separated relative path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSet {
    pub files: BTreeMap<String, Content>,
}

impl FileSet {
    pub fn add(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), Content::Bytes(bytes.into()));
    }
}

/// A rendered bundle, ready to be written to `<out>/<moment-id>/<version>/`.
#[derive(Debug, Clone)]
pub struct BundleOutput {
    pub moment_id: String,
    pub version: String,
    pub manifest: Manifest,
    pub files: FileSet,
}

impl BundleOutput {
    /// The bundle's folder relative to the output folder.
    pub fn dir(&self) -> String {
        format!("{}/{}", self.moment_id, self.version)
    }
}

/// Renders `moment` into a bundle. Deterministic: the same model gives the same bytes.
/// `release` marks a bundle whose every steg was approved (the caller has checked that).
pub fn render(moment: &Moment, release: bool) -> BundleOutput {
    let mut files = FileSet::default();
    let mut entries: Vec<m::FileEntry> = Vec::new();

    let add_doc = |files: &mut FileSet, path: String, doc: &Document| {
        for p in &doc.media {
            files
                .files
                .entry(p.clone())
                .or_insert(Content::Bytes(vec![]));
        }
        files.add(path.clone(), doc.html.as_bytes());
        path
    };

    let version = moment.version.to_string();
    let welcome = add_doc(&mut files, layout::WELCOME.to_string(), &moment.welcome);
    let mut moduler = Vec::new();
    for modul in &moment.moduler {
        // Introductions are written even when empty: a steg may link to its modul or avsnitt.
        let empty = Document::default();
        let intro = Some(add_doc(
            &mut files,
            layout::modul_intro(&modul.id),
            modul.intro.as_ref().unwrap_or(&empty),
        ));
        let mut avsnitt = Vec::new();
        for a in &modul.avsnitt {
            let intro = Some(add_doc(
                &mut files,
                layout::avsnitt_intro(&modul.id, &a.id),
                a.intro.as_ref().unwrap_or(&empty),
            ));
            let mut steg = Vec::new();
            for s in &a.steg {
                let html = add_doc(&mut files, layout::steg(&s.address), &s.body);
                let file = |r: &MediaRef| -> String {
                    moment
                        .media_file(r)
                        .map(MediaFile::bundle_path)
                        .unwrap_or_default()
                };
                let content = match &s.kind {
                    StegKind::Text => m::StegContent::Text,
                    StegKind::Video {
                        source,
                        captions,
                        transcript,
                        poster,
                        duration_seconds,
                    } => m::StegContent::Video {
                        source: media_source(source, &file),
                        captions: file(captions),
                        transcript: add_doc(
                            &mut files,
                            layout::transcript(&s.address),
                            &transcript.document,
                        ),
                        poster: poster.as_ref().map(file),
                        duration_seconds: *duration_seconds,
                    },
                    StegKind::Audio {
                        source,
                        transcript,
                        duration_seconds,
                    } => m::StegContent::Audio {
                        source: media_source(source, &file),
                        transcript: add_doc(
                            &mut files,
                            layout::transcript(&s.address),
                            &transcript.document,
                        ),
                        duration_seconds: *duration_seconds,
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
                    StegKind::Form(form) => {
                        // The same form for systems that speak FHIR, beside the manifest's.
                        let path = layout::fhir(&s.address);
                        let meta = crate::fhir::Meta::for_steg(
                            &moment.id,
                            &s.address,
                            &s.title,
                            &version,
                            &moment.language,
                        );
                        files.add(path.clone(), crate::fhir::questionnaire_json(form, &meta));
                        m::StegContent::Form {
                            form: form.clone(),
                            fhir: Some(path),
                        }
                    }
                    StegKind::Exercise { fields } => m::StegContent::Exercise {
                        fields: fields.clone(),
                    },
                };
                steg.push(m::StegEntry {
                    id: s.id.clone(),
                    address: s.address.clone(),
                    title: s.title.clone(),
                    audience: s.audience.clone(),
                    html,
                    content_hash: Some(s.content_hash.clone()),
                    review: Some(review_state(moment, s)),
                    content,
                });
            }
            avsnitt.push(m::AvsnittEntry {
                id: a.id.clone(),
                title: a.title.clone(),
                intro,
                steg,
            });
        }
        moduler.push(m::ModulEntry {
            id: modul.id.clone(),
            title: modul.title.clone(),
            summary: modul.summary.clone(),
            duration_days: modul.duration_days,
            audience: modul.audience.clone(),
            intro,
            avsnitt,
        });
    }

    for f in moment.used_media() {
        files.files.insert(
            f.bundle_path(),
            Content::Copy {
                from: f.path.clone(),
                sha256: f.sha256.clone(),
                size: f.size,
            },
        );
    }

    for (path, content) in &files.files {
        let (sha256, size) = match content {
            Content::Bytes(b) => (crate::sha256_hex(b), b.len() as u64),
            Content::Copy { sha256, size, .. } => (sha256.clone(), *size),
        };
        entries.push(m::FileEntry {
            path: path.clone(),
            sha256,
            size,
            media_type: if path.starts_with(layout::FHIR_DIR) {
                "application/fhir+json".to_string()
            } else {
                layout::media_type(path).to_string()
            },
        });
    }

    let manifest = Manifest {
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
        files: entries,
    };
    let mut json = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    json.push('\n');
    files.add(m::MANIFEST_FILE, json);

    BundleOutput {
        moment_id: moment.id.clone(),
        version: moment.version.to_string(),
        manifest,
        files,
    }
}

fn media_source(source: &MediaSource, file: &impl Fn(&MediaRef) -> String) -> m::MediaSource {
    match source {
        MediaSource::File(r) => m::MediaSource::File(file(r)),
        MediaSource::Url(u) => m::MediaSource::Url(u.clone()),
    }
}

fn review_state(moment: &Moment, s: &crate::model::Steg) -> m::ReviewState {
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
