//! The ARG and ENV values in force at each instruction of each stage.
//!
//! Every stage keeps the log of its assignments in order, and an instruction's scope is a
//! stage and a length of that log: a snapshot costs nothing, however many instructions
//! take one. (A persistent map copied a path of tree nodes per assignment that followed a
//! snapshot, about a kilobyte each on a long `ARG A1` / `RUN …` / `ARG A2` / … file.)
//! A stage inherits its parent's ENV by reference, looked up through at most
//! [`MAX_INHERITED`] ancestors that set some ENV.

use std::collections::BTreeMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, OnceLock};

use compact_str::CompactString;
use hashbrown::HashTable;
use thin_vec::ThinVec;

use super::expand::Lookup;

/// Through how many ancestor stages that set ENV an inherited ENV is looked up; beyond
/// them a name not found has an unknown value, unless no ancestor can have set it (see
/// [`NameFilter`]). A `FROM <stage>` chain this deep is hostile input (the deepest among
/// 2,949 public Dockerfiles is 6 stages), and the limit keeps each lookup bounded on a
/// chain of thousands of stages.
pub const MAX_INHERITED: usize = super::MAX_LINEAGE - 1;

/// Ascending indexes, the first held in place: most lists (a name's assignments, the
/// stages of one name) have one entry, and an allocation each would outweigh it.
#[derive(Debug, Clone)]
pub(super) struct Indexes {
    first: u32,
    more: ThinVec<u32>,
}

impl Indexes {
    pub(super) fn new(first: u32) -> Self {
        Indexes {
            first,
            more: ThinVec::new(),
        }
    }

    /// Adds `index`, which comes after every index held.
    pub(super) fn push(&mut self, index: u32) {
        self.more.push(index);
    }

    /// The last index below `limit`.
    pub(super) fn last_below(&self, limit: u32) -> Option<u32> {
        match self.more.partition_point(|&at| at < limit) {
            0 => (self.first < limit).then_some(self.first),
            i => Some(self.more[i - 1]),
        }
    }
}

/// Where the assignments of one name are in a stage's log.
#[derive(Debug)]
struct Slot {
    assignments: Indexes,
    /// The last assignment by ENV, which child stages inherit ([`NO_ENV`] for none).
    last_env: u32,
}

const NO_ENV: u32 = u32::MAX;

impl Slot {
    fn last_env(&self) -> Option<u32> {
        (self.last_env != NO_ENV).then_some(self.last_env)
    }

    /// The last assignment before log position `len`.
    fn before(&self, len: u32) -> Option<u32> {
        self.assignments.last_below(len)
    }
}

/// A set of names that may give false positives and never false negatives: the names a
/// stage and its ancestors set by ENV, so that a lookup past the limit can still tell a
/// name no ancestor set.
#[derive(Debug, Clone, Copy, Default)]
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

/// One stage's assignments.
#[derive(Debug)]
pub(crate) struct StageVars {
    /// The nearest ancestor (`FROM <stage>`) that sets some ENV: ancestors that set none
    /// are skipped, as they pass their parent's ENV on unchanged. [`NO_PARENT`] for none
    /// (a plain `u32`: the record of every stage holds it).
    parent: u32,
    /// Whether the stage sets some ENV.
    sets_env: bool,
    /// The ENV names of the stage and of all its ancestors.
    env_names: NameFilter,
    /// Boxed: most stages of a file of thousands of stages assign nothing.
    assigned: Option<Box<Assignments>>,
}

#[derive(Debug, Default)]
struct Assignments {
    /// Every value assigned, in order: `None` for one not known statically.
    log: Vec<Option<CompactString>>,
    names: Names,
}

/// The slots of a stage's names, in the order first assigned. A search of the list
/// while there are few (a hash table of one entry takes a few hundred bytes, and most
/// stages assign a handful of names); past [`FEW_NAMES`], a table of positions in the
/// list, 5 bytes a slot rather than a second copy of each entry.
#[derive(Debug, Default)]
struct Names {
    list: Vec<(CompactString, Slot)>,
    index: Option<Box<Index>>,
}

#[derive(Debug, Default)]
struct Index {
    positions: HashTable<u32>,
    hasher: RandomState,
}

/// The most names searched for without an index.
const FEW_NAMES: usize = 16;

impl Names {
    fn position(&self, name: &str) -> Option<usize> {
        match &self.index {
            None => self.list.iter().position(|(n, _)| n == name),
            Some(index) => index
                .positions
                .find(index.hasher.hash_one(name), |&at| {
                    self.list[at as usize].0 == name
                })
                .map(|&at| at as usize),
        }
    }

    fn get(&self, name: &str) -> Option<&Slot> {
        self.position(name).map(|at| &self.list[at].1)
    }

