//! The JSON (exec) form of instruction arguments, read the way BuildKit reads it:
//! Go's `encoding/json` decoder takes the first JSON value and ignores anything
//! after it, and a valid array holding anything but strings is an error.

use std::ops::Range;

/// Go's scanner refuses deeper nesting; past it the text is not JSON.
const MAX_DEPTH: usize = 10_000;

#[derive(Debug, PartialEq, Eq)]
pub(crate) enum JsonArray {
    /// A valid array of strings: each decoded value with the range of its token
    /// (quotes included) in the input.
    Strings(Vec<(String, Range<usize>)>),
    /// A valid array holding something other than a string: BuildKit rejects it.
    NotStrings,
    /// Not a JSON array at all: the caller falls back to the non-JSON form.
    Invalid,
}

/// Reads a JSON array starting at the first non-whitespace character of `text`.
pub(crate) fn parse_array(text: &str) -> JsonArray {
    let start = text.len() - text.trim_start().len();
    let bytes = text.as_bytes();
    if bytes.get(start) != Some(&b'[') {
        return JsonArray::Invalid;
    }
    let mut pos = skip_ws(bytes, start + 1);
    let mut items = Vec::new();
    let mut only_strings = true;
    if bytes.get(pos) == Some(&b']') {
        return JsonArray::Strings(items);
    }
    loop {
        match bytes.get(pos) {
            Some(b'"') => match scan_string(bytes, pos) {
                Some(end) => {
                    if only_strings {
                        items.push((decode_string(text, pos + 1, end - 1), pos..end));
                    }
                    pos = end;
                }
                None => return JsonArray::Invalid,
            },
            Some(_) => match skip_value(bytes, pos) {
                Some(end) => {
                    only_strings = false;
                    pos = end;
                }
                None => return JsonArray::Invalid,
            },
            None => return JsonArray::Invalid,
        }
        pos = skip_ws(bytes, pos);
        match bytes.get(pos) {
            Some(b',') => pos = skip_ws(bytes, pos + 1),
            Some(b']') => break,
            _ => return JsonArray::Invalid,
        }
    }
    if only_strings {
        JsonArray::Strings(items)
    } else {
        JsonArray::NotStrings
    }
}

fn skip_ws(bytes: &[u8], mut pos: usize) -> usize {
    while matches!(bytes.get(pos), Some(b' ' | b'\t' | b'\r' | b'\n')) {
        pos += 1;
    }
    pos
}

/// The end (after the closing quote) of the string token starting at `pos`.
fn scan_string(bytes: &[u8], pos: usize) -> Option<usize> {
    let mut i = pos + 1;
    loop {
        match *bytes.get(i)? {
            b'"' => return Some(i + 1),
            b'\\' => match *bytes.get(i + 1)? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => i += 2,
                b'u' => {
                    let hex = bytes.get(i + 2..i + 6)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return None;
                    }
                    i += 6;
                }
                _ => return None,
            },
            c if c < 0x20 => return None,
            _ => i += 1,
        }
    }
}

fn scan_number(bytes: &[u8], mut i: usize) -> Option<usize> {
    let digits = |bytes: &[u8], mut i: usize| {
        let from = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > from).then_some(i)
    };
    if bytes.get(i) == Some(&b'-') {
        i += 1;
    }
    match bytes.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(bytes, i)?,
        _ => return None,
    }
    if bytes.get(i) == Some(&b'.') {
        i = digits(bytes, i + 1)?;
    }
    if matches!(bytes.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(bytes.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        i = digits(bytes, i)?;
    }
    Some(i)
}

