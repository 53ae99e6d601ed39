//! What the last load of a moment settled and built, kept while watching (`steg serve`), so
//! that a load after an edit costs what the edit changed and not the whole moment.
//!
//! Two things are remembered. The settled tree (every file's id, address and place in the
//! bundle): an edit to known steg files that keeps their ids changes none of it but the
//! parsed files, which are swapped in. And each modul as built: a modul whose files are the
//! very ones parsed before (the same shared parse, told by identity), under the same links
//! and audience, is the same modul, and is taken as it is. Anything else (a new, removed or
//! renamed file, a changed id, an edit to a modul, avsnitt or moment file) settles or builds
//! afresh, through the same code as a first load.

use super::{Parsed, ParsedModul};
use crate::front::StegFront;
use crate::model::Modul;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use steg_bundle::diagnostic::{Diagnostic, Diagnostics};
use steg_bundle::manifest::AudienceGroup;

/// A moment's tree as settled: ids, addresses, the map of every document's output, and what
/// settling it found.
pub(super) struct Settled {
    /// Each modul shared, so that an edit copies the modul it is in and not the moment.
    pub tree: Vec<Arc<ParsedModul>>,
    pub documents: Arc<HashMap<String, String>>,
    /// Over every (file, output) pair in order: the documents' fingerprint.
    pub placed: u64,
    pub diagnostics: Vec<Diagnostic>,
    /// Where each steg file that parsed sits in `tree`.
    pub steg_at: Arc<HashMap<PathBuf, StegPlace>>,
}

/// A steg's place in a settled tree, and the file name its id comes from when none is pinned.
pub(super) struct StegPlace {
    pub modul: usize,
    pub avsnitt: usize,
    pub steg: usize,
    pub name: String,
}

/// A modul as built, with everything it was built from.
pub(super) struct BuiltModul {
    pub input: Arc<ParsedModul>,
    pub links_key: u64,
    pub groups: Vec<AudienceGroup>,
    pub modul: Option<Arc<Modul>>,
    pub diagnostics: Diagnostics,
}

/// The memo of one moment.
pub(super) struct MomentMemo {
    pub settled: Arc<Settled>,
    pub built: Vec<Arc<BuiltModul>>,
}

impl Settled {
    /// The tree after an edit to `dirty` files of the moment in `dir`, when every one is a
    /// steg file that settled cleanly before, parses now and keeps its id: the old tree with
    /// the new parses in it. `None` when the tree must be settled afresh.
    pub fn patched(
        &self,
        dir: &Path,
        dirty: &[PathBuf],
        parsed: impl Fn(&Path) -> Option<Arc<Result<Parsed<StegFront>, Diagnostic>>>,
    ) -> Option<Settled> {
        let mut tree: Option<Vec<Arc<ParsedModul>>> = None;
        for file in dirty.iter().filter(|f| f.starts_with(dir)) {
            let place = self.steg_at.get(file)?;
            // A finding about the file (a bad or doubled id) may read differently now.
            if self
                .diagnostics
                .iter()
                .any(|d| d.file.as_deref() == Some(file.as_path()))
            {
                return None;
            }
            let new = parsed(file)?;
            let Ok(front) = &*new else { return None };
            // The id as a fresh settle would give it; one it would report is settled afresh.
            let mut found = Diagnostics::new();
            let id = super::settle_id(front.front.id.as_ref(), &place.name, front, &mut found);
            let tree = tree.get_or_insert_with(|| self.tree.clone());
            let modul = Arc::make_mut(&mut tree[place.modul]);
            let entry = &mut modul.2[place.avsnitt].2[place.steg];
            if !found.is_empty() || entry.0 != id {
                return None;
            }
            entry.2 = new;
        }
        Some(Settled {
            tree: tree.unwrap_or_else(|| self.tree.clone()),
            documents: self.documents.clone(),
            placed: self.placed,
            diagnostics: self.diagnostics.clone(),
            steg_at: self.steg_at.clone(),
        })
    }

    /// Where each steg of `tree` sits, by file.
    pub fn places(
        tree: &[ParsedModul],
        names: &HashMap<&Path, &str>,
    ) -> HashMap<PathBuf, StegPlace> {
        let mut at = HashMap::new();
        for (mi, (_, _, avsnitt)) in tree.iter().enumerate() {
            for (ai, (_, _, steg)) in avsnitt.iter().enumerate() {
                for (si, (_, _, parsed)) in steg.iter().enumerate() {
                    let Ok(p) = &**parsed else { continue };
                    let name = names.get(p.file.as_path()).copied().unwrap_or_default();
                    let place = StegPlace {
                        modul: mi,
                        avsnitt: ai,
                        steg: si,
                        name: name.to_string(),
                    };
                    at.insert(p.file.clone(), place);
                }
            }
        }
        at
    }
}

impl BuiltModul {
    /// Whether this modul was built from exactly `input`, `links_key` and `groups`.
    pub fn built_from(
        &self,
        input: &Arc<ParsedModul>,
        links_key: u64,
        groups: &[AudienceGroup],
    ) -> bool {
        self.links_key == links_key
            && self.groups == groups
            && (Arc::ptr_eq(&self.input, input) || same_modul(&self.input, input))
    }
}

/// The same ids and the very same parses (not equal ones: the same, shared).
fn same_modul(a: &ParsedModul, b: &ParsedModul) -> bool {
    a.0 == b.0
        && Arc::ptr_eq(&a.1, &b.1)
        && a.2.len() == b.2.len()
        && a.2.iter().zip(&b.2).all(|(x, y)| {
            x.0 == y.0
                && Arc::ptr_eq(&x.1, &y.1)
                && x.2.len() == y.2.len()
                && x.2
                    .iter()
                    .zip(&y.2)
                    .all(|(s, t)| s.0 == t.0 && s.1 == t.1 && Arc::ptr_eq(&s.2, &t.2))
        })
}
