use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{Command, NodeKind};
use crate::knowledge::{self, InvocationKind, PackageManager};
use crate::lint::LintContext;
use crate::rules::common;
use crate::rules::{Category, Findings, Rule, RuleMeta};
use crate::shell::SimpleCommand;

pub struct UpdateWithoutInstall;

pub static META: RuleMeta = RuleMeta {
    code: "LL104",
    name: "update-without-install",
    category: Category::Ordering,
    default_severity: Severity::Warning,
    summary: "Package index refreshed in a RUN that installs nothing, so later installs read a stale cached index",
    doc: include_str!("../../../rules/LL104.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

impl Rule for UpdateWithoutInstall {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        for stage in &ctx.graph.stages {
            for node in ctx.graph.nodes_of(stage) {
                let NodeKind::Run(run) = &node.kind else {
                    continue;
                };
                // A script the RUN downloads or ships may install packages we cannot see.
                let commands = ctx.commands(run);
                if commands.iter().any(|c| runs_unseen_script(&c.cmd)) {
                    continue;
                }
                // One pass: the families that install, and the first index update of
                // each family (a RUN may hold many thousand commands).
                let mut installing: Vec<PackageManager> = Vec::new();
                let mut first_update: Vec<(PackageManager, &Command, knowledge::Invocation)> =
                    Vec::new();
                for command in commands.iter() {
                    let Some(inv) = invocation_of(&command.cmd) else {
                        continue;
                    };
                    let manager = family(inv.manager);
                    match inv.kind {
                        InvocationKind::DependencyInstall if !installing.contains(&manager) => {
                            installing.push(manager);
                        }
                        InvocationKind::IndexUpdate
                            if !first_update.iter().any(|(m, _, _)| *m == manager) =>
                        {
                            first_update.push((manager, command, inv));
                        }
                        _ => {}
                    }
                }
                for (manager, command, inv) in &first_update {
                    if !installing.contains(manager) {
                        out.push(finding(command, inv));
                    }
                }
            }
        }
    }
}

fn finding(command: &Command, inv: &knowledge::Invocation) -> Diagnostic {
    let shown = shown_command(&command.cmd, inv.verb_index);
    let program = command.cmd.program().unwrap_or("apt-get");
    let install = match inv.manager {
        PackageManager::Apk => format!("{program} add"),
        _ => format!("{program} install"),
    };
    Diagnostic::new(
        &META,
        command.span(),
        format!(
            "`{shown}` runs in a RUN that installs nothing; the index it fetches is frozen in this layer and goes stale while later `{install}` layers stay cached"
        ),
    )
    .with_help(format!(
        "refresh and install in one RUN: `RUN {shown} && {install} …`; delete this RUN or move its packages into it"
    ))
}

/// The command as written up to its verb (`apt-get update`, `dnf -y makecache`).
fn shown_command(cmd: &SimpleCommand, verb_index: usize) -> String {
    cmd.words
        .iter()
        .take(verb_index + 1)
        .map(|w| w.value.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// dnf, yum and microdnf share one repository metadata format and cache family.
fn family(manager: PackageManager) -> PackageManager {
    match manager {
        PackageManager::Yum | PackageManager::Microdnf => PackageManager::Dnf,
        other => other,
    }
}

/// What `cmd` does with a package manager, looking through `xargs` (`xargs apt-get install`).
fn invocation_of(cmd: &SimpleCommand) -> Option<knowledge::Invocation> {
    if let Some(inv) = knowledge::classify(cmd) {
        return Some(inv);
    }
    common::xargs_command(cmd).and_then(|inner| knowledge::classify(&inner))
}

/// Whether `cmd` runs a script whose commands are not in the RUN's text: a local script
/// (`./install.sh`, `bash /tmp/setup.sh`) or one read from a pipe (`curl … | bash`).
fn runs_unseen_script(cmd: &SimpleCommand) -> bool {
    if knowledge::script_operand(cmd).is_some() || knowledge::runs_stdin_script(cmd) {
        return true;
    }
    cmd.words
        .first()
        .is_some_and(|w| w.value.ends_with(".sh") || w.value.starts_with("./"))
}
