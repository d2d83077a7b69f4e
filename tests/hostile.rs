//! The hostile input matrix: whatever `layerlint check` is fed, it never panics, exits
//! with the documented code (0 clean, 1 findings, 2 errors), names the file (and line)
//! it could not lint, keeps linting the other files, and never writes partial or corrupt
//! output: `--format json` and `--format sarif` always print valid JSON.

use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// Generous enough for a debug build on a busy machine; a case that needs longer has hung.
const HANG_GUARD: Duration = Duration::from_secs(60);

struct Run {
    /// `None` when the process was killed by a signal.
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    /// Everything the user sees.
    fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    fn assert_no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked") && self.code != Some(101),
            "layerlint panicked:\n{}",
            self.stderr
        );
        assert!(
            self.code.is_some(),
            "layerlint was killed by a signal (stack overflow or abort?):\n{}",
            self.stderr
        );
    }

    fn assert_exit(&self, expected: i32) {
        self.assert_no_panic();
        assert_eq!(
            self.code,
            Some(expected),
            "exit code\nstdout:\n{}\nstderr:\n{}",
            truncated(&self.stdout, 4000),
            truncated(&self.stderr, 4000)
        );
    }

    /// Linted without error: exit 0, or 1 when rules found something.
    fn assert_linted(&self) {
        self.assert_no_panic();
        assert!(
            matches!(self.code, Some(0 | 1)),
            "expected exit 0 or 1, got {:?}\nstdout:\n{}\nstderr:\n{}",
            self.code,
            truncated(&self.stdout, 4000),
            truncated(&self.stderr, 4000)
        );
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not valid JSON ({e}):\n{}\nstderr:\n{}",
                truncated(&self.stdout, 4000),
                truncated(&self.stderr, 4000)
            )
        })
    }

    /// The entries of `--format json` output.
    fn findings(&self) -> Vec<Value> {
        match self.json() {
            Value::Array(items) => items,
            other => panic!("expected a JSON array, got {other}"),
        }
    }

    /// `--format json` entries that report a file that could not be linted.
    fn file_errors(&self) -> Vec<Value> {
        self.findings()
            .into_iter()
            .filter(|f| matches!(f["code"].as_str(), Some("io-error" | "parse-error")))
            .collect()
    }

    /// A fatal error (bad config, usage) stops before any output: stdout is empty, never a
    /// half-written document.
    fn assert_stdout_empty_or_json(&self) {
        if !self.stdout.trim().is_empty() {
            self.json();
        }
    }

    /// How many files the pretty summary says were linted ("… in 3 files").
    fn linted_file_count(&self) -> usize {
        let summary = self
            .stdout
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        let after = summary
            .rsplit_once(" in ")
            .map(|(_, rest)| rest)
            .unwrap_or_else(|| panic!("no summary line in:\n{}", truncated(&self.stdout, 4000)));
        after
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no file count in summary `{summary}`"))
    }
}

fn truncated(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

fn layerlint_command(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_layerlint"));
    cmd.args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("RAYON_NUM_THREADS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

fn layerlint(dir: &Path, args: &[&str]) -> Run {
    layerlint_with_stdin(dir, args, None)
}

/// Runs the binary in `dir`, feeding `stdin` (or nothing), and kills it if it hangs.
fn layerlint_with_stdin(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = layerlint_command(dir, args);
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    let mut child = cmd.spawn().expect("layerlint starts");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("piped stdin");
        let input = input.to_vec();
        // A closed pipe is fine: the binary may stop reading early.
        thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let stdout = read_in_background(child.stdout.take().expect("piped stdout"));
    let stderr = read_in_background(child.stderr.take().expect("piped stderr"));
    let code = wait_or_kill(&mut child, args);
    Run {
        code,
        stdout: stdout.join().expect("stdout reader"),
        stderr: stderr.join().expect("stderr reader"),
    }
}

fn read_in_background(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        String::from_utf8(bytes).unwrap_or_else(|e| panic!("output is not UTF-8: {e}"))
    })
}

fn wait_or_kill(child: &mut Child, args: &[&str]) -> Option<i32> {
    let started = Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for layerlint") {
            return status.code();
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            let _ = child.wait();
            let shown: Vec<&str> = args.iter().map(|a| truncated(a, 80)).collect();
            panic!(
                "`layerlint {}` did not finish within {HANG_GUARD:?}",
                shown.join(" ")
            );
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).expect("create parent folder");
    }
    fs::write(path, contents).expect("write test file");
}

