use super::*;

/// Word values of each command.
fn commands(script: &str) -> Vec<Vec<String>> {
    analyze(script)
        .commands
        .iter()
        .map(|c| c.words.iter().map(|w| w.value.to_string()).collect())
        .collect()
}

fn programs(script: &str) -> Vec<String> {
    analyze(script)
        .commands
        .iter()
        .map(|c| c.program().unwrap_or("").to_string())
        .collect()
}

fn only(script: &str) -> SimpleCommand {
    let mut result = analyze(script).commands;
    assert_eq!(result.len(), 1, "{script:?} gave {result:#?}");
    result.remove(0)
}

fn values(words: &[ShellWord]) -> Vec<&str> {
    words.iter().map(|w| w.value.as_str()).collect()
}

fn raw<'a>(script: &'a str, range: &Range<usize>) -> &'a str {
    &script[range.clone()]
}

// Lists and separators

#[test]
fn splits_and_lists() {
    let script = "apt-get update && apt-get install -y curl || exit 1; echo a | tee b & wait\nls";
    assert_eq!(
        commands(script),
        [
            vec!["apt-get", "update"],
            vec!["apt-get", "install", "-y", "curl"],
            vec!["exit", "1"],
            vec!["echo", "a"],
            vec!["tee", "b"],
            vec!["wait"],
            vec!["ls"],
        ]
    );
}

#[test]
fn records_the_connector_before_each_command() {
    let script = "a && b || c; d | e |& f & g\nh";
    let connectors: Vec<Connector> = analyze(script)
        .commands
        .iter()
        .map(|c| c.connector)
        .collect();
    use Connector::*;
    assert_eq!(
        connectors,
        [Start, And, Or, Sequence, Pipe, Pipe, Background, Sequence]
    );
}

#[test]
fn finds_commands_in_subshells_and_groups() {
    let script = "(cd /src && make) && { echo a; echo b; } || ( ( true ) )";
    assert_eq!(programs(script), ["cd", "make", "echo", "echo", "true"]);
    assert!(!analyze(script).unparsed);
}

#[test]
fn skips_if_keywords() {
    let script = "if [ -f x ]; then echo y; elif test -d z; then rm z; else touch x; fi && ls";
    assert_eq!(programs(script), ["[", "echo", "test", "rm", "touch", "ls"]);
}

#[test]
fn reserved_words_count_only_where_a_command_starts() {
    assert_eq!(
        commands("echo if then fi done {"),
        [vec!["echo", "if", "then", "fi", "done", "{"]]
    );
    assert_eq!(programs("'if' x"), ["if"]);
}

#[test]
fn for_loops_yield_their_body_not_their_word_list() {
    assert_eq!(
        commands("for p in curl git; do apt-get install -y \"$p\"; done"),
        [vec!["apt-get", "install", "-y", "$p"]]
    );
    assert_eq!(programs("for f\ndo\n  rm \"$f\"\ndone"), ["rm"]);
    assert_eq!(
        programs("for ((i = 0; i < 3; i++)); do echo $i; done"),
        ["echo"]
    );
    assert_eq!(programs("select x in a b\ndo break; done"), ["break"]);
}

#[test]
fn while_and_until_loops_yield_condition_and_body() {
    assert_eq!(
        programs("while read -r line; do echo \"$line\"; done < list.txt | sort"),
        ["read", "echo", "sort"]
    );
    assert_eq!(
        programs("until curl -f localhost; do sleep 1; done"),
        ["curl", "sleep"]
    );
}

