//! The one finding type shared by every rule and every output format.

use std::cmp::Ordering;
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;

use hashbrown::hash_table::{self, HashTable};
use serde::Serialize;

use crate::rules::RuleMeta;
use crate::span::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Style,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Style => "style",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            "style" => Some(Severity::Style),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location that explains the primary one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: Arc<str>,
}

/// Replace the bytes in `span` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: Arc<str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Keeps the build's meaning; applied by `--fix`.
    Safe,
    /// May change what the build does; applied only with `--unsafe-fixes`.
    Unsafe,
    /// Shown to the user, never applied.
    DisplayOnly,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub title: Arc<str>,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule that reported it (its code and name).
    pub rule: &'static RuleMeta,
    pub severity: Severity,
    pub message: Arc<str>,
    /// Where the problem is; byte offsets into the file's source.
    pub span: Span,
    pub labels: thin_vec::ThinVec<Label>,
    pub help: Option<Arc<str>>,
    /// Boxed: most findings have none, and a file can have many findings.
    pub fix: Option<Box<Fix>>,
}

/// Shows the rule by its code, not its whole doc.
impl std::fmt::Debug for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Diagnostic")
            .field("code", &self.rule.code)
            .field("severity", &self.severity)
            .field("message", &self.message)
            .field("span", &self.span)
            .field("labels", &self.labels)
            .field("help", &self.help)
            .field("fix", &self.fix)
            .finish()
    }
}

impl Diagnostic {
    /// The rule's code, e.g. `LL101`.
    pub fn code(&self) -> &'static str {
        self.rule.code
    }

    /// The rule's name, e.g. `volatile-copy-before-install`.
    pub fn name(&self) -> &'static str {
        self.rule.name
    }

    pub fn new(meta: &'static RuleMeta, span: Span, message: impl Into<Arc<str>>) -> Self {
        Diagnostic {
            rule: meta,
            severity: meta.default_severity,
            message: message.into(),
            span,
            labels: thin_vec::ThinVec::new(),
            help: None,
            fix: None,
        }
    }

    pub fn with_label(mut self, span: Span, message: impl Into<Arc<str>>) -> Self {
        // Most findings have one label; a first push would reserve four.
        if self.labels.is_empty() {
            self.labels.reserve_exact(1);
        }
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<Arc<str>>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(Box::new(fix));
        self
    }
}

/// The findings of one file as rules report them. Each finding is stored in the compact
/// form of [`Diagnostics`] as it is pushed, and identical texts are stored once: a file of
/// many similar stages gets the same message, help, fix title and replacement text over
/// and over, and each repeat costs a 32-bit id rather than a string.
#[derive(Debug, Default)]
pub struct Findings {
    list: Diagnostics,
    /// The id of every text of `list`, found by the text's hash.
    lookup: HashTable<TextId>,
    hasher: RandomState,
}

impl Findings {
    pub fn push(&mut self, d: Diagnostic) {
        let Diagnostic {
            rule,
            severity,
            message,
            span,
            labels,
            help,
            fix,
        } = d;
        let edit_count = fix.as_ref().map_or(0, |f| f.edits.len());
        let text_len = message.len()
            + help.as_deref().map_or(0, str::len)
            + labels.iter().map(|l| l.message.len()).sum::<usize>()
            + fix.as_ref().map_or(0, |f| {
                f.title.len() + f.edits.iter().map(|e| e.replacement.len()).sum::<usize>()
            });
        if !self.list.has_room(labels.len(), edit_count, text_len) {
            return;
        }
        let rule = self.list.rule_index(rule);
        let message = self.intern(message);
        let help = help.map_or(NONE, |help| self.intern(help));
        let labels_start = self.list.tables.labels.len() as u32;
        let labels_len = labels.len() as u32;
        for label in labels {
            let text = self.intern(label.message);
            self.list.tables.labels.push(Placed {
                span: label.span,
                text,
            });
        }
        let (fix, applicability) = match fix {
            Some(fix) => {
                let Fix {
                    title,
                    applicability,
                    edits,
                } = *fix;
                let title = self.intern(title);
                let edits_start = self.list.tables.edits.len() as u32;
                for edit in edits {
                    let text = self.intern(edit.replacement);
                    self.list.tables.edits.push(Placed {
                        span: edit.span,
                        text,
                    });
                }
                let index = self.list.tables.fixes.len() as u32;
                self.list
                    .tables
                    .fixes
                    .push(StoredFix { title, edits_start });
                (index, applicability)
            }
            None => (NONE, Applicability::Safe),
        };
        self.list.records.push(Record {
            span,
            message,
            help,
            labels_start,
            labels_len,
            fix,
            rule,
            severity,
            applicability,
        });
    }

