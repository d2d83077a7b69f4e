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

use cli::{
    CheckArgs, Cli, ColorChoice, Command, DebugCommand, ExplainArgs, ExplainFormat, GraphFormat,
    ParseFormat,
};
use layerlint::context::BuildContext;
use layerlint::diagnostic::{Diagnostics, Severity};
use layerlint::explain::{self as predictor, Change, IgnoredChange};
use layerlint::fix::{self, FixOptions, FixOutcome};
use layerlint::output::{FileError, FileReport, Format, Report};
use layerlint::rules::{self, RuleMeta};
use layerlint::settings::{self, Settings};
use layerlint::{ci, discover, graph, lint, syntax};

/// glibc raises its mmap threshold to the size of each large block freed (up to 32 MiB):
/// once a rule frees a large table of its own, the growing tables of later rules (the
/// findings' records and texts) stay inside the heap up to that size, where each doubling
/// copies and leaves the old block resident. A fixed threshold (the usual starting value)
/// keeps every large block in a mapping of its own, which grows in place and is returned
/// when freed: about 178 MB of resident memory instead of 211 MB on a 10 MB file with a
/// finding on every line.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn fix_mmap_threshold() {
    // SAFETY: `mallopt` only sets an allocator parameter; it runs before any other thread.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn fix_mmap_threshold() {}

