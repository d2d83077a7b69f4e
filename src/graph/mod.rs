//! The instruction graph: stages, ARG/ENV scopes, COPY/ADD sources, RUN mounts and
//! commands, and the edges between stages.

pub mod expand;
mod image;
mod vars;

use std::hash::{BuildHasher, RandomState};
use std::ops::Range;
use std::sync::{Arc, OnceLock};

use compact_str::CompactString;
use hashbrown::HashTable;
use serde::Serialize;
use thin_vec::ThinVec;

use crate::shell::{self, SimpleCommand};
use crate::span::Span;
use crate::syntax::{Args, Dockerfile, Instruction, Keyword, Mount};

pub use expand::{expand, Lookup, Vars};
pub use image::ImageRef;
use vars::{Indexes, ScopeVars, VarStore};
pub use vars::{VarsAt, MAX_INHERITED};

/// What a stage is built on. Every stage record holds its base, in 32 bits, so the image
/// references and unresolved texts are in the graph's tables ([`Graph::base_image`],
/// [`Graph::unresolved_base`]), where a reference many stages share is held once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Base {
    /// An image from a registry: its index among the graph's image references.
    Image {
        image: u32,
    },
    /// An earlier stage of the same file.
    Stage {
        index: u32,
    },
    Scratch,
    /// The FROM word references an ARG without a static value: the index of the word's
    /// text among the graph's unresolved texts.
    Unresolved {
        raw: u32,
    },
}

impl Base {
    /// The parent stage of a `FROM <stage>`.
    pub fn stage(self) -> Option<usize> {
        match self {
            Base::Stage { index } => Some(index as usize),
            _ => None,
        }
    }

    /// In 32 bits, as a stage holds it: the kind in the top two, the index in the others.
    fn pack(self) -> u32 {
        let (kind, index) = match self {
            Base::Image { image } => (0, image),
            Base::Stage { index } => (1, index),
            Base::Scratch => (2, 0),
            Base::Unresolved { raw } => (3, raw),
        };
        (kind << BASE_INDEX_BITS) | index.min(BASE_INDEX)
    }

    fn unpack(packed: u32) -> Base {
        let index = packed & BASE_INDEX;
        match packed >> BASE_INDEX_BITS {
            0 => Base::Image { image: index },
            1 => Base::Stage { index },
            2 => Base::Scratch,
            _ => Base::Unresolved { raw: index },
        }
    }
}

/// Where a COPY/ADD source comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SourceKind {
    /// A path in the build context (possibly with wildcards).
    Context,
    /// A file from an earlier stage (`--from=<stage>`).
    Stage { index: usize },
    /// A file from another image (`--from=<image>`) or a named build context.
    Image { name: String },
    /// `ADD https://…`
    Url,
    /// `ADD git@…` / `ADD https://…/repo.git#ref`
    Git,
    /// `COPY <<EOF /dst`
    Heredoc,
}

/// One source of a COPY or ADD, read from its instruction and its node
/// ([`Node::copy_info`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopySource<'a> {
    /// The source as written.
    pub raw: &'a str,
    /// The source after ARG/ENV expansion, when known.
    pub path: Option<&'a str>,
    pub kind: SourceKind,
    pub span: Span,
}

/// The sources of a COPY or ADD ([`Node::copy_info`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CopyInfo<'a> {
    pub sources: Vec<CopySource<'a>>,
}

/// What a COPY or ADD node keeps beyond its syntax: how its `--from` resolved and what
/// its sources expand to. The sources themselves are read from the instruction when
/// asked for ([`Node::copy_info`]), so a file of many COPY lines holds no list of them.
#[derive(Debug, Clone, Default)]
pub struct CopyNode {
    /// The resolved `--from` first, when there is one ([`Kept::Stage`] or
    /// [`Kept::Image`]); then one entry per source, only when some source expands to
    /// something other than its text as written. Usually empty, which takes no allocation.
    kept: ThinVec<Kept>,
}

#[derive(Debug, Clone)]
enum Kept {
    /// `--from` names this earlier stage.
    Stage(u32),
    /// `--from` names this image or build context (expanded).
    Image(CompactString),
    /// The source expands to its text as written.
    Same,
    /// The source's expansion is not known statically.
    Unknown,
    /// The source's expansion.
    Expanded(CompactString),
}

impl CopyNode {
    /// The `--from` source kind, and the per-source expansions (empty when every source
    /// expands to its text as written).
    fn split(&self) -> (Option<SourceKind>, &[Kept]) {
        match self.kept.first() {
            Some(Kept::Stage(index)) => (
                Some(SourceKind::Stage {
                    index: *index as usize,
                }),
                &self.kept[1..],
            ),
            Some(Kept::Image(name)) => (
                Some(SourceKind::Image {
                    name: name.to_string(),
                }),
                &self.kept[1..],
            ),
            _ => (None, &self.kept[..]),
        }
    }
}

/// The destination of a COPY or ADD as written (its last word); kept once, in the syntax.
pub fn copy_dest(inst: &Instruction) -> Option<&str> {
    inst.words().last().map(|w| w.value.as_str())
}

/// Which interpreter runs a RUN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ShellKind {
    Posix,
    Windows,
    /// Exec form: no shell.
    Exec,
    /// A heredoc for another interpreter, e.g. python.
    Other,
}

/// A simple command of a RUN with its span in the source.
#[derive(Debug, Clone)]
#[repr(transparent)]
pub struct Command {
    /// The command, its byte ranges mapped to the source: a word's range is its source
    /// span, or the span of the whole script when the word has no place of its own
    /// (`RUN ["sh", "-c", "…"]`, heredocs whose body differs from the source).
    pub cmd: SimpleCommand,
}

impl Command {
    fn located(mut cmd: SimpleCommand, span: Span, map: &dyn Fn(&Range<usize>) -> Span) -> Self {
        cmd.map_ranges(&|r| {
            let s = map(r);
            s.start()..s.end()
        });
        debug_assert_eq!(cmd.range, (span.start()..span.end()).into());
        Command { cmd }
    }

    /// Source span of the whole command.
    pub fn span(&self) -> Span {
        Span::new(self.cmd.range.start(), self.cmd.range.end())
    }

    /// Source span of word `i` of the command.
    pub fn word_span(&self, i: usize) -> Option<Span> {
        let w = self.cmd.words.get(i)?;
        Some(Span::new(w.range.start(), w.range.end()))
    }
}

/// The simple commands of a RUN, as [`Graph::commands`] gives them. (An `Arc<[Command]>`
/// would take a copy of the analysed list, doubling the peak on a RUN of a million commands.)
pub type Commands = Arc<Vec<Command>>;

#[derive(Debug, Clone)]
pub struct RunInfo {
    pub mounts: ThinVec<Mount>,
    pub shell: ShellKind,
    /// Index of the RUN in `Dockerfile::instructions`.
    instruction: u32,
    /// The interpreter in force for the shell form, from SHELL or the platform.
    script: ScriptShell,
    /// Whether a command is one `knowledge::classify` recognises (see [`RunInfo::runs_managers`]).
    runs_managers: bool,
}

impl RunInfo {
    /// Whether one of the RUN's commands is a package-manager or build command that
    /// `knowledge::classify` recognises: rules that look only at those skip the others
    /// without asking for their commands.
    pub fn runs_managers(&self) -> bool {
        self.runs_managers
    }
}

/// The interpreter a shell-form RUN hands its text to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScriptShell {
    Posix,
    Windows,
    Other,
}

#[derive(Debug, Clone)]
pub enum NodeKind {
    Run(RunInfo),
    /// Its sources are [`Node::copy_info`].
    Copy(CopyNode),
    /// The names it declares are [`arg_names`] of its instruction: kept once, in the syntax.
    Arg,
    /// The names it sets are [`env_names`] of the instruction and node.
    Env {
        /// The names it sets, kept only when one differs from its key as written (a quoted
        /// key, `ENV $K=v`); the keys are in the syntax otherwise.
        renamed: ThinVec<CompactString>,
    },
    /// The user it sets is [`Node::user`].
    User,
    Other,
}

/// One instruction of a stage, with the scope in force when it runs.
#[derive(Debug, Clone)]
pub struct Node {
    /// Index into `Dockerfile::instructions` ([`Node::instruction`]).
    at: u32,
    /// How many of its stage's ARG and ENV assignments are in force (`vars::SEES_NONE`
    /// when no variable is, its own or inherited).
    assigned: u32,
    pub kind: NodeKind,
    /// The variables and the user in force, shared by every node, of any stage, that runs
    /// as the same user.
    scope: Arc<Scope>,
}

