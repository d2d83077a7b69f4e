//! Static word expansion: quote removal and `$VAR` substitution where every value is known.

/// Variables by name: `None` for a declared variable whose value is not known statically
/// (an `ARG` without default, or one fed from such an ARG).
pub type Vars =
    std::collections::BTreeMap<compact_str::CompactString, Option<compact_str::CompactString>>;

/// Where [`expand`] finds the values of variables.
pub trait Lookup {
    /// `None` when `name` is not declared, `Some(None)` when its value is not known statically.
    fn var(&self, name: &str) -> Option<Option<&str>>;
}

impl Lookup for Vars {
    fn var(&self, name: &str) -> Option<Option<&str>> {
        self.get(name).map(|v| v.as_deref())
    }
}

/// Expand `word` the way the Dockerfile frontend does for FROM, ENV, ARG, USER, WORKDIR,
/// COPY: quotes removed, escapes resolved, `$VAR`, `${VAR}`, `${VAR:-default}`,
/// `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}` substituted.
/// Returns `None` when a referenced variable has no statically known value.
///
/// A result longer than [`MAX_EXPANDED`] bytes, or nested defaults deeper than
/// [`MAX_NESTING`], counts as unknown too: no real path, image or user comes near, and
/// the limits keep hostile chains (`ENV B=$A$A`, `C=$B$B`, …) from growing without bound.
pub fn expand(word: &str, vars: &dyn Lookup, escape: char) -> Option<String> {
    expand_nested(word, vars, escape, 0)
}

/// The longest value [`expand`] produces, in bytes.
pub const MAX_EXPANDED: usize = 8 * 1024;

/// How deep `${A:-${B:-…}}` defaults may nest.
pub const MAX_NESTING: usize = 16;