fn tempdir() -> TempDir {
    tempfile::tempdir().expect("temp dir")
}

const CLEAN: &str = "FROM alpine:3.20\nWORKDIR /app\nCMD [\"sh\"]\n";

/// Checks that a file layerlint cannot lint is reported, in every format, by name (and by
/// line when there is one), with exit code 2 and well-formed machine output.
fn assert_reported_in_every_format(dir: &Path, file: &str, line: Option<usize>) {
    let pretty = layerlint(dir, &["check", file]);
    pretty.assert_exit(2);
    let named = match line {
        Some(line) => format!("{file}:{line}"),
        None => file.to_string(),
    };
    assert!(
        pretty.text().contains(&named),
        "pretty output does not name `{named}`:\n{}",
        pretty.text()
    );

    let json = layerlint(dir, &["check", "--format", "json", file]);
    json.assert_exit(2);
    let errors = json.file_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], file);
    if let Some(line) = line {
        assert_eq!(errors[0]["line"], line, "{:?}", errors[0]);
    }

    let sarif = layerlint(dir, &["check", "--format", "sarif", file]);
    sarif.assert_exit(2);
    let doc = sarif.json();
    assert_eq!(doc["version"], "2.1.0");
    if file
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"./_-".contains(&b))
    {
        assert!(
            doc.to_string().contains(file),
            "SARIF does not name {file}: {doc}"
        );
    }
}

#[test]
fn reports_missing_path_with_exit_2() {
    let dir = tempdir();
    assert_reported_in_every_format(dir.path(), "no/such/Dockerfile", None);
}

#[test]
fn reports_missing_path_and_still_lints_the_others() {
    let dir = tempdir();
    write(dir.path(), "Dockerfile", CLEAN);
    let run = layerlint(dir.path(), &["check", "missing.Dockerfile", "Dockerfile"]);
    run.assert_exit(2);
    assert!(run.text().contains("missing.Dockerfile"), "{}", run.text());
    assert_eq!(run.linted_file_count(), 1);
}

#[test]
fn directory_without_dockerfiles_is_an_error_naming_it() {
    let dir = tempdir();
    write(dir.path(), "empty/README.md", "# not a Dockerfile\n");
    for format in ["pretty", "json", "sarif"] {
        let run = layerlint(dir.path(), &["check", "--format", format, "empty"]);
        run.assert_exit(2);
        assert!(run.stderr.contains("empty"), "{}", run.stderr);
        run.assert_stdout_empty_or_json();
    }
}

#[test]
fn reports_unreadable_file_with_exit_2() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempdir();
    write(dir.path(), "Dockerfile", CLEAN);
    let path = dir.path().join("Dockerfile");
    fs::set_permissions(&path, fs::Permissions::from_mode(0o000)).expect("chmod 000");
    if fs::read(&path).is_ok() {
        eprintln!("skipping reports_unreadable_file_with_exit_2: running as root, so chmod 000 does not block reads");
        return;
    }
    assert_reported_in_every_format(dir.path(), "Dockerfile", None);
    let run = layerlint(dir.path(), &["check", "."]);
    run.assert_exit(2);
    assert!(run.text().contains("Dockerfile"), "{}", run.text());
}

#[test]
fn reports_binary_file_at_its_first_non_text_byte() {
    let dir = tempdir();
    // An executable: a NUL on line 1, invalid UTF-8 further on.
    let mut elf = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00".to_vec();
    elf.extend((0..=255u8).cycle().take(4096));
    write(dir.path(), "app.Dockerfile", &elf);
    assert_reported_in_every_format(dir.path(), "app.Dockerfile", Some(1));
    // Text with a NUL on line 3.
    write(
        dir.path(),
        "nul.Dockerfile",
        "FROM alpine:3.20\nRUN true\nRUN \0\n",
    );
    assert_reported_in_every_format(dir.path(), "nul.Dockerfile", Some(3));
}

