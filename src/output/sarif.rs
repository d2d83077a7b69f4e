//! SARIF 2.1.0, in the shape GitHub code scanning accepts.
//!
//! One run; `tool.driver.rules` lists every rule passed to the emitter and each
//! result points at its rule by `ruleId` and `ruleIndex`. Regions count columns
//! in Unicode code points (`columnKind: unicodeCodePoints`), end column
//! exclusive. Paths become relative URI references: backslashes turn into `/`,
//! a leading `./` is dropped and anything outside the URI unreserved set is
//! percent-encoded; absolute paths become `file://` URIs.
//!
//! Files that could not be linted are not results: they are reported as
//! `toolExecutionNotifications` of the single invocation, whose
//! `executionSuccessful` is then `false`.
//!
//! # Fingerprints
//!
//! `partialFingerprints.primaryLocationLineHash` is `<hash>:<n>` where `<hash>`
//! is the 64-bit FNV-1a hash (16 hex digits) of the rule code, a NUL byte and
//! the text of the lines the primary span covers with every whitespace run
//! collapsed to one space and the ends trimmed, and `<n>` counts the findings
//! of the same rule on identical text earlier in the same file, from 1. Neither
//! the line number nor the surrounding lines take part, so a finding keeps its
//! fingerprint when unrelated lines are added or removed around it.

use std::collections::HashMap;
use std::io::Write;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{json, Value};

use super::{rule_url, Emitter, FileReport, Range, Report, HOMEPAGE_URL};
use crate::diagnostic::{Applicability, Finding, Severity};
use crate::rules::RuleMeta;
use crate::span::Span;

const SCHEMA_URL: &str = "https://json.schemastore.org/sarif-2.1.0.json";

#[derive(Debug, Clone, Copy, Default)]
pub struct SarifEmitter;

impl Emitter for SarifEmitter {
    fn emit(
        &self,
        report: &Report,
        rules: &[&'static RuleMeta],
        w: &mut dyn Write,
    ) -> std::io::Result<()> {
        // serde_json writes a few bytes at a time: a local buffer keeps those writes off the
        // dynamic writer (it reaches it once per 64 KiB).
        let mut out = std::io::BufWriter::with_capacity(1 << 16, &mut *w);
        super::indent::write_pretty(&mut out, &Log { report, rules })?;
        writeln!(out)?;
        out.flush()
    }
}

/// The whole SARIF log, serialized as it is written: results are built one at a time, so
/// a run of many thousand findings never holds them all as JSON values (it took about
/// 170 times the input's size). Keys are written in the sorted order `serde_json::Value`
/// uses, so the text is the same as serializing the whole log as one value.
struct Log<'a> {
    report: &'a Report,
    rules: &'a [&'static RuleMeta],
}

impl Serialize for Log<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("$schema", SCHEMA_URL)?;
        map.serialize_entry("runs", &[RunLog(self)])?;
        map.serialize_entry("version", "2.1.0")?;
        map.end()
    }
}

struct RunLog<'a>(&'a Log<'a>);

impl Serialize for RunLog<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Log { report, rules } = *self.0;
        let mut map = serializer.serialize_map(Some(4))?;
        map.serialize_entry("columnKind", "unicodeCodePoints")?;
        map.serialize_entry("invocations", &[invocation(report)])?;
        map.serialize_entry("results", &Results(self.0))?;
        map.serialize_entry(
            "tool",
            &json!({
                "driver": {
                    "name": "layerlint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": HOMEPAGE_URL,
                    "rules": rules.iter().map(|r| rule(r)).collect::<Vec<_>>(),
                }
            }),
        )?;
        map.end()
    }
}

struct Results<'a>(&'a Log<'a>);

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Log { report, rules } = *self.0;
        let rule_index: HashMap<&str, usize> =
            rules.iter().enumerate().map(|(i, r)| (r.code, i)).collect();
        let mut seq = serializer.serialize_seq(None)?;
        for file in &report.files {
            let uri = path_to_uri(&file.path);
            let mut seen: HashMap<u64, usize> = HashMap::new();
            for d in file.diagnostics.iter() {
                let hash = line_hash(file, d);
                let n = seen.entry(hash).or_insert(0);
                *n += 1;
                let index = rule_index.get(d.code()).copied();
                seq.serialize_element(&result(file, &uri, d, index, hash, *n))?;
            }
        }
        seq.end()
    }
}

