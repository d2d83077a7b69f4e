use crate::diagnostic::{Diagnostic, Severity};
use crate::graph::{Command, NodeKind};
use crate::knowledge;
use crate::lint::LintContext;
use crate::rules::{Category, Findings, Rule, RuleMeta};
use crate::shell::{Connector, SimpleCommand};

pub struct UnverifiedDownloadPipe;

pub static META: RuleMeta = RuleMeta {
    code: "LL303",
    name: "unverified-download-pipe",
    category: Category::Pinning,
    default_severity: Severity::Warning,
    summary:
        "A script downloaded at build time and run without checking its checksum (`curl … | sh`)",
    doc: include_str!("../../../rules/LL303.md"),
    fixable: false,
    default_enabled: true,
    experimental: false,
};

/// How the downloaded script reaches the program that runs it.
enum Route {
    /// `curl … | sh`
    Pipe,
    /// `bash <(curl …)`, `sh -c "$(curl …)"`, `eval "$(curl …)"`
    Substitution,
}

impl Rule for UnverifiedDownloadPipe {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, ctx: &LintContext<'_>, out: &mut Findings) {
        for stage in &ctx.graph.stages {
            for node in ctx.graph.nodes_of(stage) {
                let NodeKind::Run(run) = &node.kind else {
                    continue;
                };
                let commands = &*ctx.commands(run);
                if commands
                    .iter()
                    .any(|c| knowledge::verifies_download(&c.cmd))
                {
                    continue;
                }
                for (i, runner) in commands.iter().enumerate() {
                    let found = piped_download(commands, i)
                        .map(|d| (d, Route::Pipe))
                        .or_else(|| {
                            substituted_download(commands, i).map(|d| (d, Route::Substitution))
                        });
                    if let Some((download, route)) = found {
                        out.push(finding(runner, download, route));
                    }
                }
            }
        }
    }
}

fn finding(runner: &Command, download: &Command, route: Route) -> Diagnostic {
    let fetcher = download.cmd.program().unwrap_or("curl");
    let url = download
        .cmd
        .args()
        .find(|a| a.contains("://"))
        .or_else(|| download.cmd.args().find(|a| a.starts_with('$')))
        .unwrap_or("the URL");
    let program = shown_program(&runner.cmd);
    let how = match route {
        Route::Pipe => format!("`{fetcher} … | {program}`"),
        Route::Substitution => format!("`{program}` with `$({fetcher} …)`"),
    };
    let span = match route {
        Route::Pipe if download.span().start() <= runner.span().start() => {
            download.span().cover(runner.span())
        }
        _ => runner.span(),
    };
    let output_flag = if fetcher == "wget" { "-O" } else { "-o" };
    Diagnostic::new(
        &META,
        span,
        format!(
            "{how} runs the script from `{url}` unverified: the layer is cached on the RUN's text, so a changed script goes unnoticed here and silently reaches the next cold build"
        ),
    )
    .with_label(download.span(), "downloaded here, never verified")
    .with_help(format!(
        "download to a file, check it against a pinned digest, then run it: `{fetcher} … {output_flag} /tmp/installer && echo \"<sha256>  /tmp/installer\" | sha256sum -c - && {program} /tmp/installer`; or fetch it with `ADD --checksum=sha256:<digest> {url} /tmp/installer`"
    ))
}

/// `sudo bash` as written, for the message.
fn shown_program(cmd: &SimpleCommand) -> String {
    let program = cmd.program().unwrap_or("sh");
    if cmd.has_prefix("sudo") {
        format!("sudo {program}")
    } else {
        program.to_string()
    }
}

/// The command before `commands[i]` in its pipeline, skipping the commands of
/// substitutions that belong to its words.
fn pipe_predecessor(commands: &[Command], i: usize) -> Option<usize> {
    let current = commands.get(i)?;
    (0..i).rev().find(|&j| {
        let c = &commands[j].cmd;
        c.depth == current.cmd.depth && c.in_substitution == current.cmd.in_substitution
    })
}

/// `curl … | sh`, `wget -qO- … | sudo bash -s --`, `curl … | tee x | sh`: the download
/// at the head of the pipeline feeding `commands[i]`, when that command runs its stdin.
fn piped_download(commands: &[Command], i: usize) -> Option<&Command> {
    let runner = commands.get(i)?;
    if runner.cmd.connector != Connector::Pipe || !knowledge::runs_stdin_script(&runner.cmd) {
        return None;
    }
    let mut at = i;
    // A pipeline has a handful of stages; the bound keeps a malformed script cheap.
    for _ in 0..8 {
        let link = commands.get(at)?;
        if link.cmd.connector != Connector::Pipe {
            return None;
        }
        let before = pipe_predecessor(commands, at)?;
        let candidate = commands.get(before)?;
        if knowledge::downloads_to_stdout(&candidate.cmd) {
            return Some(candidate);
        }
        at = before;
    }
    None
}

/// `bash <(curl …)`, `source <(curl …)`, `sh -c "$(curl …)"`, `eval "$(wget -qO- …)"`:
/// the download whose output is the code `commands[i]` runs.
fn substituted_download(commands: &[Command], i: usize) -> Option<&Command> {
    let runner = commands.get(i)?;
    let index =
        knowledge::code_argument(&runner.cmd).or_else(|| knowledge::script_operand(&runner.cmd))?;
    let word = runner.cmd.words.get(index)?;
    // The whole word must be the substitution: in `sh -c "echo $(curl …)"` the download
    // is data for `echo`, not the script.
    let value = word.value.trim();
    let whole = (value.starts_with("$(") || value.starts_with("<(")) && value.ends_with(')')
        || (value.starts_with('`') && value.ends_with('`') && value.len() > 1);
    if !word.has_expansion || !whole {
        return None;
    }
    commands[..i].iter().rev().find(|c| {
        c.cmd.in_substitution
            && c.cmd.depth == runner.cmd.depth
            && word.range.start() <= c.cmd.range.start()
            && c.cmd.range.end() <= word.range.end()
            && knowledge::downloads_to_stdout(&c.cmd)
    })
}
