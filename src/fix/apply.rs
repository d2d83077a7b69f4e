//! Applying edits to a source text.

use std::fmt;

use crate::diagnostic::{Edit, EditRef};
use crate::span::Span;

/// Why a set of edits cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditError {
    /// The edit's range is outside the text or splits a character.
    OutOfRange(Span),
    /// Two edits change the same bytes (or insert at the same place).
    Overlap(Span, Span),
}

impl fmt::Display for EditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EditError::OutOfRange(s) => {
                write!(
                    f,
                    "edit at bytes {}..{} is outside the text",
                    s.start(),
                    s.end()
                )
            }
            EditError::Overlap(a, b) => write!(
                f,
                "edits at bytes {}..{} and {}..{} overlap",
                a.start(),
                a.end(),
                b.start(),
                b.end()
            ),
        }
    }
}

impl std::error::Error for EditError {}

/// Whether two edits touch the same bytes, or insert at the same place (their order
/// would then be ambiguous). An insertion right at the end of a deletion is fine.
pub fn conflicts(a: Span, b: Span) -> bool {
    (a.start() < b.end() && b.start() < a.end()) || a.start() == b.start()
}

/// Apply edits to `source`. The edits are ordered by position (edits at the same
/// position keep their given order) and must not overlap.
pub fn apply_edits(source: &str, edits: &[Edit]) -> Result<String, EditError> {
    let refs = edits
        .iter()
        .map(|e| EditRef {
            span: e.span,
            replacement: &e.replacement,
        })
        .collect();
    apply_edit_refs(source, refs)
}

/// [`apply_edits`] for edits read in place from a list of findings.
pub fn apply_edit_refs(source: &str, mut edits: Vec<EditRef<'_>>) -> Result<String, EditError> {
    edits.sort_by_key(|e| (e.span.start(), e.span.end()));
    for e in &edits {
        let ok = e.span.start() <= e.span.end()
            && e.span.end() <= source.len()
            && source.is_char_boundary(e.span.start())
            && source.is_char_boundary(e.span.end());
        if !ok {
            return Err(EditError::OutOfRange(e.span));
        }
    }
    for pair in edits.windows(2) {
        let (a, b) = (pair[0].span, pair[1].span);
        if a.end() > b.start() {
            return Err(EditError::Overlap(a, b));
        }
    }
    let added: usize = edits.iter().map(|e| e.replacement.len()).sum();
    let mut out = String::with_capacity(source.len() + added);
    let mut at = 0;
    for e in edits {
        out.push_str(&source[at..e.span.start()]);
        out.push_str(e.replacement);
        at = e.span.end();
    }
    out.push_str(&source[at..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(start: usize, end: usize, text: &str) -> Edit {
        Edit {
            span: Span::new(start, end),
            replacement: text.into(),
        }
    }

    #[test]
    fn applies_in_position_order() {
        let out = apply_edits(
            "abcdef",
            &[edit(4, 5, "E"), edit(0, 1, "A"), edit(2, 2, "+")],
        );
        assert_eq!(out, Ok("Ab+cdEf".to_string()));
    }

    #[test]
    fn insertion_at_the_end_of_a_deletion_is_fine() {
        assert_eq!(
            apply_edits("abc", &[edit(0, 1, ""), edit(1, 1, "X")]),
            Ok("Xbc".to_string())
        );
    }

    #[test]
    fn rejects_overlaps_and_bad_ranges() {
        assert!(apply_edits("abc", &[edit(0, 2, ""), edit(1, 3, "")]).is_err());
        assert!(apply_edits("abc", &[edit(2, 9, "")]).is_err());
        assert!(apply_edits("é", &[edit(1, 1, "x")]).is_err());
    }

    #[test]
    fn conflicts_counts_same_place_insertions() {
        assert!(conflicts(Span::new(3, 3), Span::new(3, 3)));
        assert!(conflicts(Span::new(1, 4), Span::new(2, 2)));
        assert!(!conflicts(Span::new(1, 3), Span::new(3, 3)));
    }
}
