//! The ARG and ENV values in force at each instruction of each stage.
//!
//! The assignments of a whole file sit in a few flat tables: a log of every value assigned,
//! in file order; one slot per name a stage assigns, saying where in the log its
//! assignments are; and one string holding the text of every name and value. The graph is
//! built by walking the file in order, so assignments only ever go to the last stage, and
//! each stage's log entries and name slots form one contiguous run of those tables: a
//! stage's record says only where its runs start, and they end where the next record's
//! begin. Only a stage with variables has a record (one that inherits ENV, or assigns
//! something): a stage without costs nothing here, and one that assigns a handful of
//! names costs its 20-byte record and a few table entries, with no allocation of its own.
//! That counts on a file of hundreds of thousands of stages: a stage of one `ENV E=1`
//! takes about 46 bytes (record, name slot, log entry and text), and 16 more when it
//! needs a name filter of its own (see [`StageVars::env_names`]). Stages are named by the
//! index of their FROM instruction, so a node finds its stage's record from its own
//! instruction.
//!
//! An instruction's scope is a stage and a length of that stage's log: a snapshot costs
//! nothing, however many instructions take one. (A persistent map copied a path of tree
//! nodes per assignment that followed a snapshot, about a kilobyte each on a long
//! `ARG A1` / `RUN …` / `ARG A2` / … file.) A stage's names are searched in place while
//! there are at most [`FEW_NAMES`]; past that, the stage gets a hash index of its own,
//! kept aside so that the many stages without one pay nothing for it. A stage inherits its
//! parent's ENV by reference, looked up through at most [`MAX_INHERITED`] ancestors that
//! set some ENV.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use compact_str::CompactString;
use hashbrown::HashTable;
use thin_vec::ThinVec;

use super::expand::Lookup;
use super::narrow;

/// Through how many ancestor stages that set ENV an inherited ENV is looked up; beyond
/// them a name not found has an unknown value, unless no ancestor can have set it (see
/// [`NameFilter`]). A `FROM <stage>` chain this deep is hostile input (the deepest among
/// 2,949 public Dockerfiles is 6 stages), and the limit keeps each lookup bounded on a
/// chain of thousands of stages.
pub const MAX_INHERITED: usize = super::MAX_LINEAGE - 1;

/// Ascending indexes, the first held in place: most lists (the stages of one name) have one
/// entry, and an allocation each would outweigh it. A run of consecutive indexes after the
/// first of it is one entry, its last index marked [`RUN`]: a chain of thousands of stages
/// of one name (`FROM s AS s`) holds two entries, not one per stage.
#[derive(Debug, Clone)]
pub(super) struct Indexes {
    first: u32,
    more: ThinVec<u32>,
}

/// Marks an entry of [`Indexes::more`] that ends a run: every index after the entry
/// before it, up to this one, is held. Indexes are below 2³¹ (a file holds at most 4 GiB).
const RUN: u32 = 1 << 31;

impl Indexes {
    pub(super) fn new(first: u32) -> Self {
        Indexes {
            first,
            more: ThinVec::new(),
        }
    }

    /// Adds `index`, which comes after every index held.
    pub(super) fn push(&mut self, index: u32) {
        let index = index & !RUN;
        let last = self.more.last().copied();
        match last {
            // Extends the run that ends just before it.
            Some(end) if end & RUN != 0 && (end & !RUN) + 1 == index => {
                if let Some(end) = self.more.last_mut() {
                    *end = index | RUN;
                }
            }
            // Starts a run after the index just before it.
            Some(prev) if prev & RUN == 0 && prev + 1 == index => self.more.push(index | RUN),
            None if self.first + 1 == index => self.more.push(index | RUN),
            _ => self.more.push(index),
        }
    }

    /// The last index below `limit`.
    pub(super) fn last_below(&self, limit: u32) -> Option<u32> {
        let at = self.more.partition_point(|&e| e & !RUN < limit);
        let before = match at {
            0 => (self.first < limit).then_some(self.first)?,
            i => self.more[i - 1] & !RUN,
        };
        // A run that reaches `limit` or past it holds every index from `before` on.
        match self.more.get(at) {
            Some(&end) if end & RUN != 0 => Some(limit - 1),
            _ => Some(before),
        }
    }
}

/// A stretch of [`VarStore::text`].
#[derive(Debug, Clone, Copy)]
struct Text {
    start: u32,
    len: u32,
}

impl Text {
    /// In the log, a value not known statically. No stored text starts there: the text
    /// stops growing one byte short of it (see [`VarStore::add_text`]).
    const UNKNOWN: Text = Text {
        start: u32::MAX,
        len: 0,
    };

    fn is_unknown(self) -> bool {
        self.start == u32::MAX
    }
}

/// Where the assignments of one name of one stage are in the stage's log, as positions
/// counted from the stage's first log entry: 16 bytes. Most names are assigned once in a
/// stage, so the slot holds one assignment in place; a name assigned again moves its list
/// to [`VarStore::more`] and keeps only the list's index, flagged by the top bit of
/// `first`. The common case then neither pays for an empty list in every slot nor looks
/// anything up aside.
#[derive(Debug)]
struct NameSlot {
    name: Text,
    /// The first assignment, or with [`MORE`] set, the index in [`VarStore::more`] of
    /// the list of all of them. Positions stay below 2³¹ (see [`VarStore::assign`]), and
    /// so do list indexes, as each list belongs to a different slot.
    first: u32,
    /// The last assignment by ENV, which child stages inherit ([`NO_ENV`] for none).
    last_env: u32,
}

const NO_ENV: u32 = u32::MAX;

/// The flag of [`NameSlot::first`] for a name assigned more than once.
const MORE: u32 = 1 << 31;

impl NameSlot {
    fn last_env(&self) -> Option<u32> {
        (self.last_env != NO_ENV).then_some(self.last_env)
    }

    /// The last assignment before log position `len`; `more` is [`VarStore::more`].
    fn before(&self, len: u32, more: &[ThinVec<u32>]) -> Option<u32> {
        if self.first & MORE == 0 {
            return (self.first < len).then_some(self.first);
        }
        let all = &more[(self.first & !MORE) as usize];
        match all.partition_point(|&at| at < len) {
            0 => None,
            i => Some(all[i - 1]),
        }
    }
}