    /// The id of `text`, added to the table unless an identical text is there already.
    fn intern(&mut self, text: Arc<str>) -> TextId {
        let Findings {
            list,
            lookup,
            hasher,
        } = self;
        let texts = &mut list.tables.texts;
        let hash = hasher.hash_one(&*text);
        let entry = lookup.entry(
            hash,
            |&id| texts.get(id) == &*text,
            |&id| hasher.hash_one(texts.get(id)),
        );
        match entry {
            hash_table::Entry::Occupied(held) => *held.get(),
            hash_table::Entry::Vacant(slot) => {
                let id = texts.push(&text);
                slot.insert(id);
                id
            }
        }
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The findings, in the order they were reported.
    pub fn into_diagnostics(self) -> Diagnostics {
        self.list
    }
}

/// The id of a text of a [`Diagnostics`]: its index in the text table.
type TextId = u32;

/// Distinct texts, stored end to end in one string. A file with a finding on every line
/// has as many distinct messages (each names a line); one allocation each would add a
/// reference-count header and the allocator's own overhead to every one.
#[derive(Clone, Default)]
struct Texts {
    bytes: String,
    /// Where each text ends in `bytes`; it starts where the previous one ends.
    ends: Vec<u32>,
}

impl Texts {
    fn get(&self, id: TextId) -> &str {
        let id = id as usize;
        let start = match id {
            0 => 0,
            _ => self.ends[id - 1] as usize,
        };
        &self.bytes[start..self.ends[id] as usize]
    }

    /// Appends `text` (the caller has checked with [`Diagnostics::has_room`] that it fits).
    fn push(&mut self, text: &str) -> TextId {
        let id = self.ends.len() as TextId;
        self.bytes.push_str(text);
        self.ends.push(self.bytes.len() as u32);
        id
    }

    fn len(&self) -> usize {
        self.ends.len()
    }
}

/// No text, or no fix.
const NONE: u32 = u32::MAX;

/// The findings of one file, each stored as a fixed-size record that points into tables
/// shared by all of them: labels, fixes, edits and texts (each distinct text once). A
/// file with a finding on every line holds about 32 bytes per finding, plus 12 per label
/// and 20 per fix of one edit, and no allocation of its own, where a [`Diagnostic`] with
/// a label and a fix takes about 200 bytes in four allocations.
///
/// Records can be dropped ([`Diagnostics::retain`]) and reordered
/// ([`Diagnostics::sort_by`]); the tables are only ever appended to, so a record keeps
/// pointing at its own labels and fix. [`Diagnostics::iter`] reads each finding as a
/// [`Finding`] without copying it out.
#[derive(Clone, Default)]
pub struct Diagnostics {
    records: Vec<Record>,
    tables: Tables,
}

/// One finding as stored.
#[derive(Debug, Clone, Copy)]
struct Record {
    span: Span,
    message: TextId,
    /// `NONE` when the finding has no help.
    help: TextId,
    /// The finding's labels: `labels_len` entries of [`Tables::labels`] from `labels_start`.
    labels_start: u32,
    labels_len: u32,
    /// Index into [`Tables::fixes`], `NONE` when the finding has no fix.
    fix: u32,
    /// Index into [`Tables::rules`].
    rule: u16,
    severity: Severity,
    /// The fix's applicability (meaningless without a fix): kept here, where a byte of
    /// padding was free, rather than in a fix entry where it would take four.
    applicability: Applicability,
}

/// A label's or an edit's place and text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Placed {
    span: Span,
    text: TextId,
}