/// Validates one JSON value of any kind starting at `pos` and returns its end.
/// Iterative, so deeply nested input cannot exhaust the stack.
fn skip_value(bytes: &[u8], pos: usize) -> Option<usize> {
    // Each open container: `true` for an object.
    let mut stack: Vec<bool> = Vec::new();
    let mut i = pos;
    loop {
        // Expecting a value at `i`.
        i = skip_ws(bytes, i);
        match *bytes.get(i)? {
            b'"' => i = scan_string(bytes, i)?,
            b'-' | b'0'..=b'9' => i = scan_number(bytes, i)?,
            b't' if bytes.get(i..i + 4) == Some(b"true") => i += 4,
            b'f' if bytes.get(i..i + 5) == Some(b"false") => i += 5,
            b'n' if bytes.get(i..i + 4) == Some(b"null") => i += 4,
            open @ (b'[' | b'{') => {
                if stack.len() >= MAX_DEPTH {
                    return None;
                }
                let object = open == b'{';
                i = skip_ws(bytes, i + 1);
                let close = if object { b'}' } else { b']' };
                if bytes.get(i) == Some(&close) {
                    i += 1;
                } else {
                    stack.push(object);
                    if object {
                        i = object_key(bytes, i)?;
                    }
                    continue;
                }
            }
            _ => return None,
        }
        // After a value: close containers or move to the next element.
        loop {
            let Some(&object) = stack.last() else {
                return Some(i);
            };
            i = skip_ws(bytes, i);
            match *bytes.get(i)? {
                b',' => {
                    i += 1;
                    if object {
                        i = object_key(bytes, skip_ws(bytes, i))?;
                    }
                    break;
                }
                b'}' if object => {
                    stack.pop();
                    i += 1;
                }
                b']' if !object => {
                    stack.pop();
                    i += 1;
                }
                _ => return None,
            }
        }
    }
}

/// Reads `"key" :` at `i` and returns the position after the colon.
fn object_key(bytes: &[u8], i: usize) -> Option<usize> {
    if bytes.get(i) != Some(&b'"') {
        return None;
    }
    let i = skip_ws(bytes, scan_string(bytes, i)?);
    (bytes.get(i) == Some(&b':')).then_some(i + 1)
}

fn hex4(text: &str, at: usize) -> Option<u32> {
    u32::from_str_radix(text.get(at..at + 4)?, 16).ok()
}

/// Decodes the (already validated) string contents `text[from..to]` like Go:
/// surrogate pairs combine, lone surrogates become U+FFFD.
fn decode_string(text: &str, from: usize, to: usize) -> String {
    let Some(body) = text.get(from..to) else {
        return String::new();
    };
    if !body.contains('\\') {
        return body.to_string();
    }
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let esc = &rest[i..];
        let mut used = 2;
        match esc.as_bytes().get(1) {
            Some(b'b') => out.push('\u{8}'),
            Some(b'f') => out.push('\u{c}'),
            Some(b'n') => out.push('\n'),
            Some(b'r') => out.push('\r'),
            Some(b't') => out.push('\t'),
            Some(b'u') => {
                used = 6;
                let unit = hex4(esc, 2).unwrap_or(0xFFFD);
                let ch = if (0xD800..0xDC00).contains(&unit) {
                    match (esc.get(6..8), hex4(esc, 8)) {
                        (Some("\\u"), Some(low)) if (0xDC00..0xE000).contains(&low) => {
                            used = 12;
                            char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
                        }
                        _ => None,
                    }
                } else {
                    char::from_u32(unit)
                };
                out.push(ch.unwrap_or('\u{FFFD}'));
            }
            Some(&c) => out.push(char::from(c)),
            None => used = 1,
        }
        rest = esc.get(used..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(text: &str) -> Vec<String> {
        match parse_array(text) {
            JsonArray::Strings(items) => items.into_iter().map(|(s, _)| s).collect(),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn decodes_escapes_and_surrogates() {
        assert_eq!(
            strings(r#"["a\"b", "\/x\n", "\ud83d\ude00", "\ud800x"]"#),
            ["a\"b", "/x\n", "😀", "\u{FFFD}x"]
        );
    }

    #[test]
    fn trailing_text_after_the_array_is_ignored() {
        assert_eq!(strings(r#"["a"] and more"#), ["a"]);
        assert_eq!(strings("[ ]"), Vec::<String>::new());
    }

    #[test]
    fn non_strings_and_invalid_json_are_told_apart() {
        assert_eq!(parse_array(r#"["a", ["b"]]"#), JsonArray::NotStrings);
        assert_eq!(
            parse_array(r#"[1, {"k": [true, null, -1.5e3]}]"#),
            JsonArray::NotStrings
        );
        assert_eq!(parse_array("['a']"), JsonArray::Invalid);
        assert_eq!(parse_array(r#"["a", 01]"#), JsonArray::Invalid);
        assert_eq!(parse_array(r#"["a""#), JsonArray::Invalid);
        assert_eq!(parse_array("[\"a\tb\"]"), JsonArray::Invalid);
        assert_eq!(parse_array(&"[".repeat(20_000)), JsonArray::Invalid);
    }
}
