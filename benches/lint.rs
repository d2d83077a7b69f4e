//! Criterion benches of each layer on a typical multi-stage Dockerfile, and of parsing the
//! whole benchmark corpus when it is present (`../shared/corpus`, or the `CORPUS` folder).
//!
//! `cargo bench --bench lint`; compare with a saved baseline through criterion's
//! `--save-baseline NAME` / `--baseline NAME`.

use std::fs;
use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use layerlint::lint::{lint_source, RuleOptions};
use layerlint::syntax::{self, Args, Dockerfile, Keyword};
use layerlint::{discover, graph, shell};

const SAMPLE: &str = include_str!("data/multi-stage.Dockerfile");

fn parsed_sample() -> Dockerfile {
    syntax::parse(SAMPLE).expect("the bench sample parses")
}

/// The shell scripts the graph hands to the shell analyser: shell-form RUN text and
/// RUN heredoc bodies.
fn run_scripts(file: &Dockerfile) -> Vec<&str> {
    let mut scripts = Vec::new();
    for inst in file
        .instructions
        .iter()
        .filter(|i| i.keyword == Keyword::Run)
    {
        if let Args::Shell(joined) = &inst.args {
            scripts.push(joined.text.as_str());
        }
        scripts.extend(inst.heredocs().iter().map(|h| h.body.as_str()));
    }
    scripts
}

fn typical_file(c: &mut Criterion) {
    let file = parsed_sample();
    let scripts = run_scripts(&file);
    let options = RuleOptions::new();

    let mut group = c.benchmark_group("typical");
    group.throughput(Throughput::Bytes(SAMPLE.len() as u64));
    group.bench_function("parse", |b| b.iter(|| syntax::parse(black_box(SAMPLE))));
    group.bench_function("graph", |b| b.iter(|| graph::build(black_box(&file))));
    group.bench_function("shell", |b| {
        b.iter(|| {
            scripts
                .iter()
                .map(|s| shell::analyze(black_box(s)).commands.len())
                .sum::<usize>()
        })
    });
    group.bench_function("lint", |b| {
        b.iter(|| {
            lint_source(
                Path::new("Dockerfile"),
                black_box(SAMPLE),
                None,
                None,
                &options,
            )
        })
    });
    group.finish();
}

fn corpus_dir() -> PathBuf {
    std::env::var_os("CORPUS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        PathBuf::from,
    )
}

/// The corpus's Dockerfiles as `layerlint check` finds them; files that are not UTF-8
/// are left out, as the linter reports them without parsing.
fn corpus_sources() -> Vec<String> {
    let dir = corpus_dir();
    if !dir.is_dir() {
        return Vec::new();
    }
    let (files, _) = discover::discover(&[dir]);
    files
        .iter()
        .filter_map(|f| fs::read_to_string(f).ok())
        .collect()
}

fn corpus(c: &mut Criterion) {
    let sources = corpus_sources();
    if sources.is_empty() {
        eprintln!(
            "corpus/parse skipped: no Dockerfiles in {}",
            corpus_dir().display()
        );
        return;
    }
    let bytes: usize = sources.iter().map(String::len).sum();
    let mut group = c.benchmark_group("corpus");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes as u64));
    group.bench_function(format!("parse {} files", sources.len()), |b| {
        b.iter(|| {
            sources
                .iter()
                .filter(|s| syntax::parse(black_box(s)).is_ok())
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, typical_file, corpus);
criterion_main!(benches);