/// A fix as stored. Its edits are the entries of [`Tables::edits`] from `edits_start` to
/// the next fix's `edits_start` (or the end): fixes and edits are only appended, in step.
#[derive(Debug, Clone, Copy)]
struct StoredFix {
    title: TextId,
    edits_start: u32,
}

/// What the records of a [`Diagnostics`] point into.
#[derive(Clone, Default)]
struct Tables {
    /// Each rule that reported, once.
    rules: Vec<&'static RuleMeta>,
    labels: Vec<Placed>,
    fixes: Vec<StoredFix>,
    edits: Vec<Placed>,
    /// Distinct texts: two ids are equal exactly when their texts are.
    texts: Texts,
}

impl Tables {
    fn text(&self, id: TextId) -> &str {
        self.texts.get(id)
    }

    fn labels_of(&self, record: &Record) -> &[Placed] {
        let start = record.labels_start as usize;
        &self.labels[start..start + record.labels_len as usize]
    }

    fn edits_of(&self, fix: u32) -> &[Placed] {
        let fix = fix as usize;
        let start = self.fixes[fix].edits_start as usize;
        let end = self
            .fixes
            .get(fix + 1)
            .map_or(self.edits.len(), |next| next.edits_start as usize);
        &self.edits[start..end]
    }

    /// Whether two records of these tables are the same finding, as
    /// `Diagnostic`'s `==` would say (texts are compared by id, which is the same).
    fn same(&self, a: &Record, b: &Record) -> bool {
        let same_fix = match (a.fix, b.fix) {
            (NONE, NONE) => true,
            (NONE, _) | (_, NONE) => false,
            (x, y) => {
                a.applicability == b.applicability
                    && self.fixes[x as usize].title == self.fixes[y as usize].title
                    && self.edits_of(x) == self.edits_of(y)
            }
        };
        *self.rules[a.rule as usize] == *self.rules[b.rule as usize]
            && a.severity == b.severity
            && a.message == b.message
            && a.span == b.span
            && a.help == b.help
            && self.labels_of(a) == self.labels_of(b)
            && same_fix
    }
}

