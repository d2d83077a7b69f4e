use crate::diagnostic::{Applicability, Diagnostic, Fix, Severity};
use crate::fix::edits;
use crate::graph::NodeKind;
use crate::knowledge::{self, InvocationKind, DEFAULT_VOLATILE_ARGS};
use crate::lint::LintContext;
use crate::rules::common;
use crate::rules::{Category, Findings, Rule, RuleMeta};
use crate::syntax::{Args, Instruction, Keyword};

pub struct VolatileArgBeforeInstall;

pub static META: RuleMeta = RuleMeta {
    code: "LL102",
    name: "volatile-arg-before-install",
    category: Category::Ordering,
    default_severity: Severity::Warning,
    summary: "A build argument that changes on every build (date, commit, build number) declared before a dependency install, so the install reruns every time",
    doc: include_str!("../../../rules/LL102.md"),
    fixable: true,
    default_enabled: true,
    experimental: false,
};

/// An `ARG` or `ENV` in a stage whose value changes from build to build. Its strings are
/// the file's own, and declarations are worked out as the stage is walked, so none is
/// stored for the whole file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Volatile<'a> {
    instruction: usize,
    /// The variable it declares, and the build argument that makes it volatile.
    name: &'a str,
    arg: &'a str,
}

impl Rule for VolatileArgBeforeInstall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        let configured: Option<Vec<String>> = ctx
            .option(META.code, "names")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            });
        let patterns: Vec<String> = configured.unwrap_or_else(|| {
            DEFAULT_VOLATILE_ARGS
                .iter()
                .map(|s| s.to_string())
                .collect()
        });
        // The instructions of the declarations reported so far: an ENV inherited by
        // several stages is reported once.
        let mut reported = InstructionSet::new(ctx.file.instructions.len());
        for stage in &ctx.graph.stages {
            // Which of the stage's own nodes install dependencies, worked out once when a
            // fix first needs it.
            let installs = std::cell::OnceCell::new();
            // An ARG reaches only the RUNs of its own stage; an ENV set from one is part
            // of the image, so stages built FROM this one inherit it.
            let mut in_force = InForce::default();
            // The volatile names of the stage whose nodes are being walked (an ancestor's,
            // then the stage's own): an ENV is volatile when set from one of them.
            let mut names = VolatileNames::default();
            let mut names_of = None;
            for (owner, node) in ctx.graph.layers(stage.index()).iter() {
                if names_of != Some(owner) {
                    names = VolatileNames::default();
                    names_of = Some(owner);
                }
                let inst = &ctx.file.instructions[node.instruction()];
                match &node.kind {
                    NodeKind::Arg => {
                        let own = owner == stage.index();
                        declare_args(inst, node.instruction(), &patterns, &mut names, |v| {
                            if own {
                                in_force.add(v);
                            }
                        })
                    }
                    NodeKind::Env { .. } => {
                        declare_envs(inst, node.instruction(), &mut names, |v| in_force.add(v))
                    }
                    NodeKind::Run(run) => {
                        let commands = run.runs_managers().then(|| ctx.commands(run));
                        let install = commands.as_deref().and_then(|c| first_install(c));
                        let Some(install) = install else {
                            in_force.run_passed();
                            continue;
                        };
                        let text = ctx.file.text(inst.span);
                        // An install that reads the value needs it declared first (a
                        // version or commit it fetches); everything after it reruns anyway.
                        if let Some(first) = in_force.first() {
                            if !in_force.read_by(text) && reported.insert(first.instruction) {
                                let mut diag = finding(ctx, &first, &install);
                                let installs = installs
                                    .get_or_init(|| install_flags(ctx, ctx.graph.nodes_of(stage)));
                                if let Some(fix) =
                                    move_below_installs(ctx, stage.index(), installs, &first)
                                {
                                    diag = diag.with_fix(fix);
                                }
                                out.push(diag);
                            }
                        }
                        in_force.clear();
                    }
                    _ => {}
                }
            }
        }
    }
}

/// `CACHEBUST`, `CACHE_BUST`, `APP_CACHEBUST`: arguments whose only job is to rerun what follows.
fn is_cache_bust(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.replace('_', "").contains("CACHEBUST")
}