#[test]
fn reports_latin1_text_at_the_first_bad_line() {
    let dir = tempdir();
    write(
        dir.path(),
        "Dockerfile",
        b"FROM alpine:3.20\nLABEL maintainer=\"Jos\xe9\"\nRUN true\n",
    );
    assert_reported_in_every_format(dir.path(), "Dockerfile", Some(2));
}

#[test]
fn reports_utf16_with_bom_as_not_utf8() {
    let dir = tempdir();
    let text = "FROM alpine:3.20\nRUN true\n";
    let mut le = vec![0xFF, 0xFE];
    le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    write(dir.path(), "le.Dockerfile", le);
    write(dir.path(), "be.Dockerfile", be);
    assert_reported_in_every_format(dir.path(), "le.Dockerfile", Some(1));
    assert_reported_in_every_format(dir.path(), "be.Dockerfile", Some(1));
}

/// Lints one generated file with `--format json` and checks it was linted, not rejected.
fn assert_lints_generated(name: &str, contents: &str) {
    let dir = tempdir();
    write(dir.path(), name, contents);
    let run = layerlint(dir.path(), &["check", "--format", "json", name]);
    run.assert_linted();
    assert_eq!(run.file_errors(), Vec::<Value>::new());
}

#[test]
fn lints_a_50_mb_file() {
    let mut text = String::from("FROM alpine:3.20\n");
    let padding = "x".repeat(1000);
    let mut i = 0;
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(&format!("RUN echo {i} {padding}\n"));
        i += 1;
    }
    assert_lints_generated("Dockerfile", &text);
}

#[test]
fn lints_a_100000_line_continuation() {
    let mut text = String::from("FROM alpine:3.20\nRUN echo start \\\n");
    for i in 0..100_000 {
        text.push_str(&format!("  && echo {i} \\\n"));
    }
    text.push_str("  && true\n");
    assert_lints_generated("Dockerfile", &text);
}

#[test]
fn lints_10000_independent_stages() {
    let mut text = String::new();
    for i in 0..10_000 {
        text.push_str(&format!("FROM alpine:3.20 AS s{i}\nRUN echo {i}\n"));
    }
    assert_lints_generated("Dockerfile", &text);
}

#[test]
fn lints_a_chain_of_10000_stages() {
    let mut text = String::from("FROM alpine:3.20 AS s0\n");
    for i in 1..10_000 {
        let prev = i - 1;
        text.push_str(&format!(
            "FROM s{prev} AS s{i}\nCOPY --from=s{prev} /a /a\nRUN --mount=type=cache,target=/c,from=s{prev} echo {i}\n"
        ));
    }
    assert_lints_generated("Dockerfile", &text);
}

#[test]
fn lints_1000_heredocs() {
    let mut text = String::from("FROM alpine:3.20\n");
    for i in 0..1000 {
        text.push_str(&format!(
            "RUN <<EOF{i} cat <<-'INNER{i}'\nset -e\necho {i}\nEOF{i}\n\tline\nINNER{i}\n"
        ));
    }
    text.push_str("COPY <<EOF /etc/motd\nhello\nEOF\n");
    assert_lints_generated("Dockerfile", &text);
}

#[test]
fn reports_an_unterminated_heredoc_after_1000_good_ones_at_its_line() {
    let mut text = String::from("FROM alpine:3.20\n");
    for i in 0..1000 {
        text.push_str(&format!("RUN <<EOF{i}\necho {i}\nEOF{i}\n"));
    }
    text.push_str("RUN <<UNCLOSED\necho never ends\n");
    let line = text.lines().count() - 1;
    let dir = tempdir();
    write(dir.path(), "Dockerfile", &text);
    assert_reported_in_every_format(dir.path(), "Dockerfile", Some(line));
}

/// `sh -c "…"` wrapped `depth` times, quoting the inner script each time.
fn nested_sh_c(script: &str, depth: usize) -> String {
    let mut s = script.to_string();
    for _ in 0..depth {
        let quoted = s
            .replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('$', "\\$")
            .replace('`', "\\`");
        s = format!("sh -c \"{quoted}\"");
    }
    s
}