impl Diagnostics {
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Each finding, read from the tables as it is reached.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            tables: &self.tables,
            records: self.records.iter(),
        }
    }

    pub fn get(&self, index: usize) -> Option<Finding<'_>> {
        self.records.get(index).map(|record| Finding {
            tables: &self.tables,
            record,
        })
    }

    /// Keeps the findings `keep` says yes to, in their order.
    pub fn retain(&mut self, mut keep: impl FnMut(Finding<'_>) -> bool) {
        let tables = &self.tables;
        self.records
            .retain(|record| keep(Finding { tables, record }));
    }

    /// A stable sort. It allocates one 32-bit index per finding, not a scratch copy of
    /// the records, and nothing when they are in order already.
    pub fn sort_by(&mut self, mut order: impl FnMut(Finding<'_>, Finding<'_>) -> Ordering) {
        let tables = &self.tables;
        sort_stable_by(&mut self.records, |a, b| {
            order(Finding { tables, record: a }, Finding { tables, record: b })
        });
    }

    /// Drops each finding equal to the one before it.
    pub fn dedup(&mut self) {
        let tables = &self.tables;
        self.records.dedup_by(|a, b| tables.same(a, b));
    }

    /// Gives every finding of a rule the severity `severity_of` returns for the rule, if any.
    pub fn override_severity(
        &mut self,
        severity_of: impl Fn(&'static RuleMeta) -> Option<Severity>,
    ) {
        let by_rule: Vec<Option<Severity>> = self
            .tables
            .rules
            .iter()
            .map(|&rule| severity_of(rule))
            .collect();
        if by_rule.iter().all(Option::is_none) {
            return;
        }
        for record in &mut self.records {
            if let Some(severity) = by_rule[record.rule as usize] {
                record.severity = severity;
            }
        }
    }

    /// Each finding as a [`Diagnostic`] of its own.
    pub fn to_vec(&self) -> Vec<Diagnostic> {
        self.iter().map(|d| d.to_diagnostic()).collect()
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.to_vec()
    }

    /// The index of `rule` in the rule table, added if new. Rules report their findings
    /// together, so the last record's rule is tried first.
    fn rule_index(&mut self, rule: &'static RuleMeta) -> u16 {
        let rules = &mut self.tables.rules;
        if let Some(last) = self.records.last() {
            if std::ptr::eq(rules[last.rule as usize], rule) {
                return last.rule;
            }
        }
        match rules.iter().position(|&r| std::ptr::eq(r, rule)) {
            Some(index) => index as u16,
            None => {
                rules.push(rule);
                (rules.len() - 1) as u16
            }
        }
    }

    /// Whether a finding with `labels` labels, a fix of `edits` edits and texts of
    /// `text_len` bytes in all fits: every table is indexed in 32 bits (16 for rules), as
    /// are the texts' bytes, which only gigabytes of findings would fill. A finding that
    /// does not fit is dropped rather than misfiled.
    fn has_room(&self, labels: usize, edits: usize, text_len: usize) -> bool {
        let max = NONE as usize;
        let t = &self.tables;
        self.records.len() < max
            && t.rules.len() < u16::MAX as usize
            && t.labels.len().saturating_add(labels) <= max
            && t.fixes.len() < max
            && t.edits.len().saturating_add(edits) <= max
            && t.texts.len().saturating_add(3 + labels + edits) <= max
            && t.texts.bytes.len().saturating_add(text_len) <= u32::MAX as usize
    }
}

impl From<Vec<Diagnostic>> for Diagnostics {
    fn from(list: Vec<Diagnostic>) -> Diagnostics {
        list.into_iter().collect()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<I: IntoIterator<Item = Diagnostic>>(list: I) -> Diagnostics {
        let mut findings = Findings::default();
        for d in list {
            findings.push(d);
        }
        findings.into_diagnostics()
    }
}

impl From<Diagnostics> for Vec<Diagnostic> {
    fn from(list: Diagnostics) -> Vec<Diagnostic> {
        list.into_vec()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = Finding<'a>;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl std::fmt::Debug for Diagnostics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// Equal when they hold equal findings in the same order.
impl PartialEq for Diagnostics {
    fn eq(&self, other: &Diagnostics) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Diagnostics {}

/// The findings of a [`Diagnostics`], in order.
#[derive(Clone)]
pub struct Iter<'a> {
    tables: &'a Tables,
    records: std::slice::Iter<'a, Record>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = Finding<'a>;

    fn next(&mut self) -> Option<Finding<'a>> {
        let tables = self.tables;
        self.records.next().map(|record| Finding { tables, record })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.records.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let tables = self.tables;
        self.records
            .next_back()
            .map(|record| Finding { tables, record })
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// One finding of a [`Diagnostics`], read in place; the same accessors as [`Diagnostic`].
#[derive(Clone, Copy)]
pub struct Finding<'a> {
    tables: &'a Tables,
    record: &'a Record,
}

impl<'a> Finding<'a> {
    /// The rule that reported it.
    pub fn rule(self) -> &'static RuleMeta {
        self.tables.rules[self.record.rule as usize]
    }

    /// The rule's code, e.g. `LL101`.
    pub fn code(self) -> &'static str {
        self.rule().code
    }

    /// The rule's name, e.g. `volatile-copy-before-install`.
    pub fn name(self) -> &'static str {
        self.rule().name
    }

    pub fn severity(self) -> Severity {
        self.record.severity
    }

    /// Where the problem is; byte offsets into the file's source.
    pub fn span(self) -> Span {
        self.record.span
    }

    pub fn message(self) -> &'a str {
        self.tables.text(self.record.message)
    }

    pub fn help(self) -> Option<&'a str> {
        (self.record.help != NONE).then(|| self.tables.text(self.record.help))
    }

    pub fn labels(self) -> impl ExactSizeIterator<Item = LabelRef<'a>> + 'a {
        let tables = self.tables;
        tables.labels_of(self.record).iter().map(|label| LabelRef {
            span: label.span,
            message: tables.text(label.text),
        })
    }

    pub fn fix(self) -> Option<FixRef<'a>> {
        let index = self.record.fix;
        (index != NONE).then(|| FixRef {
            title: self.tables.text(self.tables.fixes[index as usize].title),
            applicability: self.record.applicability,
            tables: self.tables,
            edits: self.tables.edits_of(index),
        })
    }

    /// This finding as a [`Diagnostic`] of its own (its texts copied out).
    pub fn to_diagnostic(self) -> Diagnostic {
        let tables = self.tables;
        Diagnostic {
            rule: self.rule(),
            severity: self.severity(),
            message: tables.text(self.record.message).into(),
            span: self.span(),
            labels: tables
                .labels_of(self.record)
                .iter()
                .map(|label| Label {
                    span: label.span,
                    message: tables.text(label.text).into(),
                })
                .collect(),
            help: self.help().map(Arc::from),
            fix: self.fix().map(|fix| Box::new(fix.to_fix())),
        }
    }
}

