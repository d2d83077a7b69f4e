//! Buildx bake files (`docker-bake.hcl`, `docker-bake.json`, `docker-bake.override.*`):
//! targets with their cache attributes, `inherits`, and groups.

use std::collections::BTreeMap;

use hcl_edit::expr::{Expression, ObjectKey};
use hcl_edit::structure::{Body, Structure};
use hcl_edit::Span as _;

use super::model::{Loc, Text};
use super::yaml::{self, Node};
use super::CiError;
use crate::span::{LineIndex, Span};

/// One value of a bake attribute.
#[derive(Debug, Clone)]
pub struct BakeValue {
    pub text: Text,
    pub loc: Loc,
    /// Whether `loc` covers exactly the string's content (only then can a fix edit it).
    pub exact: bool,
}

#[derive(Debug, Clone)]
pub struct BakeAttr {
    /// The attribute's key, where findings about it point.
    pub key: Loc,
    pub values: Vec<BakeValue>,
}

impl BakeAttr {
    pub fn first(&self) -> Option<&Text> {
        self.values.first().map(|v| &v.text)
    }
}

#[derive(Debug, Clone)]
pub struct BakeTarget {
    pub name: String,
    /// The block's label (`"api"` in `target "api" {`).
    pub label: Loc,
    /// The whole block.
    pub block: Loc,
    pub attrs: BTreeMap<String, BakeAttr>,
}

#[derive(Debug, Clone, Default)]
pub struct BakeFile {
    pub file: usize,
    /// Added through [`BakeFile::push_target`], which keeps the name index.
    pub targets: Vec<BakeTarget>,
    pub groups: BTreeMap<String, Vec<String>>,
    /// The first target of each name: lookups by name are constant-time on files of
    /// thousands of targets.
    by_name: std::collections::HashMap<String, usize>,
}

impl BakeFile {
    /// The first target named `name`.
    pub fn target(&self, name: &str) -> Option<&BakeTarget> {
        self.by_name.get(name).and_then(|&i| self.targets.get(i))
    }

    pub fn target_mut(&mut self, name: &str) -> Option<&mut BakeTarget> {
        let i = *self.by_name.get(name)?;
        self.targets.get_mut(i)
    }

    pub fn push_target(&mut self, target: BakeTarget) {
        self.by_name
            .entry(target.name.clone())
            .or_insert(self.targets.len());
        self.targets.push(target);
    }

    /// The attributes of a target after `inherits` (the target's own win).
    pub fn resolved(&self, name: &str) -> BTreeMap<String, BakeAttr> {
        let mut out = BTreeMap::new();
        self.resolve_into(name, &mut out, 0);
        out
    }

    fn resolve_into(&self, name: &str, out: &mut BTreeMap<String, BakeAttr>, depth: usize) {
        let Some(t) = self.target(name) else {
            return;
        };
        if depth > 16 {
            return;
        }
        if let Some(parents) = t.attrs.get("inherits") {
            for p in &parents.values {
                if let Some(p) = p.text.value() {
                    self.resolve_into(p, out, depth + 1);
                }
            }
        }
        for (k, v) in &t.attrs {
            if k != "inherits" {
                out.insert(k.clone(), v.clone());
            }
        }
    }

    /// Target names a bake invocation builds: groups expanded; `default` when none given.
    /// `None` when a name is unknown (an expression or not in this file).
    pub fn expand(&self, names: &[Text]) -> Option<Vec<String>> {
        let mut out = Vec::new();
        let names: Vec<Text> = if names.is_empty() {
            vec![Text::known("default")]
        } else {
            names.to_vec()
        };
        for n in &names {
            let n = n.value()?;
            self.expand_into(n, &mut out, 0)?;
        }
        out.dedup();
        Some(out)
    }

    fn expand_into(&self, name: &str, out: &mut Vec<String>, depth: usize) -> Option<()> {
        if depth > 16 {
            return None;
        }
        if let Some(members) = self.groups.get(name) {
            for m in members {
                self.expand_into(m, out, depth + 1)?;
            }
            return Some(());
        }
        if self.target(name).is_some() {
            if !out.iter().any(|o| o == name) {
                out.push(name.to_string());
            }
            return Some(());
        }
        None
    }
}