/// What is in force when an instruction runs: ARG and ENV values and USER. (The SHELL in
/// force is read once, when a RUN's commands are analysed.)
#[derive(Debug, Clone, Default)]
struct Scope {
    vars: ScopeVars,
    /// A thin pointer (`Arc<String>`, not `Arc<str>`), as every stage holds its last user too.
    user: Option<Arc<String>>,
}

impl Node {
    /// Index into `Dockerfile::instructions`.
    pub fn instruction(&self) -> usize {
        self.at as usize
    }

    /// ARG and ENV values visible to this instruction (ENV inherited from parent stages).
    /// For an ARG or ENV, the scope after the run of ARG and ENV instructions it is in.
    pub fn vars(&self) -> VarsAt<'_> {
        self.scope.vars.view_at(self.at, self.assigned)
    }

    /// The sources of a COPY or ADD (`None` for any other instruction); `df` is the file
    /// the graph was built from.
    pub fn copy_info<'a>(&'a self, df: &'a Dockerfile) -> Option<CopyInfo<'a>> {
        let NodeKind::Copy(copy) = &self.kind else {
            return None;
        };
        let inst = df.instructions.get(self.instruction())?;
        Some(CopyInfo {
            sources: copy_sources(inst, copy),
        })
    }

    /// The `USER` in force (`None` = root / the base image's default).
    pub fn user(&self) -> Option<&str> {
        self.scope.user.as_deref().map(String::as_str)
    }
}

/// Hands out the scope of the user in force: one scope serves every stage (its variables
/// find the stage of each node), so only a USER, or a stage starting as another user,
/// makes a new one.
#[derive(Default)]
struct Scopes {
    current: Option<Arc<Scope>>,
    /// The scope of nodes that see no variable and no user (and the placeholder of ARG
    /// and ENV nodes until their run of declarations ends).
    empty: Arc<Scope>,
}