#[test]
fn lints_deeply_nested_sh_c_quoting() {
    let inner = "apt-get update && apt-get install -y curl && echo \"$HOME\" `date`";
    let mut text = String::from("FROM debian:12\n");
    // Quoting doubles the backslashes at each level: depth 16 is a 300 KB line.
    text.push_str(&format!("RUN {}\n", nested_sh_c(inner, 16)));
    // Unbalanced nesting: open many `sh -c '` without ever closing them.
    text.push_str(&format!("RUN {}\n", "sh -c 'bash -c \"".repeat(2000)));
    text.push_str(&format!(
        "RUN {}echo{}\n",
        "$(".repeat(5000),
        ")".repeat(5000)
    ));
    text.push_str(&format!(
        "RUN {}true{}\n",
        "(".repeat(5000),
        ")".repeat(5000)
    ));
    text.push_str(&format!("RUN {}\n", "{ ".repeat(5000)));
    assert_lints_generated("Dockerfile", &text);
}

#[test]
fn lints_next_to_a_pathological_dockerignore() {
    let dir = tempdir();
    write(
        dir.path(),
        "Dockerfile",
        "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
    );
    let mut ignore = String::new();
    ignore.push_str(&"**/".repeat(2000));
    ignore.push_str("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b\n");
    ignore.push_str(&format!("{}\n", "*?".repeat(5000)));
    ignore.push_str(&format!("{}\n", "[".repeat(1000)));
    ignore.push_str("[^\n\\\n!\n!!\n/\n.\n..\n../../..\n**\n!**\n[z-a]\n\u{0}\n#\n\n");
    for i in 0..2_000 {
        ignore.push_str(&format!("dir{i}/**/*.{i}\n!dir{i}/keep\n"));
    }
    write(dir.path(), ".dockerignore", &ignore);
    fs::create_dir_all(dir.path().join("src/a/b/c")).expect("mkdir");
    write(dir.path(), "src/a/b/c/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaac", "x");
    for format in ["json", "sarif"] {
        let run = layerlint(dir.path(), &["check", "--format", format, "."]);
        run.assert_linted();
        run.json();
    }
}

#[test]
fn discovery_terminates_on_symlink_loops() {
    use std::os::unix::fs::symlink;
    let dir = tempdir();
    let root = dir.path().join("repo");
    write(&root, "app/Dockerfile", CLEAN);
    symlink(".", root.join("self")).expect("symlink");
    symlink("..", root.join("app/up")).expect("symlink");
    symlink("../repo", root.join("app/again")).expect("symlink");
    let run = layerlint(dir.path(), &["check", "repo"]);
    run.assert_linted();
    assert_eq!(run.linted_file_count(), 1, "each Dockerfile is linted once");
}

#[test]
fn reports_a_dockerfile_symlink_that_loops() {
    use std::os::unix::fs::symlink;
    let dir = tempdir();
    let root = dir.path().join("repo");
    write(&root, "Dockerfile", CLEAN);
    symlink("Dockerfile.a", root.join("Dockerfile.b")).expect("symlink");
    symlink("Dockerfile.b", root.join("Dockerfile.a")).expect("symlink");
    let run = layerlint(dir.path(), &["check", "repo"]);
    run.assert_exit(2);
    let text = run.text();
    assert!(
        text.contains("Dockerfile.a") && text.contains("Dockerfile.b"),
        "a Dockerfile that cannot be read is reported, not skipped silently:\n{text}"
    );
    assert_eq!(run.linted_file_count(), 1);
}

/// A bad `.layerlint.toml` is a fatal error that names the file, line and column.
fn assert_config_rejected(config: &str, line_col: &str) {
    let dir = tempdir();
    write(dir.path(), "project/Dockerfile", CLEAN);
    write(dir.path(), "project/.layerlint.toml", config);
    for format in ["pretty", "json", "sarif"] {
        let run = layerlint(dir.path(), &["check", "--format", format, "project"]);
        run.assert_exit(2);
        let named = format!(".layerlint.toml:{line_col}");
        assert!(
            run.stderr.contains(&named),
            "stderr does not name `{named}`:\n{}",
            run.stderr
        );
        run.assert_stdout_empty_or_json();
    }
    write(dir.path(), "explicit.toml", config);
    let run = layerlint(
        dir.path(),
        &["check", "--config", "explicit.toml", "project/Dockerfile"],
    );
    run.assert_exit(2);
    let named = format!("explicit.toml:{line_col}");
    assert!(
        run.stderr.contains(&named),
        "stderr does not name `{named}`:\n{}",
        run.stderr
    );
}

