//! Properties that hold for every input: the parser is lossless and its spans stay inside
//! the file, shell analysis never panics, blank and comment lines never change what is
//! found, and the output does not depend on how many threads lint the files.

use std::path::Path;
use std::process::Command;

use proptest::prelude::*;
use proptest::test_runner::Config;

#[allow(dead_code)] // the fuzz targets use the rest
#[path = "../fuzz/invariants.rs"]
mod invariants;

use layerlint::span::Span;
use layerlint::syntax;

/// Pieces Dockerfiles are made of, including the ones parsers trip over.
const DOCKERFILE_FRAGMENTS: &[&str] = &[
    "FROM ",
    "RUN ",
    "COPY ",
    "ADD ",
    "ENV ",
    "ARG ",
    "LABEL ",
    "CMD ",
    "ENTRYPOINT ",
    "SHELL ",
    "ONBUILD ",
    "HEALTHCHECK ",
    "WORKDIR ",
    "USER ",
    "EXPOSE ",
    "VOLUME ",
    "STOPSIGNAL ",
    "MAINTAINER ",
    "run ",
    "From ",
    "alpine:3.20",
    "scratch",
    " AS build",
    "--from=build ",
    "--mount=type=cache,target=/root/.cache ",
    "--link ",
    "--chown=1:1 ",
    "--platform=$BUILDPLATFORM ",
    "--",
    "=",
    "a=b ",
    "\"a b\"=c ",
    "x ",
    "/app ",
    ". ",
    "\\\n",
    "\\ \n",
    "\\\r\n",
    "`\n",
    "\n",
    "\r\n",
    "\n\n",
    " ",
    "\t",
    "<<EOF",
    "<<-EOF",
    "<<'EOF'",
    "<<\"E F\"",
    "2<<X",
    "EOF\n",
    "\tEOF\n",
    "X\n",
    "# comment\n",
    "#\n",
    "# escape=`\n",
    "# escape=\\\n",
    "# syntax=docker/dockerfile:1\n",
    "# check=skip=all\n",
    "\u{feff}",
    "'",
    "\"",
    "\\",
    "`",
    "[",
    "]",
    "[\"sh\", \"-c\", \"echo\"]",
    "[\"a\",",
    "\\u00e9",
    "{",
    "}",
    "$VAR",
    "${VAR:-x}",
    "&&",
    "||",
    ";",
    "|",
    "é",
    "日本",
    "🐳",
    "NONE",
    "CMD ",
    "\u{0}",
];

/// Pieces of `RUN` scripts, including unbalanced ones.
const SHELL_FRAGMENTS: &[&str] = &[
    "apt-get ",
    "install ",
    "-y ",
    "npm ci",
    "pip install -r requirements.txt",
    "sh -c '",
    "bash -c \"",
    "sudo -E ",
    "env A=b ",
    "nohup ",
    "A=1 ",
    "echo ",
    "x",
    " ",
    "\t",
    "\n",
    "\\\n",
    "&&",
    "||",
    ";",
    ";;",
    "|",
    "|&",
    "&",
    "!",
    "$(",
    "`",
    "${",
    "}",
    "(",
    ")",
    "{ ",
    "; }",
    "'",
    "\"",
    "\\",
    "$",
    "$$",
    "$1",
    "$@",
    "#",
    "# c\n",
    "<<EOF\n",
    "<<-'EOF'\n",
    "EOF\n",
    "<<<",
    ">",
    ">>",
    "2>&1",
    "<(",
    ">(",
    "&>",
    "if ",
    "then ",
    "else ",
    "fi",
    "for i in a b; do ",
    "done",
    "case $x in a) ",
    "esac",
    "while ",
    "until ",
    "function f ",
    "f() ",
    "set -eux; ",
    "set -o pipefail; ",
    "exec ",
    "é",
    "日本",
    "\u{0}",
    "\r",
];

fn built_from(fragments: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(fragments), 0..max).prop_map(|parts| parts.concat())
}

/// Any text: arbitrary strings, Dockerfile-shaped strings, and both mixed.
fn dockerfile_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        built_from(DOCKERFILE_FRAGMENTS, 60),
        (
            built_from(DOCKERFILE_FRAGMENTS, 30),
            any::<String>(),
            built_from(DOCKERFILE_FRAGMENTS, 30)
        )
            .prop_map(|(a, b, c)| format!("{a}{b}{c}")),
    ]
}

