//! Words that wrap the real program (`sudo`, `env A=b`, `nohup`, `sh -c '…'`), assignments,
//! and `set` options.

use super::lexer::Word;
use super::{basename, Assignment, ShellOptions};

/// Shells whose `-c` scripts and scripts we analyse as POSIX shell.
pub(super) fn is_posix_shell_name(name: &str) -> bool {
    matches!(
        name,
        "sh" | "bash"
            | "dash"
            | "ash"
            | "zsh"
            | "ksh"
            | "ksh93"
            | "mksh"
            | "pdksh"
            | "lksh"
            | "yash"
            | "posh"
    )
}

/// `NAME=value` (also `NAME+=value` and `NAME[i]=value`) written without quotes before the `=`.
pub(super) fn assignment(word: &Word, text: &str) -> Option<Assignment> {
    let raw = text.get(word.range.clone())?.as_bytes();
    let mut i = 0;
    match raw.first() {
        Some(&b) if b.is_ascii_alphabetic() || b == b'_' => {}
        _ => return None,
    }
    while raw
        .get(i)
        .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_')
    {
        i += 1;
    }
    if raw.get(i) == Some(&b'[') {
        i += raw.get(i..)?.iter().position(|&b| b == b']')? + 1;
    }
    let name_end = i;
    if raw.get(i) == Some(&b'+') {
        i += 1;
    }
    if raw.get(i) != Some(&b'=') {
        return None;
    }
    let name = text.get(word.range.start..word.range.start + name_end)?;
    // The prefix is plain text, so the value follows it unchanged unless a subscript was quoted.
    let prefix = text.get(word.range.start..word.range.start + i + 1)?;
    let value = match word.value.strip_prefix(prefix) {
        Some(v) => v,
        None => word.value.split_once('=').map_or("", |(_, v)| v),
    };
    Some(Assignment {
        name: name.to_string(),
        value: value.to_string(),
        range: word.range.clone(),
    })
}

/// How a wrapper command reads its arguments before the command it runs.
struct WrapperSpec {
    /// Short options that take an argument (`-u user`).
    short_with_arg: &'static [u8],
    /// Long options that take an argument as the next word (`--user user`).
    long_with_arg: &'static [&'static str],
    /// Options that mean the wrapper runs no command (`command -v x`, `sudo -l`).
    runs_nothing: &'static [&'static str],
    /// Operands before the command (`timeout 10 cmd`, `gosu user cmd`).
    operands: usize,
    /// Whether `NAME=value` words before the command set its environment (`env`, `sudo`).
    assignments: bool,
}

fn wrapper_spec(name: &str) -> Option<WrapperSpec> {
    let spec = |short_with_arg, long_with_arg, runs_nothing, operands, assignments| WrapperSpec {
        short_with_arg,
        long_with_arg,
        runs_nothing,
        operands,
        assignments,
    };
    Some(match name {
        "sudo" | "doas" => spec(
            b"ugpCDrtUTRh",
            &[
                "user",
                "group",
                "prompt",
                "close-from",
                "chdir",
                "role",
                "type",
                "other-user",
                "command-timeout",
                "host",
                "chroot",
            ],
            &[
                "-l",
                "-v",
                "-V",
                "-K",
                "-e",
                "--list",
                "--validate",
                "--version",
                "--help",
                "--edit",
            ],
            0,
            true,
        ),
        "env" => spec(
            b"uCS",
            &["unset", "chdir", "split-string"],
            &["--help", "--version"],
            0,
            true,
        ),
        "exec" => spec(b"a", &[], &[], 0, false),
        "nohup" | "eatmydata" => spec(b"", &[], &["--help", "--version"], 0, false),
        "time" => spec(
            b"fo",
            &["format", "output"],
            &["--help", "--version"],
            0,
            false,
        ),
        "command" => spec(b"", &[], &["-v", "-V", "-pv", "-pV"], 0, false),
        "nice" => spec(b"n", &["adjustment"], &["--help", "--version"], 0, false),
        "timeout" => spec(
            b"sk",
            &["signal", "kill-after"],
            &["--help", "--version"],
            1,
            false,
        ),
        "stdbuf" => spec(
            b"ioe",
            &["input", "output", "error"],
            &["--help", "--version"],
            0,
            false,
        ),
        "gosu" | "su-exec" => spec(b"", &[], &["--help", "--version"], 1, false),
        _ => return None,
    })
}