impl Scopes {
    /// The scope for `user`, made with `vars` when the user is not the current scope's;
    /// the shared empty one when the node sees no variable (`visible` false) and no user.
    /// Users are compared by pointer: each USER makes a new one, and a child stage starts
    /// with its parent's.
    fn get(
        &mut self,
        visible: bool,
        vars: impl FnOnce() -> ScopeVars,
        user: &Option<Arc<String>>,
    ) -> Arc<Scope> {
        if !visible && user.is_none() {
            return Arc::clone(&self.empty);
        }
        let same_user = |scope: &Scope| match (&scope.user, user) {
            (None, None) => true,
            (Some(a), Some(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        match &self.current {
            Some(scope) if same_user(scope) => Arc::clone(scope),
            _ => {
                let scope = Arc::new(Scope {
                    vars: vars(),
                    user: user.clone(),
                });
                self.current = Some(Arc::clone(&scope));
                scope
            }
        }
    }
}

/// A stage: three words, as a file of hundreds of thousands of short stages holds one
/// each. Its name is an index into the graph's names ([`Graph::stage_name`]), and its nodes
/// are found from where its FROM is ([`Graph::nodes_of`]).
#[derive(Debug, Clone)]
pub struct Stage {
    /// What most stages lack, behind one pointer that stays `None` when all of it is
    /// empty.
    more: Option<Box<StageMore>>,
    /// [`Stage::base`] in 32 bits: the kind in the top two, the index in the others.
    base: u32,
    /// Its position in the file's stages ([`Stage::index`]).
    index: u32,
    /// The index of the `AS` name among the graph's stage names; [`NO_NAME`] for none.
    name: u32,
    /// Index of the FROM instruction.
    from_at: u32,
}

/// The bits of a packed [`Base`] below its kind. A file holds at most 4 GiB and a stage
/// takes at least `FROM a\n`, 7 bytes, so fewer than 2³⁰ stages, images or words.
const BASE_INDEX_BITS: u32 = 30;
const BASE_INDEX: u32 = (1 << BASE_INDEX_BITS) - 1;

/// The name index of a stage without an `AS` name.
const NO_NAME: u32 = u32::MAX;

/// The parts of a stage that most stages leave empty.
#[derive(Debug, Clone, Default)]
struct StageMore {
    /// Whether the stage runs Windows containers.
    windows: bool,
    platform: Option<Arc<String>>,
    /// Stages this one reads from (`COPY --from`, `RUN --mount=from=`), excluding its base.
    reads_from: Vec<usize>,
    /// USER and SHELL at the end of the stage, which a child stage inherits (with its ENV).
    exit_user: Option<Arc<String>>,
    exit_shell: Option<Arc<Vec<String>>>,
    /// The working directory when the stage starts (its parent's at the end; `None` when
    /// the base image decides or the value is not known statically).
    entry_workdir: Option<Arc<String>>,
    /// Each WORKDIR of the stage: its instruction index and the directory in force after it.
    /// Directories are `Arc`s, as a child stage starts in its parent's last one.
    workdirs: Vec<(usize, Option<Arc<String>>)>,
}

impl Stage {
    /// Its position among the file's stages.
    pub fn index(&self) -> usize {
        self.index as usize
    }

    /// What the stage is built on.
    pub fn base(&self) -> Base {
        Base::unpack(self.base)
    }

    /// Index of the FROM instruction in `Dockerfile::instructions`.
    pub fn from_instruction(&self) -> usize {
        self.from_at as usize
    }

    /// Whether the stage has an `AS` name ([`Graph::stage_name`] gives it).
    pub fn is_named(&self) -> bool {
        self.name != NO_NAME
    }

    /// Whether the stage runs Windows containers (its RUNs default to `cmd`).
    pub fn is_windows(&self) -> bool {
        self.more.as_ref().is_some_and(|m| m.windows)
    }

    /// The `--platform` of its FROM, as written.
    pub fn platform(&self) -> Option<&str> {
        self.more.as_ref()?.platform.as_deref().map(String::as_str)
    }

    /// Stages this one reads from (`COPY --from`, `RUN --mount=from=`), excluding its base,
    /// in the order first read.
    pub fn reads_from(&self) -> &[usize] {
        self.more.as_ref().map_or(&[], |m| &m.reads_from)
    }

    fn exit_user(&self) -> Option<&Arc<String>> {
        self.more.as_ref()?.exit_user.as_ref()
    }

    fn exit_shell(&self) -> Option<&Arc<Vec<String>>> {
        self.more.as_ref()?.exit_shell.as_ref()
    }

    fn entry_workdir(&self) -> Option<&Arc<String>> {
        self.more.as_ref()?.entry_workdir.as_ref()
    }

    fn workdirs(&self) -> &[(usize, Option<Arc<String>>)] {
        self.more.as_ref().map_or(&[], |m| &m.workdirs)
    }

    /// The rarely set parts, allocated on first use.
    fn more_mut(&mut self) -> &mut StageMore {
        self.more.get_or_insert_with(Box::default)
    }

    /// Records the USER and SHELL the stage ends with, allocating only when one is set.
    fn set_exit(&mut self, user: Option<Arc<String>>, shell: Option<Arc<Vec<String>>>) {
        if user.is_some() || shell.is_some() {
            let more = self.more_mut();
            more.exit_user = user;
            more.exit_shell = shell;
        }
    }

    /// Decided once when the stage is created: by platform, by base image, or by parent.
    fn windows_for(
        platform: Option<&str>,
        image: Option<&ImageRef>,
        parent: Option<&Stage>,
    ) -> bool {
        if platform.is_some_and(|p| p.to_ascii_lowercase().starts_with("windows")) {
            return true;
        }
        if let Some(image) = image {
            let n = image.name().to_ascii_lowercase();
            return n.contains("windows/") || n.contains("nanoserver") || n.contains("servercore");
        }
        parent.is_some_and(Stage::is_windows)
    }
}

/// How many stages up a `FROM <stage>` chain the rules look: every stage walks its lineage,
/// so this multiplies the work on a chain of thousands of stages. The deepest chain among
/// the 2,949 corpus files is 6 stages.
pub const MAX_LINEAGE: usize = 16;

#[derive(Debug, Clone)]
pub struct Graph {
    /// ARGs before the first FROM, with their defaults (`None` without default).
    pub global_args: Vars,
    pub stages: Vec<Stage>,
    /// The nodes of every stage, stage after stage ([`Graph::nodes_of`]).
    nodes: Vec<Node>,
    names: StageNames,
    /// The image references of [`Base::Image`], each distinct one once.
    images: Vec<ImageRef>,
    /// The FROM words of [`Base::Unresolved`].
    unresolved: Vec<Box<str>>,
    commands: CommandCache,
}

/// How many RUNs' commands the graph keeps at once. Files of up to this many instructions
/// keep them all, so each RUN is analysed once; a longer file keeps this many, and a RUN
/// whose slot was taken since is analysed again when asked. That keeps the memory for
/// commands and words bounded on files of many thousands of RUNs.
const COMMAND_CACHE_SLOTS: usize = 4096;

/// The analysed commands of recent RUNs, one slot per instruction index modulo the size.
#[derive(Default)]
struct CommandCache(std::sync::Mutex<Vec<Option<(u32, Commands)>>>);

impl CommandCache {
    fn new(slots: usize) -> Self {
        CommandCache(std::sync::Mutex::new(vec![None; slots]))
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, Vec<Option<(u32, Commands)>>> {
        // A panic while the lock was held cannot leave a slot half-written.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The slot of `instruction` among `count` (none when there are no slots).
    fn slot(count: usize, instruction: u32) -> Option<usize> {
        (count > 0).then(|| instruction as usize % count)
    }

    fn get(&self, instruction: u32) -> Option<Commands> {
        let slots = self.slots();
        let slot = slots.get(Self::slot(slots.len(), instruction)?)?;
        slot.as_ref()
            .filter(|(at, _)| *at == instruction)
            .map(|(_, c)| Arc::clone(c))
    }

    fn put(&self, instruction: u32, commands: Commands) {
        let mut slots = self.slots();
        if let Some(at) = Self::slot(slots.len(), instruction) {
            slots[at] = Some((instruction, commands));
        }
    }
}

impl Clone for CommandCache {
    /// A clone starts empty, with as many slots.
    fn clone(&self) -> Self {
        CommandCache(std::sync::Mutex::new(vec![None; self.slots().len()]))
    }
}

impl std::fmt::Debug for CommandCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CommandCache")
    }
}

/// The stages' `AS` names, lowercased, each distinct name once, and the stages of each
/// name in file order: name lookups stay constant-time on files of thousands of stages.
/// A stage holds the index of its name, and a name's first stage is held in place, so a
/// file of thousands of stages with one name allocates nothing per stage here.
#[derive(Debug, Clone, Default)]
struct StageNames {
    list: Vec<CompactString>,
    /// `(index in list, stages of that name)`, found by the name's hash.
    table: HashTable<(u32, Indexes)>,
    hasher: RandomState,
}

impl StageNames {
    /// Adds stage `index` named `name` (lowercased) and returns the name's index.
    fn add(&mut self, name: &str, index: usize) -> u32 {
        let index = narrow(index);
        let hash = self.hasher.hash_one(name);
        let list = &self.list;
        match self
            .table
            .find_mut(hash, |(id, _)| list[*id as usize] == name)
        {
            Some((id, stages)) => {
                stages.push(index);
                *id
            }
            None => {
                let id = narrow(self.list.len());
                self.list.push(name.into());
                let (list, hasher) = (&self.list, &self.hasher);
                self.table
                    .insert_unique(hash, (id, Indexes::new(index)), |(id, _)| {
                        hasher.hash_one(list[*id as usize].as_str())
                    });
                id
            }
        }
    }

    /// The name of index `id`.
    fn name(&self, id: u32) -> Option<&str> {
        self.list.get(id as usize).map(CompactString::as_str)
    }

    /// The last stage named `value` (any case) among the first `limit` stages.
    fn resolve_name(&self, value: &str, limit: usize) -> Option<usize> {
        let value = value.to_ascii_lowercase();
        let (_, stages) = self
            .table
            .find(self.hasher.hash_one(value.as_str()), |(id, _)| {
                self.list[*id as usize] == value
            })?;
        stages.last_below(narrow(limit)).map(|i| i as usize)
    }

    /// Like [`StageNames::resolve_name`], else the stage numbered `value`.
    fn resolve(&self, value: &str, limit: usize) -> Option<usize> {
        self.resolve_name(value, limit)
            .or_else(|| value.parse::<usize>().ok().filter(|i| *i < limit))
    }
}

/// Image references, each distinct one once: a file of many stages on the same image
/// holds it once.
#[derive(Default)]
struct ImageTable {
    list: Vec<ImageRef>,
    /// Indexes into `list`, found by the reference's hash.
    table: HashTable<u32>,
    hasher: RandomState,
}

impl ImageTable {
    /// The index of the reference `raw`, added if new.
    fn intern(&mut self, raw: &str) -> u32 {
        let hash = self.hasher.hash_one(raw);
        let list = &self.list;
        if let Some(id) = self
            .table
            .find(hash, |id| list[*id as usize].display() == raw)
        {
            return *id;
        }
        let id = narrow(self.list.len());
        self.list.push(ImageRef::parse(raw));
        let (list, hasher) = (&self.list, &self.hasher);
        self.table
            .insert_unique(hash, id, |id| hasher.hash_one(list[*id as usize].display()));
        id
    }
}

impl Graph {
    /// The simple commands of a RUN of this graph, in order, with source spans; `df` is the
    /// file the graph was built from. Exec form gives its one command, or the commands of
    /// its `sh -c` script; a Windows shell or another interpreter in force gives none, and
    /// heredocs handed to a non-POSIX program are left out.
    pub fn commands(&self, df: &Dockerfile, run: &RunInfo) -> Commands {
        if let Some(hit) = self.commands.get(run.instruction) {
            return hit;
        }
        let commands: Commands = match df.instructions.get(run.instruction as usize) {
            Some(inst) => Arc::new(analyse_run(df, inst, run.script).1),
            None => Arc::default(),
        };
        self.commands.put(run.instruction, Arc::clone(&commands));
        commands
    }

    /// The stage's ancestors through `FROM <stage>`, root first, ending with the stage itself.
    /// At most [`MAX_LINEAGE`] stages deep, so a pathological chain of thousands of stages
    /// stays linear for the rules that walk every stage's lineage.
    pub fn lineage(&self, stage: usize) -> Vec<usize> {
        let mut chain = vec![stage];
        let mut current = stage;
        // Parents always come earlier, so the walk ends; no visited set is needed.
        while let Some(index) = self.stages.get(current).and_then(|s| s.base().stage()) {
            if index >= current || chain.len() >= MAX_LINEAGE {
                break;
            }
            chain.push(index);
            current = index;
        }
        chain.reverse();
        chain
    }

    /// Every node the stage's layers consist of: inherited ones first, then its own,
    /// each with the stage it belongs to. A view over the stages' own lists, so a stage of
    /// a million instructions costs no copy of them.
    pub fn layers(&self, stage: usize) -> Layers<'_> {
        let stages: Vec<&Stage> = self
            .lineage(stage)
            .into_iter()
            .filter_map(|s| self.stages.get(s))
            .collect();
        Layers {
            graph: self,
            stages,
        }
    }

    /// The working directory in force at `instruction` of `stage`, from the WORKDIR
    /// instructions of the stage and its ancestors; `None` when none is set (the base
    /// image decides) or its value is not known statically. A binary search: rules ask
    /// this for every RUN.
    pub fn workdir_at(&self, stage: usize, instruction: usize) -> Option<&str> {
        let s = self.stages.get(stage)?;
        let workdirs = s.workdirs();
        match workdirs.partition_point(|(at, _)| *at < instruction) {
            0 => s.entry_workdir().map(|d| d.as_str()),
            i => workdirs[i - 1].1.as_deref().map(String::as_str),
        }
    }

    /// The nodes of every stage, stage after stage (in file order).
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// The stage `instruction` belongs to: the last whose FROM comes before it (`None`
    /// before the first FROM).
    pub fn stage_of(&self, instruction: usize) -> Option<usize> {
        self.stages
            .partition_point(|s| s.from_instruction() < instruction)
            .checked_sub(1)
    }

    /// The nodes of `stage`, one of this graph's stages: the instructions after its FROM up
    /// to the next FROM.
    pub fn nodes_of(&self, stage: &Stage) -> &[Node] {
        // Every instruction after the first FROM but the FROMs is a node, in order, so the
        // nodes before a stage's are the instructions before its FROM, less those before
        // the first FROM and the FROMs of the stages before it.
        let first_from = self.stages.first().map_or(0, Stage::from_instruction);
        let start = |s: &Stage| s.from_instruction().saturating_sub(first_from + s.index());
        let end = self
            .stages
            .get(stage.index() + 1)
            .map_or(self.nodes.len(), start);
        self.nodes.get(start(stage)..end).unwrap_or_default()
    }

    /// The `AS` name of `stage`, one of this graph's stages, lowercased as BuildKit
    /// compares it.
    pub fn stage_name(&self, stage: &Stage) -> Option<&str> {
        self.names.name(stage.name)
    }

    /// The image `stage`, one of this graph's stages, is built on, if a registry image.
    pub fn base_image(&self, stage: &Stage) -> Option<&ImageRef> {
        match stage.base() {
            Base::Image { image } => self.images.get(image as usize),
            _ => None,
        }
    }

    /// The FROM word of `stage`, one of this graph's stages, when it is not known statically.
    pub fn unresolved_base(&self, stage: &Stage) -> Option<&str> {
        match stage.base() {
            Base::Unresolved { raw } => self.unresolved.get(raw as usize).map(|r| &**r),
            _ => None,
        }
    }

    /// Resolve a `--from` / `from=` value to a stage index (by name or number).
    pub fn stage_ref(&self, value: &str, before: usize) -> Option<usize> {
        self.names.resolve(value, before.min(self.stages.len()))
    }
}

fn is_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("http://") || l.starts_with("https://")
}

fn is_git_url(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.starts_with("git@")
        || l.starts_with("git://")
        || l.starts_with("ssh://")
        || ((l.starts_with("http://") || l.starts_with("https://"))
            && (l.split('#').next().is_some_and(|p| p.ends_with(".git"))))
}

/// The names an ENV instruction sets, given its node's kind.
pub fn env_names<'a>(inst: &'a Instruction, kind: &'a NodeKind) -> Vec<&'a str> {
    match (kind, &inst.args) {
        (NodeKind::Env { renamed }, _) if !renamed.is_empty() => {
            renamed.iter().map(CompactString::as_str).collect()
        }
        (NodeKind::Env { .. }, Args::KeyValues(pairs)) => {
            pairs.iter().map(|kv| kv.key.value.as_str()).collect()
        }
        _ => Vec::new(),
    }
}

/// The names an ARG instruction declares (`ARG A=1 B` declares `A` and `B`).
pub fn arg_names(inst: &Instruction) -> impl Iterator<Item = &str> {
    arg_pairs(inst).map(|(name, _)| name)
}

/// The `(name, default)` pairs an ARG declares, as written (a default keeps its quotes).
pub fn arg_pairs(inst: &Instruction) -> impl Iterator<Item = (&str, Option<&str>)> {
    inst.words().iter().map(|w| match w.value.split_once('=') {
        Some((k, v)) => (k, Some(v)),
        None => (w.value.as_str(), None),
    })
}

/// Expands the words the graph keeps, within a byte budget proportional to the file: one
/// substitution may be up to [`expand::MAX_EXPANDED`] bytes, and a file that references
/// long values over and over would otherwise multiply its size in memory. Only the growth
/// beyond the word as written is charged; once the budget is spent, values are unknown.
struct Expander {
    escape: char,
    left: usize,
}

impl Expander {
    fn new(df: &Dockerfile) -> Self {
        Expander {
            escape: df.escape,
            left: df.source.len() + 64 * 1024,
        }
    }