/// Parses an HCL bake file.
pub fn parse_hcl(file: usize, source: &str, lines: &LineIndex) -> Result<BakeFile, CiError> {
    let body = hcl_edit::parser::parse_body(source).map_err(|e| {
        let loc = e.location();
        CiError {
            message: format!("invalid HCL: {}", e.message()),
            line: loc.line(),
            column: loc.column(),
        }
    })?;
    let _ = lines;
    let mut out = BakeFile {
        file,
        ..BakeFile::default()
    };
    for structure in body.iter() {
        let Structure::Block(block) = structure else {
            continue;
        };
        let kind = block.ident.as_str();
        let Some(label) = block.labels.first() else {
            continue;
        };
        let name = label.as_str().to_string();
        let loc = |r: Option<std::ops::Range<usize>>| Loc {
            file,
            span: r.map_or(Span::empty(0), |r| Span::new(r.start, r.end)),
        };
        let attrs = hcl_attrs(file, source, &block.body);
        match kind {
            "target" => out.push_target(BakeTarget {
                name,
                label: loc(label.span()),
                block: loc(block.span()),
                attrs,
            }),
            "group" => {
                let members = attrs
                    .get("targets")
                    .map(|a| {
                        a.values
                            .iter()
                            .filter_map(|v| v.text.value().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                out.groups.insert(name, members);
            }
            _ => {}
        }
    }
    Ok(out)
}

fn hcl_attrs(file: usize, source: &str, body: &Body) -> BTreeMap<String, BakeAttr> {
    let mut out = BTreeMap::new();
    for attr in body.attributes() {
        let key_span = attr
            .key
            .span()
            .map_or(Span::empty(0), |r| Span::new(r.start, r.end));
        let mut values = Vec::new();
        hcl_values(file, source, &attr.value, &mut values, true);
        out.insert(
            attr.key.as_str().to_string(),
            BakeAttr {
                key: Loc {
                    file,
                    span: key_span,
                },
                values,
            },
        );
    }
    out
}

fn expr_span(e: &Expression) -> Span {
    e.span()
        .map_or(Span::empty(0), |r| Span::new(r.start, r.end))
}

fn hcl_values(file: usize, source: &str, expr: &Expression, out: &mut Vec<BakeValue>, top: bool) {
    let span = expr_span(expr);
    let raw_src = source.get(span.range()).unwrap_or("").trim().to_string();
    match expr {
        Expression::String(s) => {
            // The span covers the quotes; the content is inside.
            let inner = Span::new(
                span.start() + 1,
                span.end().saturating_sub(1).max(span.start() + 1),
            );
            let exact = source.get(inner.range()) == Some(s.as_str());
            out.push(BakeValue {
                text: Text::known(s.as_str()),
                loc: Loc {
                    file,
                    span: if exact { inner } else { span },
                },
                exact,
            });
        }
        Expression::Array(items) if top => {
            for item in items.iter() {
                hcl_values(file, source, item, out, false);
            }
        }
        Expression::Object(obj) => {
            let mut parts = Vec::new();
            let mut unknown = false;
            for (k, v) in obj.iter() {
                let key = match k {
                    ObjectKey::Ident(i) => i.as_str().to_string(),
                    ObjectKey::Expression(Expression::String(s)) => s.as_str().to_string(),
                    ObjectKey::Expression(_) => {
                        unknown = true;
                        continue;
                    }
                };
                let value = match v.expr() {
                    Expression::String(s) => s.as_str().to_string(),
                    Expression::Bool(b) => b.value().to_string(),
                    Expression::Number(n) => n.value().to_string(),
                    other => {
                        unknown = true;
                        source
                            .get(expr_span(other).range())
                            .unwrap_or("")
                            .to_string()
                    }
                };
                parts.push(format!("{key}={value}"));
            }
            out.push(BakeValue {
                text: Text {
                    raw: parts.join(","),
                    has_expression: unknown,
                },
                loc: Loc { file, span },
                exact: false,
            });
        }
        Expression::Bool(b) => out.push(BakeValue {
            text: Text::known(b.value().to_string()),
            loc: Loc { file, span },
            exact: false,
        }),
        Expression::Number(n) => out.push(BakeValue {
            text: Text::known(n.value().to_string()),
            loc: Loc { file, span },
            exact: false,
        }),
        _ => out.push(BakeValue {
            text: Text {
                raw: raw_src,
                has_expression: true,
            },
            loc: Loc { file, span },
            exact: false,
        }),
    }
}

/// Parses a JSON bake file (JSON is read as YAML, which keeps positions).
pub fn parse_json(file: usize, source: &str, lines: &LineIndex) -> Result<BakeFile, CiError> {
    let root = yaml::parse(source, lines)?;
    let mut out = BakeFile {
        file,
        ..BakeFile::default()
    };
    if let Some(targets) = root.get("target") {
        for (k, v) in targets.entries() {
            let Some(name) = k.as_str() else { continue };
            out.push_target(BakeTarget {
                name: name.to_string(),
                label: Loc { file, span: k.span },
                block: Loc {
                    file,
                    span: k.span.cover(v.span),
                },
                attrs: json_attrs(file, source, v),
            });
        }
    }
    if let Some(groups) = root.get("group") {
        for (k, v) in groups.entries() {
            let Some(name) = k.as_str() else { continue };
            let members = v
                .get("targets")
                .map(|t| t.strings().into_iter().map(str::to_string).collect())
                .unwrap_or_default();
            out.groups.insert(name.to_string(), members);
        }
    }
    Ok(out)
}

fn json_attrs(file: usize, source: &str, target: &Node) -> BTreeMap<String, BakeAttr> {
    let mut out = BTreeMap::new();
    for (k, v) in target.entries() {
        let Some(key) = k.as_str() else { continue };
        let mut values = Vec::new();
        let mut push_scalar = |n: &Node| {
            if let Some(s) = n.as_str() {
                let inner = Span::new(n.span.start() + 1, n.span.end().saturating_sub(1));
                let exact = source.get(inner.range()) == Some(s);
                values.push(BakeValue {
                    text: Text::new(s),
                    loc: Loc {
                        file,
                        span: if exact { inner } else { n.span },
                    },
                    exact: exact && !super::model::has_expression(s),
                });
            } else if n.is_map() {
                let parts: Vec<String> = n
                    .entries()
                    .iter()
                    .filter_map(|(k, v)| Some(format!("{}={}", k.as_str()?, v.as_str()?)))
                    .collect();
                values.push(BakeValue {
                    text: Text::new(parts.join(",")),
                    loc: Loc { file, span: n.span },
                    exact: false,
                });
            }
        };
        match &v.value {
            yaml::Value::Seq(items) => items.iter().for_each(&mut push_scalar),
            _ => push_scalar(v),
        }
        out.insert(
            key.to_string(),
            BakeAttr {
                key: Loc { file, span: k.span },
                values,
            },
        );
    }
    out
}

/// Whether a file name is a bake file layerlint reads.
pub fn is_bake_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    matches!(lower.as_str(), "docker-bake.hcl" | "docker-bake.json")
        || (lower.starts_with("docker-bake.override.")
            && (lower.ends_with(".hcl") || lower.ends_with(".json")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_targets_groups_and_inherits() {
        let src = r#"
variable "TAG" { default = "latest" }
group "default" { targets = ["api", "web"] }
target "_common" {
  cache-to = ["type=gha,mode=max"]
}
target "api" {
  inherits = ["_common"]
  tags = ["ghcr.io/acme/api:${TAG}"]
  cache-from = [{ type = "gha", scope = "api" }]
}
target "web" { context = "web" }
"#;
        let f = parse_hcl(0, src, &LineIndex::new(src)).expect("hcl");
        assert_eq!(
            f.expand(&[]).expect("names"),
            vec!["api".to_string(), "web".to_string()]
        );
        let api = f.resolved("api");
        assert_eq!(
            api["cache-to"].first().map(|t| t.raw.as_str()),
            Some("type=gha,mode=max")
        );
        assert_eq!(
            api["cache-from"].first().map(|t| t.raw.as_str()),
            Some("type=gha,scope=api")
        );
        assert!(api["tags"].values[0].text.has_expression);
        let v = &api["cache-to"].values[0];
        assert_eq!(&src[v.loc.span.range()], "type=gha,mode=max");
    }

    #[test]
    fn reads_json() {
        let src = r#"{"target": {"app": {"cache-to": ["type=gha,mode=max,scope=app"]}}}"#;
        let f = parse_json(0, src, &LineIndex::new(src)).expect("json");
        let v = &f.resolved("app")["cache-to"].values[0];
        assert!(v.exact);
        assert_eq!(&src[v.loc.span.range()], "type=gha,mode=max,scope=app");
    }

    #[test]
    fn names() {
        assert!(is_bake_name("docker-bake.hcl"));
        assert!(is_bake_name("docker-bake.override.hcl"));
        assert!(!is_bake_name("bake.txt"));
    }
}
