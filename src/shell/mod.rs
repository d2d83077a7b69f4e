//! Shell analysis of RUN commands: scripts split into simple commands with spans.

use std::ops::Range;

/// One word of a simple command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShellWord {
    /// The word after quote removal; parameter expansions (`$VAR`, `${VAR}`) and
    /// command substitutions are kept as written.
    pub value: String,
    /// Byte range of the word as written, relative to the analysed text.
    pub range: Range<usize>,
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

/// A simple command: assignments, then words (`words[0]` is the program).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimpleCommand {
    pub assignments: Vec<Assignment>,
    pub words: Vec<ShellWord>,
    /// Byte range from the first assignment or word to the end of the last word.
    pub range: Range<usize>,
    /// Nesting depth of `sh -c`/`bash -c` scripts this command came from (0 = top level).
    pub depth: usize,
}

impl SimpleCommand {
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
}
