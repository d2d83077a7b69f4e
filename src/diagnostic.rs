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
        // The side tables are keyed by the record's position; it is appended after every
        // record there is, so they stay sorted by it.
        let index = self.list.records.len() as u32;
        let mut flags = 0;
        if !labels.is_empty() {
            let start = self.list.tables.labels.len() as u32;
            for label in labels {
                let text = self.intern(label.message);
                self.list.tables.labels.push(Placed {
                    span: label.span,
                    text,
                });
            }
            mark_last(&mut self.list.tables.labels);
            self.list.tables.label_sets.push(LabelSet {
                record: index,
                start,
            });
            flags |= HAS_LABELS;
        }
        if let Some(fix) = fix {
            let Fix {
                title,
                applicability,
                edits,
            } = *fix;
            let title = self.intern(title);
            let edits_start = if edits.is_empty() {
                NONE
            } else {
                self.list.tables.edits.len() as u32
            };
            for edit in edits {
                let text = self.intern(edit.replacement);
                self.list.tables.edits.push(Placed {
                    span: edit.span,
                    text,
                });
            }
            if edits_start != NONE {
                mark_last(&mut self.list.tables.edits);
            }
            self.list.tables.fixes.push(StoredFix {
                record: index,
                title,
                edits_start,
            });
            flags |= HAS_FIX | applicability_bits(applicability);
        }
        self.list.records.push(Record {
            span,
            message,
            help,
            rule,
            severity,
            flags,
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

/// No text, or a fix without edits.
const NONE: u32 = u32::MAX;

/// The findings of one file, each stored as a fixed-size record that points into tables
/// shared by all of them: labels, fixes, edits and texts (each distinct text once). A
/// file with a finding on every line holds about 20 bytes per finding, plus 8 per
/// finding with labels and 12 per label, and 12 per fix and 12 per edit, and no
/// allocation of its own, where a [`Diagnostic`] with a label and a fix takes about 200
/// bytes in four allocations.
///
/// Most findings have neither labels nor a fix, so the record holds only a bit for each:
/// a finding's label set and fix are entries of side tables, keyed by the record's
/// position and sorted by it. [`Diagnostics::iter`] walks them in step with the records;
/// a finding reached otherwise has them found by binary search, when its bit is set. A
/// field for each in the record would cost every finding 12 bytes, whether it has them or
/// not.
///
/// Records can be dropped ([`Diagnostics::retain`], [`Diagnostics::dedup`]) and
/// reordered ([`Diagnostics::sort_by`]); each of these renumbers the side tables' keys to
/// the records' new positions. The labels, edits and texts are only ever appended to.
/// [`Diagnostics::iter`] reads each finding as a [`Finding`] without copying it out.
#[derive(Clone, Default)]
pub struct Diagnostics {
    records: Vec<Record>,
    tables: Tables,
}

/// One finding as stored: 20 bytes, as a file can have a finding on every line.
#[derive(Debug, Clone, Copy)]
struct Record {
    span: Span,
    message: TextId,
    /// `NONE` when the finding has no help.
    help: TextId,
    /// Index into [`Tables::rules`].
    rule: u16,
    severity: Severity,
    /// The fix's applicability ([`APPLICABILITY`]), and whether the finding has labels
    /// ([`HAS_LABELS`]) and a fix ([`HAS_FIX`]): one byte, which would otherwise be padding.
    flags: u8,
}

/// The bits of [`Record::flags`] that hold the fix's applicability (0 without a fix).
const APPLICABILITY: u8 = 0b11;
/// Set when the finding has an entry in [`Tables::label_sets`].
const HAS_LABELS: u8 = 1 << 2;
/// Set when the finding has an entry in [`Tables::fixes`].
const HAS_FIX: u8 = 1 << 3;

fn applicability_bits(applicability: Applicability) -> u8 {
    match applicability {
        Applicability::Safe => 0,
        Applicability::Unsafe => 1,
        Applicability::DisplayOnly => 2,
    }
}

impl Record {
    fn has_labels(&self) -> bool {
        self.flags & HAS_LABELS != 0
    }

    fn has_fix(&self) -> bool {
        self.flags & HAS_FIX != 0
    }

    /// The fix's applicability (meaningless without a fix).
    fn applicability(&self) -> Applicability {
        match self.flags & APPLICABILITY {
            0 => Applicability::Safe,
            1 => Applicability::Unsafe,
            _ => Applicability::DisplayOnly,
        }
    }
}

/// A label's or an edit's place and text.
///
/// The labels of a finding, and the edits of a fix, are a run of entries of their table
/// whose last entry has [`LAST`] set in `text`. The side-table entry that points at a run
/// so holds only where it starts, not its length: a length would cost 4 more bytes per
/// finding with labels and per fix, and the runs cannot be told apart by where the next
/// one starts, as side-table entries are reordered with their records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Placed {
    span: Span,
    text: TextId,
}

/// The bit of [`Placed::text`] that marks the last entry of a run. Text ids stay below it
/// (see [`Diagnostics::has_room`]).
const LAST: u32 = 1 << 31;

impl Placed {
    fn text(&self) -> TextId {
        self.text & !LAST
    }
}

/// Marks the last entry of `table` as the end of its run.
fn mark_last(table: &mut [Placed]) {
    if let Some(last) = table.last_mut() {
        last.text |= LAST;
    }
}

/// The run of `table` that starts at `start`: up to and including the next entry marked
/// [`LAST`].
fn run(table: &[Placed], start: u32) -> &[Placed] {
    let rest = &table[start as usize..];
    let len = rest
        .iter()
        .position(|entry| entry.text & LAST != 0)
        .map_or(rest.len(), |last| last + 1);
    &rest[..len]
}

/// The labels of one finding: the run of [`Tables::labels`] from `start`.
#[derive(Debug, Clone, Copy)]
struct LabelSet {
    /// The position of the finding's record.
    record: u32,
    start: u32,
}

/// The fix of one finding. Its edits are the run of [`Tables::edits`] from `edits_start`,
/// or none when that is `NONE`.
#[derive(Debug, Clone, Copy)]
struct StoredFix {
    /// The position of the finding's record.
    record: u32,
    title: TextId,
    edits_start: u32,
}

/// An entry of a side table, keyed by the position of the record it belongs to.
trait Keyed {
    fn record(&self) -> u32;
    fn set_record(&mut self, record: u32);
}

impl Keyed for LabelSet {
    fn record(&self) -> u32 {
        self.record
    }

    fn set_record(&mut self, record: u32) {
        self.record = record;
    }
}

impl Keyed for StoredFix {
    fn record(&self) -> u32 {
        self.record
    }

    fn set_record(&mut self, record: u32) {
        self.record = record;
    }
}

/// The entry of the record at `index` (whose flag says it has one): `entries[at]` when
/// the caller knows where it is, else (`at` is `NONE`) found by binary search.
fn entry_of<T: Keyed>(entries: &[T], index: u32, at: u32) -> &T {
    let at = match at {
        NONE => entries
            .binary_search_by_key(&index, Keyed::record)
            .expect("a record flagged with an entry has one"),
        at => at as usize,
    };
    debug_assert_eq!(entries[at].record(), index);
    &entries[at]
}

/// What the records of a [`Diagnostics`] point into.
#[derive(Clone, Default)]
struct Tables {
    /// Each rule that reported, once.
    rules: Vec<&'static RuleMeta>,
    /// One entry per finding with labels, sorted by record position.
    label_sets: Vec<LabelSet>,
    labels: Vec<Placed>,
    /// One entry per finding with a fix, sorted by record position.
    fixes: Vec<StoredFix>,
    edits: Vec<Placed>,
    /// Distinct texts: two ids are equal exactly when their texts are.
    texts: Texts,
}

impl Tables {
    fn text(&self, id: TextId) -> &str {
        self.texts.get(id)
    }

    /// The labels of `record`, which is at position `index` (its label set at `at` of
    /// [`Tables::label_sets`], or `NONE` if not known).
    fn labels_of(&self, index: u32, record: &Record, at: u32) -> &[Placed] {
        if !record.has_labels() {
            return &[];
        }
        run(&self.labels, entry_of(&self.label_sets, index, at).start)
    }

    /// The fix of `record`, which is at position `index` (its fix at `at` of
    /// [`Tables::fixes`], or `NONE` if not known).
    fn fix_of(&self, index: u32, record: &Record, at: u32) -> Option<&StoredFix> {
        record.has_fix().then(|| entry_of(&self.fixes, index, at))
    }

    fn edits_of(&self, fix: &StoredFix) -> &[Placed] {
        match fix.edits_start {
            NONE => &[],
            start => run(&self.edits, start),
        }
    }

    /// Whether the records at positions `a` and `b` are the same finding, as
    /// `Diagnostic`'s `==` would say (texts are compared by id, which is the same).
    fn same(&self, records: &[Record], a: usize, b: usize) -> bool {
        let (x, y) = (&records[a], &records[b]);
        // The record's own fields first: most neighbours differ there, and the labels and
        // fix each take a search of a side table.
        let same_fix = || match (
            self.fix_of(a as u32, x, NONE),
            self.fix_of(b as u32, y, NONE),
        ) {
            (None, None) => true,
            (Some(f), Some(g)) => {
                x.applicability() == y.applicability()
                    && f.title == g.title
                    && self.edits_of(f) == self.edits_of(g)
            }
            _ => false,
        };
        *self.rules[x.rule as usize] == *self.rules[y.rule as usize]
            && x.severity == y.severity
            && x.message == y.message
            && x.span == y.span
            && x.help == y.help
            && x.has_labels() == y.has_labels()
            && self.labels_of(a as u32, x, NONE) == self.labels_of(b as u32, y, NONE)
            && same_fix()
    }
}

/// One bit per record: which to keep.
struct Marks(Vec<u64>);

impl Marks {
    fn new(len: usize) -> Marks {
        Marks(vec![0; len.div_ceil(64)])
    }

    fn set(&mut self, index: usize) {
        self.0[index / 64] |= 1 << (index % 64);
    }

    fn get(&self, index: usize) -> bool {
        self.0[index / 64] & (1 << (index % 64)) != 0
    }
}

/// Renumbers the entries of a side table after the records not marked in `kept` were
/// dropped: the entries of dropped records go, the others take their record's new
/// position (the number of kept records before it). Entries stay sorted.
fn renumber_kept<T: Keyed>(entries: &mut Vec<T>, kept: &Marks) {
    let mut old = 0;
    let mut new = 0;
    entries.retain_mut(|entry| {
        let record = entry.record() as usize;
        while old < record {
            new += u32::from(kept.get(old));
            old += 1;
        }
        entry.set_record(new);
        kept.get(record)
    });
}

/// Renumbers the entries of a side table for records about to be moved to the positions
/// `destinations` gives, and sorts the entries by their new positions.
fn renumber_moved<T: Keyed>(entries: &mut [T], destinations: &[u32]) {
    for entry in entries.iter_mut() {
        entry.set_record(destinations[entry.record() as usize]);
    }
    entries.sort_unstable_by_key(Keyed::record);
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
            records: self.records.iter().enumerate(),
            label_sets: 0..self.tables.label_sets.len() as u32,
            fixes: 0..self.tables.fixes.len() as u32,
        }
    }

    pub fn get(&self, index: usize) -> Option<Finding<'_>> {
        self.records.get(index).map(|record| Finding {
            tables: &self.tables,
            record,
            index: index as u32,
            label_set: NONE,
            fix: NONE,
        })
    }

    /// The finding at `index`, which is in bounds.
    fn at(&self, index: usize) -> Finding<'_> {
        Finding {
            tables: &self.tables,
            record: &self.records[index],
            index: index as u32,
            label_set: NONE,
            fix: NONE,
        }
    }

    /// Keeps the findings `keep` says yes to, in their order. `keep` sees each finding
    /// once, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(Finding<'_>) -> bool) {
        let mut kept = Marks::new(self.len());
        let mut all = true;
        for (index, finding) in self.iter().enumerate() {
            if keep(finding) {
                kept.set(index);
            } else {
                all = false;
            }
        }
        if !all {
            self.keep_marked(&kept);
        }
    }

    /// Drops each finding equal to the one before it (the last one kept).
    pub fn dedup(&mut self) {
        let mut kept = Marks::new(self.len());
        let mut all = true;
        let mut last = None;
        for index in 0..self.len() {
            if last.is_some_and(|last| self.tables.same(&self.records, last, index)) {
                all = false;
            } else {
                kept.set(index);
                last = Some(index);
            }
        }
        if !all {
            self.keep_marked(&kept);
        }
    }

    /// Keeps the records marked in `kept`, in order, with the side tables renumbered to
    /// their new positions.
    fn keep_marked(&mut self, kept: &Marks) {
        let mut index = 0;
        self.records.retain(|_| {
            index += 1;
            kept.get(index - 1)
        });
        renumber_kept(&mut self.tables.label_sets, kept);
        renumber_kept(&mut self.tables.fixes, kept);
    }

    /// A stable sort. It allocates one 32-bit index per finding, not a scratch copy of
    /// the records, and nothing when they are in order already.
    pub fn sort_by(&mut self, mut order: impl FnMut(Finding<'_>, Finding<'_>) -> Ordering) {
        let Some(mut indexes) =
            sorting_permutation(self.len(), |a, b| order(self.at(a), self.at(b)))
        else {
            return;
        };
        // Turned around in place, the permutation gives each record's new position, which
        // renumbers the side tables (they are keyed by position) with no other
        // allocation: the sort runs while the file's syntax tree and graph are still held,
        // so memory it takes adds to the peak.
        invert_permutation(&mut indexes);
        renumber_moved(&mut self.tables.label_sets, &indexes);
        renumber_moved(&mut self.tables.fixes, &indexes);
        move_to(&mut self.records, &mut indexes);
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
    /// are the texts' bytes, which only gigabytes of findings would fill. Text ids stay
    /// below [`LAST`], whose bit marks the ends of runs; 2^31 distinct texts would take
    /// more bytes than 32 bits count, so that limit is never the one reached. A finding
    /// that does not fit is dropped rather than misfiled.
    fn has_room(&self, labels: usize, edits: usize, text_len: usize) -> bool {
        let max = NONE as usize;
        let t = &self.tables;
        self.records.len() < max
            && t.rules.len() < u16::MAX as usize
            && t.label_sets.len() < max
            && t.labels.len().saturating_add(labels) <= max
            && t.fixes.len() < max
            && t.edits.len().saturating_add(edits) <= max
            && t.texts.len().saturating_add(3 + labels + edits) <= LAST as usize
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
    records: std::iter::Enumerate<std::slice::Iter<'a, Record>>,
    /// The side-table entries of the findings not yet yielded. The entries are in record
    /// order, one for each record flagged with one, so the next finding's (from either
    /// end) is at an end of these ranges: no search is needed to read each finding's
    /// labels and fix in turn.
    label_sets: std::ops::Range<u32>,
    fixes: std::ops::Range<u32>,
}

impl<'a> Iter<'a> {
    /// The finding of `record` at `index`, its side-table entries taken off the ranges by
    /// `take` (from the front or the back, as the record came).
    fn finding(
        &mut self,
        (index, record): (usize, &'a Record),
        take: fn(&mut std::ops::Range<u32>) -> Option<u32>,
    ) -> Finding<'a> {
        let entry = |range: &mut std::ops::Range<u32>, has: bool| {
            if has {
                take(range).expect("a record flagged with an entry has one")
            } else {
                NONE
            }
        };
        Finding {
            tables: self.tables,
            record,
            index: index as u32,
            label_set: entry(&mut self.label_sets, record.has_labels()),
            fix: entry(&mut self.fixes, record.has_fix()),
        }
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = Finding<'a>;

    fn next(&mut self) -> Option<Finding<'a>> {
        let next = self.records.next()?;
        Some(self.finding(next, Iterator::next))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.records.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let next = self.records.next_back()?;
        Some(self.finding(next, DoubleEndedIterator::next_back))
    }
}

impl ExactSizeIterator for Iter<'_> {}

/// One finding of a [`Diagnostics`], read in place; the same accessors as [`Diagnostic`].
#[derive(Clone, Copy)]
pub struct Finding<'a> {
    tables: &'a Tables,
    record: &'a Record,
    /// The record's position, which keys its labels and fix.
    index: u32,
    /// Where its entries in [`Tables::label_sets`] and [`Tables::fixes`] are, when the
    /// iterator that yielded it knew; `NONE` when not known (or there is none).
    label_set: u32,
    fix: u32,
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
        tables
            .labels_of(self.index, self.record, self.label_set)
            .iter()
            .map(|label| LabelRef {
                span: label.span,
                message: tables.text(label.text()),
            })
    }

    pub fn fix(self) -> Option<FixRef<'a>> {
        let tables = self.tables;
        tables
            .fix_of(self.index, self.record, self.fix)
            .map(|fix| FixRef {
                title: tables.text(fix.title),
                applicability: self.record.applicability(),
                tables,
                edits: tables.edits_of(fix),
            })
    }

    /// This finding as a [`Diagnostic`] of its own (its texts copied out).
    pub fn to_diagnostic(self) -> Diagnostic {
        Diagnostic {
            rule: self.rule(),
            severity: self.severity(),
            message: self.message().into(),
            span: self.span(),
            labels: self
                .labels()
                .map(|label| Label {
                    span: label.span,
                    message: label.message.into(),
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
            replacement: tables.text(edit.text()),
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

/// The permutation that sorts `len` items stably by `order` (which compares two items by
/// index), or `None` when they are in order already: `indexes[k]` is the index of the item
/// that goes to position `k`. Ties are broken by index, which keeps it stable.
fn sorting_permutation(
    len: usize,
    mut order: impl FnMut(usize, usize) -> Ordering,
) -> Option<Vec<u32>> {
    if (1..len).all(|i| order(i - 1, i).is_le()) {
        return None;
    }
    let len = u32::try_from(len).expect("findings are counted in 32 bits");
    let mut indexes: Vec<u32> = (0..len).collect();
    indexes.sort_unstable_by(|&a, &b| order(a as usize, b as usize).then(a.cmp(&b)));
    Some(indexes)
}

/// Turns a permutation that gives, for each position, the index of the item that goes
/// there (as [`sorting_permutation`] returns it) into one that gives, for each item, the
/// position it goes to. It follows the permutation's cycles in place, marking the entries
/// done with their top bit, which is free unless there are more than 2^31 of them; then
/// it allocates the inverse.
fn invert_permutation(permutation: &mut Vec<u32>) {
    const DONE: u32 = 1 << 31;
    if permutation.len() > DONE as usize {
        *permutation = inverse(permutation);
        return;
    }
    for start in 0..permutation.len() {
        if permutation[start] & DONE != 0 {
            continue;
        }
        // Along the cycle `start`, `permutation[start]`, ...: each `permutation[from] ==
        // to` (the item at `to` goes to `from`) becomes `permutation[to] == from`, each
        // entry read before it is overwritten.
        let mut from = start as u32;
        let mut to = permutation[start];
        loop {
            let next = permutation[to as usize];
            permutation[to as usize] = from | DONE;
            if to as usize == start {
                break;
            }
            from = to;
            to = next;
        }
    }
    for entry in permutation.iter_mut() {
        *entry &= !DONE;
    }
}

/// The inverse of `permutation`, in a new allocation.
fn inverse(permutation: &[u32]) -> Vec<u32> {
    let mut inverse = vec![0; permutation.len()];
    for (position, &item) in permutation.iter().enumerate() {
        inverse[item as usize] = position as u32;
    }
    inverse
}

/// Moves each item of `items` to the position `destinations` gives for it, by swaps, each
/// of which puts one item in its place; `destinations` is moved along with the items.
fn move_to<T>(items: &mut [T], destinations: &mut [u32]) {
    for at in 0..items.len() {
        loop {
            let to = destinations[at] as usize;
            if to == at {
                break;
            }
            items.swap(at, to);
            destinations.swap(at, to);
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

    /// The side tables are sorted by record position, each entry belongs to a record that
    /// is there and flagged, and each flagged record has its entry.
    fn assert_side_tables_match(list: &Diagnostics) {
        fn keys<T: Keyed>(entries: &[T]) -> Vec<usize> {
            entries.iter().map(|e| e.record() as usize).collect()
        }
        let flagged = |has: fn(&Record) -> bool| -> Vec<usize> {
            (0..list.len()).filter(|&i| has(&list.records[i])).collect()
        };
        assert_eq!(keys(&list.tables.label_sets), flagged(Record::has_labels));
        assert_eq!(keys(&list.tables.fixes), flagged(Record::has_fix));
    }

    #[test]
    fn a_finding_record_takes_20_bytes() {
        assert_eq!(std::mem::size_of::<Record>(), 20);
        assert_eq!(std::mem::size_of::<Placed>(), 12);
        assert_eq!(std::mem::size_of::<LabelSet>(), 8);
        assert_eq!(std::mem::size_of::<StoredFix>(), 12);
    }

    #[test]
    fn applicability_reads_back_from_the_flags() {
        for applicability in [
            Applicability::Safe,
            Applicability::Unsafe,
            Applicability::DisplayOnly,
        ] {
            for other in [0, HAS_LABELS, HAS_FIX, HAS_LABELS | HAS_FIX] {
                let record = Record {
                    span: Span::new(0, 0),
                    message: 0,
                    help: NONE,
                    rule: 0,
                    severity: Severity::Info,
                    flags: applicability_bits(applicability) | other,
                };
                assert_eq!(record.applicability(), applicability);
                assert_eq!(record.has_labels(), other & HAS_LABELS != 0);
                assert_eq!(record.has_fix(), other & HAS_FIX != 0);
            }
        }
    }

    /// Findings in every mix of labels and fix, interleaved, each told apart by its
    /// message, label texts and fix title.
    fn interleaved(n: usize) -> Vec<Diagnostic> {
        (0..n)
            .map(|i| {
                let mut d =
                    Diagnostic::new(rule(i % 3), Span::new(i % 7, i % 7 + 1), format!("m{i}"));
                // Labels on every second finding, a fix on every third, so that all four
                // mixes occur, in runs and alone.
                if i % 2 == 0 {
                    for l in 0..1 + i % 3 {
                        d = d.with_label(Span::new(l, i), format!("label {i}.{l}"));
                    }
                }
                if i % 3 == 0 {
                    d = d.with_fix(Fix {
                        title: format!("fix {i}").into(),
                        applicability: [
                            Applicability::Safe,
                            Applicability::Unsafe,
                            Applicability::DisplayOnly,
                        ][i % 5 % 3],
                        edits: (0..i % 4)
                            .map(|e| Edit {
                                span: Span::new(e, e + i),
                                replacement: format!("edit {i}.{e}").into(),
                            })
                            .collect(),
                    });
                }
                d
            })
            .collect()
    }

    #[test]
    fn interleaved_labels_and_fixes_read_back_with_their_own_finding() {
        let list = interleaved(200);
        let stored = Diagnostics::from(list.clone());
        assert_side_tables_match(&stored);
        assert_eq!(stored.tables.label_sets.len(), 100);
        assert_eq!(stored.tables.fixes.len(), 67);
        for (i, d) in list.iter().enumerate() {
            let finding = stored.get(i).expect("in bounds");
            assert_eq!(finding.to_diagnostic(), *d, "finding {i}");
        }
        // From the back too, and from both ends in turn: the iterator keeps track of
        // the side-table entries at either end.
        for (finding, d) in stored.iter().rev().zip(list.iter().rev()) {
            assert_eq!(finding.to_diagnostic(), *d);
        }
        let mut both_ends = stored.iter();
        let (mut front, mut back) = (0, list.len());
        while front < back {
            if (front + back) % 3 == 0 {
                back -= 1;
                let finding = both_ends.next_back().expect("findings left");
                assert_eq!(finding.to_diagnostic(), list[back], "finding {back}");
            } else {
                let finding = both_ends.next().expect("findings left");
                assert_eq!(finding.to_diagnostic(), list[front], "finding {front}");
                front += 1;
            }
        }
        assert!(both_ends.next().is_none());
        assert_eq!(stored.to_vec(), list);
    }

    #[test]
    fn labels_and_fixes_follow_their_findings_through_every_reordering() {
        // Every seventh finding twice in a row, for dedup (a stable sort keeps them so).
        let mut expected: Vec<Diagnostic> = interleaved(300)
            .into_iter()
            .enumerate()
            .flat_map(|(i, d)| std::iter::repeat_n(d, 1 + usize::from(i % 7 == 0)))
            .collect();
        let mut stored = Diagnostics::from(expected.clone());
        let by_place = |span: Span, code: &str| (span.start(), code.to_string());

        stored.sort_by(|a, b| by_place(a.span(), a.code()).cmp(&by_place(b.span(), b.code())));
        expected.sort_by_key(|a| by_place(a.span, a.code()));
        assert_side_tables_match(&stored);
        assert_eq!(stored.to_vec(), expected);

        let before = expected.len();
        stored.dedup();
        expected.dedup();
        assert!(expected.len() < before);
        assert_side_tables_match(&stored);
        assert_eq!(stored.to_vec(), expected);

        let keep = |message: &str| !message.ends_with('1') && !message.ends_with('6');
        stored.retain(|d| keep(d.message()));
        expected.retain(|d| keep(&d.message));
        assert_side_tables_match(&stored);
        assert_eq!(stored.to_vec(), expected);

        // Reversed by message: every record moves.
        stored.sort_by(|a, b| b.message().cmp(a.message()));
        expected.sort_by(|a, b| b.message.cmp(&a.message));
        assert_side_tables_match(&stored);
        assert_eq!(stored.to_vec(), expected);

        // Dropping only findings with labels, then only findings without any.
        stored.retain(|d| d.labels().len() != 2);
        expected.retain(|d| d.labels.len() != 2);
        stored.retain(|d| d.labels().len() > 0 || d.fix().is_some() || d.span().start() > 2);
        expected.retain(|d| !d.labels.is_empty() || d.fix.is_some() || d.span.start() > 2);
        assert_side_tables_match(&stored);
        assert_eq!(stored.to_vec(), expected);

        stored.retain(|_| false);
        assert!(stored.is_empty());
        assert_side_tables_match(&stored);
    }

    #[test]
    fn random_findings_survive_sorts_and_filters_in_turn() {
        let mut seed = Seed(29);
        for round in 0..20 {
            let len = seed.next(200);
            let mut expected = seed.diagnostics(len);
            let mut stored = Diagnostics::from(expected.clone());
            for _ in 0..4 {
                match seed.next(3) {
                    0 => {
                        let key = |span: Span, message: &str| (span.end(), message.len());
                        stored.sort_by(|a, b| {
                            key(a.span(), a.message()).cmp(&key(b.span(), b.message()))
                        });
                        expected.sort_by_key(|a| key(a.span, &a.message));
                    }
                    1 => {
                        let cut = seed.next(40);
                        stored.retain(|d| d.span().start() >= cut || d.help().is_some());
                        expected.retain(|d| d.span.start() >= cut || d.help.is_some());
                    }
                    _ => {
                        stored.dedup();
                        expected.dedup();
                    }
                }
                assert_side_tables_match(&stored);
                assert_eq!(stored.to_vec(), expected, "round {round}");
            }
        }
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
    fn permutations_invert_in_place_and_move_items_where_they_say() {
        let mut seed = Seed(31);
        let cycle: Vec<u32> = (1..=50).map(|i| i % 50).collect();
        let mut shuffled: Vec<u32> = (0..300).collect();
        for i in (1..shuffled.len()).rev() {
            shuffled.swap(i, seed.next(i as u64 + 1));
        }
        for permutation in [vec![], vec![0], vec![0, 1, 2], cycle, shuffled] {
            let mut inverted = permutation.clone();
            invert_permutation(&mut inverted);
            assert_eq!(inverted, inverse(&permutation));
            // The item at `permutation[k]` ends at `k`.
            let mut items: Vec<u32> = (0..permutation.len() as u32).collect();
            move_to(&mut items, &mut inverted);
            assert_eq!(items, permutation);
        }
    }

    #[test]
    fn the_index_sort_sorts_like_the_standard_stable_sort() {
        let mut seed = Seed(12345);
        for len in [0usize, 1, 2, 3, 7, 64, 1000] {
            let items: Vec<(usize, usize)> = (0..len).map(|i| (seed.next(16), i)).collect();
            let mut expected = items.clone();
            expected.sort_by_key(|&(k, _)| k);
            let mut got = items;
            if let Some(mut indexes) =
                sorting_permutation(got.len(), |a, b| got[a].0.cmp(&got[b].0))
            {
                let expected_inverse = inverse(&indexes);
                invert_permutation(&mut indexes);
                assert_eq!(indexes, expected_inverse, "len {len}");
                move_to(&mut got, &mut indexes);
            }
            assert_eq!(got, expected, "len {len}");
        }
    }
}
