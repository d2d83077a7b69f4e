//! Programs that fetch files over the network, programs that run a script they read
//! from standard input, and programs that verify a download.

use crate::shell::SimpleCommand;

/// Interpreters that run a script read from standard input when given no script file
/// (or `-`), besides the POSIX shells.
const STDIN_INTERPRETERS: &[&str] = &["perl", "ruby", "node", "php"];

/// Whether `cmd` is a download whose content goes to standard output: `curl URL`
/// without `-o`/`-O` (curl writes to stdout by default, <https://curl.se/docs/manpage.html#-o>),
/// `wget -O- URL` / `wget -qO- URL` (wget writes to a file unless `-O -`,
/// <https://www.gnu.org/software/wget/manual/wget.html#Download-Options>), `fetch -o - URL`.
pub fn downloads_to_stdout(cmd: &SimpleCommand) -> bool {
    let args: Vec<&str> = cmd.args().collect();
    match cmd.program() {
        Some("curl") => {
            let mut to_stdout = true;
            let mut i = 0;
            while let Some(arg) = args.get(i) {
                match *arg {
                    "-o" | "--output" => to_stdout = args.get(i + 1) == Some(&"-"),
                    "-O" | "--remote-name" | "--remote-name-all" | "--output-dir" => {
                        to_stdout = false
                    }
                    a if a.starts_with("--output=") => to_stdout = a == "--output=-",
                    a if a.starts_with('-') && !a.starts_with("--") => {
                        // A cluster such as `-sSLo` takes its value from the next word.
                        let cluster = &a[1..];
                        if cluster.ends_with('o') {
                            to_stdout = args.get(i + 1) == Some(&"-");
                        } else if cluster.contains('O') {
                            to_stdout = false;
                        } else if let Some(at) = cluster.find('o') {
                            to_stdout = &cluster[at + 1..] == "-";
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            to_stdout
        }
        Some("wget") | Some("fetch") => {
            let mut to_stdout = false;
            let mut i = 0;
            let output_flag = if cmd.program() == Some("wget") {
                'O'
            } else {
                'o'
            };
            while let Some(arg) = args.get(i) {
                let next_is_stdout = matches!(args.get(i + 1), Some(&"-") | Some(&"/dev/stdout"));
                match *arg {
                    "--output-document" => to_stdout = next_is_stdout,
                    a if a.starts_with("--output-document=") => {
                        to_stdout = matches!(&a["--output-document=".len()..], "-" | "/dev/stdout")
                    }
                    a if a.starts_with('-') && !a.starts_with("--") => {
                        let cluster = &a[1..];
                        if let Some(at) = cluster.find(output_flag) {
                            let value = &cluster[at + 1..];
                            to_stdout = if value.is_empty() {
                                next_is_stdout
                            } else {
                                matches!(value, "-" | "/dev/stdout")
                            };
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            to_stdout
        }
        _ => false,
    }
}

/// Whether `program` is a POSIX shell (`sh`, `bash`, …).
fn is_shell(program: &str) -> bool {
    crate::shell::is_posix_shell(program)
}

/// Whether `program` is a Python interpreter (`python`, `python3`, `python3.12`).
fn is_python(program: &str) -> bool {
    program
        .strip_prefix("python")
        .is_some_and(|v| v.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// Whether `cmd` runs the script it reads from standard input: `sh`, `bash -s -- -y`,
/// `sudo bash -`, `bash /dev/stdin`, `python3 -`, `php -- --install-dir=/usr/bin`; not `sh -c '…'` nor
/// `bash install.sh`.
pub fn runs_stdin_script(cmd: &SimpleCommand) -> bool {
    let Some(program) = cmd.program() else {
        return false;
    };
    let shell = is_shell(program);
    if !(shell || is_python(program) || STDIN_INTERPRETERS.contains(&program)) {
        return false;
    }
    let args: Vec<&str> = cmd.args().collect();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        match *arg {
            "-" | "--" => return true,
            "-o" | "+o" | "-O" | "+O" if shell => i += 1,
            a if shell && a.len() > 1 && (a.starts_with('-') || a.starts_with('+')) => {
                if !a.starts_with("--") {
                    let cluster = &a[1..];
                    // `-c script`: the code is on the command line; `-s`: read from stdin.
                    if cluster.contains('c') {
                        return false;
                    }
                    if cluster.contains('s') {
                        return true;
                    }
                }
            }
            // `-c code`, `-e code`, `-m module`, `-r code`: nothing is read from stdin.
            "-c" | "-e" | "-m" | "-r" | "--eval" => return false,
            "-W" | "-X" | "-d" => i += 1,
            a if a.starts_with('-') && a.len() > 1 => {}
            // `bash /dev/stdin -v latest` names standard input as the script file.
            "/dev/stdin" | "/dev/fd/0" => return true,
            // A script file.
            _ => return false,
        }
        i += 1;
    }
    true
}

/// Whether `cmd` runs code given to it as an argument (`sh -c CODE`, `bash -c CODE`,
/// `eval CODE`, `python3 -c CODE`): the index of that argument in `cmd.words`.
pub fn code_argument(cmd: &SimpleCommand) -> Option<usize> {
    let program = cmd.program()?;
    if program == "eval" {
        return (cmd.words.len() > 1).then_some(1);
    }
    let flag = if is_shell(program) || is_python(program) {
        "-c"
    } else if matches!(program, "perl" | "ruby" | "node") {
        "-e"
    } else if program == "php" {
        "-r"
    } else {
        return None;
    };
    let at = cmd.words.iter().position(|w| {
        w.value == flag
            || (is_shell(program)
                && w.value.starts_with('-')
                && !w.value.starts_with("--")
                && w.value.ends_with('c'))
    })?;
    (at + 1 < cmd.words.len()).then_some(at + 1)
}

/// Whether `cmd` reads and runs a script file named as its first operand
/// (`bash FILE`, `sh FILE`, `source FILE`, `. FILE`): the index of that operand.
pub fn script_operand(cmd: &SimpleCommand) -> Option<usize> {
    let program = cmd.program()?;
    if matches!(program, "source" | ".") {
        return (cmd.words.len() > 1).then_some(1);
    }
    if !is_shell(program) {
        return None;
    }
    cmd.words
        .iter()
        .enumerate()
        .skip(1)
        .find(|(_, w)| !w.value.starts_with('-') && !w.value.starts_with('+'))
        .map(|(i, _)| i)
}

/// Whether `cmd` checks a checksum or a signature: `sha256sum -c`, `shasum -a 256 -c`,
/// `gpg --verify`, `gpgv`, `cosign verify-blob`, `minisign -V`, `openssl dgst -verify`.
pub fn verifies_download(cmd: &SimpleCommand) -> bool {
    let Some(program) = cmd.program() else {
        return false;
    };
    let has = |flags: &[&str]| cmd.args().any(|a| flags.contains(&a));
    match program {
        "sha1sum" | "sha224sum" | "sha256sum" | "sha384sum" | "sha512sum" | "b2sum" | "shasum"
        | "md5sum" => {
            // `sha256sum FILE | grep -q DIGEST` or a comparison also check; a bare
            // digest printed to the log does not, but cannot be told apart cheaply.
            true
        }
        "gpg" | "gpg2" => has(&["--verify", "--verify-files"]),
        "gpgv" | "gpgv2" => true,
        "cosign" => cmd.args().any(|a| a.starts_with("verify")),
        "minisign" | "signify" => has(&["-V", "-C"]),
        "openssl" => has(&["-verify"]),
        _ => false,
    }
}