/// Equal when every part is, as for [`Diagnostic`]; the findings may belong to different lists.
impl PartialEq for Finding<'_> {
    fn eq(&self, other: &Finding<'_>) -> bool {
        self.rule() == other.rule()
            && self.severity() == other.severity()
            && self.message() == other.message()
            && self.span() == other.span()
            && self.labels().eq(other.labels())
            && self.help() == other.help()
            && self.fix() == other.fix()
    }
}

impl std::fmt::Debug for Finding<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.to_diagnostic().fmt(f)
    }
}

/// A label of a [`Finding`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LabelRef<'a> {
    pub span: Span,
    pub message: &'a str,
}

/// The fix of a [`Finding`].
#[derive(Clone, Copy)]
pub struct FixRef<'a> {
    pub title: &'a str,
    pub applicability: Applicability,
    tables: &'a Tables,
    edits: &'a [Placed],
}

impl<'a> FixRef<'a> {
    pub fn edits(self) -> impl ExactSizeIterator<Item = EditRef<'a>> + 'a {
        let tables = self.tables;
        self.edits.iter().map(|edit| EditRef {
            span: edit.span,
            replacement: tables.text(edit.text),
        })
    }

    pub fn to_fix(self) -> Fix {
        Fix {
            title: self.title.into(),
            applicability: self.applicability,
            edits: self.edits().map(EditRef::to_edit).collect(),
        }
    }
}

impl PartialEq for FixRef<'_> {
    fn eq(&self, other: &FixRef<'_>) -> bool {
        self.title == other.title
            && self.applicability == other.applicability
            && self.edits().eq(other.edits())
    }
}

impl std::fmt::Debug for FixRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.to_fix().fmt(f)
    }
}

/// An edit of a [`FixRef`], its replacement read in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EditRef<'a> {
    pub span: Span,
    pub replacement: &'a str,
}

impl EditRef<'_> {
    /// This edit as an [`Edit`] of its own (the replacement copied out).
    pub fn to_edit(self) -> Edit {
        Edit {
            span: self.span,
            replacement: self.replacement.into(),
        }
    }
}

