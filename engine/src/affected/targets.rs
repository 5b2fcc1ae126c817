//! The targets of one kind (images, roots, scripts, deleted roots), sorted by name, each
//! with its reasons.
//!
//! Most targets come from the changed paths themselves and are few. A changed module used
//! by 4,000 roots adds 4,000 at once: those stay folder numbers of the module graph with a
//! shared reason each, and become text only when printed, instead of a string and a map
//! entry per root that the run would build, copy into the output and free again.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::iter::Peekable;
use std::sync::Arc;

use super::graph::{FolderId, ModuleGraph};
use super::reason::Reason;

#[derive(Debug, Clone, Default)]
pub struct Targets {
    named: BTreeMap<String, Vec<Reason>>,
    reached: Option<Reached>,
    /// Distinct targets in both.
    count: usize,
}

/// Roots reached through changed modules.
#[derive(Debug, Clone)]
struct Reached {
    graph: Arc<ModuleGraph>,
    /// Sorted by root name, then reason, without duplicates.
    reasons: Vec<(FolderId, Reason)>,
}

impl From<BTreeMap<String, Vec<Reason>>> for Targets {
    fn from(named: BTreeMap<String, Vec<Reason>>) -> Targets {
        Targets { count: named.len(), named, reached: None }
    }
}

impl Targets {
    /// `named` targets plus the roots of `graph` in `reasons` (any order, duplicates allowed).
    pub fn with_reached(
        named: BTreeMap<String, Vec<Reason>>,
        graph: Arc<ModuleGraph>,
        reasons: Vec<(FolderId, Reason)>,
    ) -> Targets {
        // By name, then reason: by number for the snapshot's roots (see `ModuleGraph::order`).
        let mut reasons = reasons;
        reasons.sort_unstable_by(|(a, x), (b, y)| graph.order(*a, *b).then_with(|| x.cmp(y)));
        reasons.dedup();
        // Counted by number: the names are looked at only when printed.
        let distinct = reasons.chunk_by(|(a, _), (b, _)| a == b).count();
        let both = named
            .keys()
            .filter_map(|name| graph.find(name))
            .filter(|id| reasons.binary_search_by(|(at, _)| graph.order(*at, *id)).is_ok())
            .count();
        let count = named.len() + distinct - both;
        Targets { named, reached: Some(Reached { graph, reasons }), count }
    }

    /// Adds a target with its reasons (sorted), replacing any it had by that name.
    pub fn insert(&mut self, target: String, reasons: Vec<Reason>) {
        self.named.insert(target, reasons);
        self.count = self.iter().count();
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Target names, sorted.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(name, _)| name)
    }

    /// Targets sorted by name, each with its reasons.
    pub fn iter(&self) -> Iter<'_> {
        let (graph, reached): (Option<&ModuleGraph>, &[(FolderId, Reason)]) = match &self.reached {
            Some(reached) => (Some(&reached.graph), &reached.reasons),
            None => (None, &[]),
        };
        Iter { named: self.named.iter().peekable(), reached, graph }
    }
}

impl PartialEq for Targets {
    fn eq(&self, other: &Targets) -> bool {
        self.count == other.count
            && self.iter().zip(other.iter()).all(|((a, x), (b, y))| a == b && x.iter().eq(y.iter()))
    }
}

impl Eq for Targets {}

pub struct Iter<'a> {
    named: Peekable<std::collections::btree_map::Iter<'a, String, Vec<Reason>>>,
    reached: &'a [(FolderId, Reason)],
    graph: Option<&'a ModuleGraph>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (&'a str, Reasons<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let reached = match (self.reached.first(), self.graph) {
            (Some((root, _)), Some(graph)) => Some((*root, graph)),
            _ => None,
        };
        let order = match (self.named.peek(), reached) {
            (Some((name, _)), Some((root, graph))) => name.as_str().cmp(graph.name(root)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => return None,
        };
        let named = match order {
            Ordering::Greater => None,
            _ => self.named.next(),
        };
        let reached = match (order, reached) {
            (Ordering::Less, _) | (_, None) => &[][..],
            (_, Some((root, _))) => {
                let length = self.reached.iter().take_while(|(id, _)| *id == root).count();
                let (taken, rest) = self.reached.split_at(length);
                self.reached = rest;
                taken
            }
        };
        let name = match (named, reached.first(), self.graph) {
            (Some((name, _)), _, _) => name.as_str(),
            (None, Some((root, _)), Some(graph)) => graph.name(*root),
            _ => return None,
        };
        Some((name, Reasons { named: named.map(|(_, reasons)| reasons.as_slice()).unwrap_or_default(), reached }))
    }
}