/// A set of names that may give false positives and never false negatives: the names a
/// stage and its ancestors set by ENV, so that a lookup past the limit can still tell a
/// name no ancestor set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct NameFilter([u64; 2]);

impl NameFilter {
    /// Two bits of the 128, from the two halves of the name's FNV-1a hash.
    fn bits(name: &str) -> [u64; 2] {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in name.bytes() {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        let mut bits = [0u64; 2];
        for bit in [h % 128, (h >> 32) % 128] {
            bits[(bit / 64) as usize] |= 1 << (bit % 64);
        }
        bits
    }

    fn insert(&mut self, name: &str) {
        let bits = Self::bits(name);
        self.0[0] |= bits[0];
        self.0[1] |= bits[1];
    }

    fn may_contain(&self, name: &str) -> bool {
        let bits = Self::bits(name);
        self.0[0] & bits[0] == bits[0] && self.0[1] & bits[1] == bits[1]
    }
}

/// The record of a stage with variables, 20 bytes: its assignments are the log entries
/// from `log_start` and the name slots from `names_start`, up to where the next record's
/// start.
#[derive(Debug)]
struct StageVars {
    /// In the low 31 bits, the record of the nearest ancestor (`FROM <stage>`) that sets
    /// some ENV: ancestors that set none are skipped, as they pass their parent's ENV on
    /// unchanged ([`NO_PARENT`] for none). The top bit ([`SETS_ENV`]) tells whether the
    /// stage itself sets some ENV. A file holds at most 4 GiB and a stage takes at least
    /// `FROM a\n`, so record indexes stay far below 2³¹.
    parent: u32,
    /// The index of the stage's FROM instruction.
    from_at: u32,
    log_start: u32,
    names_start: u32,
    /// The filter of the ENV names of the stage and of all its ancestors: an index in
    /// [`VarStore::filters`], or [`NO_FILTER`] for the empty one. A stage that sets no
    /// name its ancestors' filter lacks shares their filter rather than holding a copy,
    /// which on a chain of stages that re-set the same names is most of them.
    env_names: u32,
}

const SETS_ENV: u32 = 1 << 31;
const NO_PARENT: u32 = SETS_ENV - 1;

/// [`StageVars::env_names`] of a stage neither it nor any ancestor sets ENV in.
const NO_FILTER: u32 = u32::MAX;

impl StageVars {
    fn parent(&self) -> Option<u32> {
        let parent = self.parent & NO_PARENT;
        (parent != NO_PARENT).then_some(parent)
    }

    fn sets_env(&self) -> bool {
        self.parent & SETS_ENV != 0
    }
}

/// The hash index of the names of a stage with more than [`FEW_NAMES`]: positions in the
/// stage's run of name slots, 5 bytes a name rather than a second copy of each.
#[derive(Debug, Default)]
struct Index {
    positions: HashTable<u32>,
    hasher: RandomState,
}

/// The most names searched for without an index (a hash table of one entry takes a few
/// hundred bytes, and most stages assign a handful of names).
const FEW_NAMES: usize = 16;

/// The assignments of the stages of a file that have variables, in file order.
#[derive(Debug)]
pub(crate) struct VarStore {
    stages: Vec<StageVars>,
    /// Every value assigned, stage after stage, each in file order ([`Text::UNKNOWN`]
    /// for one not known statically).
    log: Vec<Text>,
    /// The names each stage assigns, stage after stage, each in the order first assigned.
    names: Vec<NameSlot>,
    /// The assignments, in order, of each name assigned more than once in its stage,
    /// found from the name's slot (see [`NameSlot::first`]).
    more: Vec<ThinVec<u32>>,
    /// The filters of [`StageVars::env_names`], each pushed by the stage that first
    /// needed it and shared with its descendants that add no name to it.
    filters: Vec<NameFilter>,
    /// Whether the last record pushed its filter itself: only then may the filter grow in
    /// place, as no other stage holds it.
    owns_filter: bool,
    /// The text of every name and value.
    text: String,
    /// The indexes of the stages with more than [`FEW_NAMES`] names, by record, ascending.
    indexes: Vec<(u32, Index)>,
    /// The last stage added ([`NO_STAGE`] before the first): the only one assigned to.
    last: u32,
}

/// [`VarStore::last`] before any stage.
const NO_STAGE: u32 = u32::MAX;

/// A node's assignment count that stands for "sees no variable at all": the scope then
/// reads nothing from the store, whatever stage comes before it.
pub(crate) const SEES_NONE: u32 = u32::MAX;

/// The store of [`VarsAt::empty`].
static EMPTY: VarStore = VarStore::new();

impl Default for VarStore {
    fn default() -> Self {
        VarStore::new()
    }
}

impl VarStore {
    const fn new() -> Self {
        VarStore {
            stages: Vec::new(),
            log: Vec::new(),
            names: Vec::new(),
            more: Vec::new(),
            filters: Vec::new(),
            owns_filter: false,
            text: String::new(),
            indexes: Vec::new(),
            last: NO_STAGE,
        }
    }

    /// Starts the next stage, inheriting the ENV of `parent`. Stages are named by the
    /// index of their FROM instruction (`from_at`), which comes after those of the stages
    /// before. A stage gets a record only once it has variables: when it inherits ENV
    /// here, or at its first assignment. A file of many stages without variables keeps
    /// no record for them.
    pub(crate) fn add_stage(&mut self, parent: Option<usize>, from_at: u32) {
        self.last = from_at;
        let inherited = parent.and_then(|p| self.record(p)).and_then(|p| {
            let s = &self.stages[p];
            let parent = if s.sets_env() {
                u32::try_from(p).ok()
            } else {
                s.parent()
            };
            Some((parent?, s.env_names))
        });
        if let Some((parent, env_names)) = inherited {
            self.push_record(from_at, parent.min(NO_PARENT), env_names);
        }
    }