    fn expand(&mut self, word: &str, vars: &dyn Lookup) -> Option<String> {
        let value = expand(word, vars, self.escape)?;
        let growth = value.len().saturating_sub(word.len());
        self.left = self.left.checked_sub(growth)?;
        Some(value)
    }
}

/// Build the graph of a parsed file.
pub fn build(df: &Dockerfile) -> Graph {
    build_with_command_slots(df, COMMAND_CACHE_SLOTS)
}

/// [`build`] with at most `slots` RUNs' commands kept at once (at least one), so that
/// tests can check that nothing depends on which commands are kept.
pub(crate) fn build_with_command_slots(df: &Dockerfile, slots: usize) -> Graph {
    let mut ex = Expander::new(df);
    let mut global_args = Vars::default();
    let stage_count = df
        .instructions
        .iter()
        .filter(|i| i.keyword == Keyword::From)
        .count();
    let mut stages: Vec<Stage> = Vec::with_capacity(stage_count);
    // Every instruction after the first FROM but the FROMs is a node.
    let mut nodes: Vec<Node> = Vec::with_capacity(
        df.instructions
            .iter()
            .position(|i| i.keyword == Keyword::From)
            .map_or(0, |first| df.instructions.len() - first - stage_count),
    );

    // Per-stage state carried while walking. The ARG and ENV assignments go to `store`,
    // which the nodes' scopes read once it is complete (`cell`). The store names a stage
    // by the index of its FROM instruction.
    let mut store = VarStore::default();
    let cell: Arc<OnceLock<VarStore>> = Arc::new(OnceLock::new());
    // The scope of the nodes of the stage whose FROM is `stage_at` now, and how many of
    // its assignments they see ([`vars::SEES_NONE`] when no variable at all).
    let snapshot =
        |scopes: &mut Scopes, store: &VarStore, stage_at: usize, user: &Option<Arc<String>>| {
            let len = store.len(stage_at);
            let visible = !store.is_empty_at(stage_at, len);
            let seen = if visible { len } else { vars::SEES_NONE };
            (scopes.get(visible, || ScopeVars::shared(&cell), user), seen)
        };
    let mut user: Option<Arc<String>> = None;
    let mut shell_override: Option<Arc<Vec<String>>> = None;
    // Trailing ARG/ENV nodes of the current stage still waiting for their scope.
    let mut unsettled = 0usize;
    let mut scopes = Scopes::default();
    let mut names = StageNames::default();
    let mut images = ImageTable::default();
    let mut unresolved: Vec<Box<str>> = Vec::new();
    let command_cache = CommandCache::new(df.instructions.len().min(slots.max(1)));
    // The current stage's `reads_from`, as a set.
    let mut reads_seen: std::collections::HashSet<usize> = std::collections::HashSet::new();

    for (idx, inst) in df.instructions.iter().enumerate() {
        if inst.keyword == Keyword::From {
            let words = inst.words();
            let raw = words.first().map(|w| w.value.clone()).unwrap_or_default();
            let name = match (words.get(1), words.get(2)) {
                (Some(a), Some(n)) if a.value.eq_ignore_ascii_case("as") => {
                    Some(n.value.as_str().to_ascii_lowercase())
                }
                _ => None,
            };
            // FROM sees only the global ARGs.
            let base = match ex.expand(&raw, &global_args) {
                None => {
                    unresolved.push(raw.as_str().into());
                    Base::Unresolved {
                        raw: narrow(unresolved.len() - 1),
                    }
                }
                Some(value) if value.eq_ignore_ascii_case("scratch") => Base::Scratch,
                Some(value) => match names.resolve_name(&value, stages.len()) {
                    Some(index) => Base::Stage {
                        index: narrow(index),
                    },
                    None => Base::Image {
                        image: images.intern(&value),
                    },
                },
            };
            let platform = inst.flag("platform").and_then(|f| f.value.clone());
            // A stage starts from its parent's ENV and USER; ARGs do not carry over.
            if let Some(prev) = stages.last_mut() {
                let scope = snapshot(&mut scopes, &store, prev.from_instruction(), &user);
                settle_scopes(&mut nodes, &mut unsettled, scope);
                prev.set_exit(user.take(), shell_override.take());
            }
            let parent = base.stage().and_then(|index| stages.get(index));
            let (inherited_user, inherited_shell, inherited_workdir) = parent
                .map(|s| {
                    (
                        s.exit_user().cloned(),
                        s.exit_shell().cloned(),
                        stage_exit_workdir(s),
                    )
                })
                .unwrap_or_default();
            store.add_stage(parent.map(Stage::from_instruction), narrow(idx));
            user = inherited_user;
            shell_override = inherited_shell;
            let image = match base {
                Base::Image { image } => images.list.get(image as usize),
                _ => None,
            };
            let windows = Stage::windows_for(platform.as_deref(), image, parent);
            let name = match &name {
                Some(name) => names.add(name, stages.len()),
                None => NO_NAME,
            };
            reads_seen.clear();
            let mut stage = Stage {
                more: None,
                base: base.pack(),
                index: narrow(stages.len()),
                name,
                from_at: narrow(idx),
            };
            if windows || platform.is_some() || inherited_workdir.is_some() {
                let more = stage.more_mut();
                more.windows = windows;
                more.platform = platform.map(|p| Arc::new(p.to_string()));
                more.entry_workdir = inherited_workdir;
            }
            stages.push(stage);
            continue;
        }

        let Some((stage_index, stage_at)) =
            stages.last().map(|s| (s.index(), s.from_instruction()))
        else {
            if inst.keyword == Keyword::Arg {
                for (k, v) in arg_pairs(inst) {
                    let value = match v {
                        Some(raw) => ex.expand(raw, &global_args),
                        None => None,
                    };
                    global_args.insert(k.into(), value.map(CompactString::from));
                }
            }
            continue;
        };

        let kind = match inst.keyword {
            Keyword::Arg => {
                for (k, v) in arg_pairs(inst) {
                    let value = match v {
                        Some(raw) => ex
                            .expand(raw, &store.at_end(stage_at))
                            .map(CompactString::from),
                        // `ARG NAME` in a stage takes the global default, if any.
                        None => global_args.get(k).cloned().flatten(),
                    };
                    // ENV wins over an ARG of the same name.
                    if !store.env_has(stage_at, k) {
                        store.assign(stage_at, k.into(), value, false);
                    }
                }
                NodeKind::Arg
            }
            Keyword::Env => {
                // The names set, listed only from the first key that expands to another name.
                let mut renamed: ThinVec<CompactString> = ThinVec::new();
                if let Args::KeyValues(pairs) = &inst.args {
                    // Every pair sees the scope before the instruction.
                    let before = store.len(stage_at);
                    for (i, kv) in pairs.iter().enumerate() {
                        let scope = store.at(stage_at, before);
                        let value = ex.expand(&kv.value.value, &scope);
                        let key = ex
                            .expand(&kv.key.value, &scope)
                            .unwrap_or_else(|| kv.key.value.to_string());
                        let (key, value) =
                            (CompactString::from(key), value.map(CompactString::from));
                        if renamed.is_empty() && key != kv.key.value {
                            renamed
                                .extend(pairs[..i].iter().map(|kv| kv.key.value.as_str().into()));
                        }
                        if !renamed.is_empty() || key != kv.key.value {
                            renamed.push(key.clone());
                        }
                        store.assign(stage_at, key, value, true);
                    }
                }
                NodeKind::Env { renamed }
            }
            Keyword::Workdir => {
                let raw = inst.words().first().map(|w| w.value.trim().to_string());
                let value = raw.and_then(|r| ex.expand(&r, &store.at_end(stage_at)));
                if let Some(s) = stages.last_mut() {
                    // The directory so far is the stage's last WORKDIR, or the one it started in.
                    let dir = match value {
                        Some(v) if v.starts_with('/') => Some(Arc::new(v)),
                        Some(v) => stage_exit_workdir(s).map(|d| Arc::new(join_path(&d, &v))),
                        None => None,
                    };
                    s.more_mut().workdirs.push((idx, dir));
                }
                NodeKind::Other
            }
            Keyword::User => {
                let value = inst
                    .words()
                    .first()
                    .and_then(|w| ex.expand(&w.value, &store.at_end(stage_at)))
                    .unwrap_or_else(|| "?".to_string());
                user = Some(Arc::new(value));
                NodeKind::User
            }
            Keyword::Shell => {
                if let Args::Exec(words) = &inst.args {
                    shell_override = Some(Arc::new(
                        words.iter().map(|w| w.value.to_string()).collect(),
                    ));
                }
                NodeKind::Other
            }
            Keyword::Copy | Keyword::Add => NodeKind::Copy(copy_node(
                &mut ex,
                inst,
                &store.at_end(stage_at),
                &names,
                stage_index,
            )),
            Keyword::Run => {
                let windows_default = stages.get(stage_index).is_some_and(|s| s.is_windows());
                let default_shell = windows_default.then(|| vec!["cmd".to_string()]);
                let shell = shell_override.as_deref().or(default_shell.as_ref());
                let (info, commands) = run_info(df, inst, idx, shell);
                command_cache.put(info.instruction, commands);
                NodeKind::Run(info)
            }
            _ => NodeKind::Other,
        };

        let stage = match stages.last_mut() {
            Some(s) => s,
            None => continue,
        };
        match &kind {
            NodeKind::Copy(copy) => {
                for src in copy_sources(inst, copy) {
                    if let SourceKind::Stage { index } = src.kind {
                        if reads_seen.insert(index) {
                            stage.more_mut().reads_from.push(index);
                        }
                    }
                }
            }
            NodeKind::Run(run) => {
                for m in &run.mounts {
                    if let Some(from) = m.from() {
                        // Stages named before the instruction, its own included.
                        if let Some(index) = names.resolve(from, stage_index + 1) {
                            if reads_seen.insert(index) {
                                stage.more_mut().reads_from.push(index);
                            }
                        }
                    }
                }
            }
            _ => {}
        }
        // A run of ARG and ENV instructions takes one snapshot of the scope, when the run
        // ends: the scope then changes in place, instead of being copied at each of them.
        let declares = matches!(kind, NodeKind::Arg | NodeKind::Env { .. });
        let (scope, assigned) = if declares {
            (scopes.empty.clone(), 0)
        } else {
            let scope = snapshot(&mut scopes, &store, stage_at, &user);
            settle_scopes(&mut nodes, &mut unsettled, scope.clone());
            scope
        };
        nodes.push(Node {
            at: narrow(idx),
            assigned,
            kind,
            scope,
        });
        if declares {
            unsettled += 1;
        }
    }

    if let Some(prev) = stages.last_mut() {
        let scope = snapshot(&mut scopes, &store, prev.from_instruction(), &user);
        settle_scopes(&mut nodes, &mut unsettled, scope);
        prev.set_exit(user, shell_override);
    }
    // Only the WORKDIR and `reads_from` lists of a stage may have spare room.
    for more in stages.iter_mut().filter_map(|s| s.more.as_deref_mut()) {
        more.workdirs.shrink_to_fit();
        more.reads_from.shrink_to_fit();
    }
    // Every scope handed out holds `cell`, so the nodes read the store once it is complete.
    let _ = cell.set(store);
    Graph {
        global_args,
        stages,
        nodes,
        names,
        images: images.list,
        unresolved,
        commands: command_cache,
    }
}

/// The working directory at the end of a stage.
fn stage_exit_workdir(stage: &Stage) -> Option<Arc<String>> {
    match stage.workdirs().last() {
        Some((_, dir)) => dir.clone(),
        None => stage.entry_workdir().cloned(),
    }
}

/// An index or count as the `u32` the graph's records hold (saturating: a file of at most
/// 4 GiB has far fewer than 2^32 instructions, stages or assignments).
fn narrow(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// `path` made absolute against `dir` (`./x` and `x` → `dir/x`).
pub fn join_path(dir: &str, path: &str) -> String {
    if path.starts_with('/') {
        return path.to_string();
    }
    let rel = path.trim_start_matches("./");
    let base = dir.trim_end_matches('/');
    if rel.is_empty() || rel == "." {
        if base.is_empty() {
            "/".to_string()
        } else {
            base.to_string()
        }
    } else {
        format!("{base}/{rel}")
    }
}

/// Give the last `unsettled` nodes (a run of ARG and ENV instructions of the current
/// stage) the scope in force after the run.
fn settle_scopes(nodes: &mut [Node], unsettled: &mut usize, (scope, assigned): (Arc<Scope>, u32)) {
    let from = nodes.len().saturating_sub(*unsettled);
    for node in &mut nodes[from..] {
        node.scope = scope.clone();
        node.assigned = assigned;
    }
    *unsettled = 0;
}

/// `earlier`: how many stages come before the COPY's own (a `--from` names one of them).
fn copy_node(
    ex: &mut Expander,
    inst: &Instruction,
    vars: &dyn Lookup,
    names: &StageNames,
    earlier: usize,
) -> CopyNode {
    let mut kept = ThinVec::new();
    if let Some(from) = inst.flag("from").and_then(|f| f.value.as_deref()) {
        let expanded = ex.expand(from, vars).unwrap_or_else(|| from.to_string());
        kept.push(match names.resolve(&expanded, earlier) {
            Some(index) => Kept::Stage(u32::try_from(index).unwrap_or(u32::MAX)),
            None => Kept::Image(expanded.into()),
        });
    }
    let srcs = source_words(inst);
    let expansions: Vec<Kept> = srcs
        .iter()
        .map(|w| match ex.expand(&w.value, vars) {
            Some(path) if path == w.value => Kept::Same,
            Some(path) => Kept::Expanded(path.into()),
            None => Kept::Unknown,
        })
        .collect();
    if expansions.iter().any(|k| !matches!(k, Kept::Same)) {
        kept.extend(expansions);
    }
    kept.shrink_to_fit();
    CopyNode { kept }
}

/// The source words of a COPY or ADD: all but the last (the destination).
fn source_words(inst: &Instruction) -> &[crate::syntax::Word] {
    inst.words().split_last().map_or(&[], |(_, s)| s)
}

/// The sources of a COPY or ADD `inst` whose node keeps `copy`.
fn copy_sources<'a>(inst: &'a Instruction, copy: &'a CopyNode) -> Vec<CopySource<'a>> {
    let (from_kind, expansions) = copy.split();
    let srcs = source_words(inst);
    let heredocs = inst.heredocs();
    srcs.iter()
        .enumerate()
        .map(|(i, w)| {
            let is_heredoc = w
                .value
                .strip_prefix("<<")
                .map(|n| {
                    n.trim_start_matches('-')
                        .trim_matches(|c| c == '"' || c == '\'')
                })
                .is_some_and(|n| heredocs.iter().any(|h| h.name == n));
            let kind = if is_heredoc {
                SourceKind::Heredoc
            } else if let Some(k) = &from_kind {
                k.clone()
            } else if inst.keyword == Keyword::Add && is_git_url(&w.value) {
                SourceKind::Git
            } else if inst.keyword == Keyword::Add && is_url(&w.value) {
                SourceKind::Url
            } else {
                SourceKind::Context
            };
            let path = match expansions.get(i) {
                None | Some(Kept::Same) => Some(w.value.as_str()),
                Some(Kept::Expanded(path)) => Some(path.as_str()),
                Some(_) => None,
            };
            CopySource {
                raw: w.value.as_str(),
                path,
                kind,
                span: w.span,
            }
        })
        .collect()
}

/// A RUN's node, and its commands for the cache.
fn run_info(
    df: &Dockerfile,
    inst: &Instruction,
    index: usize,
    shell_override: Option<&Vec<String>>,
) -> (RunInfo, Commands) {
    let mut mounts = inst.mounts();
    mounts.shrink_to_fit();
    let program = shell_override.and_then(|s| s.first());
    let script = if program.is_some_and(|p| shell::is_windows_shell(p)) {
        ScriptShell::Windows
    } else if program.is_none_or(|p| shell::is_posix_shell(p)) {
        ScriptShell::Posix
    } else {
        ScriptShell::Other
    };
    let (kind, commands) = analyse_run(df, inst, script);
    let info = RunInfo {
        mounts,
        shell: kind,
        // Instruction counts fit: a file is at most 4 GiB and an instruction takes a byte.
        instruction: u32::try_from(index).unwrap_or(u32::MAX),
        script,
        runs_managers: commands
            .iter()
            .any(|c| crate::knowledge::classify(&c.cmd).is_some()),
    };
    (info, Arc::new(commands))
}

/// The shell kind of a RUN and its simple commands, with source spans.
fn analyse_run(
    df: &Dockerfile,
    inst: &Instruction,
    script: ScriptShell,
) -> (ShellKind, Vec<Command>) {
    let mut commands = Vec::new();
    let kind = match &inst.args {
        Args::Exec(words) => {
            if let (Some(first), Some(last)) = (words.first(), words.last()) {
                let cmd = SimpleCommand::from_words(
                    words
                        .iter()
                        .map(|w| shell::ShellWord {
                            value: w.value.as_str().into(),
                            range: (0..0).into(),
                            has_expansion: false,
                        })
                        .collect(),
                );
                // `["sh", "-c", "script"]` runs a shell script.
                let prog = cmd.program().unwrap_or("");
                if shell::is_posix_shell(prog)
                    && words.len() >= 3
                    && words[words.len() - 2].value == "-c"
                {
                    let script = &last.value;
                    for c in shell::analyze(script).commands {
                        commands.push(Command::located(c, last.span, &|_| last.span));
                    }
                } else {
                    let mut cmd = cmd;
                    for (w, source) in cmd.words.iter_mut().zip(words) {
                        w.range = (source.span.start()..source.span.end()).into();
                    }
                    cmd.range = (first.span.start()..last.span.end()).into();
                    commands.push(Command { cmd });
                }
            }
            ShellKind::Exec
        }
        Args::Shell(joined) => {
            if script == ScriptShell::Windows {
                ShellKind::Windows
            } else if script == ScriptShell::Other {
                ShellKind::Other
            } else {
                let mut kind = ShellKind::Posix;
                let script_is_heredoc_only = !inst.heredocs().is_empty();
                let top = shell::analyze(&joined.text);
                // `Command` has the layout of `SimpleCommand`: this reuses the allocation.
                commands = top
                    .commands
                    .into_iter()
                    .map(|c| {
                        let span = joined.source_span(c.range.range());
                        Command::located(c, span, &|r| joined.source_span(r.clone()))
                    })
                    .collect();
                if script_is_heredoc_only {
                    // `RUN <<EOF` runs the body with the shell; `RUN <<EOF bash` or
                    // `RUN python3 <<EOF` hands it to the named program.
                    let interpreter = commands
                        .iter()
                        .find(|c| !c.cmd.words.is_empty())
                        .and_then(|c| c.cmd.program().map(str::to_string));
                    for h in inst.heredocs() {
                        let shebang = h.body.lines().next().and_then(|l| l.strip_prefix("#!"));
                        let posix = match (&interpreter, shebang) {
                            (_, Some(sb)) => shell::is_posix_shell(sb.trim()),
                            (Some(p), None) => shell::is_posix_shell(p),
                            (None, None) => true,
                        };
                        if !posix {
                            kind = ShellKind::Other;
                            continue;
                        }
                        let base = h.body_span.start();
                        let exact = df.text(h.body_span) == h.body.trim_end_matches('\n')
                            || df.text(h.body_span) == h.body;
                        for c in shell::analyze(&h.body).commands {
                            let map = |r: &std::ops::Range<usize>| {
                                if exact {
                                    Span::new(
                                        (base + r.start).min(h.body_span.end()),
                                        (base + r.end).min(h.body_span.end()),
                                    )
                                } else {
                                    h.body_span
                                }
                            };
                            let span = map(&c.range.range());
                            commands.push(Command::located(c, span, &map));
                        }
                    }
                }
                kind
            }
        }
        _ => ShellKind::Posix,
    };
    commands.shrink_to_fit();
    (kind, commands)
}

/// The layers of a stage, as [`Graph::layers`] gives them: the nodes of its lineage's
/// stages, root first, each with the stage it belongs to.
pub struct Layers<'g> {
    graph: &'g Graph,
    stages: Vec<&'g Stage>,
}

impl<'g> Layers<'g> {
    /// How many layers there are.
    pub fn len(&self) -> usize {
        self.stages
            .iter()
            .map(|s| self.graph.nodes_of(s).len())
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The layers in order, each as (stage index, node).
    pub fn iter(&self) -> impl Iterator<Item = (usize, &'g Node)> + '_ {
        let graph = self.graph;
        self.stages
            .iter()
            .flat_map(move |s| graph.nodes_of(s).iter().map(move |n| (s.index(), n)))
    }
}

/// A JSON view of the graph for `layerlint debug graph --format json`.
pub fn to_json(df: &Dockerfile, graph: &Graph) -> serde_json::Value {
    use serde_json::json;
    let stages: Vec<_> = graph
        .stages
        .iter()
        .map(|s| {
            let nodes: Vec<_> = graph
                .nodes_of(s)
                .iter()
                .map(|n| {
                    let inst = &df.instructions[n.instruction()];
                    let lc = df.lines.line(inst.span.start());
                    let mut obj = json!({
                        "line": lc,
                        "instruction": inst.keyword.as_str(),
                        "user": n.user(),
                    });
                    match &n.kind {
                        NodeKind::Run(r) => {
                            obj["shell"] = json!(r.shell);
                            obj["mounts"] = json!(r
                                .mounts
                                .iter()
                                .map(|m| json!({"type": m.kind, "target": m.target(), "id": m.id(), "sharing": m.sharing(), "from": m.from()}))
                                .collect::<Vec<_>>());
                            obj["commands"] = json!(graph
                                .commands(df, r)
                                .iter()
                                .map(|c| c.cmd.words.iter().map(|w| w.value.clone()).collect::<Vec<_>>())
                                .collect::<Vec<_>>());
                        }
                        NodeKind::Copy(_) => {
                            obj["sources"] = json!(n.copy_info(df).map(|c| c.sources));
                            obj["dest"] = json!(copy_dest(inst));
                        }
                        NodeKind::Arg => obj["args"] = json!(arg_names(inst).collect::<Vec<_>>()),
                        NodeKind::Env { .. } => obj["env"] = json!(env_names(inst, &n.kind)),
                        _ => {}
                    }
                    obj
                })
                .collect();
            json!({
                "index": s.index,
                "name": graph.stage_name(s),
                "base": base_json(graph, s),
                "platform": s.platform(),
                "line": df.lines.line(df.instructions[s.from_instruction()].span.start()),
                "reads_from": s.reads_from(),
                "lineage": graph.lineage(s.index()),
                "vars": graph.nodes_of(s).last().map(|n| n.vars().to_map()).unwrap_or_default(),
                "instructions": nodes,
            })
        })
        .collect();
    json!({ "global_args": graph.global_args, "stages": stages })
}

/// A stage's base in the JSON view: its kind and what it names.
fn base_json(graph: &Graph, stage: &Stage) -> serde_json::Value {
    use serde_json::json;
    match stage.base() {
        Base::Image { .. } => json!({"kind": "image", "image": graph.base_image(stage)}),
        Base::Stage { index } => json!({"kind": "stage", "index": index}),
        Base::Scratch => json!({"kind": "scratch"}),
        Base::Unresolved { .. } => {
            json!({"kind": "unresolved", "raw": graph.unresolved_base(stage)})
        }
    }
}

/// A text view of the graph for `layerlint debug graph`.
pub fn to_text(df: &Dockerfile, graph: &Graph) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if !graph.global_args.is_empty() {
        let _ = writeln!(out, "global args: {}", fmt_vars(&graph.global_args));
    }
    for s in &graph.stages {
        let base = match s.base() {
            Base::Image { .. } => {
                format!(
                    "image {}",
                    graph.base_image(s).map_or("", ImageRef::display)
                )
            }
            Base::Stage { index } => format!("stage {index}"),
            Base::Scratch => "scratch".to_string(),
            Base::Unresolved { .. } => {
                format!("unresolved {}", graph.unresolved_base(s).unwrap_or(""))
            }
        };
        let _ = writeln!(
            out,
            "stage {}{} (line {}) from {}",
            s.index,
            graph
                .stage_name(s)
                .map(|n| format!(" \"{n}\""))
                .unwrap_or_default(),
            df.lines
                .line(df.instructions[s.from_instruction()].span.start()),
            base
        );
        if !s.reads_from().is_empty() {
            let _ = writeln!(out, "  reads from stages {:?}", s.reads_from());
        }
        for n in graph.nodes_of(s) {
            let inst = &df.instructions[n.instruction()];
            let line = df.lines.line(inst.span.start());
            let detail = match &n.kind {
                NodeKind::Run(r) => {
                    let mut d = format!("{:?}", r.shell).to_lowercase();
                    for m in &r.mounts {
                        let _ = write!(d, " mount[{} {}]", m.kind, m.target().unwrap_or("?"));
                    }
                    for c in graph.commands(df, r).iter() {
                        let words: Vec<&str> =
                            c.cmd.words.iter().map(|w| w.value.as_str()).collect();
                        let _ = write!(d, " | {}", words.join(" "));
                    }
                    d
                }
                NodeKind::Copy(_) => n
                    .copy_info(df)
                    .map(|c| c.sources)
                    .unwrap_or_default()
                    .iter()
                    .map(|s| format!("{}({})", s.raw, source_kind_name(&s.kind)))
                    .collect::<Vec<_>>()
                    .join(" "),
                NodeKind::Arg => arg_names(inst).collect::<Vec<_>>().join(" "),
                NodeKind::Env { .. } => env_names(inst, &n.kind).join(" "),
                NodeKind::User => n.user().unwrap_or_default().to_string(),
                NodeKind::Other => String::new(),
            };
            let _ = writeln!(out, "  {line:>4} {} {}", inst.keyword.as_str(), detail);
        }
    }
    out
}

fn source_kind_name(k: &SourceKind) -> String {
    match k {
        SourceKind::Context => "context".into(),
        SourceKind::Stage { index } => format!("stage {index}"),
        SourceKind::Image { name } => format!("image {name}"),
        SourceKind::Url => "url".into(),
        SourceKind::Git => "git".into(),
        SourceKind::Heredoc => "heredoc".into(),
    }
}

fn fmt_vars(v: &Vars) -> String {
    v.iter()
        .map(|(k, v)| match v {
            Some(v) => format!("{k}={v}"),
            None => k.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(src: &str) -> Graph {
        build(&crate::syntax::parse(src).expect("parses"))
    }

    fn var(g: &Graph, stage: usize, node: usize, name: &str) -> Option<Option<String>> {
        g.nodes_of(&g.stages[stage])[node]
            .vars()
            .get(name)
            .map(|v| v.map(str::to_string))
    }

    #[test]
    fn env_names_are_the_keys_or_their_expansions() {
        let src = "FROM a\nARG K=KEY\nENV A=1 B=2\nENV $K=3 \"Q\"=4\nENV C=5 $K=6 D=7\n";
        let file = crate::syntax::parse(src).expect("parses");
        let g = build(&file);
        let names: Vec<Vec<&str>> = g.nodes_of(&g.stages[0])[1..]
            .iter()
            .map(|n| env_names(&file.instructions[n.instruction()], &n.kind))
            .collect();
        assert_eq!(
            names,
            [vec!["A", "B"], vec!["KEY", "Q"], vec!["C", "KEY", "D"]]
        );
        assert!(
            matches!(&g.nodes_of(&g.stages[0])[1].kind, NodeKind::Env { renamed } if renamed.is_empty())
        );
    }

    #[test]
    fn a_node_takes_four_words() {
        // One node per instruction: a file of short instructions holds one each.
        assert!(std::mem::size_of::<Node>() <= 32);
    }

    #[test]
    fn a_stage_takes_three_words() {
        // One record per FROM: a file of hundreds of thousands of short stages holds one each.
        assert!(std::mem::size_of::<Stage>() <= 24);
        assert!(std::mem::size_of::<Base>() <= 8);
    }

    #[test]
    fn a_base_packs_into_32_bits() {
        for base in [
            Base::Image { image: 0 },
            Base::Image { image: BASE_INDEX },
            Base::Stage { index: 7 },
            Base::Scratch,
            Base::Unresolved { raw: 12_345 },
        ] {
            assert_eq!(Base::unpack(base.pack()), base);
        }
        // Out of range saturates rather than changing the kind.
        assert_eq!(
            Base::unpack(Base::Stage { index: u32::MAX }.pack()),
            Base::Stage { index: BASE_INDEX }
        );
    }

    #[test]
    fn equal_images_and_names_are_held_once() {
        let g = graph(
            "ARG X\nFROM alpine:3 AS a\nFROM Alpine:3 AS b\nFROM alpine:3 AS A\nFROM $X AS b\n\
             FROM debian AS c\nFROM alpine:3\nFROM b\n",
        );
        assert_eq!(g.images.len(), 3);
        let images: Vec<Option<&str>> = g
            .stages
            .iter()
            .map(|s| g.base_image(s).map(ImageRef::display))
            .collect();
        assert_eq!(
            images,
            [
                Some("alpine:3"),
                Some("Alpine:3"),
                Some("alpine:3"),
                None,
                Some("debian"),
                Some("alpine:3"),
                None
            ]
        );
        assert_eq!(g.unresolved_base(&g.stages[3]), Some("$X"));
        let names: Vec<Option<&str>> = g.stages.iter().map(|s| g.stage_name(s)).collect();
        assert_eq!(
            names,
            [
                Some("a"),
                Some("b"),
                Some("a"),
                Some("b"),
                Some("c"),
                None,
                None
            ]
        );
        assert_eq!(g.names.list.len(), 3);
        // The last stage named `b` before the last stage is the unresolved one.
        assert_eq!(g.stages[6].base().stage(), Some(3));
        assert_eq!(g.stage_ref("A", 7), Some(2));
        assert_eq!(g.stage_ref("a", 2), Some(0));
    }

    #[test]
    fn windows_is_decided_by_platform_image_or_parent() {
        let g = graph(
            "FROM mcr.microsoft.com/windows/servercore:ltsc2022 AS w\nFROM w\n\
             FROM --platform=windows/amd64 alpine\nFROM alpine\n",
        );
        let windows: Vec<bool> = g.stages.iter().map(Stage::is_windows).collect();
        assert_eq!(windows, [true, true, true, false]);
    }

    #[test]
    fn rare_stage_parts_are_allocated_only_when_set() {
        let g = graph(
            "FROM alpine AS a\nRUN true\nFROM a AS b\nENV X=1\n\
             FROM --platform=linux/arm64 a AS c\nWORKDIR /w\nUSER app\n\
             FROM c AS d\nCOPY --from=a /x /y\nFROM d\n",
        );
        let more: Vec<bool> = g.stages.iter().map(|s| s.more.is_some()).collect();
        assert_eq!(more, [false, false, true, true, true]);
        assert_eq!(g.stages[2].platform(), Some("linux/arm64"));
        assert_eq!(g.stages[3].reads_from(), &[0]);
        // d starts in c's WORKDIR and as c's USER; e inherits them from d in turn.
        assert_eq!(g.workdir_at(4, usize::MAX), Some("/w"));
        let users: Vec<Option<&str>> = g
            .stages
            .iter()
            .map(|s| s.exit_user().map(|u| u.as_str()))
            .collect();
        assert_eq!(users, [None, None, Some("app"), Some("app"), Some("app")]);
        let counts: Vec<usize> = g.stages.iter().map(|s| g.nodes_of(s).len()).collect();
        assert_eq!(counts, [1, 1, 2, 1, 0]);
    }

    #[test]
    fn copy_sources_are_read_from_the_instruction_and_kept_expansions() {
        let src = "FROM a AS base\nFROM b\nARG V=lib U\nCOPY src $V /d\nCOPY $U /d\n\
                   COPY --from=base /x /d\nCOPY --from=img:1 /y /d\nADD https://e.com/f /d\n";
        let df = crate::syntax::parse(src).expect("parses");
        let g = build(&df);
        let nodes = &g.nodes_of(&g.stages[1]);
        let kept = |n: usize| match &nodes[n].kind {
            NodeKind::Copy(c) => c.kept.len(),
            _ => panic!("not a COPY"),
        };
        let sources = |n: usize| nodes[n].copy_info(&df).expect("a COPY").sources;
        // Both sources: one expands to its text, one does not, so both are kept.
        let s = sources(1);
        assert_eq!((s[0].raw, s[0].path), ("src", Some("src")));
        assert_eq!((s[1].raw, s[1].path), ("$V", Some("lib")));
        assert_eq!(s[1].kind, SourceKind::Context);
        assert_eq!(kept(1), 2);
        // An ARG without a default has no static value.
        assert_eq!(sources(2)[0].path, None);
        // `--from` resolved once, the sources as written: one entry kept.
        assert_eq!(sources(3)[0].kind, SourceKind::Stage { index: 0 });
        assert_eq!(kept(3), 1);
        assert_eq!(
            sources(4)[0].kind,
            SourceKind::Image {
                name: "img:1".into()
            }
        );
        let add = sources(5);
        assert_eq!(
            (add[0].kind.clone(), add[0].path),
            (SourceKind::Url, Some("https://e.com/f"))
        );
        assert_eq!(kept(5), 0, "sources that expand to themselves keep nothing");
        assert!(nodes[0].copy_info(&df).is_none(), "an ARG has no sources");
        assert_eq!(g.stages[1].reads_from(), &[0]);
    }

    #[test]
    fn nodes_share_a_scope_until_it_changes() {
        let g = graph(
            "FROM a\nARG A=1\nRUN x\nRUN y\nUSER app\nRUN z\nENV B=2\nRUN w\nFROM b\nRUN v\n",
        );
        let n = &g.nodes_of(&g.stages[0]);
        assert!(Arc::ptr_eq(&n[1].scope, &n[2].scope));
        assert!(
            Arc::ptr_eq(&n[0].scope, &n[1].scope),
            "the ARG takes the scope after it"
        );
        assert!(!Arc::ptr_eq(&n[2].scope, &n[4].scope));
        assert_eq!((n[2].user(), n[4].user()), (None, Some("app")));
        assert_eq!(n[6].vars().get("B"), Some(Some("2")));
        assert_eq!(n[4].vars().get("B"), None);
        let v = &g.nodes_of(&g.stages[1])[0];
        assert_eq!((v.vars().get("A"), v.user()), (None, None));
    }

    #[test]
    fn each_node_is_in_the_stage_of_its_instruction() {
        let g = graph("ARG V=1\nFROM a AS x\nRUN a\nFROM x\nFROM b\nARG A\nRUN b\n");
        assert_eq!(g.stage_of(0), None, "before the first FROM");
        for stage in &g.stages {
            assert_eq!(
                g.stage_of(stage.from_instruction()),
                stage.index().checked_sub(1)
            );
            for node in g.nodes_of(stage) {
                assert_eq!(g.stage_of(node.instruction()), Some(stage.index()));
            }
        }
        assert_eq!(g.nodes().len(), 3);
    }

    #[test]
    fn stages_share_the_scope_of_one_user() {
        let g = graph(
            "FROM a AS p\nENV P=1\nRUN x\nFROM p AS c\nARG C=2\nRUN y\nFROM b\nARG D=3\nRUN z\n\
             FROM p\nUSER app\nRUN u\nFROM b\nENV E=4\nRUN w\n",
        );
        let run = |s: usize| g.nodes_of(&g.stages[s]).last().expect("a RUN");
        assert!(Arc::ptr_eq(&run(0).scope, &run(1).scope));
        assert!(Arc::ptr_eq(&run(0).scope, &run(2).scope));
        assert!(!Arc::ptr_eq(&run(3).scope, &run(0).scope), "another user");
        assert!(
            !Arc::ptr_eq(&run(4).scope, &run(3).scope),
            "back to no user"
        );
        // Each node still sees its own stage's variables and those it inherits.
        let seen = |s: usize, name: &str| run(s).vars().get(name).flatten().map(str::to_string);
        assert_eq!(seen(0, "P").as_deref(), Some("1"));
        assert_eq!(
            (seen(1, "P").as_deref(), seen(1, "C").as_deref()),
            (Some("1"), Some("2"))
        );
        assert_eq!(
            (seen(2, "P"), seen(2, "C"), seen(2, "D").as_deref()),
            (None, None, Some("3"))
        );
        assert_eq!(
            (seen(3, "P").as_deref(), run(3).user()),
            (Some("1"), Some("app"))
        );
        assert_eq!(
            (seen(4, "E").as_deref(), seen(4, "D"), run(4).user()),
            (Some("4"), None, None)
        );
        // An ARG or ENV node sees the scope after its run of declarations.
        let env = &g.nodes_of(&g.stages[4])[0];
        assert_eq!(env.vars().get("E"), Some(Some("4")));
    }

    #[test]
    fn workdir_follows_workdirs_and_parents() {
        let src = "FROM a AS base\nRUN x\nWORKDIR /app\nRUN y\nWORKDIR src\nRUN z\n\
                   FROM base AS child\nRUN c\nARG V\nWORKDIR $V\nRUN d\nWORKDIR ./rel\nRUN e\n\
                   FROM other\nWORKDIR rel\nRUN f\nARG D=/opt\nWORKDIR ${D}/x\nRUN g\n";
        let file = crate::syntax::parse(src).expect("parses");
        let g = build(&file);
        let at = |stage: usize, keyword_line: usize| {
            let i = file
                .instructions
                .iter()
                .position(|i| i.start_line(&file.lines) as usize == keyword_line)
                .expect("an instruction on that line");
            g.workdir_at(stage, i)
        };
        assert_eq!(at(0, 2), None, "before any WORKDIR the base image decides");
        assert_eq!(at(0, 4), Some("/app"));
        assert_eq!(at(0, 6), Some("/app/src"));
        assert_eq!(
            at(1, 8),
            Some("/app/src"),
            "a child stage starts in its parent's"
        );
        assert_eq!(at(1, 11), None, "an ARG without a value");
        assert_eq!(at(1, 13), None, "relative to an unknown one");
        assert_eq!(at(2, 16), None, "relative to the base image's");
        assert_eq!(at(2, 19), Some("/opt/x"), "ARG values expand");
    }

    #[test]
    fn env_wins_over_arg_and_children_inherit_env_only() {
        let g = graph(
            "FROM a AS base\nENV V=env\nRUN w\nARG V=arg\nARG W=w\nRUN x\nFROM base\nRUN y\nARG V\nRUN z\n",
        );
        assert_eq!(var(&g, 0, 4, "V"), Some(Some("env".into())));
        assert_eq!(var(&g, 0, 4, "W"), Some(Some("w".into())));
        assert_eq!(var(&g, 1, 0, "V"), Some(Some("env".into())));
        assert_eq!(var(&g, 1, 0, "W"), None);
        assert_eq!(var(&g, 1, 2, "V"), Some(Some("env".into())));
        // An earlier node keeps the scope it saw; an ARG or ENV sees its whole run.
        assert_eq!(var(&g, 0, 1, "W"), None);
        assert_eq!(var(&g, 0, 2, "W"), Some(Some("w".into())));
        assert_eq!(var(&g, 0, 0, "V"), Some(Some("env".into())));
    }

    #[test]
    fn doubling_values_stop_at_the_budget() {
        let mut src = String::from("FROM a\nENV V0=xxxxxxxx\n");
        for i in 1..40 {
            src.push_str(&format!("ENV V{i}=$V{prev}$V{prev}\n", prev = i - 1));
        }
        let g = graph(&src);
        let nodes = &g.nodes_of(&g.stages[0]);
        let last = nodes.last().unwrap();
        assert_eq!(last.vars().get("V39"), Some(None));
        let kept: usize = last
            .vars()
            .to_map()
            .values()
            .filter_map(|v| v.as_ref())
            .map(|v| v.len())
            .sum();
        assert!(
            kept <= src.len() + 64 * 1024 + expand::MAX_EXPANDED,
            "{kept}"
        );
        assert_eq!(
            nodes[3].vars().get("V2"),
            Some(Some("x".repeat(32).as_str()))
        );
    }
}
