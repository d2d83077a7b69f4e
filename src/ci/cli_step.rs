//! `docker build`, `docker buildx build` and `docker buildx bake` commands in `run:` scripts,
//! read with the same shell analysis as Dockerfile RUN instructions.

use std::ops::Range;

use super::model::BuildKind;
use crate::shell::{self, ShellWord};

/// A value read from the command line, with its byte range in the script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    pub value: String,
    pub range: Range<usize>,
    /// Holds a shell expansion or a `${{ }}` expression.
    pub unknown: bool,
}

/// One `docker … build` / `docker buildx bake` command.
#[derive(Debug, Clone, Default)]
pub struct CliCommand {
    pub kind: Option<BuildKind>,
    /// From `docker` to the end of the command.
    pub range: Range<usize>,
    /// From the `docker` word to the subcommand (`build`, `bake`).
    pub head: Range<usize>,
    pub cache_from: Vec<Arg>,
    pub cache_to: Vec<Arg>,
    pub tags: Vec<Arg>,
    pub files: Vec<Arg>,
    pub build_args: Vec<Arg>,
    pub outputs: Vec<Arg>,
    pub sets: Vec<Arg>,
    pub target: Option<Arg>,
    pub platform: Option<Arg>,
    /// Positional arguments: the context for builds, the targets for bake.
    pub positional: Vec<Arg>,
    pub push: bool,
    pub load: bool,
    pub no_cache: bool,
}

/// What a script does that matters for CI caching.
#[derive(Debug, Clone, Default)]
pub struct ScriptFacts {
    pub builds: Vec<CliCommand>,
    /// `docker buildx create`: `Some(driver)` (`docker-container` when not given).
    pub creates_builder: Option<String>,
    /// `mv <from> <to>` commands.
    pub moves: Vec<(String, String)>,
}

/// Flags of `docker buildx build` / `docker build` that take a value.
const BUILD_VALUE_FLAGS: &[&str] = &[
    "--add-host",
    "--allow",
    "--annotation",
    "--attest",
    "--build-arg",
    "--build-context",
    "--builder",
    "--cache-from",
    "--cache-to",
    "--call",
    "--cgroup-parent",
    "--cpu-period",
    "--cpu-quota",
    "--cpu-shares",
    "--cpuset-cpus",
    "--cpuset-mems",
    "--file",
    "--iidfile",
    "--isolation",
    "--label",
    "--memory",
    "--memory-swap",
    "--metadata-file",
    "--network",
    "--output",
    "--platform",
    "--progress",
    "--secret",
    "--security-opt",
    "--shm-size",
    "--ssh",
    "--tag",
    "--target",
    "--ulimit",
    "-f",
    "-m",
    "-o",
    "-t",
];

const BAKE_VALUE_FLAGS: &[&str] = &[
    "--allow",
    "--builder",
    "--call",
    "--file",
    "--metadata-file",
    "--progress",
    "--set",
    "-f",
];

/// Global `docker` options that take a value.
const DOCKER_VALUE_FLAGS: &[&str] = &[
    "--config",
    "--context",
    "--host",
    "--log-level",
    "--tlscacert",
    "--tlscert",
    "--tlskey",
    "-H",
    "-c",
    "-l",
];

/// Reads a `run:` script. `${{ … }}` expressions are masked first (same length, so ranges
/// still point into the original text) and their words count as unknown.
pub fn analyze(script: &str) -> ScriptFacts {
    let masked = mask_expressions(script);
    let parsed = shell::analyze(&masked);
    let mut facts = ScriptFacts::default();
    for cmd in &parsed.commands {
        match cmd.program() {
            Some("docker") => {
                if let Some(c) = docker_command(script, &cmd.words, cmd.range.range()) {
                    match c {
                        Docker::Build(b) => facts.builds.push(*b),
                        Docker::CreateBuilder(d) => facts.creates_builder = Some(d),
                    }
                }
            }
            Some("mv") => {
                let args: Vec<&ShellWord> = cmd
                    .words
                    .iter()
                    .skip(1)
                    .filter(|w| !w.value.starts_with('-'))
                    .collect();
                if let [from, to] = args.as_slice() {
                    facts
                        .moves
                        .push((original(script, from).value, original(script, to).value));
                }
            }
            _ => {}
        }
    }
    facts
}