#[test]
fn rejects_config_that_is_not_toml() {
    assert_config_rejected("ignore = [\"LL101\"\nselect = \n", "2:1");
}

#[test]
fn rejects_config_with_an_unknown_key() {
    assert_config_rejected("ignore = []\nbogus = 1\n", "2:1");
}

#[test]
fn rejects_config_with_an_unknown_rule_code() {
    assert_config_rejected("ignore = [\"LL101\", \"LL999\"]\n", "1:20");
}

#[test]
fn rejects_config_that_is_binary() {
    assert_config_rejected("\u{0}\u{1}\u{2}", "1:1");
}

/// Spawns `check` with a piped stdout, reads one line and closes the pipe, like `| head -1`.
fn close_stdout_after_one_line(dir: &Path, args: &[&str]) -> Run {
    let mut child = layerlint_command(dir, args)
        .stdin(Stdio::null())
        .spawn()
        .expect("layerlint starts");
    let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("first line");
    assert!(!first.is_empty(), "no output at all");
    drop(stdout);
    let stderr = read_in_background(child.stderr.take().expect("piped stderr"));
    let code = wait_or_kill(&mut child, args);
    Run {
        code,
        stdout: first,
        stderr: stderr.join().expect("stderr reader"),
    }
}

#[test]
fn exits_quietly_when_stdout_is_closed_early() {
    let dir = tempdir();
    // Enough output to overflow the pipe buffer, so the writes hit the closed pipe.
    for i in 0..3000 {
        write(
            dir.path(),
            &format!("files/{i:04}.Dockerfile"),
            b"\x00binary",
        );
    }
    for format in ["pretty", "json", "sarif"] {
        let run = close_stdout_after_one_line(dir.path(), &["check", "--format", format, "files"]);
        run.assert_no_panic();
        assert!(
            run.stderr.trim().is_empty(),
            "`layerlint check --format {format} | head -1` should exit quietly, stderr:\n{}",
            run.stderr
        );
    }
}

#[test]
fn reports_empty_stdin_by_its_name() {
    let dir = tempdir();
    for format in ["pretty", "json", "sarif"] {
        let run = layerlint_with_stdin(
            dir.path(),
            &[
                "check",
                "--format",
                format,
                "--stdin-filename",
                "from-stdin.Dockerfile",
                "-",
            ],
            Some(b""),
        );
        run.assert_exit(2);
        assert!(
            run.text().contains("from-stdin.Dockerfile"),
            "{}",
            run.text()
        );
        if format != "pretty" {
            run.json();
        }
    }
    let run = layerlint_with_stdin(dir.path(), &["check", "-"], Some(b""));
    run.assert_exit(2);
    assert!(
        run.stdout.contains("-:1"),
        "stdin without a name is shown as `-`:\n{}",
        run.text()
    );
}

#[test]
fn reports_binary_stdin_by_its_name() {
    let dir = tempdir();
    let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
    let run = layerlint_with_stdin(
        dir.path(),
        &[
            "check",
            "--format",
            "json",
            "--stdin-filename",
            "image.png",
            "-",
        ],
        Some(png),
    );
    run.assert_exit(2);
    let errors = run.file_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], "image.png");
    assert_eq!(errors[0]["line"], 1);
}

#[test]
fn reports_stdin_that_is_not_a_dockerfile() {
    let dir = tempdir();
    let compose = b"version: \"3\"\nservices:\n  web:\n    image: nginx\n";
    let run = layerlint_with_stdin(
        dir.path(),
        &["check", "--stdin-filename", "compose.yml", "-"],
        Some(compose),
    );
    run.assert_no_panic();
    assert!(
        matches!(run.code, Some(1 | 2)),
        "a YAML file is not a Dockerfile (BuildKit: unknown instruction `version:`), exit {:?}:\n{}",
        run.code,
        run.text()
    );
    assert!(run.text().contains("compose.yml:1"), "{}", run.text());
}