    /// The slot of `name`, made with `new` when there is none.
    fn entry(&mut self, name: CompactString, new: impl FnOnce() -> Slot) -> &mut Slot {
        if let Some(at) = self.position(&name) {
            return &mut self.list[at].1;
        }
        if self.list.len() < FEW_NAMES {
            // Most stages assign one or two names: no room for four up front.
            self.list.reserve_exact(1);
        }
        let at = self.list.len();
        self.list.push((name, new()));
        let list = &self.list;
        match &mut self.index {
            Some(index) => {
                let Index { positions, hasher } = &mut **index;
                positions.insert_unique(hasher.hash_one(&*list[at].0), at as u32, |&i| {
                    hasher.hash_one(&*list[i as usize].0)
                });
            }
            None if list.len() > FEW_NAMES => {
                let mut index = Box::<Index>::default();
                let Index { positions, hasher } = &mut *index;
                for (i, (n, _)) in list.iter().enumerate() {
                    positions.insert_unique(hasher.hash_one(&**n), i as u32, |&i| {
                        hasher.hash_one(&*list[i as usize].0)
                    });
                }
                self.index = Some(index);
            }
            None => {}
        }
        &mut self.list[at].1
    }

    fn iter(&self) -> impl Iterator<Item = (&CompactString, &Slot)> {
        self.list.iter().map(|(n, s)| (n, s))
    }
}

const NO_PARENT: u32 = u32::MAX;

impl Default for StageVars {
    fn default() -> Self {
        StageVars {
            parent: NO_PARENT,
            sets_env: false,
            env_names: NameFilter::default(),
            assigned: None,
        }
    }
}

impl StageVars {
    fn parent(&self) -> Option<u32> {
        (self.parent != NO_PARENT).then_some(self.parent)
    }

    fn len(&self) -> u32 {
        self.assigned.as_ref().map_or(0, |a| a.log.len() as u32)
    }

    fn slot(&self, name: &str) -> Option<&Slot> {
        self.assigned.as_ref()?.names.get(name)
    }

    fn value(&self, at: u32) -> Option<&Option<CompactString>> {
        self.assigned.as_ref()?.log.get(at as usize)
    }

    fn slots(&self) -> impl Iterator<Item = (&CompactString, &Slot)> {
        self.assigned.iter().flat_map(|a| a.names.iter())
    }
}

/// The assignments of every stage of a file, indexed like its stages.
#[derive(Debug, Default)]
pub(crate) struct VarStore {
    stages: Vec<StageVars>,
}

impl VarStore {
    pub(crate) fn with_stages(count: usize) -> Self {
        VarStore {
            stages: Vec::with_capacity(count),
        }
    }

    /// Starts the next stage, inheriting the ENV of `parent`.
    pub(crate) fn add_stage(&mut self, parent: Option<usize>) {
        let (parent, env_names) = match parent.and_then(|p| Some((p, self.stages.get(p)?))) {
            Some((p, s)) if s.sets_env => (u32::try_from(p).ok(), s.env_names),
            Some((_, s)) => (s.parent(), s.env_names),
            None => (None, NameFilter::default()),
        };
        self.stages.push(StageVars {
            parent: parent.unwrap_or(NO_PARENT),
            env_names,
            ..StageVars::default()
        });
    }

    /// How many assignments `stage` has so far.
    pub(crate) fn len(&self, stage: usize) -> u32 {
        self.stages.get(stage).map_or(0, StageVars::len)
    }

    /// The scope after the first `len` assignments of `stage`.
    pub(crate) fn at(&self, stage: usize, len: u32) -> VarsAt<'_> {
        VarsAt {
            stages: &self.stages,
            stage: stage as u32,
            len,
        }
    }

    /// Whether no variable is in force after the first `len` assignments of `stage`: none
    /// of its own, and no ancestor sets ENV.
    pub(crate) fn is_empty_at(&self, stage: usize, len: u32) -> bool {
        self.stages
            .get(stage)
            .is_none_or(|s| len == 0 && s.parent().is_none())
    }

    /// The scope after every assignment of `stage` so far.
    pub(crate) fn at_end(&self, stage: usize) -> VarsAt<'_> {
        self.at(stage, self.len(stage))
    }

    /// Records `name = value` in `stage`; `env` for ENV (inherited by child stages).
    pub(crate) fn assign(
        &mut self,
        stage: usize,
        name: CompactString,
        value: Option<CompactString>,
        env: bool,
    ) {
        let Some(s) = self.stages.get_mut(stage) else {
            return;
        };
        if env {
            s.sets_env = true;
            s.env_names.insert(&name);
        }
        let a = s.assigned.get_or_insert_with(Box::default);
        let at = a.log.len() as u32;
        if a.log.len() < FEW_NAMES {
            a.log.reserve_exact(1);
        }
        a.log.push(value);
        let mut added = false;
        let slot = a.names.entry(name, || {
            added = true;
            Slot {
                assignments: Indexes::new(at),
                last_env: NO_ENV,
            }
        });
        if !added {
            slot.assignments.push(at);
        }
        if env {
            slot.last_env = at;
        }
    }

    /// Whether `name` is set by ENV in `stage` so far, itself or inherited (a name that
    /// may be set past [`MAX_INHERITED`] ancestors counts as set: its value is unknown).
    pub(crate) fn env_has(&self, stage: usize, name: &str) -> bool {
        let Some(s) = self.stages.get(stage) else {
            return false;
        };
        s.slot(name).is_some_and(|slot| slot.last_env().is_some())
            || inherited(&self.stages, s.parent(), name).is_some()
    }
}

