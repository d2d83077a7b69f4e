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

/// An `ARG` or `ENV` in a stage whose value changes from build to build.
struct Volatile {
    instruction: usize,
    /// The variable it declares, and the build argument that makes it volatile. Inline
    /// strings: a stage of thousands of `ARG GIT_SHA` lines holds one of these for each.
    name: compact_str::CompactString,
    arg: compact_str::CompactString,
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
        // In instruction order (stages and their nodes are), so an instruction's
        // declarations are found by binary search.
        let declared = volatile_declarations(ctx, &patterns);
        let declared_at = |instruction: usize| {
            let from = declared.partition_point(|v| v.instruction < instruction);
            let to = declared.partition_point(|v| v.instruction <= instruction);
            &declared[from..to]
        };
        let mut reported: std::collections::HashSet<usize> = std::collections::HashSet::new();
        for stage in &ctx.graph.stages {
            // Which of the stage's own nodes install dependencies, worked out once when a
            // fix first needs it.
            let installs = std::cell::OnceCell::new();
            // An ARG reaches only the RUNs of its own stage; an ENV set from one is part
            // of the image, so stages built FROM this one inherit it.
            // Each declaration in force, and whether a RUN has come since it.
            let mut in_force: Vec<(&Volatile, bool)> = Vec::new();
            for (owner, node) in ctx.graph.layers(stage.index).iter() {
                let inst = &ctx.file.instructions[node.instruction()];
                match &node.kind {
                    NodeKind::Arg if owner == stage.index => {
                        in_force.extend(declared_at(node.instruction()).iter().map(|v| (v, false)))
                    }
                    NodeKind::Env { .. } => {
                        in_force.extend(declared_at(node.instruction()).iter().map(|v| (v, false)))
                    }
                    NodeKind::Run(run) => {
                        let commands = run.runs_managers().then(|| ctx.commands(run));
                        let install = commands.as_deref().and_then(|commands| {
                            common::manager_commands(commands)
                                .find(|mc| mc.invocation.kind == InvocationKind::DependencyInstall)
                        });
                        let Some(install) = install else {
                            in_force
                                .iter_mut()
                                .for_each(|(_, after_run)| *after_run = true);
                            continue;
                        };
                        // A cache-busting argument right before an install is there to
                        // rerun that install on purpose.
                        let first = in_force
                            .iter()
                            .find(|(v, after_run)| *after_run || !is_cache_bust(&v.arg))
                            .map(|(v, _)| *v);
                        let text = ctx.file.text(inst.span);
                        // An install that reads the value needs it declared first (a
                        // version or commit it fetches); everything after it reruns anyway.
                        let reads_it = in_force.iter().any(|(v, _)| references(text, &v.name));
                        if let Some(first) = first {
                            if !reads_it && reported.insert(first.instruction) {
                                let mut diag = finding(ctx, first, &install);
                                let installs =
                                    installs.get_or_init(|| install_flags(ctx, &stage.nodes));
                                if let Some(fix) =
                                    move_below_installs(ctx, stage.index, installs, first)
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

/// The volatile ARGs of every stage, and the ENVs of the same stage set from them.
fn volatile_declarations(ctx: &LintContext<'_>, patterns: &[String]) -> Vec<Volatile> {
    let mut found = Vec::new();
    for stage in &ctx.graph.stages {
        let mut names = VolatileNames::default();
        for node in &stage.nodes {
            let inst = &ctx.file.instructions[node.instruction()];
            match &node.kind {
                NodeKind::Arg => {
                    for (name, default) in arg_defaults(inst) {
                        if knowledge::matches_volatile_arg(&name, patterns)
                            && !is_pinned_value(default.as_deref())
                        {
                            names.add(&name, &name);
                            found.push(Volatile {
                                instruction: node.instruction(),
                                arg: name.as_str().into(),
                                name: name.into(),
                            });
                        }
                    }
                }
                NodeKind::Env { .. } => {
                    let Args::KeyValues(pairs) = &inst.args else {
                        continue;
                    };
                    for kv in pairs {
                        let Some(arg) = names.referenced_in(&kv.value.value) else {
                            continue;
                        };
                        names.add(&kv.key.value, &arg);
                        found.push(Volatile {
                            instruction: node.instruction(),
                            name: kv.key.value.as_str().into(),
                            arg: arg.into(),
                        });
                    }
                }
                _ => {}
            }
        }
    }
    found
}

/// The volatile names of a stage, each with the build argument behind it. The first
/// declaration of a name counts. Lookups go by the names a text references, so a stage
/// of thousands of volatile names stays linear.
#[derive(Default)]
struct VolatileNames {
    /// Names made of letters, digits and `_`: declaration order and argument.
    plain: std::collections::HashMap<String, (usize, String)>,
    /// Any other name (rare), scanned for.
    other: Vec<(usize, String, String)>,
    count: usize,
}

impl VolatileNames {
    fn add(&mut self, name: &str, arg: &str) {
        let order = self.count;
        self.count += 1;
        if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            self.plain
                .entry(name.to_string())
                .or_insert_with(|| (order, arg.to_string()));
        } else {
            self.other.push((order, name.to_string(), arg.to_string()));
        }
    }

    /// The argument behind the earliest declared name that `text` expands.
    fn referenced_in(&self, text: &str) -> Option<String> {
        let plain = referenced_names(text)
            .filter_map(|name| self.plain.get(name))
            .map(|(order, arg)| (*order, arg));
        let other = self
            .other
            .iter()
            .filter(|(_, name, _)| references(text, name))
            .map(|(order, _, arg)| (*order, arg));
        plain
            .chain(other)
            .min_by_key(|(order, _)| *order)
            .map(|(_, arg)| arg.clone())
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
    v: &Volatile,
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
    v: &Volatile,
) -> Option<Fix> {
    let arg_inst = &ctx.file.instructions[v.instruction];
    if arg_inst.keyword != Keyword::Arg || arg_defaults(arg_inst).len() != 1 {
        return None;
    }
    let nodes = &ctx.graph.stages.get(stage)?.nodes;
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
        if references(ctx.file.text(inst.span), &v.name) {
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

/// Per node of a stage, whether it is a RUN that installs dependencies.
fn install_flags(ctx: &LintContext<'_>, nodes: &[crate::graph::Node]) -> Vec<bool> {
    nodes
        .iter()
        .map(|node| match &node.kind {
            NodeKind::Run(run) if run.runs_managers() => {
                common::manager_commands(&ctx.commands(run))
                    .any(|mc| mc.invocation.kind == InvocationKind::DependencyInstall)
            }
            _ => false,
        })
        .collect()
}

/// The names and default values an ARG instruction declares.
fn arg_defaults(inst: &Instruction) -> Vec<(String, Option<String>)> {
    inst.words()
        .iter()
        .map(|w| match w.value.split_once('=') {
            Some((k, v)) => (k.to_string(), Some(v.trim_matches(['"', '\'']).to_string())),
            None => (w.value.to_string(), None),
        })
        .collect()
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
        assert_eq!(
            names.referenced_in("${BUILD_DATE}-$REV"),
            Some("GIT_SHA".into())
        );
        assert_eq!(names.referenced_in("$odd-name"), Some("ODD".into()));
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
