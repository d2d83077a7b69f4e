//! The text view of a prediction.

use std::fmt::Write;

use super::{Prediction, Status, Summary};

/// Instruction text wider than this is shortened in the table.
const TEXT_WIDTH: usize = 40;

/// "a change to src/app.py", "a change to 3 paths and --build-arg VERSION".
pub fn sentence_of(p: &Prediction) -> String {
    let mut parts = Vec::new();
    match p.changed.as_slice() {
        [] => {}
        [one] => parts.push(one.clone()),
        many => parts.push(format!("{} paths", many.len())),
    }
    for arg in &p.build_args {
        let name = arg.split_once('=').map_or(arg.as_str(), |(n, _)| n);
        parts.push(format!("--build-arg {name}"));
    }
    if parts.is_empty() {
        "no change".to_string()
    } else {
        format!("a change to {}", parts.join(" and "))
    }
}

fn summary_line(s: &Summary) -> String {
    let mut line = format!("rebuilds {} of {} instructions", s.rebuilds, s.total);
    if s.unknown > 0 {
        let _ = write!(line, " ({} unknown)", s.unknown);
    }
    line.push_str(&expensive_part(s));
    line
}

fn expensive_part(s: &Summary) -> String {
    if s.expensive_rebuilds.is_empty() {
        return ", no installs".to_string();
    }
    let list: Vec<String> = s
        .expensive_rebuilds
        .iter()
        .map(|e| format!("`{}` ({})", e.command, e.kind))
        .collect();
    format!(", including {}", list.join(", "))
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= TEXT_WIDTH {
        return text.to_string();
    }
    let cut: String = text.chars().take(TEXT_WIDTH - 1).collect();
    format!("{cut}…")
}

/// The per-stage table and the summary line.
pub fn render_text(path: &str, p: &Prediction) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{path}: {}", sentence_of(p));
    for ignored in &p.ignored {
        let _ = writeln!(out, "  ignored: {}: {}", ignored.path, ignored.reason);
    }
    for stage in &p.stages {
        let name = match &stage.name {
            Some(n) => format!("stage {} `{n}`", stage.index),
            None => format!("stage {}", stage.index),
        };
        let built = if stage.built {
            String::new()
        } else {
            " — not built: the final stage does not need it".to_string()
        };
        let _ = writeln!(out, "\n{name} (line {}){built}", stage.line);
        for i in &stage.instructions {
            let verdict = match (i.status, &i.reason) {
                (Status::NotBuilt, _) => "-".to_string(),
                (status, Some(reason)) => format!("{}: {reason}", status.as_str()),
                (status, None) => status.as_str().to_string(),
            };
            let notes = if i.notes.is_empty() {
                String::new()
            } else {
                format!(" ({})", i.notes.join("; "))
            };
            let _ = writeln!(
                out,
                "  {:>4}  {:<width$}  {verdict}{notes}",
                i.line,
                shorten(&i.text),
                width = TEXT_WIDTH
            );
        }
    }
    let _ = writeln!(out, "\n{}", summary_line(&p.summary));
    out
}

/// Before and after the fixes, then the one-line comparison.
pub fn render_comparison(
    path: &str,
    before: &Prediction,
    after: &Prediction,
    applied: &[String],
) -> String {
    let mut out = String::from("== before the fixes\n");
    out.push_str(&render_text(path, before));
    let _ = writeln!(
        out,
        "\n== after the fixes ({})",
        if applied.is_empty() {
            "none available".to_string()
        } else {
            applied.join(", ")
        }
    );
    out.push_str(&render_text(path, after));
    let b = &before.summary;
    let a = &after.summary;
    let after_expensive = if a.expensive_rebuilds.is_empty() {
        "no installs".to_string()
    } else {
        let list: Vec<String> = a
            .expensive_rebuilds
            .iter()
            .map(|e| format!("`{}`", e.command))
            .collect();
        format!("still {}", list.join(", "))
    };
    let before_expensive = if b.expensive_rebuilds.is_empty() {
        ", no installs".to_string()
    } else {
        let list: Vec<String> = b
            .expensive_rebuilds
            .iter()
            .map(|e| format!("`{}`", e.command))
            .collect();
        format!(", including {}", list.join(", "))
    };
    let _ = writeln!(
        out,
        "\n{} rebuilds {} of {} instructions{before_expensive}; after the fixes: {} of {}, {after_expensive}",
        capitalise(&sentence_of(before)),
        b.rebuilds,
        b.total,
        a.rebuilds,
        a.total,
    );
    out
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