fn shell_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        built_from(SHELL_FRAGMENTS, 60),
        (built_from(SHELL_FRAGMENTS, 30), any::<String>()).prop_map(|(a, b)| format!("{a}{b}")),
    ]
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        // Failures are turned into named tests instead of files proptest would write here.
        failure_persistence: None,
        ..Config::default()
    }
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn parser_is_lossless_and_keeps_spans_inside_the_file(text in dockerfile_text()) {
        // Reconstruction, spans inside the file and on char boundaries, errors inside the file.
        invariants::parse(&text);
    }

    #[test]
    fn parser_spans_name_what_they_cover(text in dockerfile_text()) {
        let Ok(df) = syntax::parse(&text) else { return Ok(()) };
        for instruction in &df.instructions {
            // The keyword is the span's text unless a line continuation splits it. BuildKit
            // also keeps a keyword-less node for a lone continuation at the end of the file.
            let keyword = instruction.keyword_text(&df.source);
            let written = df.text(instruction.keyword_span());
            let (first, last) = (keyword.chars().next(), keyword.chars().last());
            prop_assert!(
                match (first, last) {
                    (Some(first), Some(last)) => written.starts_with(first)
                        && written.ends_with(last)
                        && written.len() >= keyword.len(),
                    _ => written.is_empty(),
                },
                "keyword {:?} written as {:?}", keyword, written
            );
            // The joined form is kept exactly when the source differs.
            prop_assert_eq!(instruction.keyword_joined().is_some(), written != keyword);
            prop_assert!(contains(instruction.span, instruction.keyword_span()));
            prop_assert!(contains(instruction.span, instruction.args_span()));
            for flag in instruction.flags() {
                prop_assert!(contains(instruction.span, flag.span));
                prop_assert!(df.text(flag.span).starts_with("--"), "flag span {:?}", df.text(flag.span));
            }
            for heredoc in instruction.heredocs() {
                prop_assert!(contains(instruction.span, heredoc.body_span));
                prop_assert!(df.text(heredoc.marker_span).starts_with(['<', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']));
            }
        }
        for comment in &df.comments {
            prop_assert!(df.text(comment.span).starts_with('#'), "comment span {:?}", df.text(comment.span));
        }
    }

    #[test]
    fn parser_drops_nothing_but_layout(text in dockerfile_text()) {
        // Every byte that is not whitespace, an escape character or the BOM belongs to an
        // instruction, comment or directive, so a fix can reach any of it through a span.
        let Ok(df) = syntax::parse(&text) else { return Ok(()) };
        let mut covered = vec![false; text.len()];
        let nodes = df.instructions.iter().map(|i| i.span)
            .chain(df.comments.iter().map(|c| c.span))
            .chain(df.directives.iter().map(|d| d.span));
        for span in nodes {
            covered[span.range()].iter_mut().for_each(|c| *c = true);
        }
        let start = if df.bom { '\u{feff}'.len_utf8() } else { 0 };
        for (at, ch) in text[start..].char_indices().map(|(i, c)| (i + start, c)) {
            if !covered[at] && !ch.is_whitespace() && ch != df.escape {
                prop_assert!(false, "{ch:?} at byte {at} belongs to no node");
            }
        }
    }
}

fn contains(outer: Span, inner: Span) -> bool {
    outer.start() <= inner.start() && inner.end() <= outer.end()
}

proptest! {
    #![proptest_config(config(1024))]

    #[test]
    fn shell_analysis_never_panics_and_keeps_ranges_inside_the_script(script in shell_text()) {
        invariants::shell(&script);
    }

    #[test]
    fn shell_analysis_of_run_text_keeps_ranges_inside_it(script in shell_text()) {
        // The analyser sees RUN text after the parser joined its continuation lines.
        let source = format!("FROM alpine:3.20\nRUN {script}\n");
        if let Ok(df) = syntax::parse(&source) {
            for instruction in &df.instructions {
                if let syntax::Args::Shell(joined) = &instruction.args {
                    invariants::shell(&joined.text);
                }
            }
        }
    }
}

/// Instructions that real rules look at: installs, copies, mounts, stages, downloads.
const INSTRUCTIONS: &[&str] = &[
    "FROM alpine",
    "FROM node:22 AS build",
    "FROM python:3.12-slim@sha256:0000000000000000000000000000000000000000000000000000000000000000",
    "FROM build AS final",
    "FROM scratch",
    "ARG VERSION=1.0",
    "ARG GIT_SHA",
    "ENV PIP_NO_CACHE_DIR=1",
    "WORKDIR /app",
    "COPY . .",
    "COPY package.json package-lock.json ./",
    "COPY requirements.txt .",
    "COPY --from=build /app/dist /srv",
    "ADD https://example.com/tool.tar.gz /opt/",
    "RUN npm ci",
    "RUN npm install",
    "RUN pip install -r requirements.txt",
    "RUN apt-get update",
    "RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
    "RUN apt-get install -y git",
    "RUN --mount=type=cache,target=/root/.npm npm ci",
    "RUN --mount=type=cache,target=/var/cache/apt apt-get update && apt-get install -y gcc",
    "RUN curl -fsSL https://example.com/install.sh | sh",
    "RUN sh -c 'go mod download && go build ./...'",
    "RUN echo $GIT_SHA > /version",
    "RUN <<EOF\nset -e\npip install poetry\nEOF",
    "RUN npm ci \\\n    && npm run build",
    "USER node",
    "CMD [\"node\", \"server.js\"]",
];

const FILLER_LINES: &[&str] = &[
    "",
    "   ",
    "\t",
    "# a comment",
    "#",
    "#   build steps below",
    "# TODO: pin this",
];

fn dockerfile_with_filler() -> impl Strategy<Value = (Vec<&'static str>, Vec<Vec<&'static str>>)> {
    prop::collection::vec(prop::sample::select(INSTRUCTIONS), 1..12).prop_flat_map(|instructions| {
        let gaps = prop::collection::vec(
            prop::collection::vec(prop::sample::select(FILLER_LINES), 0..3),
            instructions.len() + 1,
        );
        (Just(instructions), gaps)
    })
}

fn finding_codes(source: &str) -> Vec<&'static str> {
    let mut codes = invariants::lint(source);
    codes.sort_unstable();
    codes
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn blank_and_comment_lines_between_instructions_never_change_finding_codes(
        (instructions, gaps) in dockerfile_with_filler()
    ) {
        let plain = format!("{}\n", instructions.join("\n"));
        let mut padded = String::new();
        for (i, instruction) in instructions.iter().enumerate() {
            for line in &gaps[i] {
                padded.push_str(line);
                padded.push('\n');
            }
            padded.push_str(instruction);
            padded.push('\n');
        }
        for line in &gaps[instructions.len()] {
            padded.push_str(line);
            padded.push('\n');
        }
        prop_assert_eq!(finding_codes(&plain), finding_codes(&padded), "padded:\n{}", padded);
    }
}

/// Files that produce findings, parse errors and read errors, in several folders.
fn write_project(dir: &Path) {
    let files: &[(&str, &[u8])] = &[
        (
            "Dockerfile",
            b"FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
        ),
        (
            "api/Dockerfile",
            b"FROM python:3.12\nCOPY . .\nRUN pip install -r requirements.txt\n",
        ),
        (
            "api/Dockerfile.dev",
            b"FROM alpine\nRUN apt-get update\nRUN apt-get install -y curl\n",
        ),
        (
            "web/app.Dockerfile",
            b"FROM node:latest AS build\nRUN npm install\nFROM build\nCOPY . .\n",
        ),
        ("web/broken.Dockerfile", b"FROM alpine\nENV PATH\n"),
        ("web/binary.Dockerfile", b"\x00\x01\x02"),
        (
            "worker/Containerfile",
            b"FROM golang:1.22\nCOPY . .\nRUN go build ./...\nADD https://example.com/x.tgz /\n",
        ),
        (
            "worker/latin1.Dockerfile",
            b"FROM alpine\nLABEL a=\"\xe9\"\n",
        ),
        (
            "z/Dockerfile",
            b"FROM ubuntu\nRUN curl -fsSL https://example.com/i.sh | sh\n",
        ),
    ];
    for (name, contents) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().expect("has a folder")).expect("mkdir");
        std::fs::write(path, contents).expect("write");
    }
    for i in 0..24 {
        let path = dir.join(format!("many/{i:02}/Dockerfile"));
        std::fs::create_dir_all(path.parent().expect("has a folder")).expect("mkdir");
        let body = format!("FROM node:{i}\nCOPY . .\nRUN npm ci\nRUN apt-get update\n");
        std::fs::write(path, body).expect("write");
    }
}

fn check_with_threads(dir: &Path, threads: &str, format: &str) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_layerlint"))
        .args(["check", "--format", format, "."])
        .current_dir(dir)
        .env("RAYON_NUM_THREADS", threads)
        .env("NO_COLOR", "1")
        .output()
        .expect("layerlint runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn output_is_the_same_whatever_the_thread_count() {
    let dir = tempfile::tempdir().expect("temp dir");
    write_project(dir.path());
    for format in ["pretty", "json", "sarif"] {
        let single = check_with_threads(dir.path(), "1", format);
        assert_eq!(single.0, Some(2), "a bad file makes the run exit 2");
        for threads in ["2", "8"] {
            for _ in 0..3 {
                let parallel = check_with_threads(dir.path(), threads, format);
                assert_eq!(
                    single, parallel,
                    "--format {format} differs between 1 and {threads} threads"
                );
            }
        }
    }
}
