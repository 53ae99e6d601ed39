//! Addresses as reviewers type them: which nodes they name, and the nearest address when one
//! names nothing (a typo, or a steg's id without its modul and avsnitt).

use super::{MOMENT_ADDRESS, Node, Status, status};
use crate::model::Approvals;

/// An address that names no node, with the address meant, when one is near enough to guess.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    pub address: String,
    pub suggestion: Option<String>,
}

/// The nodes `addresses` name (with `recursive`, also everything below each), each once, in
/// the order named. A trailing `/` is ignored; an empty address is the program itself.
pub fn select<'n>(
    nodes: &'n [Node],
    addresses: &[String],
    recursive: bool,
) -> Result<Vec<&'n Node>, Unknown> {
    let mut chosen: Vec<&Node> = Vec::new();
    for addr in addresses {
        let addr = addr.trim().trim_end_matches('/');
        let addr = if addr.is_empty() {
            MOMENT_ADDRESS
        } else {
            addr
        };
        let below = format!("{addr}/");
        let matched = nodes.iter().filter(|n| {
            n.address == addr
                || (recursive && (addr == MOMENT_ADDRESS || n.address.starts_with(&below)))
        });
        let mut any = false;
        for n in matched {
            any = true;
            if !chosen.iter().any(|c| c.address == n.address) {
                chosen.push(n);
            }
        }
        if !any {
            return Err(Unknown {
                address: addr.to_string(),
                suggestion: suggest(addr, nodes),
            });
        }
    }
    Ok(chosen)
}

/// The address nearest to `typed`: one whose last part is what was typed (a steg's id alone),
/// else the closest by edit distance, when close enough to be a typo.
pub fn suggest(typed: &str, nodes: &[Node]) -> Option<String> {
    let addresses = nodes.iter().map(|n| n.address.as_str());
    let by_end: Vec<&str> = addresses
        .clone()
        .filter(|a| a.rsplit('/').next() == Some(typed))
        .collect();
    if let [only] = by_end.as_slice() {
        return Some((*only).to_string());
    }
    let typed_lower = typed.to_lowercase();
    addresses
        .filter(|a| *a != MOMENT_ADDRESS)
        .map(|a| (strsim::levenshtein(&typed_lower, a), a))
        .filter(|(d, a)| *d <= 2.max(a.chars().count() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, a)| a.to_string())
}

/// How many steg below `node` are not approved as they are now. A modul, avsnitt or moment
/// whose hash changed while this is 0 changed its own text (or gained or lost a part); while
/// it is not, the change may be only below it.
pub fn unapproved_below(nodes: &[Node], approvals: &Approvals, node: &Node) -> usize {
    let below = format!("{}/", node.address);
    nodes
        .iter()
        .filter(|n| n.level == "steg")
        .filter(|n| node.address == MOMENT_ADDRESS || n.address.starts_with(&below))
        .filter(|n| !matches!(status(approvals, &n.address, &n.hash), Status::Approved(_)))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(address: &str, level: &'static str) -> Node {
        Node {
            address: address.into(),
            level,
            title: String::new(),
            hash: format!("h-{address}"),
            source: Default::default(),
        }
    }

    fn nodes() -> Vec<Node> {
        vec![
            node("/", "moment"),
            node("sova-battre", "modul"),
            node("sova-battre/varfor-sover-vi", "avsnitt"),
            node("sova-battre/varfor-sover-vi/valkommen", "steg"),
            node("sova-battre/varfor-sover-vi/film-om-somn", "steg"),
        ]
    }

    #[test]
    fn addresses_select_nodes_once_in_order() {
        let n = nodes();
        let got = select(&n, &["sova-battre/".into(), "/".into()], true).unwrap();
        let got: Vec<&str> = got.iter().map(|n| n.address.as_str()).collect();
        assert_eq!(got[0], "sova-battre");
        assert_eq!(got.len(), 5);
        assert_eq!(got.last(), Some(&"/"));
    }

    #[test]
    fn a_typo_gets_the_address_meant() {
        let n = nodes();
        let e = select(&n, &["sova-batre/varfor-sover-vi/valkomen".into()], false).unwrap_err();
        assert_eq!(
            e.suggestion.as_deref(),
            Some("sova-battre/varfor-sover-vi/valkommen")
        );
        assert_eq!(
            suggest("valkommen", &n).as_deref(),
            Some("sova-battre/varfor-sover-vi/valkommen")
        );
        assert_eq!(suggest("something-else-entirely", &n), None);
    }
}