#[test]
fn case_items_yield_their_commands_not_their_patterns() {
    let script = "case \"$(uname -m)\" in\n  x86_64|amd64) ARCH=x64 ;;\n  (arm64) ARCH=arm64; echo arm ;;\n  *) exit 1 ;;\nesac && echo done";
    let result = analyze(script);
    let summary: Vec<(Vec<&str>, Vec<&str>)> = result
        .commands
        .iter()
        .map(|c| {
            (
                c.assignments.iter().map(|a| a.name.as_str()).collect(),
                values(&c.words),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (vec![], vec!["uname", "-m"]),
            (vec!["ARCH"], vec![]),
            (vec!["ARCH"], vec![]),
            (vec![], vec!["echo", "arm"]),
            (vec![], vec!["exit", "1"]),
            (vec![], vec!["echo", "done"]),
        ]
    );
    assert!(!result.unparsed);
}

#[test]
fn case_inside_a_subshell_and_a_subshell_inside_case() {
    let script = "(case $x in a) (ls) ;; esac) && pwd";
    assert_eq!(programs(script), ["ls", "pwd"]);
    assert!(!analyze(script).unparsed);
}

#[test]
fn function_definitions_yield_their_body() {
    assert_eq!(
        programs("install_deps() { apt-get update; }; install_deps"),
        ["apt-get", "install_deps"]
    );
    assert_eq!(
        programs("function cleanup { rm -rf /tmp/x; }\ncleanup"),
        ["rm", "cleanup"]
    );
    assert_eq!(programs("function f() ( ls )"), ["ls"]);
}

#[test]
fn double_brackets_keep_their_operators_as_words() {
    let script = "[[ -f a && ( -n \"$b\" || $c < d ) ]] && echo ok";
    assert_eq!(
        commands(script),
        [
            vec!["[[", "-f", "a", "&&", "(", "-n", "$b", "||", "$c", "<", "d", ")", "]]"],
            vec!["echo", "ok"],
        ]
    );
}

#[test]
fn arithmetic_commands_are_not_simple_commands() {
    assert_eq!(programs("(( n++ )) && echo $(( n * 2 ))"), ["echo"]);
}

#[test]
fn comments_end_at_the_line() {
    assert_eq!(
        programs("apt-get update # && rm -rf /\nls # done"),
        ["apt-get", "ls"]
    );
    assert_eq!(commands("echo a#b"), [vec!["echo", "a#b"]]);
}

// Quoting

#[test]
fn removes_single_and_double_quotes() {
    let script = r#"echo 'a  b' "c \"d\" \$e \\ \x" f'g'"h""#;
    assert_eq!(
        commands(script),
        [vec!["echo", "a  b", r#"c "d" $e \ \x"#, "fgh"]]
    );
}

#[test]
fn decodes_ansi_c_strings() {
    let command = only(r"printf $'a\tb\n\x41\101\'' $'\q'");
    assert_eq!(values(&command.words), ["printf", "a\tb\nAA'", "\\q"]);
    assert!(!command.words[1].has_expansion);
}

#[test]
fn backslash_escapes_and_continuations() {
    assert_eq!(
        commands(r"echo a\ b \$HOME \\"),
        [vec!["echo", "a b", "$HOME", "\\"]]
    );
    assert_eq!(
        commands("apt-get install -y \\\n    curl \\\n    git"),
        [vec!["apt-get", "install", "-y", "curl", "git"]]
    );
    // A continuation inside a word joins its halves.
    assert_eq!(commands("ec\\\nho hi"), [vec!["echo", "hi"]]);
}

#[test]
fn tolerates_blanks_after_a_continuation_backslash() {
    assert_eq!(
        commands("apt-get update \\ \n    && apt-get install -y curl \\\t\n    git"),
        [
            vec!["apt-get", "update"],
            vec!["apt-get", "install", "-y", "curl", "git"]
        ]
    );
}

#[test]
fn keeps_expansions_as_written() {
    let result = analyze("echo $HOME ${A:-\"b c\"} $(date +%s) `id -u` \"$x/y\" $1 plain");
    let command = &result.commands[2];
    assert_eq!(
        values(&command.words),
        [
            "echo",
            "$HOME",
            "${A:-\"b c\"}",
            "$(date +%s)",
            "`id -u`",
            "$x/y",
            "$1",
            "plain"
        ]
    );
    let flags: Vec<bool> = command.words.iter().map(|w| w.has_expansion).collect();
    assert_eq!(flags, [false, true, true, true, true, true, true, false]);
}

#[test]
fn lists_commands_of_substitutions_before_the_command_using_them() {
    let result = analyze("tar -xf \"$(curl -fsSL https://x | grep tgz)\" && ls `pwd`");
    let summary: Vec<(&str, bool)> = result
        .commands
        .iter()
        .map(|c| (c.program().unwrap_or(""), c.in_substitution))
        .collect();
    assert_eq!(
        summary,
        [
            ("curl", true),
            ("grep", true),
            ("tar", false),
            ("pwd", true),
            ("ls", false)
        ]
    );
    assert_eq!(result.commands[0].depth, 0);
}

#[test]
fn substitution_bodies_may_contain_quotes_and_parentheses() {
    let script = r#"echo "$(echo ")" ; echo '(' )" && ls"#;
    assert_eq!(programs(script), ["echo", "echo", "echo", "ls"]);
    assert!(!analyze(script).unparsed);
}

#[test]
fn process_substitutions_are_words_with_commands_inside() {
    let result = analyze("diff <(sort a) <(sort b) > out");
    assert_eq!(
        programs("diff <(sort a) <(sort b) > out"),
        ["sort", "sort", "diff"]
    );
    let diff = &result.commands[2];
    assert_eq!(values(&diff.words), ["diff", "<(sort a)", "<(sort b)"]);
    assert_eq!(diff.redirects.len(), 1);
}

#[test]
fn arrays_and_extended_globs_stay_one_word() {
    let command = only("PKGS=(curl \"git lfs\") rm -rf !(keep) @(a|b)");
    assert_eq!(command.assignments[0].value, "(curl \"git lfs\")");
    assert_eq!(values(&command.words), ["rm", "-rf", "!(keep)", "@(a|b)"]);
}

// Assignments

#[test]
fn keeps_env_prefix_as_assignment() {
    let script = "DEBIAN_FRONTEND=noninteractive TZ='Etc/UTC' apt-get install -y tzdata";
    let command = only(script);
    let pairs: Vec<(&str, &str)> = command
        .assignments
        .iter()
        .map(|a| (a.name.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [("DEBIAN_FRONTEND", "noninteractive"), ("TZ", "Etc/UTC")]
    );
    assert_eq!(raw(script, &command.assignments[1].range), "TZ='Etc/UTC'");
    assert_eq!(
        values(&command.words),
        ["apt-get", "install", "-y", "tzdata"]
    );
    assert_eq!(raw(script, &command.range.range()), script);
}

#[test]
fn bare_assignments_are_commands_without_words() {
    let result = analyze("A=1 B+=2 C[0]=x; arch=\"$(dpkg --print-architecture)\"");
    assert_eq!(result.commands.len(), 3);
    let names: Vec<&str> = result.commands[0]
        .assignments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["A", "B", "C[0]"]);
    assert!(result.commands[0].words.is_empty());
    assert_eq!(result.commands[1].program(), Some("dpkg"));
    assert_eq!(
        result.commands[2].assignments[0].value,
        "$(dpkg --print-architecture)"
    );
}

#[test]
fn assignments_after_the_program_are_words() {
    let command = only("export PATH=/opt/bin:$PATH A=b");
    assert!(command.assignments.is_empty());
    assert_eq!(
        values(&command.words),
        ["export", "PATH=/opt/bin:$PATH", "A=b"]
    );
    assert_eq!(commands("make CC=gcc"), [vec!["make", "CC=gcc"]]);
    // A quoted name is not an assignment.
    assert_eq!(commands("\"A\"=b"), [vec!["A=b"]]);
}

// Redirections

#[test]
fn redirections_are_not_words() {
    let script = "2>/dev/null apt-get update >> log 2>&1 < /dev/null &>/dev/null {fd}>&- >|f";
    let command = only(script);
    assert_eq!(values(&command.words), ["apt-get", "update"]);
    let redirects: Vec<(Option<&str>, &str, Option<&str>)> = command
        .redirects
        .iter()
        .map(|r| {
            (
                r.fd.as_deref(),
                r.op.as_str(),
                r.target.as_ref().map(|t| t.value.as_str()),
            )
        })
        .collect();
    assert_eq!(
        redirects,
        [
            (Some("2"), ">", Some("/dev/null")),
            (None, ">>", Some("log")),
            (Some("2"), ">&", Some("1")),
            (None, "<", Some("/dev/null")),
            (None, "&>", Some("/dev/null")),
            (Some("{fd}"), ">&", Some("-")),
            (None, ">|", Some("f")),
        ]
    );
    assert_eq!(raw(script, &command.redirects[2].range), "2>&1");
    assert_eq!(raw(script, &command.range.range()), script);
}

#[test]
fn skips_here_document_bodies() {
    let script = "cat <<EOF > /etc/apt/sources.list && apt-get update\ndeb http://x stable main\nrm -rf / ; ( \"\nEOF\napt-get install -y curl";
    assert_eq!(programs(script), ["cat", "apt-get", "apt-get"]);
    let result = analyze(script);
    assert!(!result.unparsed);
    let cat = &result.commands[0];
    assert_eq!(cat.redirects[0].op, "<<");
    assert_eq!(
        cat.redirects[0].target.as_ref().map(|t| t.value.as_str()),
        Some("EOF")
    );
}

#[test]
fn here_documents_with_quoted_and_tab_stripped_delimiters() {
    let script =
        "cat <<-'END' | sh\n\techo $HOME\n\tEND\ncat << \"A B\" >x; cat <<C\none\nA B\ntwo\nC\nls";
    assert_eq!(programs(script), ["cat", "sh", "cat", "cat", "ls"]);
    assert!(!analyze(script).unparsed);
}

#[test]
fn here_strings_are_redirections() {
    let command = only("grep -q x <<< \"$list\"");
    assert_eq!(values(&command.words), ["grep", "-q", "x"]);
    assert_eq!(command.redirects[0].op, "<<<");
}

// Wrappers

#[test]
fn unwraps_sh_c() {
    let script = "sh -c 'apt-get update && apt-get install -y curl'";
    let result = analyze(script);
    assert_eq!(
        commands(script),
        [
            vec!["apt-get", "update"],
            vec!["apt-get", "install", "-y", "curl"]
        ]
    );
    for command in &result.commands {
        assert_eq!(command.depth, 1);
        assert_eq!(values(&command.prefixes), ["sh", "-c"]);
    }
    let install = &result.commands[1];
    assert_eq!(raw(script, &install.words[3].range.range()), "curl");
    assert_eq!(
        raw(script, &install.range.range()),
        "apt-get install -y curl"
    );
    assert_eq!(install.connector, Connector::And);
}

#[test]
fn unwraps_shells_with_options_before_c() {
    for script in [
        "/bin/sh -ec 'npm ci'",
        "bash -o pipefail -c \"npm ci\"",
        "bash --norc -eux -o pipefail -c 'npm ci' bash arg",
        "busybox sh -c 'npm ci'",
        "dash -c -- 'npm ci'",
    ] {
        let command = only(script);
        assert_eq!(values(&command.words), ["npm", "ci"], "{script}");
        assert_eq!(command.depth, 1, "{script}");
        assert_eq!(
            raw(script, &command.words[1].range.range()),
            "ci",
            "{script}"
        );
    }
    let command = only("bash -euo pipefail -c 'npm ci'");
    assert_eq!(command.options.pipefail, Some(true));
    assert_eq!(command.options.errexit, Some(true));
    assert_eq!(command.options.xtrace, Some(false));
}

#[test]
fn leaves_shells_whose_script_is_one_expansion() {
    let script = "bash -c \"$(curl -fsSL https://x/install.sh)\" && sh -c \"$CMD\"";
    assert_eq!(
        commands(script),
        [
            vec!["curl", "-fsSL", "https://x/install.sh"],
            vec!["bash", "-c", "$(curl -fsSL https://x/install.sh)"],
            vec!["sh", "-c", "$CMD"],
        ]
    );
}

#[test]
fn substitutions_expanded_by_the_outer_shell_are_listed_once() {
    assert_eq!(programs("sh -c \"tar -xf $(ls *.tgz)\""), ["ls", "tar"]);
    let result = analyze("sh -c 'tar -xf $(ls *.tgz)'");
    let summary: Vec<(&str, u16, bool)> = result
        .commands
        .iter()
        .map(|c| (c.program().unwrap_or(""), c.depth, c.in_substitution))
        .collect();
    assert_eq!(summary, [("ls", 1, true), ("tar", 1, false)]);
}

#[test]
fn leaves_shells_that_run_a_file_or_stdin() {
    assert_eq!(
        commands("bash -x install.sh"),
        [vec!["bash", "-x", "install.sh"]]
    );
    assert_eq!(
        programs("curl -fsSL https://get.x | sh -s -- -y"),
        ["curl", "sh"]
    );
    assert_eq!(
        commands("python -c 'import x'"),
        [vec!["python", "-c", "import x"]]
    );
}

#[test]
fn maps_ranges_of_escaped_sh_c_scripts_back() {
    let script = r#"bash -c "echo \"a b\" && apt-get install -y \$PKG curl""#;
    let result = analyze(script);
    assert_eq!(
        commands(script),
        [
            vec!["echo", "a b"],
            vec!["apt-get", "install", "-y", "$PKG", "curl"]
        ]
    );
    let install = &result.commands[1];
    assert_eq!(raw(script, &install.words[0].range.range()), "apt-get");
    assert_eq!(raw(script, &install.words[4].range.range()), "curl");
    assert_eq!(raw(script, &install.words[3].range.range()), r"\$PKG");
    assert_eq!(
        raw(script, &result.commands[0].words[1].range.range()),
        r#"\"a b\""#
    );
}

#[test]
fn unwraps_nested_sh_c() {
    let script = r#"sudo sh -c "bash -c 'apt-get update'""#;
    let command = only(script);
    assert_eq!(values(&command.words), ["apt-get", "update"]);
    assert_eq!(command.depth, 2);
    assert_eq!(
        values(&command.prefixes),
        ["sudo", "sh", "-c", "bash", "-c"]
    );
    assert!(command.has_prefix("sudo"));
    assert_eq!(raw(script, &command.words[1].range.range()), "update");
}

#[test]
fn inner_scripts_inherit_the_environment_of_the_shell_command() {
    let command = only("DEBIAN_FRONTEND=noninteractive sh -c 'TZ=UTC apt-get install -y tzdata'");
    let names: Vec<&str> = command
        .assignments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["TZ", "DEBIAN_FRONTEND"]);
}

#[test]
fn strips_wrapper_prefixes() {
    for (script, program) in [
        ("sudo apt-get update", "apt-get"),
        ("sudo -E -u root -H apt-get update", "apt-get"),
        ("sudo --user=root --preserve-env apt-get update", "apt-get"),
        ("/usr/bin/sudo -- apt-get update", "apt-get"),
        ("nohup ./server", "./server"),
        ("exec gosu app node index.js", "node"),
        ("time -p make", "make"),
        ("command -p apt-get update", "apt-get"),
        ("eatmydata apt-get install -y x", "apt-get"),
        ("nice -n 10 make", "make"),
        ("timeout -s KILL 60 curl x", "curl"),
        ("sudo -E env PATH=$PATH nice make", "make"),
    ] {
        let command = only(script);
        assert_eq!(command.words[0].value, program, "{script}");
        let mut written: Vec<&str> = command
            .prefixes
            .iter()
            .map(|w| raw(script, &w.range.range()))
            .collect();
        written.extend(command.assignments.iter().map(|a| raw(script, &a.range)));
        written.extend(command.words.iter().map(|w| raw(script, &w.range.range())));
        written.sort_by_key(|w| script.find(w));
        assert_eq!(written.join(" "), script, "{script}");
    }
}

#[test]
fn keeps_env_assignments_of_wrappers_as_assignments() {
    let command = only("env -u HOME DEBIAN_FRONTEND=noninteractive apt-get install -y x");
    assert_eq!(command.program(), Some("apt-get"));
    assert_eq!(command.assignments.len(), 1);
    assert_eq!(command.assignments[0].name, "DEBIAN_FRONTEND");
    assert_eq!(values(&command.prefixes), ["env", "-u", "HOME"]);
    let command = only("sudo A=1 make");
    assert_eq!(
        (command.program(), command.assignments.len()),
        (Some("make"), 1)
    );
}

#[test]
fn keeps_wrappers_that_run_nothing() {
    assert_eq!(programs("env"), ["env"]);
    assert_eq!(programs("command -v curl"), ["command"]);
    assert_eq!(programs("sudo -l"), ["sudo"]);
    assert_eq!(programs("env A=b"), ["env"]);
    assert_eq!(programs("$SUDO apt-get update"), ["$SUDO"]);
}

#[test]
fn leaves_xargs_alone() {
    assert_eq!(
        programs("find . -name '*.pyc' | xargs rm -f"),
        ["find", "xargs"]
    );
}

// Options

#[test]
fn set_is_a_command_and_its_options_are_tracked() {
    let script = "set -eux; curl x | tar -x; set +e -o pipefail; make; set +o pipefail";
    let result = analyze(script);
    assert_eq!(
        programs(script),
        ["set", "curl", "tar", "set", "make", "set"]
    );
    let at = |i: usize| result.commands[i].options;
    assert_eq!(at(0), ShellOptions::default());
    assert_eq!(
        (at(1).errexit, at(1).xtrace, at(1).pipefail),
        (Some(true), Some(true), None)
    );
    assert_eq!((at(4).errexit, at(4).pipefail), (Some(false), Some(true)));
    assert_eq!(result.set_options.pipefail, Some(false));
    assert_eq!(result.set_options.nounset, Some(true));
}

#[test]
fn subshells_do_not_leak_options() {
    let result = analyze("(set -o pipefail; a | b) && c | d");
    assert_eq!(result.commands[1].options.pipefail, Some(true));
    assert_eq!(result.commands[3].options.pipefail, None);
    assert_eq!(result.set_options.pipefail, None);
}

// Ranges

#[test]
fn word_ranges_cover_the_word_as_written() {
    let script = "echo  'a b'\"c\"d \\$x ${y} \"$(date)\" ümlaut";
    let result = analyze(script);
    let command = &result.commands[1];
    let written: Vec<&str> = command
        .words
        .iter()
        .map(|w| raw(script, &w.range.range()))
        .collect();
    assert_eq!(
        written,
        [
            "echo",
            "'a b'\"c\"d",
            "\\$x",
            "${y}",
            "\"$(date)\"",
            "ümlaut"
        ]
    );
    assert_eq!(raw(script, &command.words[1].range.range()), "'a b'\"c\"d");
}

#[test]
fn command_ranges_cover_wrappers_and_redirections() {
    let script = "  sudo -E apt-get update > /dev/null ; ls";
    let command = &analyze(script).commands[0];
    assert_eq!(
        raw(script, &command.range.range()),
        "sudo -E apt-get update > /dev/null"
    );
}

#[test]
fn handles_crlf_line_endings() {
    assert_eq!(
        commands("apt-get update \\\r\n  && apt-get install -y git\r\nls\r\n"),
        [
            vec!["apt-get", "update"],
            vec!["apt-get", "install", "-y", "git"],
            vec!["ls"]
        ]
    );
}

// Tolerance

#[test]
fn unterminated_quotes_run_to_the_end() {
    let result = analyze("apt-get update && echo 'unbalanced && rm -rf /");
    assert!(result.unparsed);
    assert_eq!(
        commands("apt-get update && echo 'unbalanced && rm -rf /"),
        [
            vec!["apt-get", "update"],
            vec!["echo", "unbalanced && rm -rf /"]
        ]
    );
    assert!(analyze("echo \"$(ls").unparsed);
    assert!(analyze("echo ${a").unparsed);
    assert!(analyze("echo `ls").unparsed);
    assert!(analyze("cat <<EOF\nno end").unparsed);
}

#[test]
fn tolerates_broken_structure() {
    assert_eq!(programs("apt-get update &&"), ["apt-get"]);
    assert_eq!(programs("&& ls ;; ) fi done"), ["ls"]);
    assert!(analyze("ls )").unparsed);
    assert!(analyze("( ls").unparsed);
    assert!(!analyze("apt-get update &&").unparsed);
    assert_eq!(
        programs("echo {{ .Values.x }} && {% if a %}ls{% endif %}"),
        ["echo", "{%"]
    );
}

#[test]
fn analyses_windows_style_text_without_failing() {
    let result = analyze(
        "powershell -Command `\n $ErrorActionPreference = 'Stop'; `\n Write-Host $env:PATH; `",
    );
    assert!(result.unparsed);
    assert!(result.commands_running("powershell").next().is_some());
}

#[test]
fn never_panics_and_ranges_always_slice() {
    let alphabet: Vec<&str> = vec![
        " ", "\n", "\\", "'", "\"", "$", "(", ")", "{", "}", "`", ";", "&", "|", "<", ">", "<<",
        "EOF", "#", "a", "=", "sh", "-c", "ü", "€", "\t", "$(", "${", "$'", "[[", "]]", "case",
        "in", "esac", "if", "do", "done", "sudo", "env", "\r", "2", "-", "\\x", "((", "for",
    ];
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..3000 {
        let mut script = String::new();
        for _ in 0..(seed % 40) {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            script.push_str(alphabet[(seed % alphabet.len() as u64) as usize]);
        }
        let result = analyze(&script);
        for command in &result.commands {
            assert!(script.get(command.range.range()).is_some(), "{script:?}");
            let words = command.words.iter().chain(&command.prefixes);
            for word in words.chain(command.redirects.iter().filter_map(|r| r.target.as_ref())) {
                assert!(script.get(word.range.range()).is_some(), "{script:?}");
            }
            for assignment in &command.assignments {
                assert!(script.get(assignment.range.clone()).is_some(), "{script:?}");
            }
        }
        seed = seed.wrapping_add(1);
    }
}

#[test]
fn deep_nesting_is_bounded() {
    // Also on a small stack, as linter worker threads may have.
    let worker = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(check_deep_nesting)
        .expect("spawn a thread");
    assert!(worker.join().is_ok());
}

#[test]
fn unmatched_closers_cost_no_search() {
    let script = "case a in a) ".repeat(2_000) + &" ) esac".repeat(100_000);
    let result = analyze(&script);
    assert!(result.unparsed);
}

fn check_deep_nesting() {
    let depth = 100_000;
    let parens = format!("{}ls{}", "( ".repeat(depth), " )".repeat(depth));
    let result = analyze(&parens);
    assert_eq!(result.commands.len(), 1);
    assert!(result.unparsed, "more subshells than tracked");

    let substitutions = format!("echo {}ls{}", "$(".repeat(depth), ")".repeat(depth));
    let result = analyze(&substitutions);
    assert!(result.unparsed);
    assert_eq!(
        result.commands.last().and_then(|c| c.program()),
        Some("echo")
    );

    // Quoting grows fourfold per level, so a few levels past the limit are enough.
    let mut nested = "ls".to_string();
    for _ in 0..10 {
        nested = format!("sh -c {}", quote(&nested));
    }
    let result = analyze(&nested);
    assert!(result.unparsed);
    assert_eq!(result.commands.len(), 1);
    assert_eq!(result.commands[0].depth, 8);
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

#[test]
fn large_scripts_keep_every_command_below_the_limit() {
    // 50,000 installs, each with a substitution: 100,001 commands, under MAX_COMMANDS.
    let script = "apt-get install -y foo \"$(cat bar)\" 'baz' && ".repeat(50_000) + "true";
    let result = analyze(&script);
    assert_eq!(result.commands.len(), 100_001);
    assert!(!result.unparsed);
}

// Shell names

#[test]
fn recognises_posix_shells() {
    for shell in [
        "sh",
        "/bin/sh",
        "bash",
        "/usr/local/bin/bash",
        "dash",
        "ash",
        "zsh",
        "ksh",
        "#!/bin/bash -e",
        "#!/usr/bin/env bash",
        "/usr/bin/env -S bash -eu",
        "/bin/busybox sh",
        "  #! /bin/sh  ",
    ] {
        assert!(is_posix_shell(shell), "{shell}");
    }
    for other in [
        "",
        "#!/usr/bin/env python3",
        "python",
        "/usr/bin/env",
        "powershell",
        "cmd /S /C",
        "fish",
        "busybox",
        "node",
    ] {
        assert!(!is_posix_shell(other), "{other}");
    }
}

#[test]
fn recognises_windows_shells() {
    for shell in [
        "cmd",
        "cmd.exe",
        "CMD.EXE /S /C",
        "powershell",
        "PowerShell.exe",
        "pwsh",
        "C:\\Windows\\System32\\cmd.exe",
        "C:\\Program Files\\PowerShell\\7\\pwsh.exe",
        "powershell -Command",
    ] {
        assert!(is_windows_shell(shell), "{shell}");
    }
    for other in ["sh", "/bin/bash", "cmdline", "", "#!/usr/bin/env python3"] {
        assert!(!is_windows_shell(other), "{other}");
    }
}

#[test]
fn finds_commands_by_program() {
    let script = analyze("apt-get update && /usr/bin/apt-get install -y x; apt list");
    assert_eq!(script.commands_running("apt-get").count(), 2);
}

#[test]
fn exec_form_commands_have_only_words() {
    let words = vec![ShellWord {
        value: "/usr/bin/npm".into(),
        range: (0..0).into(),
        has_expansion: false,
    }];
    let command = SimpleCommand::from_words(words);
    assert_eq!(command.program(), Some("npm"));
    assert_eq!(command.depth, 0);
}

#[test]
fn keeps_at_most_max_commands_in_order_and_marks_the_rest_unparsed() {
    let limit = parser::MAX_COMMANDS;
    let text: String = (0..limit + 5).map(|i| format!("c{i}|")).collect();
    let script = analyze(&text);
    assert_eq!(script.commands.len(), limit);
    assert!(script.unparsed);
    assert_eq!(script.commands[0].program(), Some("c0"));
    let last = format!("c{}", limit - 1);
    assert_eq!(script.commands[limit - 1].program(), Some(last.as_str()));
    // At the limit exactly, nothing is lost.
    let text: String = (0..limit).map(|i| format!("c{i};")).collect();
    let script = analyze(&text);
    assert_eq!(script.commands.len(), limit);
    assert!(!script.unparsed);
}

#[test]
fn keeps_at_most_max_words_per_command_and_its_whole_range() {
    let limit = parser::MAX_WORDS;
    let text = format!("echo{}", " a".repeat(limit + 3));
    let script = analyze(&text);
    let [command] = script.commands.as_slice() else {
        panic!("one command expected: {:?}", script.commands.len());
    };
    assert_eq!(command.words.len(), limit);
    assert_eq!(command.range.range(), 0..text.len());
    assert!(script.unparsed);
    let text = format!("A=1{} true", " A=1".repeat(limit + 3));
    let script = analyze(&text);
    assert_eq!(script.commands[0].assignments.len(), limit);
    assert_eq!(script.commands[0].program(), Some("true"));
    assert!(script.unparsed);
    let text = format!("true{}", " >a".repeat(limit + 3));
    let script = analyze(&text);
    assert_eq!(script.commands[0].redirects.len(), limit);
    assert!(script.unparsed);
}
