//! The `layerlint` command.

mod cli;

use std::collections::BTreeMap;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use clap::Parser;
use miette::{miette, IntoDiagnostic, NamedSource, SourceSpan};
use rayon::prelude::*;

use cli::{CheckArgs, Cli, ColorChoice, Command, DebugCommand, GraphFormat, ParseFormat};
use layerlint::diagnostic::Severity;
use layerlint::output::{FileError, FileReport, Format, Report};
use layerlint::rules::{self, RuleMeta};
use layerlint::settings::{self, Settings};
use layerlint::{discover, graph, lint, syntax};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{report:?}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> miette::Result<ExitCode> {
    match cli.command {
        Command::Check(args) => check(args),
        Command::Rules(args) => {
            list_rules(args.json);
            Ok(ExitCode::SUCCESS)
        }
        Command::Rule { rule } => match rules::find(&rule) {
            Some(r) => {
                write_stdout(r.meta().doc.as_bytes());
                Ok(ExitCode::SUCCESS)
            }
            None => Err(miette!(
                help = "`layerlint rules` lists every rule",
                "unknown rule `{rule}`"
            )),
        },
        Command::Debug(cmd) => debug(cmd),
    }
}

/// Write to stdout; a closed pipe (`| head`) ends the program quietly.
fn write_stdout(bytes: &[u8]) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_all(bytes).and_then(|_| out.flush()) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

fn list_rules(json: bool) {
    let metas: Vec<&RuleMeta> = rules::registry().iter().map(|r| r.meta()).collect();
    if json {
        let v: Vec<_> = metas
            .iter()
            .map(|m| {
                serde_json::json!({
                    "code": m.code,
                    "name": m.name,
                    "category": m.category.as_str(),
                    "severity": m.default_severity.as_str(),
                    "fixable": m.fixable,
                    "default_enabled": m.default_enabled,
                    "experimental": m.experimental,
                    "summary": m.summary,
                })
            })
            .collect();
        let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
        s.push('\n');
        write_stdout(s.as_bytes());
        return;
    }
    let mut s = format!(
        "{:<6} {:<34} {:<13} {:<8} {:<8} {:<8} {}\n",
        "code", "name", "category", "severity", "fixable", "default", "summary"
    );
    for m in metas {
        let name = if m.experimental {
            format!("{} (experimental)", m.name)
        } else {
            m.name.to_string()
        };
        s.push_str(&format!(
            "{:<6} {:<34} {:<13} {:<8} {:<8} {:<8} {}\n",
            m.code,
            name,
            m.category.as_str(),
            m.default_severity.as_str(),
            if m.fixable { "yes" } else { "no" },
            if m.default_enabled { "on" } else { "off" },
            m.summary
        ));
    }
    write_stdout(s.as_bytes());
}

/// Read a file as UTF-8 text, naming the file (and line of the first bad byte) on failure.
fn read_text(path: &Path) -> Result<String, FileError> {
    let bytes = std::fs::read(path).map_err(|e| FileError::io(format!("cannot read: {e}")))?;
    bytes_to_text(bytes)
}

fn bytes_to_text(bytes: Vec<u8>) -> Result<String, FileError> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(FileError::parse(
            "the file is UTF-16 encoded; Dockerfiles must be UTF-8",
            Some(1),
            Some(1),
        ));
    }
    match String::from_utf8(bytes) {
        Ok(s) => {
            if let Some(pos) = s.find('\0') {
                let line = s[..pos].bytes().filter(|b| *b == b'\n').count() + 1;
                return Err(FileError::parse(
                    "the file contains NUL bytes: it is binary, not a Dockerfile",
                    Some(line),
                    None,
                ));
            }
            Ok(s)
        }
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let line = bytes[..valid].iter().filter(|b| **b == b'\n').count() + 1;
            let col = bytes[..valid]
                .iter()
                .rev()
                .take_while(|b| **b != b'\n')
                .count()
                + 1;
            Err(FileError::parse(
                format!("invalid UTF-8 at byte {valid}; Dockerfiles must be UTF-8"),
                Some(line),
                Some(col),
            ))
        }
    }
}

