//! `RUN --mount=…` values, read as BuildKit reads them: one CSV record (Go's
//! `encoding/csv`) of `key=value` fields or bare boolean keys.

use super::ast::Mount;
use compact_str::CompactString;

use crate::span::Span;

const MOUNT_TYPES: [&str; 5] = ["bind", "cache", "tmpfs", "secret", "ssh"];

/// Parses the value of a `--mount` flag. `value_span` is where the value was written.
pub fn parse_mount(flag_value: &str, value_span: Span) -> Result<Mount, String> {
    let fields = split_csv(flag_value)?;
    let mut mount = Mount {
        kind: "bind".into(),
        span: value_span,
        ..Mount::default()
    };
    // The type decides defaults and which keys are valid, wherever it is written.
    for field in &fields {
        if let Some((key, value)) = field.split_once('=') {
            if key.eq_ignore_ascii_case("type") {
                let kind = value.to_ascii_lowercase();
                if !MOUNT_TYPES.contains(&kind.as_str()) {
                    return Err(format!("unsupported mount type {value:?}"));
                }
                mount.kind = kind.into();
            }
        }
    }
    mount.readonly = matches!(mount.kind.as_str(), "bind" | "secret" | "ssh");
    for field in fields {
        let (key, value) = match field.split_once('=') {
            Some((key, value)) => (
                CompactString::from(key.to_ascii_lowercase()),
                Some(CompactString::from(value)),
            ),
            None => (field.to_ascii_lowercase().into(), None),
        };
        match (key.as_str(), value.as_deref()) {
            ("readonly" | "ro", None) => mount.readonly = true,
            ("readwrite" | "rw", None) => mount.readonly = false,
            ("required", None) => mount.required = true,
            (_, None) => return Err(format!("invalid field '{field}' must be a key=value pair")),
            ("type", Some(_)) => {}
            ("readonly" | "ro", Some(v)) => mount.readonly = parse_bool(&key, v)?,
            ("readwrite" | "rw", Some(v)) => mount.readonly = !parse_bool(&key, v)?,
            ("required", Some(v)) => mount.required = parse_bool(&key, v)?,
            ("target" | "dst" | "destination", Some(_)) => {}
            ("source" | "src", Some(_)) => {}
            ("from", Some(_)) => {}
            ("id", Some(_)) => {}
            ("sharing", Some(v)) => {
                if !matches!(
                    v.to_ascii_lowercase().as_str(),
                    "shared" | "private" | "locked"
                ) {
                    return Err(format!("unsupported sharing value {v:?}"));
                }
            }
            ("mode", Some(_)) => {}
            ("uid", Some(_)) => {}
            ("gid", Some(_)) => {}
            ("env", Some(_)) => {}
            ("size", Some(_)) => {}
            (other, Some(_)) => return Err(format!("unexpected key '{other}' in '{field}'")),
        }
        mount.fields.push((key, value));
    }
    Ok(mount)
}

/// Go's `strconv.ParseBool`.
fn parse_bool(key: &str, value: &str) -> Result<bool, String> {
    match value {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(format!("invalid value for {key}: {value}")),
    }
}

/// One record of Go's `encoding/csv` with default settings: comma-separated,
/// a field that starts with `"` is quoted (`""` inside is a quote), and a quote
/// anywhere else is an error.
fn split_csv(text: &str) -> Result<Vec<String>, String> {
    if text.is_empty() {
        return Err("empty mount".to_string());
    }
    let mut fields = Vec::new();
    let mut rest = text;
    loop {
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut field = String::new();
            let mut chars = quoted.char_indices();
            let after = loop {
                match chars.next() {
                    Some((i, '"')) => {
                        if quoted.get(i + 1..i + 2) == Some("\"") {
                            field.push('"');
                            chars.next();
                        } else {
                            break &quoted[i + 1..];
                        }
                    }
                    Some((_, c)) => field.push(c),
                    None => return Err("extraneous or missing \" in quoted-field".to_string()),
                }
            };
            fields.push(field);
            match after.strip_prefix(',') {
                Some(next) => rest = next,
                None if after.is_empty() => return Ok(fields),
                None => return Err("extraneous or missing \" in quoted-field".to_string()),
            }
        } else {
            let (field, next) = match rest.find(',') {
                Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                None => (rest, None),
            };
            if field.contains('"') {
                return Err("bare \" in non-quoted-field".to_string());
            }
            fields.push(field.to_string());
            match next {
                Some(next) => rest = next,
                None => return Ok(fields),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mount(value: &str) -> Mount {
        parse_mount(value, Span::new(0, value.len())).unwrap()
    }

    #[test]
    fn cache_mount_fields() {
        let m = mount("type=cache,target=/root/.cache/pip,sharing=locked,id=pip,uid=0");
        assert_eq!(m.kind, "cache");
        assert_eq!(m.target(), Some("/root/.cache/pip"));
        assert_eq!(m.sharing(), Some("locked"));
        assert_eq!(m.id(), Some("pip"));
        assert!(!m.readonly);
        assert_eq!(m.fields.len(), 5);
    }

    #[test]
    fn kind_defaults_to_bind_and_bind_is_read_only() {
        let m = mount("source=.,dst=/src,from=build");
        assert_eq!(m.kind, "bind");
        assert!(m.readonly);
        assert_eq!(m.target(), Some("/src"));
        assert!(!mount("target=/x,rw").readonly);
        assert!(mount("type=secret,id=npmrc,required").required);
        assert!(mount("type=cache,target=/x,ro").readonly);
    }

    #[test]
    fn csv_quoting() {
        let m = mount(r#"type=bind,"target=/a,b","source=say ""hi""""#);
        assert_eq!(m.target(), Some("/a,b"));
        assert_eq!(m.source(), Some(r#"say "hi""#));
        assert!(parse_mount(r#"target=/a"b"#, Span::default()).is_err());
        assert!(parse_mount(r#""target=/a"x"#, Span::default()).is_err());
    }

    #[test]
    fn a_later_field_wins_and_aliases_count() {
        let m = mount("type=cache,target=/a,dst=/b,src=x,source=y,sharing=shared,sharing=locked");
        assert_eq!(m.target(), Some("/b"));
        assert_eq!(m.source(), Some("y"));
        assert_eq!(m.sharing(), Some("locked"));
        assert_eq!(m.from(), None);
        assert_eq!(mount("destination=/c").target(), Some("/c"));
    }

    #[test]
    fn rejects_unknown_keys_and_types() {
        assert!(parse_mount("type=volume,target=/x", Span::default()).is_err());
        assert!(parse_mount("target=/x,colour=red", Span::default()).is_err());
        assert!(parse_mount("target", Span::default()).is_err());
        assert!(parse_mount("", Span::default()).is_err());
    }
}