/// The run's invocation, with a notification per file that could not be linted.
fn invocation(report: &Report) -> Value {
    let notifications: Vec<Value> = report
        .files
        .iter()
        .filter_map(|file| {
            let error = file.error.as_ref()?;
            let mut location = json!({ "artifactLocation": { "uri": path_to_uri(&file.path) } });
            if let Some(line) = error.line {
                let mut region = json!({ "startLine": line });
                if let Some(column) = error.column {
                    region["startColumn"] = json!(column);
                }
                location["region"] = region;
            }
            Some(json!({
                "level": "error",
                "descriptor": { "id": error.kind.code() },
                "message": { "text": sentence(&error.message) },
                "locations": [{ "physicalLocation": location }],
            }))
        })
        .collect();
    let mut invocation = json!({ "executionSuccessful": notifications.is_empty() });
    if !notifications.is_empty() {
        invocation["toolExecutionNotifications"] = Value::Array(notifications);
    }
    invocation
}

fn rule(meta: &RuleMeta) -> Value {
    let precision = if meta.experimental { "medium" } else { "high" };
    json!({
        "id": meta.code,
        // SARIF wants a PascalCase friendly name; the name users type stays in `properties.alias`.
        "name": pascal_case(meta.name),
        "shortDescription": { "text": sentence(meta.summary) },
        "fullDescription": { "text": sentence(&full_description(meta)) },
        "help": { "text": meta.doc, "markdown": meta.doc },
        "helpUri": rule_url(meta.code),
        "defaultConfiguration": {
            "enabled": meta.default_enabled,
            "level": level(meta.default_severity),
        },
        "properties": {
            "alias": meta.name,
            "tags": ["docker", "build-cache", meta.category.as_str()],
            "precision": precision,
            "problem.severity": problem_severity(meta.default_severity),
        },
    })
}

fn result<'a>(
    file: &'a FileReport,
    uri: &'a str,
    d: Finding<'a>,
    rule_index: Option<usize>,
    hash: u64,
    occurrence: usize,
) -> ResultLog<'a> {
    let fixes = d.fix().map(|fix| {
        [FixLog {
            artifact_changes: [ArtifactChange {
                artifact_location: ArtifactLocation { uri },
                replacements: fix
                    .edits()
                    .map(|e| Replacement {
                        deleted_region: region(file.range(e.span)),
                        inserted_content: Text {
                            text: e.replacement,
                        },
                    })
                    .collect(),
            }],
            description: Text {
                text: sentence(fix.title),
            },
            properties: FixProperties {
                applicability: applicability(fix.applicability),
            },
        }]
    });
    ResultLog {
        fixes,
        level: level(d.severity()),
        locations: [Location {
            physical_location: physical(file, uri, d.span()),
        }],
        message: Text {
            text: message_text(d),
        },
        partial_fingerprints: Fingerprints {
            primary_location_line_hash: format!("{hash:016x}:{occurrence}"),
        },
        related_locations: d
            .labels()
            .enumerate()
            .map(|(i, label)| Related {
                id: i + 1,
                message: Text {
                    text: sentence(label.message),
                },
                physical_location: physical(file, uri, label.span),
            })
            .collect(),
        rule_id: d.code(),
        rule_index,
    }
}

// One result as written. Each object's fields are declared in the sorted key order
// `serde_json::Value` writes, so the text is the same as building the result as a value;
// writing the structs directly spares an allocation per key and per value.

#[derive(Serialize)]
struct ResultLog<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes: Option<[FixLog<'a>; 1]>,
    level: &'static str,
    locations: [Location<'a>; 1],
    message: Text<String>,
    #[serde(rename = "partialFingerprints")]
    partial_fingerprints: Fingerprints,
    #[serde(rename = "relatedLocations", skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Related<'a>>,
    #[serde(rename = "ruleId")]
    rule_id: &'a str,
    #[serde(rename = "ruleIndex", skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
}

#[derive(Serialize)]
struct Text<T> {
    text: T,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "primaryLocationLineHash")]
    primary_location_line_hash: String,
}

#[derive(Serialize)]
struct Location<'a> {
    #[serde(rename = "physicalLocation")]
    physical_location: Physical<'a>,
}