/// One target's reasons, sorted.
#[derive(Debug, Clone, Copy)]
pub struct Reasons<'a> {
    named: &'a [Reason],
    reached: &'a [(FolderId, Reason)],
}

impl<'a> Reasons<'a> {
    pub fn iter(&self) -> impl Iterator<Item = &'a Reason> + 'a {
        let mut named = self.named.iter().peekable();
        let mut reached = self.reached.iter().map(|(_, reason)| reason).peekable();
        std::iter::from_fn(move || match (named.peek(), reached.peek()) {
            (Some(a), Some(b)) => match a.cmp(b) {
                Ordering::Less => named.next(),
                Ordering::Greater => reached.next(),
                Ordering::Equal => {
                    reached.next();
                    named.next()
                }
            },
            (Some(_), None) => named.next(),
            (None, _) => reached.next(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::reason::Cause;
    use super::*;
    use crate::affected::calls::Calls;

    fn reason(via: &[&str], file: &str) -> Reason {
        Reason::new(via.iter().map(|s| s.to_string()).collect::<Vec<_>>(), Cause::Changed(vec![file.to_string()]))
    }

    #[test]
    fn named_and_reached_targets_merge_by_name() {
        let calls =
            |callees: &[&str]| Calls { callees: callees.iter().map(|c| c.to_string()).collect(), unreadable: None };
        let graph = Arc::new(ModuleGraph::from_calls([
            ("environments/dev/a/hive".to_string(), calls(&["infra/m"])),
            ("environments/dev/c/hive".to_string(), calls(&["infra/m"])),
            ("infra/m".to_string(), calls(&[])),
        ]));
        let (a, c) = (graph.find("environments/dev/a/hive").unwrap(), graph.find("environments/dev/c/hive").unwrap());
        let module = reason(&["infra/m"], "infra/m/main.tf");
        let named: BTreeMap<String, Vec<Reason>> = [
            ("environments/dev/b/hive".to_string(), vec![reason(&[], "environments/dev/b/hive/main.tf")]),
            ("environments/dev/c/hive".to_string(), vec![reason(&[], "environments/dev/c/hive/main.tf")]),
        ]
        .into();
        let targets =
            Targets::with_reached(named, graph, vec![(c, module.clone()), (a, module.clone()), (c, module.clone())]);
        let shown: Vec<String> = targets
            .iter()
            .flat_map(|(name, reasons)| reasons.iter().map(move |reason| reason.display(name).to_string()))
            .collect();
        expect_test::expect![[r#"
            [
                "environments/dev/a/hive ← infra/m (changed: infra/m/main.tf)",
                "environments/dev/b/hive (changed: environments/dev/b/hive/main.tf)",
                "environments/dev/c/hive (changed: environments/dev/c/hive/main.tf)",
                "environments/dev/c/hive ← infra/m (changed: infra/m/main.tf)",
            ]
        "#]]
        .assert_debug_eq(&shown);
        assert_eq!(targets.len(), 3);
        assert_eq!(
            targets.names().collect::<Vec<_>>(),
            ["environments/dev/a/hive", "environments/dev/b/hive", "environments/dev/c/hive"]
        );
        let mut plain = Targets::default();
        plain.insert("environments/dev/a/hive".into(), vec![module.clone()]);
        plain.insert("environments/dev/b/hive".into(), vec![reason(&[], "environments/dev/b/hive/main.tf")]);
        plain.insert(
            "environments/dev/c/hive".into(),
            vec![reason(&[], "environments/dev/c/hive/main.tf"), module.clone()],
        );
        assert_eq!(targets, plain);
    }
}