/// The volatile declarations of an ARG instruction, each handed to `found` in order and
/// added to the stage's `names`.
fn declare_args<'a>(
    inst: &'a Instruction,
    instruction: usize,
    patterns: &[String],
    names: &mut VolatileNames<'a>,
    mut found: impl FnMut(Volatile<'a>),
) {
    for (name, default) in arg_defaults(inst) {
        if knowledge::matches_volatile_arg(name, patterns) && !is_pinned_value(default) {
            names.add(name, name);
            found(Volatile {
                instruction,
                name,
                arg: name,
            });
        }
    }
}

/// The volatile declarations of an ENV instruction (the names it sets from a volatile name
/// of its stage), each handed to `found` in order and added to the stage's `names`.
fn declare_envs<'a>(
    inst: &'a Instruction,
    instruction: usize,
    names: &mut VolatileNames<'a>,
    mut found: impl FnMut(Volatile<'a>),
) {
    let Args::KeyValues(pairs) = &inst.args else {
        return;
    };
    for kv in pairs {
        let Some(arg) = names.referenced_in(&kv.value.value) else {
            continue;
        };
        let name = kv.key.value.as_str();
        names.add(name, arg);
        found(Volatile {
            instruction,
            name,
            arg,
        });
    }
}

/// The volatile declarations in force at a point of a stage: those since its last
/// dependency install, in order. Only what the rule asks of them is kept (the one a
/// finding would name, and their distinct names), so a long run of declarations before
/// an install takes one entry per distinct name.
#[derive(Default)]
struct InForce<'a> {
    /// The earliest, and whether a RUN has come since it. A RUN that comes after a
    /// declaration comes after every earlier one too, so when it has come since none
    /// has, no later one either.
    earliest: Option<(Volatile<'a>, bool)>,
    /// The earliest whose argument is not a cache bust.
    earliest_lasting: Option<Volatile<'a>>,
    /// Their names: made of letters, digits and `_` (looked up by the names a text
    /// references), and any other (rare, scanned for).
    plain: std::collections::HashSet<&'a str>,
    other: std::collections::HashSet<&'a str>,
}

impl<'a> InForce<'a> {
    fn add(&mut self, v: Volatile<'a>) {
        if self.earliest.is_none() {
            self.earliest = Some((v, false));
        }
        if self.earliest_lasting.is_none() && !is_cache_bust(v.arg) {
            self.earliest_lasting = Some(v);
        }
        if is_plain_name(v.name) {
            self.plain.insert(v.name);
        } else {
            self.other.insert(v.name);
        }
    }

    /// A RUN that installs nothing has come.
    fn run_passed(&mut self) {
        if let Some((_, after_run)) = &mut self.earliest {
            *after_run = true;
        }
    }

    /// The declaration a finding names: the earliest, unless no RUN has come since it
    /// and it is a cache bust (an argument right before an install that is there to rerun
    /// it on purpose); then the earliest that is not.
    fn first(&self) -> Option<Volatile<'a>> {
        match self.earliest {
            Some((v, true)) => Some(v),
            _ => self.earliest_lasting,
        }
    }

    /// Whether `text` expands one of the names.
    fn read_by(&self, text: &str) -> bool {
        (!self.plain.is_empty() && referenced_names(text).any(|name| self.plain.contains(name)))
            || self.other.iter().any(|name| references(text, name))
    }

    fn clear(&mut self) {
        self.earliest = None;
        self.earliest_lasting = None;
        self.plain.clear();
        self.other.clear();
    }
}

/// A set of instruction indexes, one bit each.
struct InstructionSet(Vec<u64>);

impl InstructionSet {
    fn new(instructions: usize) -> InstructionSet {
        InstructionSet(vec![0; instructions.div_ceil(64)])
    }

    /// Adds `instruction`; whether it was not there yet.
    fn insert(&mut self, instruction: usize) -> bool {
        let (word, bit) = (instruction / 64, 1u64 << (instruction % 64));
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        let new = self.0[word] & bit == 0;
        self.0[word] |= bit;
        new
    }
}