#[derive(Serialize)]
struct Related<'a> {
    id: usize,
    message: Text<String>,
    #[serde(rename = "physicalLocation")]
    physical_location: Physical<'a>,
}

#[derive(Serialize)]
struct ArtifactLocation<'a> {
    uri: &'a str,
}

#[derive(Serialize)]
struct Physical<'a> {
    #[serde(rename = "artifactLocation")]
    artifact_location: ArtifactLocation<'a>,
    #[serde(rename = "contextRegion", skip_serializing_if = "Option::is_none")]
    context_region: Option<ContextRegion<'a>>,
    region: Region<'a>,
}

#[derive(Serialize)]
struct ContextRegion<'a> {
    #[serde(rename = "endLine")]
    end_line: usize,
    snippet: Text<&'a str>,
    #[serde(rename = "startLine")]
    start_line: usize,
}

#[derive(Serialize)]
struct Region<'a> {
    #[serde(rename = "endColumn")]
    end_column: usize,
    #[serde(rename = "endLine")]
    end_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Text<&'a str>>,
    #[serde(rename = "startColumn")]
    start_column: usize,
    #[serde(rename = "startLine")]
    start_line: usize,
}

#[derive(Serialize)]
struct FixLog<'a> {
    #[serde(rename = "artifactChanges")]
    artifact_changes: [ArtifactChange<'a>; 1],
    description: Text<String>,
    properties: FixProperties,
}

#[derive(Serialize)]
struct ArtifactChange<'a> {
    #[serde(rename = "artifactLocation")]
    artifact_location: ArtifactLocation<'a>,
    replacements: Vec<Replacement<'a>>,
}

#[derive(Serialize)]
struct Replacement<'a> {
    #[serde(rename = "deletedRegion")]
    deleted_region: Region<'a>,
    #[serde(rename = "insertedContent")]
    inserted_content: Text<&'a str>,
}

#[derive(Serialize)]
struct FixProperties {
    applicability: &'static str,
}

/// The message, then the help as a second sentence: SARIF viewers show only the message.
fn message_text(d: Finding<'_>) -> String {
    match d.help() {
        Some(help) => format!("{} {}", sentence(d.message()), capitalise(&sentence(help))),
        None => sentence(d.message()),
    }
}

/// The longest region text given as a snippet, and the longest lines given as the context
/// snippet: a file of one megabyte-long line with a finding every few dozen bytes would
/// otherwise write the whole line once per finding. Viewers read the file itself anyway.
const MAX_SNIPPET: usize = 2048;
const MAX_CONTEXT: usize = 2048;

fn physical<'a>(file: &'a FileReport, uri: &'a str, span: Span) -> Physical<'a> {
    let range = file.range(span);
    let mut region = region(range);
    region.snippet = file
        .source
        .get(span.range())
        .filter(|t| !t.is_empty() && t.len() <= MAX_SNIPPET)
        .map(|text| Text { text });
    let context_region = line_text(file, range.start_line, range.end_line)
        .filter(|t| t.len() <= MAX_CONTEXT)
        .map(|text| ContextRegion {
            end_line: range.end_line,
            snippet: Text { text },
            start_line: range.start_line,
        });
    Physical {
        artifact_location: ArtifactLocation { uri },
        context_region,
        region,
    }
}

fn region<'a>(r: Range) -> Region<'a> {
    Region {
        end_column: r.end_column,
        end_line: r.end_line,
        snippet: None,
        start_column: r.start_column,
        start_line: r.start_line,
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "note",
    }
}

/// GitHub's own severity scale for code-quality (non-security) rules.
fn problem_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Style => "recommendation",
    }
}

fn applicability(a: Applicability) -> &'static str {
    match a {
        Applicability::Safe => "safe",
        Applicability::Unsafe => "unsafe",
        Applicability::DisplayOnly => "display-only",
    }
}