    /// Pushes the record of the last stage, which starts with the filter `env_names` of
    /// its parent (not its own to change).
    fn push_record(&mut self, from_at: u32, parent: u32, env_names: u32) {
        self.owns_filter = false;
        self.stages.push(StageVars {
            parent,
            from_at,
            log_start: narrow(self.log.len()),
            names_start: narrow(self.names.len()),
            env_names,
        });
    }

    /// The record of the stage whose FROM is instruction `stage`, if it has one.
    fn record(&self, stage: usize) -> Option<usize> {
        let stage = u32::try_from(stage).ok()?;
        self.stages.binary_search_by_key(&stage, |s| s.from_at).ok()
    }

    /// The record of the last stage with a record whose FROM comes before `instruction`:
    /// the record of the instruction's own stage when that stage has variables.
    fn record_before(&self, instruction: u32) -> Option<usize> {
        self.stages
            .partition_point(|s| s.from_at < instruction)
            .checked_sub(1)
    }

    /// Where the log entries of `stage` are (which must exist).
    fn log_range(&self, stage: usize) -> Range<usize> {
        let end = self
            .stages
            .get(stage + 1)
            .map_or(self.log.len(), |next| next.log_start as usize);
        self.stages[stage].log_start as usize..end
    }

    /// The name slots of `stage` (which must exist).
    fn names_of(&self, stage: usize) -> &[NameSlot] {
        let end = self
            .stages
            .get(stage + 1)
            .map_or(self.names.len(), |next| next.names_start as usize);
        &self.names[self.stages[stage].names_start as usize..end]
    }

    fn str(&self, text: Text) -> &str {
        &self.text[text.start as usize..(text.start + text.len) as usize]
    }

    /// Adds `s` to the text, if it fits in 32-bit offsets (short of the one that marks
    /// an unknown value). Only gigabytes of names and values would fill it.
    fn add_text(&mut self, s: &str) -> Option<Text> {
        let start = self.text.len();
        if start.saturating_add(s.len()) >= u32::MAX as usize {
            return None;
        }
        self.text.push_str(s);
        Some(Text {
            start: start as u32,
            len: s.len() as u32,
        })
    }

    /// The position of `name` among the name slots of `stage` (which must exist).
    fn position(&self, stage: usize, name: &str) -> Option<usize> {
        let names = self.names_of(stage);
        if names.len() <= FEW_NAMES {
            return names.iter().position(|slot| self.str(slot.name) == name);
        }
        let at = self
            .indexes
            .binary_search_by_key(&stage, |(s, _)| *s as usize)
            .ok()?;
        let Index { positions, hasher } = &self.indexes[at].1;
        positions
            .find(hasher.hash_one(name), |&i| {
                self.str(names[i as usize].name) == name
            })
            .map(|&i| i as usize)
    }

    fn slot(&self, stage: usize, name: &str) -> Option<&NameSlot> {
        self.position(stage, name)
            .map(|at| &self.names_of(stage)[at])
    }

    /// The value of the assignment at position `at` of the log of `stage`.
    fn value(&self, stage: usize, at: u32) -> Option<&str> {
        let text = self.log[self.stages[stage].log_start as usize + at as usize];
        (!text.is_unknown()).then(|| self.str(text))
    }

    /// How many assignments `stage` has so far.
    pub(crate) fn len(&self, stage: usize) -> u32 {
        self.record(stage)
            .map_or(0, |r| narrow(self.log_range(r).len()))
    }

    /// The scope after the first `len` assignments of `stage`.
    pub(crate) fn at(&self, stage: usize, len: u32) -> VarsAt<'_> {
        VarsAt {
            store: self,
            stage: self.record(stage).map_or(u32::MAX, narrow),
            len,
        }
    }

    /// Whether no variable is in force after the first `len` assignments of `stage`: none
    /// of its own, and no ancestor sets ENV.
    pub(crate) fn is_empty_at(&self, stage: usize, len: u32) -> bool {
        self.record(stage)
            .is_none_or(|r| len == 0 && self.stages[r].parent().is_none())
    }

