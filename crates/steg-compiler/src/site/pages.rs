//! Which pages of a moment changed since the last render, judged per modul.
//!
//! A page's key is derived from what it is rendered from ([`context::PageRef`] and the
//! review state and findings it shows). The pages of a modul show nothing but the moment's
//! head, the modul (whose revision covers its avsnitt and steg, their order and texts), the
//! approvals and the findings in the modul's folder: while those stand, every key of the
//! modul would come out as before, so none is computed. An edit then costs its modul's
//! pages, not the moment's.

use super::context::{self, PageRef};
use crate::model::{Modul, Revision};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A page to render, and its path.
pub(super) type Todo<'a> = (PageRef<'a>, String);

/// What an earlier render made of a moment.
pub(super) struct CachedMoment {
    pub revision: Revision,
    /// What every page of the moment shows, and the approvals it was rendered with.
    pub head: u64,
    pub approvals: Revision,
    /// `false` while some of its pages wait for the next render.
    pub complete: bool,
    /// The moment's own pages (start and overview pages): path → key.
    pub own: HashMap<String, u64>,
    /// Each modul's pages, by modul id.
    pub moduler: HashMap<String, Arc<ModulPages>>,
    pub media: Vec<String>,
}

/// The pages of one modul as rendered: what they were rendered from, and each page's path
/// and key, in order.
pub(super) struct ModulPages {
    revision: Revision,
    findings: u64,
    pages: Vec<(String, u64)>,
}

impl CachedMoment {
    pub fn page_count(&self) -> usize {
        self.own.len() + self.moduler.values().map(|p| p.pages.len()).sum::<usize>()
    }

    /// Every page's path.
    pub fn paths(&self) -> impl Iterator<Item = &String> {
        self.own.keys().chain(
            self.moduler
                .values()
                .flat_map(|p| p.pages.iter().map(|(p, _)| p)),
        )
    }

    /// The paths of this render that `now` (and its `media`) no longer has.
    pub fn gone<'a>(
        &'a self,
        now: &'a CachedMoment,
        media: &'a [String],
    ) -> impl Iterator<Item = &'a String> + 'a {
        let own = self.own.keys().filter(|p| !now.own.contains_key(*p));
        let pages = self.moduler.iter().flat_map(move |(id, before)| {
            let kept: HashSet<&String> = match now.moduler.get(id) {
                Some(after) if Arc::ptr_eq(after, before) => before.paths().collect(),
                Some(after) => after.paths().collect(),
                None => HashSet::new(),
            };
            before.paths().filter(move |p| !kept.contains(p))
        });
        let kept_media: HashSet<&String> = media.iter().collect();
        let media = self.media.iter().filter(move |p| !kept_media.contains(p));
        own.chain(pages).chain(media)
    }
}

impl ModulPages {
    fn paths(&self) -> impl Iterator<Item = &String> {
        self.pages.iter().map(|(p, _)| p)
    }
}

/// The moment's own pages as judged: their keys, the paths left for the next render, and
/// whether none was.
pub(super) struct OwnPages {
    pub keys: HashMap<String, u64>,
    pub pending: Vec<String>,
    pub complete: bool,
}

/// One moment's pages judged against the render `old` remembers.
pub(super) struct Judge<'i, 'a> {
    input: &'i context::MomentInput<'a>,
    incremental: bool,
    pub head: u64,
    old: Option<&'i CachedMoment>,
    /// The old render, when its head and approvals are the moment's now.
    same_head: bool,
}

impl<'i, 'a> Judge<'i, 'a> {
    pub fn new(
        input: &'i context::MomentInput<'a>,
        incremental: bool,
        salt: u64,
        old: Option<&'i CachedMoment>,
    ) -> Self {
        let head = if incremental { input.head_key(salt) } else { 0 };
        let same_head = old.is_some_and(|o| {
            incremental && o.head == head && o.approvals == input.m.approvals.revision()
        });
        Judge {
            input,
            incremental,
            head,
            old,
            same_head,
        }
    }

    /// Judges the moment's own pages, adding the stale ones to `todo`. With `defer`, stale
    /// overview pages of a moment rendered before keep the key of the version that stands
    /// (so that the next render finds them stale) and are listed as pending instead.
    pub fn own_pages(&self, defer: bool, todo: &mut Vec<Todo<'a>>) -> OwnPages {
        let input = self.input;
        let whole = if self.incremental {
            input.whole_key()
        } else {
            0
        };
        let mut own = OwnPages {
            keys: HashMap::new(),
            pending: Vec::new(),
            complete: true,
        };
        for page in input.own_pages() {
            let path = input.path(&page);
            let mut key = self.key(&page, whole);
            let before = self.old.and_then(|o| o.own.get(&path)).copied();
            let stale = !self.incremental || before != Some(key);
            if stale && defer && self.old.is_some() && page.is_overview() {
                key = before.unwrap_or_default();
                own.pending.push(path.clone());
                own.complete = false;
            } else if stale {
                todo.push((page, path.clone()));
            }
            own.keys.insert(path, key);
        }
        own
    }

    /// Judges every modul's pages, adding the stale ones to `todo`: each modul's pages, by id.
    pub fn moduler(&self, todo: &mut Vec<Todo<'a>>) -> HashMap<String, Arc<ModulPages>> {
        let judged: Vec<(String, Arc<ModulPages>, Vec<Todo<'a>>)> = self
            .input
            .m
            .moduler
            .par_iter()
            .map(|modul| {
                let (pages, stale) = self.modul(modul);
                (modul.id.clone(), pages, stale)
            })
            .collect();
        let mut moduler = HashMap::new();
        for (id, pages, stale) in judged {
            todo.extend(stale);
            moduler.insert(id, pages);
        }
        moduler
    }

    /// One modul's pages: as before when all it shows stands, else each page judged.
    fn modul(&self, modul: &'a Modul) -> (Arc<ModulPages>, Vec<Todo<'a>>) {
        let input = self.input;
        let findings = input.modul_findings(&modul.id);
        let before = self.old.and_then(|o| o.moduler.get(&modul.id));
        if let Some(before) = before
            && self.same_head
            && before.revision == modul.revision
            && before.findings == findings
        {
            return (before.clone(), Vec::new());
        }
        let old_keys: HashMap<&str, u64> = before
            .map(|b| b.pages.iter().map(|(p, k)| (p.as_str(), *k)).collect())
            .unwrap_or_default();
        let mut stale = Vec::new();
        let pages = input
            .modul_pages(modul)
            .into_iter()
            .map(|page| {
                let path = input.path(&page);
                // Modul pages do not show the whole moment: no `whole` in their keys.
                let key = self.key(&page, 0);
                if !self.incremental || old_keys.get(path.as_str()) != Some(&key) {
                    stale.push((page, path.clone()));
                }
                (path, key)
            })
            .collect();
        let pages = ModulPages {
            revision: modul.revision,
            findings,
            pages,
        };
        (Arc::new(pages), stale)
    }

    fn key(&self, page: &PageRef<'_>, whole: u64) -> u64 {
        if self.incremental {
            self.input.key(page, self.head, whole)
        } else {
            0
        }
    }
}