/// A stable sort by `order` that allocates one 32-bit index per item instead of a scratch
/// buffer of items: the indexes are sorted (ties by index, which keeps it stable), then the
/// items are moved into place by following the permutation's cycles.
fn sort_stable_by<T>(items: &mut [T], mut order: impl FnMut(&T, &T) -> Ordering) {
    if items.is_sorted_by(|a, b| order(a, b).is_le()) {
        return;
    }
    let Ok(len) = u32::try_from(items.len()) else {
        items.sort_by(order);
        return;
    };
    let mut indexes: Vec<u32> = (0..len).collect();
    indexes
        .sort_unstable_by(|&a, &b| order(&items[a as usize], &items[b as usize]).then(a.cmp(&b)));
    // indexes[k] is the index of the item that goes to position k.
    const DONE: u32 = u32::MAX;
    for start in 0..items.len() {
        let mut at = start;
        while indexes[at] != DONE {
            let from = indexes[at] as usize;
            indexes[at] = DONE;
            if from == start {
                break;
            }
            items.swap(at, from);
            at = from;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(index: usize) -> &'static RuleMeta {
        let registry = crate::rules::registry();
        registry[index % registry.len()].meta()
    }

    /// A small generator: many ties, repeated texts, findings with and without each part.
    struct Seed(u64);

    impl Seed {
        fn next(&mut self, n: u64) -> usize {
            self.0 = self
                .0
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((self.0 >> 33) % n) as usize
        }

        fn text(&mut self) -> Arc<str> {
            format!("text {}", self.next(6)).into()
        }

        fn span(&mut self) -> Span {
            let start = self.next(40);
            Span::new(start, start + self.next(5))
        }

        fn diagnostic(&mut self) -> Diagnostic {
            let mut d = Diagnostic::new(rule(self.next(4)), self.span(), self.text());
            for _ in 0..self.next(4) {
                d = d.with_label(self.span(), self.text());
            }
            if self.next(2) == 0 {
                d = d.with_help(self.text());
            }
            if self.next(3) == 0 {
                d = d.with_severity(Severity::Error);
            }
            if self.next(2) == 0 {
                let applicability = [
                    Applicability::Safe,
                    Applicability::Unsafe,
                    Applicability::DisplayOnly,
                ][self.next(3)];
                let edits = (0..self.next(4))
                    .map(|_| Edit {
                        span: self.span(),
                        replacement: self.text(),
                    })
                    .collect();
                d = d.with_fix(Fix {
                    title: self.text(),
                    applicability,
                    edits,
                });
            }
            d
        }

        fn diagnostics(&mut self, n: usize) -> Vec<Diagnostic> {
            (0..n).map(|_| self.diagnostic()).collect()
        }
    }

    #[test]
    fn a_finding_record_takes_32_bytes() {
        assert_eq!(std::mem::size_of::<Record>(), 32);
        assert_eq!(std::mem::size_of::<Placed>(), 12);
        assert_eq!(std::mem::size_of::<StoredFix>(), 8);
    }

    #[test]
    fn findings_read_back_as_they_were_pushed() {
        let mut seed = Seed(7);
        for len in [0, 1, 2, 5, 40, 300] {
            let list = seed.diagnostics(len);
            let stored = Diagnostics::from(list.clone());
            assert_eq!(stored.len(), len);
            assert_eq!(stored.to_vec(), list);
            for (finding, d) in stored.iter().zip(&list) {
                assert_eq!(finding.to_diagnostic(), *d);
                assert_eq!(finding.code(), d.code());
                assert_eq!(finding.message(), &*d.message);
                assert_eq!(finding.help(), d.help.as_deref());
                assert_eq!(finding.labels().len(), d.labels.len());
                assert_eq!(
                    finding.fix().map(|f| f.edits().len()),
                    d.fix.as_ref().map(|f| f.edits.len())
                );
            }
        }
    }

    #[test]
    fn a_finding_with_every_part_reads_back_whole() {
        let meta = rule(0);
        let many_edits: Vec<Edit> = (0..1000)
            .map(|i| Edit {
                span: Span::new(i * 3, i * 3 + 1),
                replacement: format!("e{i}").into(),
            })
            .collect();
        let bare = Diagnostic::new(meta, Span::new(1, 2), "bare");
        let full = Diagnostic::new(meta, Span::new(3, 9), "full")
            .with_label(Span::new(0, 1), "first")
            .with_label(Span::new(4, 5), "second")
            .with_help("help")
            .with_severity(Severity::Style)
            .with_fix(Fix {
                title: "many".into(),
                applicability: Applicability::Unsafe,
                edits: many_edits,
            });
        let empty_fix = Diagnostic::new(meta, Span::new(0, 0), "no edits").with_fix(Fix {
            title: "nothing".into(),
            applicability: Applicability::DisplayOnly,
            edits: Vec::new(),
        });
        let list = vec![bare, empty_fix.clone(), full, empty_fix];
        let stored = Diagnostics::from(list.clone());
        assert_eq!(stored.to_vec(), list);
        let full = stored.get(2).expect("three findings");
        assert_eq!(full.severity(), Severity::Style);
        assert_eq!(
            full.labels().map(|l| l.message).collect::<Vec<_>>(),
            ["first", "second"]
        );
        let fix = full.fix().expect("a fix");
        assert_eq!(fix.edits().len(), 1000);
        assert_eq!(fix.edits().last().map(|e| e.replacement), Some("e999"));
        assert_eq!(
            stored.get(1).and_then(|d| d.fix()).map(|f| f.edits().len()),
            Some(0)
        );
    }

    #[test]
    fn identical_texts_are_stored_once() {
        let meta = rule(0);
        let list: Vec<Diagnostic> = (0..100)
            .map(|i| {
                Diagnostic::new(meta, Span::new(i, i + 1), format!("same {}", i % 2))
                    .with_help("same help")
                    .with_label(Span::new(i, i), "same 0")
            })
            .collect();
        let stored = Diagnostics::from(list);
        // "same 0", "same 1" and the help; the label's text is the first message's.
        assert_eq!(stored.tables.texts.len(), 3);
        let first = stored.get(0).expect("a finding");
        let third = stored.get(2).expect("a finding");
        assert!(std::ptr::eq(first.message(), third.message()));
        assert_eq!(stored.tables.rules.len(), 1);
    }

    #[test]
    fn texts_are_stored_end_to_end_once_each() {
        let meta = rule(0);
        let texts = [
            "",
            "a",
            "",
            "ünïcode",
            "a",
            "a longer text, longer than the others",
        ];
        let list: Vec<Diagnostic> = texts
            .iter()
            .enumerate()
            .map(|(i, text)| {
                Diagnostic::new(meta, Span::new(i, i), *text)
                    .with_label(Span::new(0, 1), *text)
                    .with_fix(Fix {
                        title: "a".into(),
                        applicability: Applicability::Safe,
                        edits: vec![Edit {
                            span: Span::new(i, i),
                            replacement: (*text).into(),
                        }],
                    })
            })
            .collect();
        let stored = Diagnostics::from(list.clone());
        let distinct = ["", "a", "ünïcode", "a longer text, longer than the others"];
        assert_eq!(stored.tables.texts.len(), distinct.len());
        assert_eq!(stored.tables.texts.bytes, distinct.concat());
        for (id, text) in distinct.iter().enumerate() {
            assert_eq!(stored.tables.texts.get(id as TextId), *text);
        }
        for (finding, text) in stored.iter().zip(texts) {
            assert_eq!(finding.message(), text);
            assert_eq!(finding.labels().next().map(|l| l.message), Some(text));
            let edit = finding.fix().and_then(|f| f.edits().next());
            assert_eq!(edit.map(|e| e.replacement), Some(text));
        }
        assert_eq!(stored.to_vec(), list);
    }

    #[test]
    fn retain_keeps_each_finding_with_its_own_labels_and_fix() {
        let mut seed = Seed(11);
        let list = seed.diagnostics(300);
        let mut stored = Diagnostics::from(list.clone());
        let mut expected = list;
        let keep = |message: &str, start: usize| !message.ends_with('3') && start % 3 != 0;
        stored.retain(|d| keep(d.message(), d.span().start()));
        expected.retain(|d| keep(&d.message, d.span.start()));
        assert!(expected.len() < 300 && !expected.is_empty());
        assert_eq!(stored.to_vec(), expected);
    }

    #[test]
    fn sorting_moves_records_with_their_labels_and_fix_and_is_stable() {
        let mut seed = Seed(13);
        let list = seed.diagnostics(500);
        let mut stored = Diagnostics::from(list.clone());
        let mut expected = list;
        stored.sort_by(|a, b| (a.span().start(), a.code()).cmp(&(b.span().start(), b.code())));
        expected.sort_by(|a, b| (a.span.start(), a.code()).cmp(&(b.span.start(), b.code())));
        assert_eq!(stored.to_vec(), expected);
        // Sorted already: a second sort changes nothing.
        let again = stored.clone();
        stored.sort_by(|a, b| a.span().start().cmp(&b.span().start()));
        assert_eq!(stored, again);
    }

    #[test]
    fn dedup_drops_the_same_findings_as_a_list_would() {
        let mut seed = Seed(17);
        // Few distinct findings, so that neighbours are often equal.
        let mut list = Vec::new();
        for _ in 0..400 {
            let d = Diagnostic::new(rule(seed.next(2)), Span::new(seed.next(2), 3), "m");
            let d = match seed.next(3) {
                0 => d.with_label(Span::new(1, 2), "l"),
                1 => d.with_fix(Fix {
                    title: "t".into(),
                    applicability: Applicability::Safe,
                    edits: vec![Edit {
                        span: Span::new(0, seed.next(2)),
                        replacement: "r".into(),
                    }],
                }),
                _ => d,
            };
            list.push(d);
        }
        let mut stored = Diagnostics::from(list.clone());
        stored.dedup();
        list.dedup();
        assert!(list.len() < 400);
        assert_eq!(stored.to_vec(), list);
    }

    #[test]
    fn severity_overrides_apply_to_every_finding_of_the_rule() {
        let mut seed = Seed(19);
        let list = seed.diagnostics(100);
        let target = rule(1);
        let mut stored = Diagnostics::from(list.clone());
        stored.override_severity(|r| (r == target).then_some(Severity::Info));
        for (finding, d) in stored.iter().zip(&list) {
            let expected = if d.rule == target {
                Severity::Info
            } else {
                d.severity
            };
            assert_eq!(finding.severity(), expected);
        }
    }

    #[test]
    fn findings_of_different_lists_compare_by_content() {
        let mut seed = Seed(23);
        let list = seed.diagnostics(50);
        let a = Diagnostics::from(list.clone());
        let mut reversed = list;
        reversed.reverse();
        let b = Diagnostics::from(reversed);
        // Different tables (texts numbered in another order), the same findings.
        assert!(a.iter().eq(b.iter().rev()));
        assert_ne!(a, b);
    }

    #[test]
    fn the_index_sort_sorts_like_the_standard_stable_sort() {
        let mut seed = Seed(12345);
        for len in [0usize, 1, 2, 3, 7, 64, 1000] {
            let items: Vec<(usize, usize)> = (0..len).map(|i| (seed.next(16), i)).collect();
            let mut expected = items.clone();
            expected.sort_by_key(|&(k, _)| k);
            let mut got = items;
            sort_stable_by(&mut got, |a, b| a.0.cmp(&b.0));
            assert_eq!(got, expected, "len {len}");
        }
    }
}