/// Replaces each `${{ … }}` by `$` and underscores of the same byte length.
fn mask_expressions(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    let mut rest = script;
    while let Some(i) = rest.find("${{") {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        let len = after.find("}}").map_or(after.len(), |j| j + 2);
        let expr = &after[..len];
        out.push('$');
        for c in expr.chars().skip(1) {
            for _ in 0..c.len_utf8() {
                out.push(if c == '\n' { '\n' } else { '_' });
            }
        }
        rest = &after[len..];
    }
    out.push_str(rest);
    out
}

/// A word's value, taken from the unmasked script when it held a `${{ }}` expression.
fn original(script: &str, w: &ShellWord) -> Arg {
    let text = script.get(w.range.range()).unwrap_or("");
    let has_gh = text.contains("${{");
    let value = if has_gh {
        text.trim_matches(|c| c == '"' || c == '\'').to_string()
    } else {
        w.value.to_string()
    };
    Arg {
        value,
        range: w.range.range(),
        unknown: w.has_expansion || has_gh,
    }
}

enum Docker {
    Build(Box<CliCommand>),
    CreateBuilder(String),
}

fn docker_command(script: &str, words: &[ShellWord], range: Range<usize>) -> Option<Docker> {
    let start = words.first()?.range;
    let mut i = 1;
    // Global options before the subcommand.
    while let Some(w) = words.get(i) {
        if !w.value.starts_with('-') {
            break;
        }
        i += if DOCKER_VALUE_FLAGS.contains(&w.value.as_str()) {
            2
        } else {
            1
        };
    }
    let sub = words.get(i)?.value.as_str();
    let (kind, rest) = match sub {
        "build" => (BuildKind::DockerBuild, i + 1),
        "image" if words.get(i + 1).is_some_and(|w| w.value == "build") => {
            (BuildKind::DockerBuild, i + 2)
        }
        "buildx" => {
            let mut j = i + 1;
            while let Some(w) = words.get(j) {
                if !w.value.starts_with('-') {
                    break;
                }
                j += if w.value == "--builder" { 2 } else { 1 };
            }
            match words.get(j).map(|w| w.value.as_str()) {
                Some("build" | "b") => (BuildKind::BuildxBuild, j + 1),
                Some("bake") => (BuildKind::BuildxBake, j + 1),
                Some("create") => {
                    return Some(Docker::CreateBuilder(create_driver(&words[j + 1..])))
                }
                _ => return None,
            }
        }
        _ => return None,
    };
    let value_flags = if kind == BuildKind::BuildxBake {
        BAKE_VALUE_FLAGS
    } else {
        BUILD_VALUE_FLAGS
    };
    let head_end = words.get(rest - 1).map_or(start.end(), |w| w.range.end());
    let mut c = CliCommand {
        kind: Some(kind),
        range,
        head: start.start()..head_end,
        ..CliCommand::default()
    };
    let mut j = rest;
    while let Some(w) = words.get(j) {
        j += 1;
        let text = w.value.as_str();
        if text == "--" {
            continue;
        }
        if !text.starts_with('-') || text == "-" {
            c.positional.push(original(script, w));
            continue;
        }
        let (flag, inline) = match text.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v)),
            _ => (text, None),
        };
        // Short flags glued to their value: `-tname:tag`, `-fDockerfile`.
        let (flag, inline) = match (flag, inline) {
            (f, None) if f.len() > 2 && !f.starts_with("--") && value_flags.contains(&&f[..2]) => {
                (&f[..2], Some(&f[2..]))
            }
            other => other,
        };
        let arg = if value_flags.contains(&flag) {
            match inline {
                Some(v) => {
                    let mut a = original(script, w);
                    if !a.value.contains("${{") {
                        a.value = v.to_string();
                    } else if let Some((_, after)) = a.value.split_once('=') {
                        a.value = after.to_string();
                    }
                    Some(a)
                }
                None => {
                    let v = words.get(j).map(|v| original(script, v));
                    j += 1;
                    v
                }
            }
        } else {
            None
        };
        match (flag, arg) {
            ("--cache-from", Some(a)) => c.cache_from.push(a),
            ("--cache-to", Some(a)) => c.cache_to.push(a),
            ("-t" | "--tag", Some(a)) => c.tags.push(a),
            ("-f" | "--file", Some(a)) => c.files.push(a),
            ("--build-arg", Some(a)) => c.build_args.push(a),
            ("-o" | "--output", Some(a)) => c.outputs.push(a),
            ("--set", Some(a)) => c.sets.push(a),
            ("--target", Some(a)) => c.target = Some(a),
            ("--platform", Some(a)) => c.platform = Some(a),
            ("--push", None) => c.push = true,
            ("--load", None) => c.load = true,
            ("--no-cache", None) => c.no_cache = true,
            _ => {}
        }
    }
    Some(Docker::Build(Box::new(c)))
}