/// Whether a name is made of letters, digits and `_` only: [`referenced_names`] finds
/// exactly these.
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The volatile names of a stage, each with the build argument behind it. The first
/// declaration of a name counts. Lookups go by the names a text references, so a stage
/// of thousands of volatile names stays linear.
#[derive(Default)]
struct VolatileNames<'a> {
    /// Plain names ([`is_plain_name`]): declaration order and argument.
    plain: std::collections::HashMap<&'a str, (usize, &'a str)>,
    /// Any other name (rare), scanned for.
    other: Vec<(usize, &'a str, &'a str)>,
    count: usize,
}

impl<'a> VolatileNames<'a> {
    fn add(&mut self, name: &'a str, arg: &'a str) {
        let order = self.count;
        self.count += 1;
        if is_plain_name(name) {
            self.plain.entry(name).or_insert((order, arg));
        } else {
            self.other.push((order, name, arg));
        }
    }

    /// The argument behind the earliest declared name that `text` expands.
    fn referenced_in(&self, text: &str) -> Option<&'a str> {
        let plain = referenced_names(text)
            .filter_map(|name| self.plain.get(name))
            .map(|&(order, arg)| (order, arg));
        let other = self
            .other
            .iter()
            .filter(|(_, name, _)| references(text, name))
            .map(|&(order, _, arg)| (order, arg));
        plain
            .chain(other)
            .min_by_key(|(order, _)| *order)
            .map(|(_, arg)| arg)
    }
}

/// The plain names `text` expands (`$NAME`, `${NAME}`, `${NAME:-x}`), as
/// [`references`] recognises them.
fn referenced_names(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices('$').filter_map(move |(at, _)| {
        let rest = &text[at + 1..];
        let (candidate, braced) = match rest.strip_prefix('{') {
            Some(inner) => (inner, true),
            None => (rest, false),
        };
        let len = candidate
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(candidate.len());
        let after = &candidate[len..];
        let ends = !braced || after.starts_with(['}', ':', '-', '+', '?', '=', '#', '%', '/']);
        (len > 0 && ends).then(|| &candidate[..len])
    })
}

fn finding(
    ctx: &LintContext<'_>,
    v: &Volatile<'_>,
    install: &common::ManagerCommand<'_>,
) -> Diagnostic {
    let inst = &ctx.file.instructions[v.instruction];
    let keyword = inst.keyword.as_str();
    let shown_install = common::shown_command(install.command, install.invocation.verb_index);
    let line = ctx.file.lines.line(install.command.span().start());
    let declared = if v.name == v.arg {
        format!("`{keyword} {}`", v.name)
    } else {
        format!("`{keyword} {}` (set from `{}`)", v.name, v.arg)
    };
    Diagnostic::new(
        &META,
        inst.span,
        format!(
            "{declared} comes before `{shown_install}` on line {line}; `{}` is new on every build, so the install reruns every time",
            v.arg
        ),
    )
    .with_label(install.command.span(), "reruns whenever the value changes")
    .with_help(format!(
        "move `{keyword} {}` below the dependency installs, right before the first instruction that uses it",
        v.name
    ))
}

/// Move a one-name ARG to just after the last dependency install of its stage that comes
/// before any use of the variable. Safe: nothing it moves past reads the value.
///
/// `installs` says which of the stage's nodes install dependencies. The move looks at most
/// [`MAX_MOVE_EXAMINED`] instructions ahead and offers no fix when the stage goes on
/// without a use of the variable beyond that: a stage of thousands of ARG and install
/// pairs would otherwise be quadratic.
fn move_below_installs(
    ctx: &LintContext<'_>,
    stage: usize,
    installs: &[bool],
    v: &Volatile<'_>,
) -> Option<Fix> {
    let arg_inst = &ctx.file.instructions[v.instruction];
    if arg_inst.keyword != Keyword::Arg || arg_defaults(arg_inst).count() != 1 {
        return None;
    }
    let nodes = ctx.graph.nodes_of(ctx.graph.stages.get(stage)?);
    let start = nodes.partition_point(|n| n.instruction() < v.instruction);
    if nodes.get(start)?.instruction() != v.instruction {
        return None;
    }
    let mut last_install = None;
    for (i, node) in nodes.iter().enumerate().skip(start + 1) {
        if i - start > MAX_MOVE_EXAMINED {
            return None;
        }
        let inst = &ctx.file.instructions[node.instruction()];
        if references(ctx.file.text(inst.span), v.name) {
            break;
        }
        if installs.get(i) == Some(&true) {
            last_install = Some(inst);
        }
    }
    let after = last_install?;
    let edits = edits::move_instruction_after(ctx.file, arg_inst, after)?;
    Some(Fix {
        title: format!("Move `ARG {}` below the dependency installs", v.name).into(),
        applicability: Applicability::Safe,
        edits,
    })
}