/// SARIF asks for plain-text messages written as complete sentences.
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() || text.ends_with(['.', '!', '?']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `volatile-copy-before-install` → `VolatileCopyBeforeInstall`.
fn pascal_case(name: &str) -> String {
    name.split(['-', '_']).map(capitalise).collect()
}

/// The first paragraph under the doc's "What it does" heading, else the summary.
fn full_description(meta: &RuleMeta) -> String {
    let mut lines = meta.doc.lines().skip_while(|l| {
        let l = l.trim();
        !(l.starts_with('#')
            && l.trim_start_matches('#')
                .trim()
                .eq_ignore_ascii_case("what it does"))
    });
    if lines.next().is_none() {
        return meta.summary.to_string();
    }
    let paragraph: Vec<&str> = lines
        .map(str::trim)
        .skip_while(|l| l.is_empty())
        .take_while(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    if paragraph.is_empty() {
        meta.summary.to_string()
    } else {
        paragraph.join(" ")
    }
}

/// Full text of lines `first..=last`, without the final line ending.
fn line_text(file: &FileReport, first: usize, last: usize) -> Option<&str> {
    let start = file.lines.line_start(first);
    let end = file.lines.line_start(last + 1);
    let text = file.source.get(start..end.max(start))?;
    let text = text.strip_suffix('\n').unwrap_or(text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    (!text.is_empty()).then_some(text)
}

fn line_hash(file: &FileReport, d: Finding<'_>) -> u64 {
    let range = file.range(d.span());
    let mut text = line_text(file, range.start_line, range.end_line).unwrap_or("");
    if text.len() > MAX_CONTEXT {
        // Lines too long to hash per finding: the text around the finding stands for them.
        text = around(&file.source, d.span(), MAX_CONTEXT / 2);
    }
    let mut hash = Fnv1a::new();
    hash.write(d.code().as_bytes());
    hash.write(&[0]);
    // The words joined by single spaces, hashed as they come.
    for (i, word) in text.split_whitespace().enumerate() {
        if i > 0 {
            hash.write(b" ");
        }
        hash.write(word.as_bytes());
    }
    hash.finish()
}

/// The text from `reach` bytes before `span` to `reach` bytes after it, on char boundaries.
fn around(source: &str, span: Span, reach: usize) -> &str {
    let mut start = span.start().saturating_sub(reach).min(source.len());
    while !source.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span
        .end()
        .saturating_add(reach)
        .min(source.len())
        .max(start);
    while !source.is_char_boundary(end) {
        end += 1;
    }
    &source[start..end]
}

/// FNV-1a: tiny, dependency-free and fixed across Rust versions, unlike `DefaultHasher`.
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Fnv1a {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Turns a path as typed on the command line into a URI reference.
pub fn path_to_uri(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.trim_start_matches('/').to_string();
    }
    let (prefix, rest) = if p.starts_with('/') {
        ("file://", p.as_str())
    } else if is_windows_drive(&p) {
        ("file:///", p.as_str())
    } else {
        ("", p.as_str())
    };
    let mut uri = String::from(prefix);
    for (i, b) in rest.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/')
            // The drive colon of `C:/…` is part of the path, not a scheme.
            || (b == b':' && !prefix.is_empty() && i == 1);
        if keep {
            uri.push(char::from(b));
        } else {
            uri.push_str(&format!("%{b:02X}"));
        }
    }
    uri
}

fn is_windows_drive(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && b[2] == b'/'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_is_relative_and_encoded() {
        assert_eq!(path_to_uri("./app/Dockerfile"), "app/Dockerfile");
        assert_eq!(path_to_uri("my app/Dockerfile"), "my%20app/Dockerfile");
        assert_eq!(path_to_uri("dir\\Dockerfile.dev"), "dir/Dockerfile.dev");
        assert_eq!(path_to_uri("café/Dockerfile"), "caf%C3%A9/Dockerfile");
        assert_eq!(path_to_uri("a#b?c%d"), "a%23b%3Fc%25d");
        assert_eq!(
            path_to_uri("/srv/x y/Dockerfile"),
            "file:///srv/x%20y/Dockerfile"
        );
        assert_eq!(
            path_to_uri("C:\\src\\Dockerfile"),
            "file:///C:/src/Dockerfile"
        );
    }

    #[test]
    fn sentence_adds_a_full_stop_once() {
        assert_eq!(sentence("pin the tag"), "pin the tag.");
        assert_eq!(sentence("pin the tag."), "pin the tag.");
    }

    #[test]
    fn names_become_pascal_case() {
        assert_eq!(
            pascal_case("volatile-copy-before-install"),
            "VolatileCopyBeforeInstall"
        );
    }

    #[test]
    fn fnv1a_matches_reference_vectors() {
        let mut h = Fnv1a::new();
        h.write(b"a");
        assert_eq!(h.finish(), 0xaf63_dc4c_8601_ec8c);
    }
}