    /// The scope after every assignment of `stage` so far.
    pub(crate) fn at_end(&self, stage: usize) -> VarsAt<'_> {
        self.at(stage, self.len(stage))
    }

    /// Records `name = value` in `stage`; `env` for ENV (inherited by child stages).
    ///
    /// `stage` must be the last stage added, as it is when the file is walked in order:
    /// each stage's assignments must follow those of the stages before it in the tables.
    /// An assignment to any other stage is ignored (and a bug, caught in debug builds).
    /// So is, past 4 GiB of text, one whose name is new to the stage; its value then
    /// counts as unknown.
    pub(crate) fn assign(
        &mut self,
        stage: usize,
        name: CompactString,
        value: Option<CompactString>,
        env: bool,
    ) {
        debug_assert_eq!(
            stage, self.last as usize,
            "assignment to a stage other than the last"
        );
        if stage != self.last as usize {
            return;
        }
        if self.stages.last().is_none_or(|s| s.from_at != self.last) {
            self.push_record(self.last, NO_PARENT, NO_FILTER);
        }
        let stage = self.stages.len() - 1;
        let (log_start, names_start) = {
            let s = &self.stages[stage];
            (s.log_start as usize, s.names_start as usize)
        };
        // A stage of 2³¹ assignments would take more than the 4 GiB a file may hold, as
        // each takes at least a name and a separator; past that, positions would run into
        // the flag of `NameSlot::first`, so such an assignment is ignored.
        let at = self.log.len() - log_start;
        if at >= MORE as usize {
            return;
        }
        let at = at as u32;
        let slot = match self.position(stage, &name) {
            Some(i) => {
                let slot = &mut self.names[names_start + i];
                if slot.first & MORE == 0 {
                    // The second assignment: the list moves aside.
                    let list = narrow(self.more.len());
                    self.more.push(ThinVec::from(&[slot.first, at][..]));
                    slot.first = list | MORE;
                } else {
                    self.more[(slot.first & !MORE) as usize].push(at);
                }
                names_start + i
            }
            None => {
                let Some(text) = self.add_text(&name) else {
                    return;
                };
                self.names.push(NameSlot {
                    name: text,
                    first: at,
                    last_env: NO_ENV,
                });
                self.index_last(stage);
                self.names.len() - 1
            }
        };
        let value = value.and_then(|v| self.add_text(&v));
        self.log.push(value.unwrap_or(Text::UNKNOWN));
        if env {
            self.names[slot].last_env = at;
            self.stages[stage].parent |= SETS_ENV;
            self.add_env_name(stage, &name);
        }
    }

    /// The filter at `index` ([`NO_FILTER`]: the empty one).
    fn filter(&self, index: u32) -> NameFilter {
        self.filters
            .get(index as usize)
            .copied()
            .unwrap_or_default()
    }

    /// Adds `name` to the filter of `stage`, the last record. A filter shared with an
    /// ancestor stays as it is: the stage then pushes a grown copy of its own, the first
    /// time it sets a name the shared filter lacks.
    fn add_env_name(&mut self, stage: usize, name: &str) {
        let index = self.stages[stage].env_names;
        let old = self.filter(index);
        let mut new = old;
        new.insert(name);
        if new == old {
            return;
        }
        if self.owns_filter {
            self.filters[index as usize] = new;
        } else {
            self.stages[stage].env_names = narrow(self.filters.len());
            self.filters.push(new);
            self.owns_filter = true;
        }
    }

    /// Adds the name slot just pushed to the index of `stage` (the last stage), making
    /// the index when the stage outgrows [`FEW_NAMES`].
    fn index_last(&mut self, stage: usize) {
        let names_start = self.stages[stage].names_start as usize;
        let count = self.names.len() - names_start;
        if count <= FEW_NAMES {
            return;
        }
        let (names, text) = (&self.names[names_start..], &self.text);
        let name = |i: u32| {
            let t = names[i as usize].name;
            &text[t.start as usize..(t.start + t.len) as usize]
        };
        let new = count == FEW_NAMES + 1;
        if new {
            self.indexes.push((narrow(stage), Index::default()));
        }
        let Some((_, Index { positions, hasher })) = self.indexes.last_mut() else {
            return;
        };
        // A new index takes every name so far, an existing one the last.
        let first = if new { 0 } else { count - 1 };
        for i in first..count {
            let i = narrow(i);
            positions.insert_unique(hasher.hash_one(name(i)), i, |&j| hasher.hash_one(name(j)));
        }
    }

    /// Whether `name` is set by ENV in `stage` so far, itself or inherited (a name that
    /// may be set past [`MAX_INHERITED`] ancestors counts as set: its value is unknown).
    pub(crate) fn env_has(&self, stage: usize, name: &str) -> bool {
        let Some(stage) = self.record(stage) else {
            return false;
        };
        let s = &self.stages[stage];
        self.slot(stage, name)
            .is_some_and(|slot| slot.last_env().is_some())
            || self.inherited(s.parent(), name).is_some()
    }

    /// The value of ENV `name` a child of `parent` starts with.
    fn inherited(&self, mut parent: Option<u32>, name: &str) -> Option<Option<&str>> {
        for _ in 0..MAX_INHERITED {
            let p = parent? as usize;
            let s = self.stages.get(p)?;
            if let Some(at) = self.slot(p, name).and_then(NameSlot::last_env) {
                return Some(self.value(p, at));
            }
            parent = s.parent();
        }
        // Ancestors left beyond the limit: unknown if one of them may set the name.
        let rest = self.stages.get(parent? as usize)?;
        self.filter(rest.env_names)
            .may_contain(name)
            .then_some(None)
    }
}

/// The ARG and ENV values in force at one point of a stage.
#[derive(Debug, Clone, Copy)]
pub struct VarsAt<'a> {
    store: &'a VarStore,
    /// The stage's record (`u32::MAX` for a stage without one: no variables).
    stage: u32,
    len: u32,
}

impl<'a> VarsAt<'a> {
    /// No variables at all.
    pub fn empty() -> VarsAt<'static> {
        VarsAt {
            store: &EMPTY,
            stage: 0,
            len: 0,
        }
    }

    /// `None` when `name` is not declared, `Some(None)` when its value is not known statically.
    pub fn get(&self, name: &str) -> Option<Option<&'a str>> {
        let store = self.store;
        let stage = self.stage as usize;
        let s = store.stages.get(stage)?;
        if let Some(at) = store
            .slot(stage, name)
            .and_then(|slot| slot.before(self.len, &store.more))
        {
            return Some(store.value(stage, at));
        }
        store.inherited(s.parent(), name)
    }

    /// Every variable in force, by name (the inherited ENV through [`MAX_INHERITED`] parents).
    pub fn to_map(&self) -> BTreeMap<CompactString, Option<CompactString>> {
        let store = self.store;
        let mut map = BTreeMap::new();
        let stage = self.stage as usize;
        let Some(s) = store.stages.get(stage) else {
            return map;
        };
        for slot in store.names_of(stage) {
            if let Some(at) = slot.before(self.len, &store.more) {
                let value = store.value(stage, at).map(CompactString::from);
                map.insert(store.str(slot.name).into(), value);
            }
        }
        let mut parent = s.parent();
        for _ in 0..MAX_INHERITED {
            let Some((p, ps)) =
                parent.and_then(|p| Some((p as usize, store.stages.get(p as usize)?)))
            else {
                break;
            };
            for slot in store.names_of(p) {
                if let Some(at) = slot.last_env() {
                    let name = store.str(slot.name);
                    if !map.contains_key(name) {
                        map.insert(name.into(), store.value(p, at).map(CompactString::from));
                    }
                }
            }
            parent = ps.parent();
        }
        map
    }
}

impl Lookup for VarsAt<'_> {
    fn var(&self, name: &str) -> Option<Option<&str>> {
        self.get(name)
    }
}

/// A scope as a node keeps it: the store is filled in once the graph is built. One scope
/// serves every stage: it finds the stage of the instruction asked about, so a file of
/// hundreds of thousands of stages needs no scope per stage.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScopeVars {
    store: Option<Arc<OnceLock<VarStore>>>,
}

impl ScopeVars {
    pub(crate) fn shared(store: &Arc<OnceLock<VarStore>>) -> Self {
        ScopeVars {
            store: Some(Arc::clone(store)),
        }
    }