fn expand_nested(word: &str, vars: &dyn Lookup, escape: char, nesting: usize) -> Option<String> {
    if nesting > MAX_NESTING {
        return None;
    }
    let mut out = String::with_capacity(word.len().min(MAX_EXPANDED));
    let chars: Vec<char> = word.chars().collect();
    let mut i = 0;
    let mut in_single = false;
    let mut in_double = false;
    while i < chars.len() {
        let c = chars[i];
        if in_single {
            if c == '\'' {
                in_single = false;
            } else {
                out.push(c);
            }
            i += 1;
            continue;
        }
        if c == escape {
            if let Some(&next) = chars.get(i + 1) {
                if in_double && !matches!(next, '"' | '$' | '\\' | '`') && next != escape {
                    out.push(c);
                }
                out.push(next);
                i += 2;
            } else {
                out.push(c);
                i += 1;
            }
            continue;
        }
        match c {
            '\'' if !in_double => {
                in_single = true;
                i += 1;
            }
            '"' => {
                in_double = !in_double;
                i += 1;
            }
            '$' => {
                let (value, next) = expand_dollar(&chars, i, vars, escape, nesting)?;
                out.push_str(&value);
                if out.len() > MAX_EXPANDED {
                    return None;
                }
                i = next;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
        if out.len() > MAX_EXPANDED {
            return None;
        }
    }
    Some(out)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The value of `name` as an owned string: `None` when it is not declared, `Some(None)` when
/// its value is not known statically.
pub fn lookup(vars: &dyn Lookup, name: &str) -> Option<Option<String>> {
    vars.var(name).map(|v| v.map(str::to_string))
}

/// Expand the `$…` at `chars[start]`; returns the value and the index after it.
fn expand_dollar(
    chars: &[char],
    start: usize,
    vars: &dyn Lookup,
    escape: char,
    nesting: usize,
) -> Option<(String, usize)> {
    let mut i = start + 1;
    match chars.get(i) {
        Some('{') => {
            i += 1;
            let name_start = i;
            while i < chars.len() && is_name_char(chars[i]) {
                i += 1;
            }
            let name: String = chars[name_start..i].iter().collect();
            if name.is_empty() {
                return None;
            }
            let mut depth = 1;
            let op_start = i;
            while i < chars.len() {
                match chars[i] {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            if i >= chars.len() {
                return None;
            }
            let rest: String = chars[op_start..i].iter().collect();
            let end = i + 1;
            let current = lookup(vars, &name);
            let value = if rest.is_empty() {
                match current {
                    Some(Some(v)) => v,
                    Some(None) => return None,
                    None => String::new(),
                }
            } else {
                let (colon, body) = match rest.strip_prefix(':') {
                    Some(b) => (true, b),
                    None => (false, rest.as_str()),
                };
                let op = body.chars().next()?;
                let operand = &body[op.len_utf8()..];
                let set = match &current {
                    Some(Some(v)) => !(colon && v.is_empty()),
                    Some(None) => return None,
                    None => false,
                };
                match op {
                    '-' | '?' => {
                        if set {
                            current.flatten().unwrap_or_default()
                        } else {
                            expand_nested(operand, vars, escape, nesting + 1)?
                        }
                    }
                    '+' => {
                        if set {
                            expand_nested(operand, vars, escape, nesting + 1)?
                        } else {
                            String::new()
                        }
                    }
                    _ => return None,
                }
            };
            Some((value, end))
        }
        Some(c) if is_name_char(*c) => {
            let name_start = i;
            while i < chars.len() && is_name_char(chars[i]) {
                i += 1;
            }
            let name: String = chars[name_start..i].iter().collect();
            match lookup(vars, &name) {
                Some(Some(v)) => Some((v, i)),
                Some(None) => None,
                None => Some((String::new(), i)),
            }
        }
        _ => Some(("$".to_string(), i)),
    }
}

/// Names of the variables `word` references (`$A`, `${B:-x}`), in order.
pub fn referenced_vars(word: &str) -> Vec<String> {
    let bytes = word.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let mut j = i + 1;
            if j < bytes.len() && bytes[j] == b'{' {
                j += 1;
            }
            let s = j;
            while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                j += 1;
            }
            if j > s {
                if let Some(name) = word.get(s..j) {
                    out.push(name.to_string());
                }
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, Option<&str>)]) -> Vars {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), v.map(Into::into)))
            .collect()
    }

    #[test]
    fn substitutes_known_values() {
        let v = vars(&[("TAG", Some("3.12")), ("EMPTY", Some(""))]);
        assert_eq!(
            expand("python:${TAG}", &v, '\\').as_deref(),
            Some("python:3.12")
        );
        assert_eq!(
            expand("python:$TAG-slim", &v, '\\').as_deref(),
            Some("python:3.12-slim")
        );
        assert_eq!(
            expand("${NOPE:-alpine}", &v, '\\').as_deref(),
            Some("alpine")
        );
        assert_eq!(expand("${EMPTY:-x}", &v, '\\').as_deref(), Some("x"));
        assert_eq!(expand("${EMPTY-x}", &v, '\\').as_deref(), Some(""));
        assert_eq!(expand("a${TAG:+-set}", &v, '\\').as_deref(), Some("a-set"));
        assert_eq!(expand("a${NOPE:+-set}", &v, '\\').as_deref(), Some("a"));
    }

    #[test]
    fn unknown_values_make_the_word_unknown() {
        let v = vars(&[("TAG", None)]);
        assert_eq!(expand("node:${TAG}", &v, '\\'), None);
        assert_eq!(expand("${TAG:-x}", &v, '\\'), None);
    }

    #[test]
    fn removes_quotes_and_escapes() {
        let v = Vars::default();
        assert_eq!(expand("\"a b\"", &v, '\\').as_deref(), Some("a b"));
        assert_eq!(expand("'$X'", &v, '\\').as_deref(), Some("$X"));
        assert_eq!(expand("a\\ b", &v, '\\').as_deref(), Some("a b"));
        assert_eq!(expand("C:\\path", &v, '`').as_deref(), Some("C:\\path"));
    }

    #[test]
    fn overlong_or_deeply_nested_results_are_unknown() {
        let long = "x".repeat(MAX_EXPANDED / 2 + 1);
        let v = vars(&[("A", Some(long.as_str()))]);
        assert_eq!(expand("$A", &v, '\\').map(|s| s.len()), Some(long.len()));
        assert_eq!(expand("$A$A", &v, '\\'), None);
        let within = format!(
            "{}x{}",
            "${N:-".repeat(MAX_NESTING),
            "}".repeat(MAX_NESTING)
        );
        assert_eq!(expand(&within, &v, '\\').as_deref(), Some("x"));
        let deeper = format!(
            "{}x{}",
            "${N:-".repeat(MAX_NESTING + 2),
            "}".repeat(MAX_NESTING + 2)
        );
        assert_eq!(expand(&deeper, &v, '\\'), None);
    }

    #[test]
    fn lists_referenced_variables() {
        assert_eq!(referenced_vars("${A:-x}/$B_C"), vec!["A", "B_C"]);
    }
}