fn main() -> ExitCode {
    fix_mmap_threshold();
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
        Command::Explain(args) => explain(args),
        Command::Ci(args) => ci_report(args),
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
    if bytes.len() > layerlint::span::MAX_SOURCE_LEN {
        return Err(FileError::io(format!(
            "the file is {} bytes long; layerlint reads files of up to {} bytes (4 GiB)",
            bytes.len(),
            layerlint::span::MAX_SOURCE_LEN
        )));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(FileError::parse(
            "the file is UTF-16 encoded; Dockerfiles must be UTF-8",
            Some(1),
            Some(1),
        ));
    }
    // A NUL byte before any invalid UTF-8 means a binary file: report it where it starts.
    let invalid_at = std::str::from_utf8(&bytes).err().map(|e| e.valid_up_to());
    if let Some(pos) = bytes.iter().position(|b| *b == 0) {
        if invalid_at.is_none_or(|bad| pos < bad) {
            let line = bytes[..pos].iter().filter(|b| **b == b'\n').count() + 1;
            return Err(FileError::parse(
                "the file contains NUL bytes: it is binary, not a Dockerfile",
                Some(line),
                None,
            ));
        }
    }
    match String::from_utf8(bytes) {
        Ok(s) => Ok(s),
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
    let span: SourceSpan = (e.span.start().min(source.len()), e.span.len()).into();
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

/// What fixing did to one file, for writing and for the summary.
struct FixedFile {
    display: String,
    path: PathBuf,
    stdin: bool,
    original: String,
    outcome: FixOutcome,
}

/// One input: a path on disk or stdin under a display name.
struct Input {
    display: String,
    path: PathBuf,
    stdin: Option<Result<String, FileError>>,
}

fn check(args: CheckArgs) -> miette::Result<ExitCode> {
    if args.unsafe_fixes && !args.fix && !args.diff {
        return Err(miette!(
            help = "add --fix to apply them, or --diff to see them",
            "--unsafe-fixes only matters with --fix or --diff"
        ));
    }
    let fix_options = (args.fix || args.diff).then_some(FixOptions {
        unsafe_fixes: args.unsafe_fixes,
    });
    if args.fix && !args.diff && args.paths.iter().any(|p| p.as_os_str() == "-") {
        return Err(miette!(
            help = "use --diff to print the fixes of stdin as a patch",
            "--fix cannot write back to stdin"
        ));
    }
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
    // Workflows and bake files named on the command line are CI inputs, not Dockerfiles.
    let (explicit_ci, disk_paths): (Vec<PathBuf>, Vec<PathBuf>) = disk_paths
        .into_iter()
        .partition(|p| p.is_file() && ci::is_ci_file(p));
    let ci_enabled = !args.no_ci && root_config(&args).and_then(|c| c.ci) != Some(false);
    let ci_files: Vec<PathBuf> = if ci_enabled {
        let mut found = explicit_ci;
        found.extend(ci::discover_ci_files(&disk_paths));
        found.sort();
        found.dedup();
        found
    } else {
        Vec::new()
    };
    let (files, errors) = if disk_paths.is_empty() && !ci_files.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        discover::discover(&disk_paths)
    };
    for e in errors {
        reports.push(FileReport::failed(
            e.path.display().to_string(),
            "",
            FileError::io(describe_io(&e.error)),
        ));
    }
    let explicit_dirs: Vec<&PathBuf> = disk_paths.iter().filter(|p| p.is_dir()).collect();
    if files.is_empty() && inputs.is_empty() && reports.is_empty() && ci_files.is_empty() {
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

    let lint_input = |input: Input| {
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
        let is_stdin = input.stdin.is_some();
        let text = match input.stdin {
            Some(t) => t,
            None => read_text(&input.path),
        };
        let source = match text {
            Ok(s) => s,
            Err(e) => {
                return (FileReport::failed(input.display, "", e), None, None);
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
        let (report, fail_level, outcome) = lint_one(
            &input.display,
            &input.path,
            source,
            context_dir.as_deref(),
            &settings,
            fix_options,
        );
        let fixed = outcome.map(|(original, outcome)| FixedFile {
            display: input.display.clone(),
            path: input.path.clone(),
            stdin: is_stdin,
            original,
            outcome,
        });
        (report, fail_level, fixed)
    };
    // One file (the pre-commit case) skips starting the thread pool.
    let results: Vec<(FileReport, Option<Severity>, Option<FixedFile>)> = if inputs.len() <= 1 {
        inputs.into_iter().map(lint_input).collect()
    } else {
        inputs.into_par_iter().map(lint_input).collect()
    };

    let errors = config_errors.into_inner().unwrap_or_default();
    if let Some(first) = errors.into_iter().next() {
        return Err(first);
    }

    let mut fail_level_hit = false;
    if !ci_files.is_empty() {
        let root_settings = base.with_config(root_config(&args).as_ref());
        let repo_root = match paths.as_slice() {
            [only] if only.is_dir() => Some(only.clone()),
            _ => None,
        };
        for report in lint_ci(&ci_files, repo_root.as_deref(), &root_settings) {
            if let Some(level) = root_settings.fail_level() {
                if report.diagnostics.iter().any(|d| d.severity() >= level) {
                    fail_level_hit = true;
                }
            }
            reports.push(report);
        }
    }
    let mut fixed_files = Vec::new();
    for (r, fail_level, fixed) in results {
        if let Some(level) = fail_level {
            if r.diagnostics.iter().any(|d| d.severity() >= level) {
                fail_level_hit = true;
            }
        }
        reports.push(r);
        fixed_files.extend(fixed);
    }
    fixed_files.sort_by(|a, b| a.display.cmp(&b.display));
    if args.diff {
        return print_diffs(&reports, &fixed_files, fail_level_hit);
    }
    let mut write_failed = false;
    if args.fix {
        write_failed = write_fixes(&fixed_files);
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
    if report.error_count() > 0 || write_failed {
        return Ok(ExitCode::from(2));
    }
    Ok(if fail_level_hit {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The config that applies to the run as a whole (CI files, the `ci` key): `--config`, or
/// the nearest `.layerlint.toml` above the current folder.
fn root_config(args: &CheckArgs) -> Option<settings::Config> {
    if args.no_config {
        return None;
    }
    let path = match &args.config {
        Some(p) => p.clone(),
        None => settings::discover(&absolute(Path::new(".")))?,
    };
    settings::load(&path).ok()
}

/// Lint CI workflows and bake files together: some rules look across files.
fn lint_ci(files: &[PathBuf], repo_root: Option<&Path>, settings: &Settings) -> Vec<FileReport> {
    let mut reports = Vec::new();
    let mut sources = Vec::new();
    for f in files {
        match read_text(f) {
            Ok(text) => sources.push((f.clone(), text)),
            Err(e) => reports.push(FileReport::failed(f.display().to_string(), "", e)),
        }
    }
    let enabled = |code: &str| settings.selection().is_enabled(code);
    let results = ci::lint_repo(&sources, repo_root, &enabled);
    for ((path, source), (_, result)) in sources.into_iter().zip(results) {
        let display = path.display().to_string();
        reports.push(match result {
            Ok(diags) => {
                let diags: Diagnostics = diags
                    .into_iter()
                    .filter(|d| settings.is_enabled(d.code(), &path))
                    .map(|mut d| {
                        if let Some(sev) = settings.selection().severity_override(d.code()) {
                            d.severity = sev;
                        }
                        d
                    })
                    .collect();
                FileReport::new(display, source, diags)
            }
            Err(e) => FileReport::failed(
                display,
                source,
                FileError::parse(e.message, Some(e.line), Some(e.column)),
            ),
        });
    }
    reports
}

fn ci_report(args: cli::CiArgs) -> miette::Result<ExitCode> {
    let mut paths = args.paths.clone();
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let (mut files, rest): (Vec<PathBuf>, Vec<PathBuf>) = paths
        .iter()
        .cloned()
        .partition(|p| p.is_file() && ci::is_ci_file(p));
    files.extend(ci::discover_ci_files(&rest));
    files.sort();
    files.dedup();
    let mut sources = Vec::new();
    for f in &files {
        let text = read_text(f).map_err(|e| miette!("{}: {}", f.display(), e.message))?;
        sources.push((f.clone(), text));
    }
    let repo_root = match paths.as_slice() {
        [only] if only.is_dir() => Some(only.as_path()),
        _ => None,
    };
    let (report, _) = ci::lint_and_report(&sources, repo_root, &|_| true);
    let text = match args.format {
        ExplainFormat::Text => ci::report::render_text(&report),
        ExplainFormat::Json => ci::report::render_json(&report),
    };
    write_stdout(text.as_bytes());
    Ok(ExitCode::SUCCESS)
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

/// Write the fixed files and say on stderr what was fixed and what was not.
/// Returns whether a write failed.
fn write_fixes(files: &[FixedFile]) -> bool {
    let mut failed = false;
    let mut fixed = 0;
    let mut unsafe_available = 0;
    for f in files {
        unsafe_available += f.outcome.unsafe_available;
        if let Some(why) = &f.outcome.rejected {
            eprintln!("{}: left untouched: {why}", f.display);
            continue;
        }
        if !f.outcome.changed() || f.stdin {
            continue;
        }
        match fix::write_atomic(&f.path, &f.outcome.fixed) {
            Ok(()) => {
                fixed += f.outcome.applied.len();
                eprintln!("{}: fixed {}", f.display, describe_applied(&f.outcome));
            }
            Err(e) => {
                failed = true;
                eprintln!("{}: cannot write the fixes: {}", f.display, describe_io(&e));
            }
        }
        if f.outcome.left_over > 0 {
            eprintln!(
                "{}: {} fixes still overlap others; run --fix again",
                f.display, f.outcome.left_over
            );
        }
    }
    if fixed > 0 || unsafe_available > 0 {
        let mut line = format!("{fixed} {} fixed", plural(fixed, "finding", "findings"));
        if unsafe_available > 0 {
            line.push_str(&format!(
                "; {unsafe_available} more {} available with --unsafe-fixes",
                plural(unsafe_available, "fix", "fixes")
            ));
        }
        eprintln!("{line}");
    }
    failed
}

/// `--diff`: the patch on stdout, the summary on stderr, nothing written.
fn print_diffs(
    reports: &[FileReport],
    files: &[FixedFile],
    fail_level_hit: bool,
) -> miette::Result<ExitCode> {
    let mut patch = String::new();
    let mut would_fix = 0;
    let mut changed_files = 0;
    let mut unsafe_available = 0;
    for f in files {
        unsafe_available += f.outcome.unsafe_available;
        if let Some(why) = &f.outcome.rejected {
            eprintln!("{}: would be left untouched: {why}", f.display);
            continue;
        }
        let d = fix::unified_diff(&f.display, &f.original, &f.outcome.fixed);
        if !d.is_empty() {
            changed_files += 1;
            would_fix += f.outcome.applied.len();
            patch.push_str(&d);
        }
    }
    write_stdout(patch.as_bytes());
    let mut line = format!(
        "would fix {would_fix} {} in {changed_files} {}",
        plural(would_fix, "finding", "findings"),
        plural(changed_files, "file", "files")
    );
    if unsafe_available > 0 {
        line.push_str(&format!(
            "; {unsafe_available} more {} available with --unsafe-fixes",
            plural(unsafe_available, "fix", "fixes")
        ));
    }
    eprintln!("{line}");
    let mut errors = false;
    for r in reports {
        if let Some(e) = &r.error {
            errors = true;
            match e.line {
                Some(l) => eprintln!("{}:{l}: {}", r.path, e.message),
                None => eprintln!("{}: {}", r.path, e.message),
            }
        }
    }
    Ok(if errors {
        ExitCode::from(2)
    } else if changed_files > 0 || fail_level_hit {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn describe_applied(outcome: &FixOutcome) -> String {
    let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
    for a in &outcome.applied {
        *by_code.entry(a.code).or_default() += 1;
    }
    let n = outcome.applied.len();
    let codes: Vec<String> = by_code
        .into_iter()
        .map(|(code, k)| {
            if k == 1 {
                code.to_string()
            } else {
                format!("{code} ×{k}")
            }
        })
        .collect();
    format!(
        "{n} {} ({})",
        plural(n, "finding", "findings"),
        codes.join(", ")
    )
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

type LintResult = (FileReport, Option<Severity>, Option<(String, FixOutcome)>);

fn lint_one(
    display: &str,
    path: &Path,
    source: String,
    context_dir: Option<&Path>,
    settings: &Settings,
    fix_options: Option<FixOptions>,
) -> LintResult {
    let enabled = |code: &'static str| settings.is_enabled(code, path);
    let mut fixed = None;
    let source = match fix_options {
        Some(options) => {
            let lint_text = |text: &str| {
                lint::lint_source(
                    path,
                    text,
                    context_dir,
                    Some(&enabled),
                    settings.rule_options(),
                )
                .map(|l| settings.apply(l.diagnostics, &l.file))
            };
            match fix::fix_source(&source, &lint_text, options) {
                Ok(mut outcome) => {
                    let text = outcome.fixed.clone();
                    // The last round linted the final text already, with these settings.
                    let findings = outcome.findings.take();
                    fixed = Some((source, outcome));
                    if let Some(findings) = findings {
                        let report = FileReport::new(display, text, findings);
                        return (report, settings.fail_level(), fixed);
                    }
                    text
                }
                // The parse error is reported below.
                Err(_) => source,
            }
        }
        None => source,
    };
    // The syntax tree takes the text over rather than a copy, and gives it back for the report.
    let file = match syntax::parse_owned(source) {
        Ok(file) => file,
        Err((e, source)) => {
            return (
                FileReport::failed(
                    display,
                    source,
                    FileError::parse(e.message.clone(), Some(e.line), Some(e.column)),
                ),
                None,
                fixed,
            )
        }
    };
    let linted = lint::lint_file(
        path,
        file,
        context_dir,
        Some(&enabled),
        settings.rule_options(),
    );
    // The graph goes before suppressions are applied, the syntax tree after; the report
    // keeps only the parser's line index, so a large file is not held twice while the
    // report is built.
    let lint::Linted {
        file,
        graph,
        diagnostics,
    } = linted;
    drop(graph);
    let diagnostics = settings.apply(diagnostics, &file);
    let syntax::Dockerfile { source, lines, .. } = file;
    (
        FileReport::with_lines(display, source, lines, diagnostics),
        settings.fail_level(),
        fixed,
    )
}

fn write_statistics(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut counts: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for f in &report.files {
        for d in &f.diagnostics {
            *counts.entry((d.code(), d.name())).or_default() += 1;
        }
    }
    writeln!(out)?;
    for ((code, name), n) in counts {
        writeln!(out, "{n:>6}  {code}  {name}")?;
    }
    Ok(())
}

/// `layerlint explain`: predict what a change rebuilds, optionally before and after fixing.
fn explain(args: ExplainArgs) -> miette::Result<ExitCode> {
    let path = &args.file;
    let source = read_text(path).map_err(|e| match e.line {
        Some(line) => miette!("{}:{line}: {}", path.display(), e.message),
        None => miette!("{}: {}", path.display(), e.message),
    })?;
    let file = syntax::parse(&source).map_err(|e| parse_error_report(path, &source, &e))?;
    let context_dir = args.context.clone().unwrap_or_else(|| match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    });
    if !context_dir.is_dir() {
        return Err(miette!(
            "the build context {} is not a folder",
            context_dir.display()
        ));
    }
    let context = BuildContext::load(&context_dir, Some(path));

    let mut change = Change::default();
    let mut outside = Vec::new();
    let mut raw_paths = args.changed.clone();
    if let Some(rev) = &args.git {
        let from_git = predictor::git_changed_paths(&context_dir, rev).map_err(|e| {
            miette!(
                help = "--git needs the context to be in a git work tree",
                "{e}"
            )
        })?;
        raw_paths.extend(from_git);
    }
    for p in &raw_paths {
        match predictor::normalize_changed_path(p, &context_dir) {
            Some(n) => {
                if !change.paths.contains(&n) {
                    change.paths.push(n);
                }
            }
            None => outside.push(IgnoredChange {
                path: p.clone(),
                reason: "outside the build context".to_string(),
            }),
        }
    }
    for arg in &args.build_args {
        let (name, value) = match arg.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            // Like `docker build --build-arg NAME`: the value comes from the environment.
            None => match std::env::var(arg) {
                Ok(v) => (arg.clone(), v),
                Err(_) => {
                    return Err(miette!(
                        help = "write --build-arg NAME=VALUE",
                        "--build-arg {arg} has no value and no environment variable {arg} is set"
                    ))
                }
            },
        };
        if name.is_empty() {
            return Err(miette!("--build-arg `{arg}` has no name"));
        }
        change.build_args.insert(name, value);
    }
    if raw_paths.is_empty() && change.build_args.is_empty() && args.git.is_none() {
        return Err(miette!(
            help = "e.g. `layerlint explain Dockerfile --changed src/app.py`",
            "nothing changed: give --changed PATH…, --git REV or --build-arg NAME=VALUE"
        ));
    }

    let graph = graph::build(&file);
    let mut before = predictor::predict(&file, &graph, context.as_ref(), &change);
    before.ignored.extend(outside.iter().cloned());
    let display = path.display().to_string();

    if !args.compare_fix {
        let text = match args.format {
            ExplainFormat::Text => predictor::render_text(&display, &before),
            ExplainFormat::Json => json_text(&serde_json::json!({
                "file": display,
                "prediction": before,
            })),
        };
        write_stdout(text.as_bytes());
        return Ok(ExitCode::SUCCESS);
    }

    let options = lint::RuleOptions::new();
    let default_rules = |code: &'static str| {
        rules::registry()
            .iter()
            .any(|r| r.meta().code == code && r.meta().default_enabled)
    };
    let lint_text = |text: &str| {
        lint::lint_source(
            path,
            text,
            Some(&context_dir),
            Some(&default_rules),
            &options,
        )
        .map(|l| l.diagnostics)
    };
    let outcome = fix::fix_source(&source, &lint_text, FixOptions { unsafe_fixes: true })
        .map_err(|e| parse_error_report(path, &source, &e))?;
    let fixed_file =
        syntax::parse(&outcome.fixed).map_err(|e| parse_error_report(path, &outcome.fixed, &e))?;
    let fixed_graph = graph::build(&fixed_file);
    let mut after = predictor::predict(&fixed_file, &fixed_graph, context.as_ref(), &change);
    after.ignored.extend(outside);
    let applied: Vec<String> = outcome
        .applied
        .iter()
        .map(|a| format!("{} at line {}", a.code, a.line))
        .collect();
    let text = match args.format {
        ExplainFormat::Text => {
            let mut t = predictor::render_comparison(&display, &before, &after, &applied);
            if let Some(why) = &outcome.rejected {
                t.push_str(&format!("(the fixes could not be applied: {why})\n"));
            }
            t
        }
        ExplainFormat::Json => json_text(&serde_json::json!({
            "file": display,
            "prediction": before,
            "after_fix": {
                "fixes_applied": outcome.applied.iter().map(|a| serde_json::json!({
                    "code": a.code, "line": a.line, "title": a.title,
                })).collect::<Vec<_>>(),
                "rejected": outcome.rejected.as_ref().map(|r| r.to_string()),
                "prediction": after,
            },
        })),
    };
    write_stdout(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

fn json_text(value: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_default();
    s.push('\n');
    s
}
