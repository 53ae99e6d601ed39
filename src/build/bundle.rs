//! The bundle output: a moment rendered into files and a manifest that lists them all.

use crate::bundle::manifest::{self as m, FORMAT_NAME, FORMAT_VERSION, Manifest};
use crate::model::{Document, MediaFile, MediaRef, MediaSource, Moment, StegKind, layout};
use std::collections::BTreeMap;

/// One file of a bundle before it is written: most are borrowed from the model, so a bundle
/// is never held in memory as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content<'a> {
    /// Rendered HTML, as the model holds it.
    Html(&'a str),
    /// Made for the bundle (FHIR resources, the manifest).
    Bytes(Vec<u8>),
    /// A media file, copied from the content.
    Media(&'a MediaFile),
}

impl Content<'_> {
    /// The bytes to write. A media file is read now and must still have the hash the model
    /// recorded, so what is written is what was checked.
    pub fn bytes(&self) -> Result<std::borrow::Cow<'_, [u8]>, crate::diagnostic::Diagnostic> {
        use crate::diagnostic::{Diagnostic, codes::E0801};
        match self {
            Content::Html(s) => Ok(std::borrow::Cow::Borrowed(s.as_bytes())),
            Content::Bytes(b) => Ok(std::borrow::Cow::Borrowed(b.as_slice())),
            Content::Media(f) => {
                let bytes = std::fs::read(&f.path).map_err(|e| {
                    Diagnostic::new(E0801, "read")
                        .arg("error", e)
                        .in_file(&f.path)
                })?;
                if crate::sha256_hex(&bytes) != f.sha256 {
                    return Err(Diagnostic::new(E0801, "changed").in_file(&f.path));
                }
                Ok(std::borrow::Cow::Owned(bytes))
            }
        }
    }
}

/// Where a bundle's files go: a staging folder for `steg build`, memory for `steg diff`.
/// Called from several threads at once.
pub trait Sink: Sync {
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), crate::diagnostic::Diagnostic>;
}

/// Keeps the files in memory, by path.
#[derive(Default)]
pub struct MemorySink(pub std::sync::Mutex<BTreeMap<String, Vec<u8>>>);

impl Sink for MemorySink {
    fn put(&self, path: &str, bytes: &[u8]) -> Result<(), crate::diagnostic::Diagnostic> {
        if let Ok(mut files) = self.0.lock() {
            files.insert(path.to_string(), bytes.to_vec());
        }
        Ok(())
    }
}

/// A written bundle: what the manifest says.
#[derive(Debug, Clone)]
pub struct BundleOutput {
    pub moment_id: String,
    pub version: String,
    pub manifest: Manifest,
    /// The manifest as written, the bytes a signature covers.
    pub manifest_json: Vec<u8>,
}

impl BundleOutput {
    /// The bundle's folder relative to the output folder.
    pub fn dir(&self) -> String {
        format!("{}/{}", self.moment_id, self.version)
    }

    /// Every file of the bundle in path order, the manifest (and signature) included.
    pub fn paths(&self) -> Vec<&str> {
        let mut paths: Vec<&str> = self
            .manifest
            .files
            .iter()
            .map(|f| f.path.as_str())
            .collect();
        paths.push(m::MANIFEST_FILE);
        paths.sort_unstable();
        paths
    }
}

/// Renders `moment` into a bundle and hands every file to `sink`, hashing each on the way;
/// the manifest comes last. Deterministic: the same model gives the same bytes. `release`
/// marks a bundle whose every steg was approved (the caller has checked that).
pub fn render(
    moment: &Moment,
    release: bool,
    sink: &dyn Sink,
) -> Result<BundleOutput, crate::diagnostic::Diagnostic> {
    use rayon::prelude::*;
    let mut files: Vec<(String, Content<'_>)> = Vec::new();

    fn add_doc<'a>(
        files: &mut Vec<(String, Content<'a>)>,
        path: String,
        doc: &'a Document,
    ) -> String {
        files.push((path.clone(), Content::Html(&doc.html)));
        path
    }

    let version = moment.version.to_string();
    let empty = Document::default();
    let welcome = add_doc(&mut files, layout::WELCOME.to_string(), &moment.welcome);
    let mut moduler = Vec::new();
    for modul in &moment.moduler {
        // Introductions are written even when empty: a steg may link to its modul or avsnitt.
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
                        let json = crate::fhir::questionnaire_json(form, &meta);
                        files.push((path.clone(), Content::Bytes(json)));
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
        files.push((f.bundle_path(), Content::Media(f)));
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files.dedup_by(|a, b| a.0 == b.0);

    // Each file is made, hashed and handed over on a worker, and dropped there.
    let entries: Vec<m::FileEntry> = files
        .par_iter()
        .map(|(path, content)| {
            let bytes = content.bytes()?;
            sink.put(path, &bytes)?;
            Ok(m::FileEntry {
                path: path.clone(),
                sha256: crate::sha256_hex(&bytes),
                size: bytes.len() as u64,
                media_type: if path.starts_with(layout::FHIR_DIR) {
                    "application/fhir+json".to_string()
                } else {
                    layout::media_type(path).to_string()
                },
            })
        })
        .collect::<Result<_, crate::diagnostic::Diagnostic>>()?;

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
    sink.put(m::MANIFEST_FILE, json.as_bytes())?;

    Ok(BundleOutput {
        moment_id: moment.id.clone(),
        version: moment.version.to_string(),
        manifest,
        manifest_json: json.into_bytes(),
    })
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