/// How many instructions after an ARG [`move_below_installs`] looks at (the largest stage
/// among the 2,949 corpus files has about 50).
const MAX_MOVE_EXAMINED: usize = 128;

/// The first of `commands` that installs dependencies.
fn first_install(commands: &[crate::graph::Command]) -> Option<common::ManagerCommand<'_>> {
    common::manager_commands(commands)
        .find(|mc| mc.invocation.kind == InvocationKind::DependencyInstall)
}

/// Per node of a stage, whether it is a RUN that installs dependencies.
fn install_flags(ctx: &LintContext<'_>, nodes: &[crate::graph::Node]) -> Vec<bool> {
    nodes
        .iter()
        .map(|node| match &node.kind {
            NodeKind::Run(run) if run.runs_managers() => {
                first_install(&ctx.commands(run)).is_some()
            }
            _ => false,
        })
        .collect()
}

/// The names and default values an ARG instruction declares.
fn arg_defaults(inst: &Instruction) -> impl Iterator<Item = (&str, Option<&str>)> {
    crate::graph::arg_pairs(inst).map(|(k, v)| (k, v.map(|v| v.trim_matches(['"', '\'']))))
}

/// Whether a default is a concrete version or commit (`1.4.2`, `v2.0.0-rc1`, a 40-digit
/// hex id): then the value is edited in the Dockerfile, not passed per build.
fn is_pinned_value(default: Option<&str>) -> bool {
    let Some(value) = default else {
        return false;
    };
    let version = value.strip_prefix(['v', 'V']).unwrap_or(value);
    let mut parts = version.split(['-', '+']);
    let core = parts.next().unwrap_or("");
    let is_version = core.split('.').count() >= 2
        && core
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    let is_commit = value.len() >= 40 && value.chars().all(|c| c.is_ascii_hexdigit());
    is_version || is_commit
}