    /// The variables after the first `len` assignments of the stage of `instruction`
    /// ([`SEES_NONE`]: none at all). The stage is found among those with variables: one
    /// that sees some has a record, and no later stage's FROM comes before the instruction.
    pub(crate) fn view_at(&self, instruction: u32, len: u32) -> VarsAt<'_> {
        let store = self.store.as_deref().and_then(OnceLock::get);
        match store.filter(|_| len != SEES_NONE) {
            Some(store) => VarsAt {
                store,
                stage: store.record_before(instruction).map_or(u32::MAX, narrow),
                len,
            },
            None => VarsAt::empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indexes_answer_like_a_full_list_and_keep_runs_as_one_entry() {
        // Sequences of singles, runs and gaps from a fixed pseudo-random walk.
        let mut seed = 0x2545_f491_u32;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        for case in 0..300 {
            let mut all = vec![next() % 4];
            while all.len() < 1 + case % 60 {
                let gap = match next() % 4 {
                    0 | 1 => 1,
                    2 => 2,
                    _ => 1 + next() % 9,
                };
                all.push(all[all.len() - 1] + gap);
            }
            let mut indexes = Indexes::new(all[0]);
            for &i in &all[1..] {
                indexes.push(i);
            }
            let limit_max = all[all.len() - 1] + 3;
            for limit in 0..=limit_max {
                let expected = all.iter().copied().rfind(|&i| i < limit);
                assert_eq!(indexes.last_below(limit), expected, "{all:?} below {limit}");
            }
        }
        // A chain of one name: the first stage and one run entry.
        let mut chain = Indexes::new(3);
        for i in 4..100_000 {
            chain.push(i);
        }
        assert_eq!(chain.more.len(), 1);
        assert_eq!(chain.last_below(50_000), Some(49_999));
        assert_eq!(chain.last_below(3), None);
        assert_eq!(chain.last_below(4), Some(3));
    }

    /// Stages with the given parents, each named by its number (as if the FROM of stage
    /// `i` were instruction `i`).
    fn store(stages: &[Option<usize>]) -> VarStore {
        let mut s = VarStore::default();
        for p in stages {
            add(&mut s, *p);
        }
        s
    }

    /// Adds the next stage, named by its number.
    fn add(s: &mut VarStore, parent: Option<usize>) -> usize {
        let stage = if s.last == NO_STAGE { 0 } else { s.last + 1 };
        s.add_stage(parent, stage);
        stage as usize
    }

    #[test]
    fn a_snapshot_sees_the_assignments_before_it() {
        let mut s = store(&[None]);
        s.assign(0, "A".into(), Some("1".into()), false);
        let one = s.len(0);
        s.assign(0, "A".into(), Some("2".into()), false);
        s.assign(0, "B".into(), None, true);
        assert_eq!(s.at(0, 0).get("A"), None);
        assert_eq!(s.at(0, one).get("A"), Some(Some("1")));
        assert_eq!(s.at_end(0).get("A"), Some(Some("2")));
        assert_eq!(s.at_end(0).get("B"), Some(None));
        assert_eq!(s.at(0, one).get("B"), None);
    }

    #[test]
    fn lookups_hold_when_the_names_outgrow_the_list() {
        let mut s = store(&[None]);
        for round in 0..2 {
            for i in 0..3 * FEW_NAMES {
                s.assign(
                    0,
                    format!("N{i}").into(),
                    Some(format!("{round}").into()),
                    i % 2 == 0,
                );
            }
        }
        let half = (3 * FEW_NAMES) as u32;
        for i in 0..3 * FEW_NAMES {
            let name = format!("N{i}");
            assert_eq!(s.at(0, half).get(&name), Some(Some("0")));
            assert_eq!(s.at_end(0).get(&name), Some(Some("1")));
            assert_eq!(s.env_has(0, &name), i % 2 == 0);
        }
        assert_eq!(s.at_end(0).to_map().len(), 3 * FEW_NAMES);
    }

    #[test]
    fn children_inherit_the_last_env_only() {
        let mut s = store(&[None]);
        s.assign(0, "E".into(), Some("env".into()), true);
        s.assign(0, "E".into(), Some("arg".into()), false);
        s.assign(0, "A".into(), Some("arg".into()), false);
        add(&mut s, Some(0));
        assert_eq!(s.at_end(1).get("E"), Some(Some("env")));
        assert_eq!(s.at_end(1).get("A"), None);
        assert!(s.env_has(1, "E") && !s.env_has(1, "A"));
        s.assign(1, "E".into(), Some("own".into()), true);
        assert_eq!(s.at_end(1).get("E"), Some(Some("own")));
        assert_eq!(s.at(1, 0).get("E"), Some(Some("env")));
    }

    /// A chain of `n + 1` stages, each the child of the one before, where `sets_env(i)`
    /// stages set `E<i>`.
    fn chain(n: usize, sets_env: impl Fn(usize) -> bool) -> VarStore {
        let mut s = VarStore::default();
        for i in 0..=n {
            add(&mut s, i.checked_sub(1));
            if sets_env(i) {
                s.assign(i, format!("E{i}").into(), Some("v".into()), true);
            }
        }
        s
    }

    #[test]
    fn inheritance_stops_at_the_limit_with_unknown_values() {
        let s = chain(40, |_| true);
        assert_eq!(s.at_end(MAX_INHERITED).get("E0"), Some(Some("v")));
        assert_eq!(s.at_end(MAX_INHERITED + 1).get("E0"), Some(None));
        assert_eq!(s.at_end(40).get("E39"), Some(Some("v")));
        assert_eq!(s.at_end(40).get("E0"), Some(None));
        assert!(
            s.env_has(40, "E0"),
            "an unknown inherited value still wins over an ARG"
        );
        assert_eq!(s.at_end(3).get("MISSING"), None);
    }

    #[test]
    fn names_no_ancestor_sets_stay_undeclared_past_the_limit() {
        let s = chain(40, |_| true);
        let unset = (0..1000)
            .map(|i| format!("HOME{i}"))
            .filter(|n| s.at_end(40).get(n).is_none())
            .count();
        // 40 names in a 128-bit filter with two bits each leave most names provably unset.
        assert!(unset > 500, "{unset}");
        assert!(!s.env_has(40, "HOME0") || s.at_end(40).get("HOME0") == Some(None));
    }

    #[test]
    fn stages_without_env_do_not_count_toward_the_limit() {
        let s = chain(1000, |i| i == 0);
        assert_eq!(s.at_end(1000).get("E0"), Some(Some("v")));
        assert_eq!(s.at_end(1000).get("HOME"), None);
    }

    #[test]
    fn the_map_lists_own_and_inherited_values() {
        let mut s = store(&[None]);
        s.assign(0, "E".into(), Some("1".into()), true);
        s.assign(0, "A".into(), Some("2".into()), false);
        add(&mut s, Some(0));
        s.assign(1, "B".into(), None, false);
        let map = s.at_end(1).to_map();
        let pairs: Vec<(&str, Option<&str>)> = map
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_deref()))
            .collect();
        assert_eq!(pairs, [("B", None), ("E", Some("1"))]);
    }

    #[test]
    fn records_stay_small() {
        assert_eq!(std::mem::size_of::<StageVars>(), 20);
        assert_eq!(std::mem::size_of::<NameSlot>(), 16);
        assert_eq!(std::mem::size_of::<Text>(), 8);
    }

    /// The value of `name` at the end of `stage`, as an owned pair for comparisons.
    fn end(s: &VarStore, stage: usize, name: &str) -> Option<Option<String>> {
        s.at_end(stage).get(name).map(|v| v.map(str::to_string))
    }

    #[test]
    fn each_stage_sees_its_own_run_of_the_tables() {
        let mut s = VarStore::default();
        for stage in 0..5 {
            add(&mut s, None);
            for i in 0..=stage {
                s.assign(
                    stage,
                    format!("S{stage}N{i}").into(),
                    Some(format!("{stage}.{i}").into()),
                    i % 2 == 1,
                );
            }
            s.assign(
                stage,
                "COMMON".into(),
                Some(format!("{stage}").into()),
                false,
            );
        }
        for stage in 0..5 {
            assert_eq!(s.len(stage), stage as u32 + 2);
            for i in 0..=stage {
                let name = format!("S{stage}N{i}");
                assert_eq!(end(&s, stage, &name), Some(Some(format!("{stage}.{i}"))));
                assert_eq!(s.at(stage, i as u32).get(&name), None);
                assert_eq!(s.env_has(stage, &name), i % 2 == 1);
            }
            for other in (0..5).filter(|&o| o != stage) {
                assert_eq!(s.at_end(stage).get(&format!("S{other}N0")), None);
            }
            assert_eq!(end(&s, stage, "COMMON"), Some(Some(format!("{stage}"))));
            assert_eq!(s.at_end(stage).to_map().len(), stage + 2);
        }
    }

    #[test]
    fn stages_without_assignments_have_empty_runs() {
        let mut s = store(&[None, None]);
        s.assign(1, "A".into(), Some("1".into()), true);
        add(&mut s, Some(1));
        add(&mut s, None);
        add(&mut s, Some(2));
        s.assign(4, "B".into(), Some("2".into()), false);
        add(&mut s, None);
        assert_eq!(
            (0..6).map(|i| s.len(i)).collect::<Vec<_>>(),
            [0, 1, 0, 0, 1, 0]
        );
        assert!(s.is_empty_at(0, 0) && s.is_empty_at(3, 0) && s.is_empty_at(5, 0));
        assert!(!s.is_empty_at(2, 0), "stage 2 inherits stage 1's ENV");
        assert_eq!(s.at_end(0).get("A"), None);
        assert_eq!(s.at_end(2).get("A"), Some(Some("1")));
        assert_eq!(s.at_end(3).get("A"), None);
        assert_eq!(
            s.at_end(4).get("A"),
            Some(Some("1")),
            "through stage 2, which sets none"
        );
        assert_eq!(s.at_end(4).get("B"), Some(Some("2")));
        assert_eq!(s.at(4, 0).get("B"), None);
        assert_eq!(s.at_end(5).get("B"), None);
        assert!(s.at_end(5).to_map().is_empty());
        assert_eq!(s.at_end(4).to_map().len(), 2);
    }

    #[test]
    fn several_stages_with_indexes() {
        let mut s = VarStore::default();
        let wide = 3 * FEW_NAMES;
        for stage in 0..6usize {
            add(&mut s, stage.checked_sub(1));
            // Stages 1, 3 and 5 outgrow the list; the others keep a few names.
            let count = if stage % 2 == 1 { wide } else { 3 };
            for round in 0..2 {
                for i in 0..count {
                    let value = format!("{stage}:{round}");
                    s.assign(stage, format!("N{i}").into(), Some(value.into()), i == 0);
                }
            }
        }
        assert_eq!(
            s.indexes.iter().map(|(st, _)| *st).collect::<Vec<_>>(),
            [1, 3, 5]
        );
        for stage in 0..6 {
            let count = if stage % 2 == 1 { wide } else { 3 };
            for i in 0..count {
                let name = format!("N{i}");
                assert_eq!(end(&s, stage, &name), Some(Some(format!("{stage}:1"))));
                let first = s.at(stage, count as u32).get(&name);
                assert_eq!(
                    first.map(|v| v.map(str::to_string)),
                    Some(Some(format!("{stage}:0")))
                );
            }
            // A name only a wider stage has: stage 0 has none, later ones inherit only N0.
            let missing = format!("N{}", wide - 1);
            if stage % 2 == 0 {
                assert_eq!(s.at_end(stage).get(&missing), None);
                assert!(!s.env_has(stage, &missing));
            }
            assert_eq!(s.at_end(stage).to_map().len(), count);
        }
    }

    #[test]
    fn only_stages_with_variables_have_records() {
        // 0 assigns; 1 sets nothing and inherits nothing; 2 inherits 0's ENV through 3
        // levels; 3 is built on 1, which has none; 4 assigns an ARG.
        let mut s = store(&[None, None]);
        s.assign(1, "A".into(), Some("1".into()), true);
        add(&mut s, None);
        add(&mut s, Some(2));
        add(&mut s, Some(3));
        add(&mut s, Some(2));
        add(&mut s, None);
        s.assign(6, "B".into(), None, false);
        let records: Vec<u32> = s.stages.iter().map(|r| r.from_at).collect();
        assert_eq!(records, [1, 6], "neither 0, 2, 3, 4 nor 5 sees a variable");
        add(&mut s, Some(1));
        add(&mut s, Some(7));
        let records: Vec<u32> = s.stages.iter().map(|r| r.from_at).collect();
        assert_eq!(records, [1, 6, 7, 8], "7 and 8 inherit 1's ENV");
        assert_eq!(s.at_end(8).get("A"), Some(Some("1")));
        assert!(s.env_has(8, "A") && !s.env_has(5, "A"));
        assert_eq!((s.len(5), s.len(6)), (0, 1));
        assert!(s.is_empty_at(5, 0) && !s.is_empty_at(7, 0));
        assert_eq!(s.at_end(5).get("A"), None);
        assert!(s.at_end(5).to_map().is_empty());
    }

    #[test]
    fn a_shared_scope_finds_the_stage_of_each_instruction() {
        // FROMs at instructions 0, 10, 20 and 30; stage 20 has no variable.
        let mut s = VarStore::default();
        s.add_stage(None, 0);
        s.assign(0, "E".into(), Some("zero".into()), true);
        s.add_stage(Some(0), 10);
        s.assign(10, "A".into(), Some("one".into()), false);
        s.add_stage(None, 20);
        s.add_stage(None, 30);
        s.assign(30, "A".into(), None, false);
        let cell = Arc::new(OnceLock::new());
        let shared = ScopeVars::shared(&cell);
        assert_eq!(
            shared.view_at(5, 1).get("E"),
            None,
            "the store is not filled in yet"
        );
        cell.set(s).unwrap();
        assert_eq!(shared.view_at(5, 1).get("E"), Some(Some("zero")));
        assert_eq!(shared.view_at(5, 0).get("E"), None);
        assert_eq!(shared.view_at(15, 1).get("A"), Some(Some("one")));
        assert_eq!(shared.view_at(15, 0).get("E"), Some(Some("zero")));
        assert_eq!(shared.view_at(15, 1).get("E"), Some(Some("zero")));
        assert_eq!(shared.view_at(35, 1).get("A"), Some(None));
        assert_eq!(shared.view_at(35, 1).get("E"), None);
        // A node of stage 20 sees nothing, and says so: the record before it is stage 10's.
        assert_eq!(shared.view_at(25, SEES_NONE).get("A"), None);
        assert!(shared.view_at(25, SEES_NONE).to_map().is_empty());
        assert_eq!(shared.view_at(15, SEES_NONE).get("A"), None);
        assert_eq!(
            shared.view_at(0, 1).get("E"),
            None,
            "before the first stage"
        );
        assert_eq!(ScopeVars::default().view_at(15, 1).get("A"), None);
    }

    #[test]
    fn unknown_values_stay_unknown() {
        let mut s = store(&[None]);
        s.assign(0, "A".into(), None, false);
        s.assign(0, "E".into(), None, true);
        s.assign(0, "EMPTY".into(), Some("".into()), false);
        s.assign(0, "A".into(), Some("known".into()), false);
        s.assign(0, "A".into(), None, false);
        add(&mut s, Some(0));
        assert_eq!(s.at(0, 1).get("A"), Some(None));
        assert_eq!(s.at(0, 4).get("A"), Some(Some("known")));
        assert_eq!(s.at_end(0).get("A"), Some(None));
        assert_eq!(s.at_end(0).get("EMPTY"), Some(Some("")));
        assert_eq!(s.at_end(1).get("E"), Some(None));
        assert!(s.env_has(1, "E"));
        let map = s.at_end(1).to_map();
        assert_eq!(map.get("E"), Some(&None));
        assert_eq!(map.len(), 1);
        let map = s.at_end(0).to_map();
        assert_eq!(
            (map.get("A"), map.get("EMPTY")),
            (Some(&None), Some(&Some("".into())))
        );
    }

    #[test]
    fn every_snapshot_of_a_name_assigned_many_times() {
        let mut s = store(&[None, None]);
        s.assign(1, "OTHER".into(), Some("x".into()), false);
        let rounds = 300;
        for round in 0..rounds {
            s.assign(
                1,
                "V".into(),
                (round % 7 != 3).then(|| format!("{round}").into()),
                round % 5 == 0,
            );
            s.assign(1, format!("W{round}").into(), Some("w".into()), false);
        }
        add(&mut s, Some(1));
        for len in 0..=s.len(1) {
            // Position 0 is OTHER, then V and W<round> alternate.
            let expected = match len {
                0 | 1 => None,
                _ => {
                    let round = (len - 2) / 2;
                    Some((round % 7 != 3).then(|| format!("{round}")))
                }
            };
            assert_eq!(
                s.at(1, len).get("V").map(|v| v.map(str::to_string)),
                expected,
                "{len}"
            );
        }
        // The child inherits the last ENV assignment: round 295.
        assert_eq!(s.at_end(2).get("V"), Some(Some("295")));
        assert!(s.env_has(2, "V") && !s.env_has(2, "W0"));
    }

    /// The filter index of the record of `stage`.
    fn filter_of(s: &VarStore, stage: usize) -> u32 {
        s.stages[s.record(stage).unwrap()].env_names
    }

    /// A name whose filter bits `filter` lacks, so that a lookup can tell it unset.
    fn name_outside(filter: NameFilter, prefix: &str) -> String {
        (0..)
            .map(|i| format!("{prefix}{i}"))
            .find(|n| !filter.may_contain(n))
            .unwrap()
    }

    #[test]
    fn a_chain_that_resets_its_names_shares_one_filter() {
        // Stage 0 sets E and OLD; 1 to 40 each set E again, except 20 which also sets NEW.
        let mut base = NameFilter::default();
        base.insert("E");
        base.insert("OLD");
        let new = name_outside(base, "NEW");
        let mut grown = base;
        grown.insert(&new);
        let mut s = VarStore::default();
        for i in 0..=40usize {
            add(&mut s, i.checked_sub(1));
            s.assign(i, "E".into(), Some(format!("{i}").into()), true);
            if i == 0 {
                s.assign(0, "OLD".into(), Some("old".into()), true);
            }
            if i == 20 {
                s.assign(20, new.as_str().into(), Some("new".into()), true);
            }
        }
        assert_eq!(
            s.filters,
            [base, grown],
            "one filter each for stages 0 and 20"
        );
        for i in 0..=40 {
            assert_eq!(filter_of(&s, i), u32::from(i >= 20), "{i}");
        }
        // Stage 40 looks E up in itself, NEW and OLD past the limit: in the filter, so
        // unknown. A name the filter lacks stays undeclared.
        assert_eq!(end(&s, 40, "E"), Some(Some("40".into())));
        assert_eq!(end(&s, 40, "OLD"), Some(None));
        assert_eq!(end(&s, 40, &new), Some(None));
        assert_eq!(end(&s, 25, &new), Some(Some("new".into())));
        assert_eq!(end(&s, 19, &new), None, "NEW is not in the filter of 19");
        assert_eq!(end(&s, 20, "OLD"), Some(None), "past the limit from 20");
        assert_eq!(end(&s, MAX_INHERITED, "OLD"), Some(Some("old".into())));
        let unset = name_outside(grown, "HOME");
        assert_eq!(end(&s, 40, &unset), None);
        assert!(s.env_has(40, "OLD") && s.env_has(40, &new) && !s.env_has(40, &unset));
    }

    #[test]
    fn a_stage_grows_its_own_filter_and_leaves_its_parents_alone() {
        let mut s = store(&[None]);
        s.assign(0, "A".into(), Some("1".into()), true);
        let parent = s.filters[0];
        // An ARG-only child shares the filter; so does an ENV of a name it already has.
        add(&mut s, Some(0));
        s.assign(1, "B".into(), Some("arg".into()), false);
        s.assign(1, "A".into(), Some("2".into()), true);
        assert_eq!((filter_of(&s, 1), s.filters.len()), (0, 1));
        // Its first new ENV name pushes a copy; later ones grow that copy in place.
        let mut names = parent;
        let b = name_outside(names, "B");
        names.insert(&b);
        let c = name_outside(names, "C");
        s.assign(1, b.as_str().into(), Some("b".into()), true);
        s.assign(1, c.as_str().into(), Some("c".into()), true);
        assert_eq!((filter_of(&s, 1), s.filters.len()), (1, 2));
        assert_eq!(s.filters[0], parent, "the parent's filter is unchanged");
        assert!(!parent.may_contain(&b));
        assert!(s.filters[1].may_contain(&b) && s.filters[1].may_contain(&c));
        // A sibling built on stage 0 starts from the parent's filter, not stage 1's.
        add(&mut s, Some(0));
        assert_eq!(filter_of(&s, 2), 0);
        s.assign(2, b.as_str().into(), Some("b2".into()), true);
        assert_eq!((filter_of(&s, 2), s.filters.len()), (2, 3));
        assert_eq!(end(&s, 2, &b), Some(Some("b2".into())));
        assert_eq!(end(&s, 2, &c), None);
        assert_eq!(end(&s, 1, "A"), Some(Some("2".into())));
        // A stage without a parent and without ENV has no filter at all.
        add(&mut s, None);
        s.assign(3, "X".into(), None, false);
        assert_eq!(filter_of(&s, 3), NO_FILTER);
        assert_eq!(s.filters.len(), 3);
    }

    #[test]
    fn names_assigned_many_times_between_others_keep_every_snapshot() {
        // In each stage, names picked by a quadratic pattern: each is assigned again and
        // again, after names created later. Stage 1 has enough names to be indexed.
        let mut s = VarStore::default();
        for (stage, count) in [5, 3 * FEW_NAMES + 1, 2].into_iter().enumerate() {
            add(&mut s, None);
            let mut log: Vec<(String, Option<String>)> = Vec::new();
            for k in 0..400usize {
                let name = format!("N{}", (k * k + stage) % count);
                let value = (k % 11 != 5).then(|| format!("{stage}.{k}"));
                s.assign(
                    stage,
                    name.as_str().into(),
                    value.clone().map(Into::into),
                    k % 3 == 0,
                );
                log.push((name, value));
            }
            let names: std::collections::BTreeSet<&str> =
                log.iter().map(|(n, _)| n.as_str()).collect();
            for len in 0..=log.len() {
                let scope = s.at(stage, len as u32);
                for name in names.iter().copied().chain(["MISSING"]) {
                    let expected = log[..len].iter().rev().find(|(n, _)| n == name);
                    assert_eq!(
                        scope.get(name),
                        expected.map(|(_, v)| v.as_deref()),
                        "stage {stage}, {name} at {len}"
                    );
                }
                let map = scope.to_map();
                let distinct: std::collections::BTreeSet<&str> =
                    log[..len].iter().map(|(n, _)| n.as_str()).collect();
                assert_eq!(map.len(), distinct.len(), "stage {stage} at {len}");
            }
        }
        assert_eq!(s.indexes.iter().map(|(st, _)| *st).collect::<Vec<_>>(), [1]);
        // Names assigned once keep their position in place; the others have a list aside.
        let flagged = s.names.iter().filter(|n| n.first & MORE != 0).count();
        assert_eq!(flagged, s.more.len());
        let once = s.names.len() - flagged;
        assert_eq!(
            s.more.iter().map(|l| l.len()).sum::<usize>() + once,
            s.log.len()
        );
    }

    #[test]
    #[cfg_attr(debug_assertions, should_panic(expected = "other than the last"))]
    fn assignments_go_to_the_last_stage_only() {
        let mut s = store(&[None, None]);
        s.assign(0, "A".into(), Some("1".into()), true);
        assert_eq!(s.len(0), 0);
        assert_eq!(s.at_end(0).get("A"), None);
    }

    #[test]
    fn the_empty_scope_has_nothing() {
        let empty = VarsAt::empty();
        assert_eq!(empty.get("A"), None);
        assert!(empty.to_map().is_empty());
    }
}
