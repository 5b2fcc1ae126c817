//! "Did you mean": the nearest of some known names to a misspelt one. Shared by every
//! message that suggests a name (parameters, scripts, functions, options, terraform
//! variables and outputs), so they all agree on what counts as near.

/// The candidate nearest to `word`, if it is within two edits (one for words of two
/// letters or fewer, where two edits make anything near); ties go to the one first in
/// alphabetical order.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let most = if word.chars().count() <= 2 { 1 } else { 2 };
    candidates
        .into_iter()
        .filter(|c| *c != word)
        .map(|c| (distance(word, c), c))
        .filter(|(d, _)| *d <= most)
        .min()
        .map(|(_, c)| c)
}

/// Levenshtein distance (names are short).
pub fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != *cb)).min(row[j] + 1).min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_for_suggestions() {
        assert_eq!(distance("namespace", "namepsace"), 2);
        assert_eq!(distance("", "abc"), 3);
        assert_eq!(distance("aply", "apply"), 1);
        let names = ["namespace", "labels"];
        assert_eq!(closest("namepsace", names), Some("namespace"));
        assert_eq!(closest("zzz", names), None);
        // Ties: the smaller distance, then alphabetical order.
        assert_eq!(closest("vars", ["var", "vars2", "bars"]), Some("bars"));
        // Two letters are not "near" anything two edits away.
        assert_eq!(closest("fs", ["ab", "f"]), Some("f"));
        assert_eq!(closest("x", ["ab"]), None);
    }
}