/// Whether `text` expands the variable `name` (`$NAME`, `${NAME}`, `${NAME:-x}`).
fn references(text: &str, name: &str) -> bool {
    let mut from = 0;
    while let Some(at) = text[from..].find('$') {
        let start = from + at + 1;
        from = start;
        let rest = &text[start..];
        let (candidate, braced) = match rest.strip_prefix('{') {
            Some(inner) => (inner, true),
            None => (rest, false),
        };
        if let Some(after) = candidate.strip_prefix(name) {
            let next = after.chars().next();
            let ends = match next {
                None => true,
                Some(c) => !(c.is_ascii_alphanumeric() || c == '_'),
            };
            if ends && (!braced || after.starts_with(['}', ':', '-', '+', '?', '=', '#', '%', '/']))
            {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rule as it was first written: every volatile declaration of the file listed up
    /// front, the ones in force kept in full. The rule must report what this reports.
    fn reference_check(ctx: &LintContext<'_>, patterns: &[String], out: &mut Findings) {
        let mut declared = Vec::new();
        for stage in &ctx.graph.stages {
            let mut names = VolatileNames::default();
            for node in ctx.graph.nodes_of(stage) {
                let inst = &ctx.file.instructions[node.instruction()];
                match &node.kind {
                    NodeKind::Arg => {
                        declare_args(inst, node.instruction(), patterns, &mut names, |v| {
                            declared.push(v)
                        })
                    }
                    NodeKind::Env { .. } => {
                        declare_envs(inst, node.instruction(), &mut names, |v| declared.push(v))
                    }
                    _ => {}
                }
            }
        }
        let declared_at = |instruction: usize| {
            let from = declared.partition_point(|v| v.instruction < instruction);
            let to = declared.partition_point(|v| v.instruction <= instruction);
            &declared[from..to]
        };
        let mut reported = std::collections::HashSet::new();
        for stage in &ctx.graph.stages {
            let mut in_force: Vec<(&Volatile<'_>, bool)> = Vec::new();
            for (owner, node) in ctx.graph.layers(stage.index()).iter() {
                let inst = &ctx.file.instructions[node.instruction()];
                match &node.kind {
                    NodeKind::Arg if owner == stage.index() => {
                        in_force.extend(declared_at(node.instruction()).iter().map(|v| (v, false)))
                    }
                    NodeKind::Env { .. } => {
                        in_force.extend(declared_at(node.instruction()).iter().map(|v| (v, false)))
                    }
                    NodeKind::Run(run) => {
                        let commands = run.runs_managers().then(|| ctx.commands(run));
                        let install = commands.as_deref().and_then(|c| first_install(c));
                        let Some(install) = install else {
                            in_force.iter_mut().for_each(|(_, after)| *after = true);
                            continue;
                        };
                        let first = in_force
                            .iter()
                            .find(|(v, after_run)| *after_run || !is_cache_bust(v.arg))
                            .map(|(v, _)| *v);
                        let text = ctx.file.text(inst.span);
                        let reads_it = in_force.iter().any(|(v, _)| references(text, v.name));
                        if let Some(first) = first {
                            if !reads_it && reported.insert(first.instruction) {
                                let mut diag = finding(ctx, first, &install);
                                let installs = install_flags(ctx, ctx.graph.nodes_of(stage));
                                if let Some(fix) =
                                    move_below_installs(ctx, stage.index(), &installs, first)
                                {
                                    diag = diag.with_fix(fix);
                                }
                                out.push(diag);
                            }
                        }
                        in_force.clear();
                    }
                    _ => {}
                }
            }
        }
    }

    /// The rule's findings and the reference's on `source`.
    fn both(
        source: &str,
    ) -> (
        crate::diagnostic::Diagnostics,
        crate::diagnostic::Diagnostics,
    ) {
        let file = crate::syntax::parse(source).expect("parses");
        let graph = crate::graph::build(&file);
        let options = crate::lint::RuleOptions::default();
        let ctx = LintContext {
            path: std::path::Path::new("Dockerfile"),
            file: &file,
            graph: &graph,
            context_dir: None,
            context: None,
            options: &options,
        };
        let mut got = Findings::default();
        VolatileArgBeforeInstall.check(&ctx, &mut got);
        let patterns: Vec<String> = DEFAULT_VOLATILE_ARGS
            .iter()
            .map(|s| s.to_string())
            .collect();
        let mut want = Findings::default();
        reference_check(&ctx, &patterns, &mut want);
        (got.into_diagnostics(), want.into_diagnostics())
    }

    #[test]
    fn the_rule_reports_what_the_reference_does() {
        let lines = [
            "ARG GIT_SHA",
            "ARG BUILD_DATE",
            "ARG BUILD_NUMBER=1.2.3",
            "ARG BUILD_NUMBER=7",
            "ARG CACHEBUST",
            "ARG APP_CACHE_BUST=1",
            "ARG GIT_SHA BUILD_DATE",
            "ARG VERSION",
            "ARG odd-GIT_SHA",
            "ENV V=$GIT_SHA",
            "ENV W=${V} X=1",
            "ENV Y=${BUILD_DATE:-none} Z=$CACHEBUST",
            "ENV odd-name=$GIT_SHA",
            "ENV P=$odd-name",
            "RUN pip install x",
            "RUN npm ci",
            "RUN apt-get install -y curl",
            "RUN apt-get update && apt-get install -y git",
            "RUN pip install x==$GIT_SHA",
            "RUN npm install $V",
            "RUN pip install $odd-name",
            "RUN echo hi",
            "RUN make",
            "LABEL built=$BUILD_DATE",
            "COPY . .",
        ];
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut findings, mut fixes) = (0, 0);
        for _ in 0..400 {
            let mut source = String::new();
            let stages = 1 + next(4);
            for stage in 0..stages {
                if stage > 0 && next(3) > 0 {
                    source += &format!("FROM s{} AS s{stage}\n", next(stage));
                } else {
                    source += &format!("FROM python:3.12 AS s{stage}\n");
                }
                for _ in 0..next(12) {
                    source += lines[next(lines.len())];
                    source += "\n";
                }
            }
            let (got, want) = both(&source);
            assert_eq!(got, want, "{source}");
            findings += got.len();
            fixes += got.iter().filter(|d| d.fix().is_some()).count();
        }
        // The set exercises the rule: findings, fixes among them.
        assert!(findings > 200 && fixes > 20, "{findings} {fixes}");
    }

    #[test]
    fn an_inherited_env_is_reported_once_and_own_args_only() {
        let source = "FROM python:3.12 AS a\nARG GIT_SHA\nENV V=$GIT_SHA\nFROM a AS b\n\
                      RUN pip install x\nFROM a\nRUN npm ci\n";
        let (got, want) = both(source);
        assert_eq!(got, want);
        let lines: Vec<usize> = got.iter().map(|d| d.span().start()).collect();
        // `ENV V` once (in `b`); `ARG GIT_SHA` never (it does not reach other stages).
        assert_eq!(lines, [source.find("ENV").expect("an ENV")]);
    }

    #[test]
    fn the_instruction_set_adds_each_index_once() {
        let mut set = InstructionSet::new(70);
        assert!(set.insert(0));
        assert!(set.insert(63));
        assert!(set.insert(64));
        assert!(!set.insert(63));
        assert!(set.insert(200));
        assert!(!set.insert(200));
        assert!(!set.insert(0));
    }

    #[test]
    fn referenced_names_agree_with_references() {
        let texts = [
            "$A",
            "${A}",
            "$AB",
            "${A:-x}",
            "${A!}",
            "x$A/y",
            "$A$B",
            "${AB}c",
            "$",
            "${",
            "$1A",
            "${A}${B:+y}",
            "a $B_C b",
            "$_",
            "${A%x}",
            "$$A",
        ];
        for text in texts {
            for name in ["A", "B", "AB", "B_C", "_", "1A"] {
                assert_eq!(
                    references(text, name),
                    referenced_names(text).any(|n| n == name),
                    "{text:?} {name:?}"
                );
            }
        }
    }

    #[test]
    fn the_earliest_volatile_name_wins() {
        let mut names = VolatileNames::default();
        names.add("GIT_SHA", "GIT_SHA");
        names.add("REV", "GIT_SHA");
        names.add("BUILD_DATE", "BUILD_DATE");
        names.add("odd-name", "ODD");
        assert_eq!(names.referenced_in("${BUILD_DATE}-$REV"), Some("GIT_SHA"));
        assert_eq!(names.referenced_in("$odd-name"), Some("ODD"));
        assert_eq!(names.referenced_in("$BUILD_DATEX"), None);
    }

    #[test]
    fn expansions_of_the_name_are_references() {
        for text in [
            "$GIT_SHA",
            "${GIT_SHA}",
            "x=${GIT_SHA:-none}",
            "\"$GIT_SHA\"",
        ] {
            assert!(references(text, "GIT_SHA"), "{text}");
        }
        for text in ["$GIT_SHA_SHORT", "${GIT_SHAX}", "GIT_SHA", "$$"] {
            assert!(!references(text, "GIT_SHA"), "{text}");
        }
    }

    #[test]
    fn versions_and_commits_are_pinned_defaults() {
        for value in [
            "1.4.2",
            "v2.0.0-rc1",
            "3.12",
            "0123456789abcdef0123456789abcdef01234567",
        ] {
            assert!(is_pinned_value(Some(value)), "{value}");
        }
        for value in ["latest", "dev", "unknown", "0", "1", "2024-01-01", ""] {
            assert!(!is_pinned_value(Some(value)), "{value}");
        }
        assert!(!is_pinned_value(None));
    }
}
