//! The one finding type shared by every rule and every output format.

use std::sync::Arc;

use serde::Serialize;

use crate::span::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Style,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
            Severity::Style => "style",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            "style" => Some(Severity::Style),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location that explains the primary one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: Arc<str>,
}

/// Replace the bytes in `span` with `replacement`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: Arc<str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Keeps the build's meaning; applied by `--fix`.
    Safe,
    /// May change what the build does; applied only with `--unsafe-fixes`.
    Unsafe,
    /// Shown to the user, never applied.
    DisplayOnly,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub title: Arc<str>,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The rule that reported it (its code and name).
    pub rule: &'static crate::rules::RuleMeta,
    pub severity: Severity,
    pub message: Arc<str>,
    /// Where the problem is; byte offsets into the file's source.
    pub span: Span,
    pub labels: thin_vec::ThinVec<Label>,
    pub help: Option<Arc<str>>,
    /// Boxed: most findings have none, and a file can have many findings.
    pub fix: Option<Box<Fix>>,
}

/// Shows the rule by its code, not its whole doc.
impl std::fmt::Debug for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Diagnostic")
            .field("code", &self.rule.code)
            .field("severity", &self.severity)
            .field("message", &self.message)
            .field("span", &self.span)
            .field("labels", &self.labels)
            .field("help", &self.help)
            .field("fix", &self.fix)
            .finish()
    }
}

impl Diagnostic {
    /// The rule's code, e.g. `LL101`.
    pub fn code(&self) -> &'static str {
        self.rule.code
    }

    /// The rule's name, e.g. `volatile-copy-before-install`.
    pub fn name(&self) -> &'static str {
        self.rule.name
    }

    pub fn new(
        meta: &'static crate::rules::RuleMeta,
        span: Span,
        message: impl Into<Arc<str>>,
    ) -> Self {
        Diagnostic {
            rule: meta,
            severity: meta.default_severity,
            message: message.into(),
            span,
            labels: thin_vec::ThinVec::new(),
            help: None,
            fix: None,
        }
    }

    pub fn with_label(mut self, span: Span, message: impl Into<Arc<str>>) -> Self {
        // Most findings have one label; a first push would reserve four.
        if self.labels.is_empty() {
            self.labels.reserve_exact(1);
        }
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<Arc<str>>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(Box::new(fix));
        self
    }
}

/// The findings of one file as rules report them. Identical texts are stored once: a
/// file of many similar stages gets the same message, help, fix title and replacement
/// text over and over, and each new finding is pointed at the copy already held, so a
/// repeat costs a pointer rather than a string.
#[derive(Debug, Default)]
pub struct Findings {
    list: Vec<Diagnostic>,
    texts: std::collections::HashSet<Arc<str>>,
}

impl Findings {
    pub fn push(&mut self, mut d: Diagnostic) {
        self.share(&mut d.message);
        if let Some(help) = &mut d.help {
            self.share(help);
        }
        for label in d.labels.iter_mut() {
            self.share(&mut label.message);
        }
        if let Some(fix) = &mut d.fix {
            self.share(&mut fix.title);
            for edit in fix.edits.iter_mut() {
                self.share(&mut edit.replacement);
            }
        }
        self.list.push(d);
    }

    fn share(&mut self, text: &mut Arc<str>) {
        match self.texts.get(&**text) {
            Some(held) => *text = Arc::clone(held),
            None => {
                self.texts.insert(Arc::clone(text));
            }
        }
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The findings, in the order they were reported.
    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.list
    }
}
