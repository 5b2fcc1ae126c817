//! What the kubectl operations return: real output, or "known after apply" when the
//! invocation was only recorded.

/// What an operation produced: real output, or "known after apply" (recorded).
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<T> {
    Done(T),
    Recorded,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DiffResult {
    pub changed: bool,
    pub diff: String,
}

impl DiffResult {
    /// The objects that differ, as kubectl names its diff files
    /// (`apps.v1.Deployment.acme.hive-metastore`), from the `+++ /tmp/MERGED-…/<object>` lines.
    /// The diff without what differs from one run of kubectl to the next (the temporary
    /// folders it diffs in, `diff -u` command lines): what a plan bundle compares.
    pub fn stable_text(&self) -> String {
        self.diff
            .lines()
            .filter(|line| !line.starts_with("diff -u"))
            .map(|line| match line.split_once(' ') {
                Some((mark @ ("---" | "+++"), rest)) => {
                    let path = rest.split_whitespace().next().unwrap_or_default();
                    format!("{mark} {}", path.rsplit('/').next().unwrap_or_default())
                }
                _ => line.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    pub fn objects(&self) -> Vec<String> {
        self.diff
            .lines()
            .filter_map(|line| line.strip_prefix("+++ "))
            .filter_map(|rest| rest.split_whitespace().next())
            .filter_map(|path| path.rsplit('/').next())
            .map(str::to_string)
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApplyResult {
    /// `None` when nothing ran (dry-run): known after apply.
    pub diff: Option<DiffResult>,
    /// kubectl apply's output; `None` when the apply was skipped (no differences) or only
    /// recorded.
    pub output: Option<String>,
    pub applied: Outcome<()>,
}

impl ApplyResult {
    /// Whether the apply changed (or, when recorded, would change) something; `None` when
    /// unknown (dry-run). Without a diff (pruning) a real apply counts as a change:
    /// server-side apply reports `serverside-applied` whether or not anything changed.
    pub fn changed(&self) -> Option<bool> {
        match (&self.diff, &self.applied) {
            (Some(diff), _) => Some(diff.changed),
            (None, Outcome::Done(())) => Some(true),
            (None, Outcome::Recorded) => None,
        }
    }
}

// What kubectl's results mean for the run.
impl crate::runtime::steps::Outcome for ApplyResult {
    /// Only an apply that ran and found differences changed the cluster.
    fn changes(&self) -> crate::runtime::steps::Changes {
        crate::runtime::steps::Changes {
            changed: matches!(self.applied, Outcome::Done(())) && self.changed() == Some(true),
            left_pending: false,
            applied: true,
            counted: objects_counted(self.diff.as_ref()),
        }
    }
}

impl crate::runtime::steps::Outcome for DiffResult {
    /// A diff with differences leaves them pending until an apply.
    fn changes(&self) -> crate::runtime::steps::Changes {
        crate::runtime::steps::Changes {
            changed: false,
            left_pending: self.changed,
            applied: false,
            // Counted by the apply that follows (a diff alone leaves the cluster pending).
            counted: Default::default(),
        }
    }
}

/// Lines of a `kubectl diff` a plan shows before the rest is only counted.
const SHOWN_DIFF_LINES: usize = 120;

/// A `kubectl diff` as a plan shows it: without kubectl's `diff -u -N /tmp/LIVE…` command
/// lines, cut to [`SHOWN_DIFF_LINES`].
pub fn shown_diff(diff: &str) -> String {
    let lines: Vec<&str> = diff.lines().filter(|line| !line.starts_with("diff -u")).collect();
    let mut shown: Vec<String> = lines.iter().take(SHOWN_DIFF_LINES).map(|l| format!("  {l}")).collect();
    if lines.len() > SHOWN_DIFF_LINES {
        shown.push(format!("  … {} more line(s) of diff", lines.len() - SHOWN_DIFF_LINES));
    }
    shown.join("\n")
}

/// The objects a diff found different, for the run's numbers (none when no diff ran).
fn objects_counted(diff: Option<&DiffResult>) -> crate::report::summary::Counted {
    let objects = diff.filter(|d| d.changed).map(|d| d.objects().len().max(1) as u64).unwrap_or(0);
    crate::report::summary::Counted { kubernetes_objects: objects, ..Default::default() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_names_the_objects_that_differ() {
        let diff = DiffResult {
            changed: true,
            diff: "diff -u -N /tmp/LIVE-1/v1.ConfigMap.acme.x /tmp/MERGED-2/v1.ConfigMap.acme.x\n\
                   --- /tmp/LIVE-1/v1.ConfigMap.acme.x\t2026-01-01 00:00:00\n\
                   +++ /tmp/MERGED-2/v1.ConfigMap.acme.x\t2026-01-01 00:00:00\n\
                   @@ -1 +1 @@\n-a\n+b\n"
                .into(),
        };
        assert_eq!(diff.objects(), ["v1.ConfigMap.acme.x"]);
    }
}