fn create_driver(words: &[ShellWord]) -> String {
    let mut it = words.iter();
    while let Some(w) = it.next() {
        if let Some(v) = w.value.strip_prefix("--driver=") {
            return v.to_string();
        }
        if w.value == "--driver" {
            if let Some(v) = it.next() {
                return v.value.to_string();
            }
        }
    }
    "docker-container".to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_buildx_flags_across_continuations() {
        let s = "docker buildx build \\\n  --cache-from type=gha,scope=a \\\n  --cache-to=type=gha,mode=max,scope=a \\\n  -t ghcr.io/x/y:1 --push .\n";
        let f = analyze(s);
        assert_eq!(f.builds.len(), 1);
        let b = &f.builds[0];
        assert_eq!(b.kind, Some(BuildKind::BuildxBuild));
        assert_eq!(b.cache_from[0].value, "type=gha,scope=a");
        assert_eq!(b.cache_to[0].value, "type=gha,mode=max,scope=a");
        assert_eq!(&s[b.cache_from[0].range.clone()], "type=gha,scope=a");
        assert_eq!(b.tags[0].value, "ghcr.io/x/y:1");
        assert!(b.push);
        assert_eq!(b.positional[0].value, ".");
    }

    #[test]
    fn keeps_expressions_unknown() {
        let s = "docker build -t ${{ env.IMAGE }}:latest --cache-from ${{ env.IMAGE }}:cache .";
        let f = analyze(s);
        let b = &f.builds[0];
        assert_eq!(b.kind, Some(BuildKind::DockerBuild));
        assert!(b.tags[0].unknown);
        assert_eq!(b.tags[0].value, "${{ env.IMAGE }}:latest");
        assert!(b.cache_from[0].unknown);
    }

    #[test]
    fn finds_bake_create_and_moves() {
        let s = "docker buildx create --use\ndocker buildx bake -f docker-bake.hcl --set '*.cache-to=type=gha' app\nrm -rf /tmp/c && mv /tmp/c-new /tmp/c";
        let f = analyze(s);
        assert_eq!(f.creates_builder.as_deref(), Some("docker-container"));
        assert_eq!(f.builds[0].kind, Some(BuildKind::BuildxBake));
        assert_eq!(f.builds[0].sets[0].value, "*.cache-to=type=gha");
        assert_eq!(f.builds[0].positional[0].value, "app");
        assert_eq!(
            f.moves,
            vec![("/tmp/c-new".to_string(), "/tmp/c".to_string())]
        );
    }

    #[test]
    fn ignores_other_docker_commands() {
        let f = analyze("docker run --rm x\ndocker push x\ndocker buildx ls");
        assert!(f.builds.is_empty());
    }
}