/// Index of the first word after the leading wrappers (`sudo -E env A=b nohup apt-get …`
/// gives the index of `apt-get`). Assignments given through `env` or `sudo` are appended to
/// `assignments`. A wrapper that runs nothing (`env` alone, `command -v x`) is the program.
pub(super) fn strip_wrappers(
    words: &[Word],
    text: &str,
    assignments: &mut Vec<Assignment>,
) -> usize {
    let mut program = 0;
    while let Some(word) = words.get(program) {
        if word.has_expansion {
            break;
        }
        let Some(spec) = wrapper_spec(basename(&word.value)) else {
            break;
        };
        let Some((next, found)) = skip_wrapper_arguments(words, program + 1, &spec, text) else {
            break;
        };
        if next >= words.len() {
            break;
        }
        assignments.extend(found);
        program = next;
    }
    program
}

fn skip_wrapper_arguments(
    words: &[Word],
    mut i: usize,
    spec: &WrapperSpec,
    text: &str,
) -> Option<(usize, Vec<Assignment>)> {
    while let Some(word) = words.get(i) {
        let v = word.value.as_str();
        if spec.runs_nothing.contains(&v) {
            return None;
        }
        if v == "--" {
            i += 1;
            break;
        }
        if let Some(long) = v.strip_prefix("--") {
            let takes_next = !long.contains('=') && spec.long_with_arg.contains(&long);
            i += 1 + usize::from(takes_next);
        } else if let Some(cluster) = v.strip_prefix('-').filter(|c| !c.is_empty()) {
            // In `-u user` or `-Eu user` the option's argument is the next word; in `-uuser`
            // it is the rest of the cluster.
            let takes_next = cluster
                .bytes()
                .position(|b| spec.short_with_arg.contains(&b))
                .is_some_and(|at| at + 1 == cluster.len());
            i += 1 + usize::from(takes_next);
        } else {
            break;
        }
    }
    i += spec.operands;
    let mut found = Vec::new();
    if spec.assignments {
        while let Some(a) = words.get(i).and_then(|w| assignment(w, text)) {
            found.push(a);
            i += 1;
        }
    }
    Some((i, found))
}

/// `sh -c 'script'`, `/bin/bash -o pipefail -ec "…"`, `busybox sh -c …`: the index of the
/// script word and the options the flags set.
pub(super) fn shell_script(words: &[Word]) -> Option<(usize, ShellOptions)> {
    let first = words.first()?;
    if first.has_expansion {
        return None;
    }
    let mut name = basename(&first.value);
    let mut i = 1;
    if name == "busybox" {
        name = basename(&words.get(1)?.value);
        i = 2;
    }
    if !is_posix_shell_name(name) {
        return None;
    }
    let mut runs_string = false;
    let mut options = ShellOptions::default();
    while let Some(word) = words.get(i) {
        let v = word.value.as_str();
        if v == "--" || v == "-" {
            i += 1;
            break;
        }
        if let Some(long) = v.strip_prefix("--") {
            i += 1 + usize::from(matches!(long, "rcfile" | "init-file"));
            continue;
        }
        let on = v.starts_with('-');
        if !(on || v.starts_with('+')) || v.len() < 2 {
            break;
        }
        i += 1;
        for flag in v.bytes().skip(1) {
            match flag {
                b'c' if on => runs_string = true,
                b'o' => {
                    if let Some(option) = words.get(i) {
                        set_named_option(&mut options, &option.value, on);
                        i += 1;
                    }
                }
                // `-O extglob`: a shopt name follows.
                b'O' => i += 1,
                _ => set_flag(&mut options, flag, on),
            }
        }
    }
    if !runs_string || i >= words.len() {
        return None;
    }
    Some((i, options))
}

/// Updates `options` from the arguments of a `set` command (`-eux`, `-o pipefail`, `+e`).
pub(super) fn apply_set(args: &[Word], options: &mut ShellOptions) {
    let mut i = 0;
    while let Some(word) = args.get(i) {
        let v = word.value.as_str();
        let on = v.starts_with('-');
        if v == "--" || v == "-" || !(on || v.starts_with('+')) || v.len() < 2 {
            break;
        }
        i += 1;
        for flag in v.bytes().skip(1) {
            if flag == b'o' {
                if let Some(option) = args.get(i) {
                    set_named_option(options, &option.value, on);
                    i += 1;
                }
            } else {
                set_flag(options, flag, on);
            }
        }
    }
}

fn set_flag(options: &mut ShellOptions, flag: u8, on: bool) {
    match flag {
        b'e' => options.errexit = Some(on),
        b'u' => options.nounset = Some(on),
        b'x' => options.xtrace = Some(on),
        _ => {}
    }
}

fn set_named_option(options: &mut ShellOptions, name: &str, on: bool) {
    match name {
        "errexit" => options.errexit = Some(on),
        "nounset" => options.nounset = Some(on),
        "xtrace" => options.xtrace = Some(on),
        "pipefail" => options.pipefail = Some(on),
        _ => {}
    }
}