/// The value of ENV `name` a child of `parent` starts with.
fn inherited<'a>(
    stages: &'a [StageVars],
    mut parent: Option<u32>,
    name: &str,
) -> Option<Option<&'a str>> {
    for _ in 0..MAX_INHERITED {
        let s = stages.get(parent? as usize)?;
        if let Some(at) = s.slot(name).and_then(Slot::last_env) {
            return Some(s.value(at)?.as_deref());
        }
        parent = s.parent();
    }
    // Ancestors left beyond the limit: unknown if one of them may set the name.
    let rest = stages.get(parent? as usize)?;
    rest.env_names.may_contain(name).then_some(None)
}

/// The ARG and ENV values in force at one point of a stage.
#[derive(Debug, Clone, Copy)]
pub struct VarsAt<'a> {
    stages: &'a [StageVars],
    stage: u32,
    len: u32,
}

impl<'a> VarsAt<'a> {
    /// No variables at all.
    pub fn empty() -> VarsAt<'static> {
        VarsAt {
            stages: &[],
            stage: 0,
            len: 0,
        }
    }

    /// `None` when `name` is not declared, `Some(None)` when its value is not known statically.
    pub fn get(&self, name: &str) -> Option<Option<&'a str>> {
        let s = self.stages.get(self.stage as usize)?;
        if let Some(at) = s.slot(name).and_then(|slot| slot.before(self.len)) {
            return Some(s.value(at)?.as_deref());
        }
        inherited(self.stages, s.parent(), name)
    }

    /// Every variable in force, by name (the inherited ENV through [`MAX_INHERITED`] parents).
    pub fn to_map(&self) -> BTreeMap<CompactString, Option<CompactString>> {
        let mut map = BTreeMap::new();
        let Some(s) = self.stages.get(self.stage as usize) else {
            return map;
        };
        for (name, slot) in s.slots() {
            if let Some(at) = slot.before(self.len) {
                let value = s.value(at).cloned().flatten();
                map.insert(name.clone(), value);
            }
        }
        let mut parent = s.parent();
        for _ in 0..MAX_INHERITED {
            let Some(p) = parent.and_then(|p| self.stages.get(p as usize)) else {
                break;
            };
            for (name, slot) in p.slots() {
                if let Some(at) = slot.last_env() {
                    if !map.contains_key(name) {
                        map.insert(name.clone(), p.value(at).cloned().flatten());
                    }
                }
            }
            parent = p.parent();
        }
        map
    }
}

impl Lookup for VarsAt<'_> {
    fn var(&self, name: &str) -> Option<Option<&str>> {
        self.get(name)
    }
}

/// A scope as a node keeps it: the store is filled in once the graph is built.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScopeVars {
    store: Option<Arc<OnceLock<VarStore>>>,
    stage: u32,
}

impl ScopeVars {
    pub(crate) fn new(store: &Arc<OnceLock<VarStore>>, stage: usize) -> Self {
        ScopeVars {
            store: Some(Arc::clone(store)),
            stage: stage as u32,
        }
    }

    /// The variables after the first `len` assignments of the stage.
    pub(crate) fn view(&self, len: u32) -> VarsAt<'_> {
        match self.store.as_deref().and_then(OnceLock::get) {
            Some(store) => store.at(self.stage as usize, len),
            None => VarsAt::empty(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(stages: &[Option<usize>]) -> VarStore {
        let mut s = VarStore::default();
        for p in stages {
            s.add_stage(*p);
        }
        s
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
        s.add_stage(Some(0));
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
            s.add_stage(i.checked_sub(1));
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
        s.add_stage(Some(0));
        s.assign(1, "B".into(), None, false);
        let map = s.at_end(1).to_map();
        let pairs: Vec<(&str, Option<&str>)> = map
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_deref()))
            .collect();
        assert_eq!(pairs, [("B", None), ("E", Some("1"))]);
    }
}
