//! Shell analysis of RUN commands: scripts split into simple commands with spans.
//!
//! The analyser is a small hand-written, tolerant tokenizer and parser rather than
//! `brush-parser` (0.4). On the 8,103 RUN scripts of the benchmark corpus, brush-parser
//! rejects 482 and then yields nothing for them (262 templates whose shell parts are still
//! worth linting, 171 PowerShell or cmd texts, the rest mostly `\` continuations followed
//! by blanks); it parses about 21 MB/s against about 115 MB/s here (CPU time, release build),
//! gives words before quote removal, needs Rust 1.88 and brings about 75 crates. This
//! analyser never fails: it marks the script `unparsed` and returns its best reading.

mod lexer;
mod parser;
mod wrappers;

#[cfg(test)]
mod tests;

use std::ops::Range;

use crate::span::Span;

use thin_vec::ThinVec;

/// One word of a simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellWord {
    /// The word after quote removal; parameter expansions (`$VAR`, `${VAR}`) and
    /// command substitutions are kept as written.
    pub value: compact_str::CompactString,
    /// Byte range of the word as written, relative to the analysed text.
    pub range: Span,
    /// Whether the word contains an expansion (`$…`, backquotes) whose value is unknown here.
    pub has_expansion: bool,
}

/// A `NAME=value` prefix of a simple command (or a bare assignment statement).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    pub value: String,
    pub range: Range<usize>,
}

/// A redirection of a simple command (`> /dev/null`, `2>&1`, `<<EOF`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// The file descriptor written before the operator (`2` in `2>&1`), if any.
    pub fd: Option<String>,
    /// The operator as written: `>`, `>>`, `<`, `<<`, `<<-`, `<<<`, `>&`, `<&`, `&>`, `&>>`, `>|`, `<>`.
    pub op: String,
    /// The file, descriptor or here-document delimiter the operator applies to.
    pub target: Option<ShellWord>,
    /// Byte range from the descriptor (or operator) to the end of the target.
    pub range: Range<usize>,
}

/// The operator that joins a command to the one before it in the same list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Connector {
    /// First command of a script, subshell, group or compound-command body.
    #[default]
    Start,
    /// `;` or a newline.
    Sequence,
    /// `&&`: runs only if the previous command succeeded.
    And,
    /// `||`: runs only if the previous command failed.
    Or,
    /// `|` or `|&`: reads the previous command's output.
    Pipe,
    /// `&`: the previous command runs in the background.
    Background,
}

/// Shell options a script turns on or off with `set` (or that `sh -eo pipefail -c` passes).
///
/// `None` means the script did not say, so the value comes from the `SHELL` the RUN uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShellOptions {
    pub errexit: Option<bool>,
    pub nounset: Option<bool>,
    pub xtrace: Option<bool>,
    pub pipefail: Option<bool>,
}

/// A simple command: assignments, then words (`words[0]` is the program).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimpleCommand {
    /// Environment assignments for this command: its own `NAME=value` prefixes, then those
    /// given by a wrapper (`env A=b cmd`, `sudo A=b cmd`), then those of the `sh -c` command
    /// whose script this command comes from.
    pub assignments: ThinVec<Assignment>,
    pub words: Vec<ShellWord>,
    /// Byte range of the whole simple command as written, wrappers and redirections included.
    pub range: Span,
    /// Nesting depth of `sh -c`/`bash -c` scripts this command came from (0 = top level).
    pub depth: u16,
    /// Wrapper words removed so that `words[0]` is the real program (`sudo -E`, `env`,
    /// `nohup`, and `bash -c` for commands of an inner script).
    pub prefixes: ThinVec<ShellWord>,
    pub redirects: ThinVec<Redirect>,
    pub connector: Connector,
    /// Options in effect when the command runs, as far as the script itself sets them.
    pub options: ShellOptions,
    /// Whether the command runs inside a command or process substitution (`$(…)`, `` `…` ``, `<(…)`).
    pub in_substitution: bool,
}

impl SimpleCommand {
    /// Rewrite every byte range the command holds (its own, its words', prefixes',
    /// assignments' and redirects'), e.g. from script offsets to source offsets.
    pub fn map_ranges(&mut self, f: &dyn Fn(&Range<usize>) -> Range<usize>) {
        self.range = f(&self.range.range()).into();
        for w in self.words.iter_mut().chain(self.prefixes.iter_mut()) {
            w.range = f(&w.range.range()).into();
        }
        for a in &mut self.assignments {
            a.range = f(&a.range);
        }
        for r in &mut self.redirects {
            r.range = f(&r.range);
            if let Some(t) = &mut r.target {
                t.range = f(&t.range.range()).into();
            }
        }
    }