#[test]
fn lints_paths_with_spaces_unicode_and_leading_dashes() {
    let dir = tempdir();
    let names = [
        "my project/Dockerfile",
        "ünïcødé/Dockerfile.dév",
        "日本/app.Dockerfile",
        "-weird/Dockerfile",
        "--format/Dockerfile",
    ];
    for name in names {
        write(dir.path(), name, CLEAN);
    }
    let mut args = vec!["check", "--"];
    args.extend(names);
    let run = layerlint(dir.path(), &args);
    run.assert_linted();
    assert_eq!(run.linted_file_count(), names.len());

    let mut args = vec!["check", "--format", "sarif", "--"];
    args.extend(names);
    let run = layerlint(dir.path(), &args);
    run.assert_linted();
    run.json();

    // Directory discovery finds them too.
    let run = layerlint(dir.path(), &["check", "."]);
    run.assert_linted();
    assert_eq!(run.linted_file_count(), names.len());
}

#[test]
fn names_paths_with_spaces_unicode_and_leading_dashes_in_errors() {
    let dir = tempdir();
    let names = [
        "my project/Dockerfile",
        "ünïcødé/Dockerfile.dév",
        "-weird/Dockerfile",
    ];
    for name in names {
        write(dir.path(), name, "FROM alpine:3.20\nENV PATH\n");
    }
    for name in names {
        let run = layerlint(dir.path(), &["check", "--", name]);
        run.assert_exit(2);
        assert!(run.text().contains(&format!("{name}:2")), "{}", run.text());

        let run = layerlint(dir.path(), &["check", "--format", "json", "--", name]);
        run.assert_exit(2);
        let errors = run.file_errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0]["file"], name);
        assert_eq!(errors[0]["line"], 2);

        let run = layerlint(dir.path(), &["check", "--format", "sarif", "--", name]);
        run.assert_exit(2);
        run.json();
    }
}

#[test]
fn one_bad_file_among_many_is_reported_and_the_rest_are_linted() {
    let dir = tempdir();
    for i in 0..20 {
        write(dir.path(), &format!("services/svc{i:02}/Dockerfile"), CLEAN);
    }
    write(
        dir.path(),
        "services/svc07/Dockerfile",
        b"FROM alpine:3.20\nRUN echo \xff\n",
    );
    let run = layerlint(dir.path(), &["check", "services"]);
    run.assert_exit(2);
    assert!(
        run.text().contains("services/svc07/Dockerfile:2"),
        "{}",
        run.text()
    );
    assert_eq!(run.linted_file_count(), 19);

    for format in ["json", "sarif"] {
        let run = layerlint(dir.path(), &["check", "--format", format, "services"]);
        run.assert_exit(2);
        let text = run.json().to_string();
        assert!(text.contains("services/svc07/Dockerfile"), "{text}");
    }
    let run = layerlint(dir.path(), &["check", "--format", "json", "services"]);
    let errors = run.file_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], "services/svc07/Dockerfile");
}

#[test]
fn many_bad_files_of_every_kind_among_good_ones() {
    let dir = tempdir();
    write(dir.path(), "a/Dockerfile", CLEAN);
    write(dir.path(), "b/Dockerfile", b"\x00\x01");
    write(dir.path(), "c/Dockerfile", "");
    write(dir.path(), "d/Dockerfile", b"\xff\xfeF\x00");
    write(dir.path(), "e/Dockerfile", "FROM alpine:3.20\nRUN <<EOF\n");
    write(dir.path(), "f/Dockerfile", CLEAN);
    let run = layerlint(dir.path(), &["check", "--format", "json", ".", "missing"]);
    run.assert_exit(2);
    let failed: Vec<String> = run
        .file_errors()
        .iter()
        .map(|e| e["file"].as_str().unwrap_or("").to_string())
        .collect();
    for name in ["b/Dockerfile", "c/Dockerfile", "d/Dockerfile", "missing"] {
        assert!(
            failed.iter().any(|f| f.ends_with(name)),
            "{name} not reported: {failed:?}"
        );
    }
    for name in ["a/Dockerfile", "f/Dockerfile"] {
        assert!(
            !failed.iter().any(|f| f.ends_with(name)),
            "{name} reported: {failed:?}"
        );
    }
}