fn debug(cmd: DebugCommand) -> miette::Result<ExitCode> {
    let (path, as_graph, parse_format, graph_format) = match cmd {
        DebugCommand::Parse { file, format } => (file, false, format, GraphFormat::Text),
        DebugCommand::Graph { file, format } => (file, true, ParseFormat::Text, format),
    };
    let source = if path.as_os_str() == "-" {
        let mut buf = Vec::new();
        io::stdin().read_to_end(&mut buf).into_diagnostic()?;
        bytes_to_text(buf)
    } else {
        read_text(&path)
    }
    .map_err(|e| miette!("{}: {}", path.display(), e.message))?;
    let df = syntax::parse(&source).map_err(|e| parse_error_report(&path, &source, &e))?;
    let text = if as_graph {
        let g = graph::build(&df);
        match graph_format {
            GraphFormat::Text => graph::to_text(&df, &g),
            GraphFormat::Json => {
                let mut s =
                    serde_json::to_string_pretty(&graph::to_json(&df, &g)).unwrap_or_default();
                s.push('\n');
                s
            }
        }
    } else {
        match parse_format {
            ParseFormat::Buildkit => syntax::buildkit_dump(&df),
            ParseFormat::Text => format!("{:#?}\n", df.instructions),
        }
    };
    write_stdout(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

fn parse_error_report(path: &Path, source: &str, e: &syntax::ParseError) -> miette::Report {
    let span: SourceSpan = (e.span.start.min(source.len()), e.span.len()).into();
    miette!(
        labels = vec![miette::LabeledSpan::at(span, "here")],
        "{}:{}:{}: {}",
        path.display(),
        e.line,
        e.column,
        e.message
    )
    .with_source_code(NamedSource::new(
        path.display().to_string(),
        source.to_string(),
    ))
}

/// One input: a path on disk or stdin under a display name.
struct Input {
    display: String,
    path: PathBuf,
    stdin: Option<Result<String, FileError>>,
}

fn check(args: CheckArgs) -> miette::Result<ExitCode> {
    let mut paths = args.paths.clone();
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let mut inputs: Vec<Input> = Vec::new();
    let mut reports: Vec<FileReport> = Vec::new();
    let mut disk_paths = Vec::new();
    for p in &paths {
        if p.as_os_str() == "-" {
            let mut buf = Vec::new();
            let text = io::stdin()
                .read_to_end(&mut buf)
                .map_err(|e| FileError::io(format!("cannot read stdin: {e}")))
                .and_then(|_| bytes_to_text(buf));
            let display = args
                .stdin_filename
                .clone()
                .unwrap_or_else(|| "-".to_string());
            inputs.push(Input {
                path: args
                    .stdin_filename
                    .as_ref()
                    .map(PathBuf::from)
                    .unwrap_or_else(|| PathBuf::from("Dockerfile")),
                display,
                stdin: Some(text),
            });
        } else {
            disk_paths.push(p.clone());
        }
    }
    let (files, errors) = discover::discover(&disk_paths);
    for e in errors {
        reports.push(FileReport::failed(
            e.path.display().to_string(),
            "",
            FileError::io(describe_io(&e.error)),
        ));
    }
    let explicit_dirs: Vec<&PathBuf> = disk_paths.iter().filter(|p| p.is_dir()).collect();
    if files.is_empty() && inputs.is_empty() && reports.is_empty() {
        let shown: Vec<String> = explicit_dirs
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        return Err(miette!(
            help = "layerlint looks for Dockerfile, Containerfile, Dockerfile.*, *.Dockerfile and *.dockerfile",
            "no Dockerfiles found in {}",
            shown.join(", ")
        ));
    }
    for f in files {
        inputs.push(Input {
            display: f.display().to_string(),
            path: f,
            stdin: None,
        });
    }

    let base = Settings::from_cli(&settings::CliOverrides {
        select: (!args.select.is_empty()).then(|| args.select.clone()),
        extend_select: Vec::new(),
        ignore: args.ignore.clone(),
        fail_level: args.fail_level.map(|f| match f {
            cli::FailLevel::Error => settings::FailLevel::At(Severity::Error),
            cli::FailLevel::Warning => settings::FailLevel::At(Severity::Warning),
            cli::FailLevel::Info => settings::FailLevel::At(Severity::Info),
            cli::FailLevel::None => settings::FailLevel::Never,
        }),
    })
    .map_err(|e| miette!(help = "`layerlint rules` lists every rule", "{e}"))?;
    let explicit_config = match (&args.config, args.no_config) {
        (Some(path), _) => Some(settings::load(path).map_err(config_error)?),
        _ => None,
    };
    // Config files found by walking up, one per folder.
    let found_configs: Mutex<BTreeMap<PathBuf, Option<settings::Config>>> =
        Mutex::new(BTreeMap::new());
    let config_errors: Mutex<Vec<miette::Report>> = Mutex::new(Vec::new());

    let results: Vec<(FileReport, Option<Severity>)> = inputs
        .into_par_iter()
        .map(|input| {
            let config = if args.no_config {
                None
            } else if let Some(c) = &explicit_config {
                Some(c.clone())
            } else {
                let dir = input
                    .path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                let mut cache = found_configs.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(c) = cache.get(&dir) {
                    c.clone()
                } else {
                    let c = match settings::discover(&absolute(&dir)) {
                        Some(path) => match settings::load(&path) {
                            Ok(c) => Some(c),
                            Err(e) => {
                                config_errors
                                    .lock()
                                    .unwrap_or_else(|e| e.into_inner())
                                    .push(config_error(e));
                                None
                            }
                        },
                        None => None,
                    };
                    cache.insert(dir, c.clone());
                    c
                }
            };
            let settings = base.with_config(config.as_ref());
            let text = match input.stdin {
                Some(t) => t,
                None => read_text(&input.path),
            };
            let source = match text {
                Ok(s) => s,
                Err(e) => {
                    return (FileReport::failed(input.display, "", e), None);
                }
            };
            let context_dir = args.context.clone().or_else(|| {
                input.path.parent().map(|p| {
                    if p.as_os_str().is_empty() {
                        Path::new(".").to_path_buf()
                    } else {
                        p.to_path_buf()
                    }
                })
            });
            lint_one(
                &input.display,
                &input.path,
                source,
                context_dir.as_deref(),
                &settings,
            )
        })
        .collect();

    let errors = config_errors.into_inner().unwrap_or_default();
    if let Some(first) = errors.into_iter().next() {
        return Err(first);
    }

    let mut fail_level_hit = false;
    for (r, fail_level) in results {
        if let Some(level) = fail_level {
            if r.diagnostics.iter().any(|d| d.severity >= level) {
                fail_level_hit = true;
            }
        }
        reports.push(r);
    }
    let report = Report::new(reports);
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let metas: Vec<&'static RuleMeta> = rules::registry().iter().map(|r| r.meta()).collect();
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut result = args.format.emitter(color).emit(&report, &metas, &mut out);
    if result.is_ok() && args.statistics {
        // Statistics go to stderr for machine formats, so stdout stays valid JSON/SARIF.
        result = if args.format == Format::Pretty {
            write_statistics(&report, &mut out)
        } else {
            write_statistics(&report, &mut io::stderr())
        };
    }
    if let Err(e) = result.and_then(|_| out.flush()) {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::SUCCESS);
        }
        return Err(miette!("cannot write the output: {e}"));
    }
    drop(out);
    if report.error_count() > 0 {
        return Ok(ExitCode::from(2));
    }
    Ok(if fail_level_hit {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn absolute(dir: &Path) -> PathBuf {
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

fn describe_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::NotFound => "no such file or directory".to_string(),
        io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

fn config_error(e: settings::ConfigError) -> miette::Report {
    miette!("{e}")
}

fn lint_one(
    display: &str,
    path: &Path,
    source: String,
    context_dir: Option<&Path>,
    settings: &Settings,
) -> (FileReport, Option<Severity>) {
    let enabled = |code: &'static str| settings.is_enabled(code, path);
    let linted = match lint::lint_source(
        path,
        &source,
        context_dir,
        Some(&enabled),
        settings.rule_options(),
    ) {
        Ok(l) => l,
        Err(e) => {
            return (
                FileReport::failed(
                    display,
                    source,
                    FileError::parse(e.message.clone(), Some(e.line), Some(e.column)),
                ),
                None,
            )
        }
    };
    let diagnostics = settings.apply(linted.diagnostics, &linted.file);
    (
        FileReport::new(display, source, diagnostics),
        settings.fail_level(),
    )
}

fn write_statistics(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for f in &report.files {
        for d in &f.diagnostics {
            *counts.entry((d.code, d.name)).or_default() += 1;
        }
    }
    writeln!(out)?;
    for ((code, name), n) in counts {
        writeln!(out, "{n:>6}  {code}  {name}")?;
    }
    Ok(())
}