    /// Give back spare capacity: scripts of many short commands keep thousands of these.
    pub fn shrink_to_fit(&mut self) {
        self.assignments.shrink_to_fit();
        self.words.shrink_to_fit();
        self.prefixes.shrink_to_fit();
        self.redirects.shrink_to_fit();
    }
}

impl SimpleCommand {
    /// An exec-form command (`RUN ["apt-get", "install", "x"]`): words only.
    pub fn from_words(words: Vec<ShellWord>) -> Self {
        SimpleCommand {
            words,
            ..SimpleCommand::default()
        }
    }

    /// The program name without any directory (`/usr/bin/apt-get` → `apt-get`).
    pub fn program(&self) -> Option<&str> {
        self.words
            .first()
            .map(|w| w.value.rsplit('/').next().unwrap_or(&w.value))
    }

    /// Word values after the program.
    pub fn args(&self) -> impl Iterator<Item = &str> {
        self.words.iter().skip(1).map(|w| w.value.as_str())
    }

    /// Whether a wrapper with this name (`sudo`, `nohup`, …) was removed in front of the program.
    pub fn has_prefix(&self, name: &str) -> bool {
        self.prefixes
            .iter()
            .any(|w| w.value.rsplit('/').next() == Some(name))
    }
}

/// The simple commands of a shell script, in the order they run.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    /// Commands of the script, those of compound-command bodies, of `sh -c` scripts
    /// (with `depth` > 0) and of command substitutions (before the command using them).
    pub commands: Vec<SimpleCommand>,
    /// Options in effect at the end of the top-level script.
    pub set_options: ShellOptions,
    /// Whether some of the text could not be analysed (an unterminated quote, substitution
    /// or here-document, an unbalanced parenthesis, or nesting past the limits): the
    /// commands are a best effort.
    pub unparsed: bool,
}

impl Script {
    /// Commands whose program is `name` (compared without directory).
    pub fn commands_running<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = &'a SimpleCommand> + 'a {
        self.commands
            .iter()
            .filter(move |c| c.program() == Some(name))
    }
}

/// Splits a POSIX shell script into simple commands; never fails.
pub fn analyze(script: &str) -> Script {
    parser::analyze(script)
}

/// Whether a program (`/bin/bash`, `sh`) or shebang (`#!/usr/bin/env bash`,
/// `/bin/busybox sh`) names a POSIX-style shell whose scripts [`analyze`] understands.
pub fn is_posix_shell(program_or_shebang: &str) -> bool {
    let mut tokens = interpreter_tokens(program_or_shebang);
    let Some(mut name) = tokens.next().map(basename) else {
        return false;
    };
    if name == "env" {
        // `/usr/bin/env -S bash -e`: skip env's options and assignments.
        match tokens.find(|t| !t.starts_with('-') && !t.contains('=')) {
            Some(t) => name = basename(t),
            None => return false,
        }
    }
    if name == "busybox" {
        match tokens.next() {
            Some(t) => name = basename(t),
            None => return false,
        }
    }
    wrappers::is_posix_shell_name(name)
}

/// Whether a program or shebang names a Windows shell (`cmd`, `cmd.exe`, `powershell`, `pwsh`),
/// whose RUN text is not POSIX shell.
pub fn is_windows_shell(program_or_shebang: &str) -> bool {
    let text = program_or_shebang.trim();
    let text = text.strip_prefix("#!").unwrap_or(text).trim();
    // A Windows path may contain spaces (`C:\Program Files\PowerShell\7\pwsh.exe`), so the
    // whole text is tried before its first word.
    let first = text.split_whitespace().next().unwrap_or("");
    [text, first].into_iter().any(|candidate| {
        let name = candidate
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or(candidate)
            .to_ascii_lowercase();
        let name = name.strip_suffix(".exe").unwrap_or(&name);
        matches!(name, "cmd" | "powershell" | "pwsh")
    })
}

fn interpreter_tokens(text: &str) -> std::str::SplitWhitespace<'_> {
    let text = text.trim();
    text.strip_prefix("#!").unwrap_or(text).split_whitespace()
}

fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}
