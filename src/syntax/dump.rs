//! BuildKit's AST dump (`Node.Dump`), used to check the parser against BuildKit's
//! own test files.

use super::ast::{Args, Dockerfile, Instruction, Keyword};

/// One parenthesised line per instruction, exactly as BuildKit's dump prints it.
pub fn buildkit_dump(df: &Dockerfile) -> String {
    let mut out = String::new();
    for instruction in &df.instructions {
        out.push('(');
        out.push_str(&dump_instruction(&df.source, instruction));
        out.push_str(")\n");
    }
    let mut out = out.trim().to_string();
    out.push('\n');
    out
}

fn dump_instruction(source: &str, instruction: &Instruction) -> String {
    let mut out = instruction.keyword_text(source).to_lowercase();
    if !instruction.flags().is_empty() {
        out.push_str(" [");
        for (i, flag) in instruction.flags().iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let mut word = format!("--{}", flag.name);
            if let Some(value) = &flag.value {
                word.push('=');
                word.push_str(value);
            }
            out.push_str(&go_quote(&word));
        }
        out.push(']');
    }
    if instruction.keyword == Keyword::Unknown {
        // BuildKit's parser keeps one empty argument for instructions it does not know.
        out.push_str(" \"\"");
    } else {
        dump_args(source, &instruction.args, &mut out);
    }
    out.trim().to_string()
}

fn dump_args(source: &str, args: &Args, out: &mut String) {
    let mut value = |s: &str| {
        out.push(' ');
        out.push_str(&go_quote(s));
    };
    match args {
        Args::Empty => {}
        Args::Shell(joined) => value(&joined.text),
        Args::Exec(words) | Args::Words(words) => words.iter().for_each(|w| value(&w.value)),
        Args::Word(w) => value(&w.value),
        Args::KeyValues(pairs) => {
            for pair in pairs {
                value(&pair.key.value);
                value(&pair.value.value);
                value(if pair.equals { "=" } else { "" });
            }
        }
        Args::Healthcheck { kind, command } => {
            value(&kind.value);
            dump_args(source, command, out);
        }
        Args::Onbuild(inner) => {
            out.push_str(" (");
            out.push_str(&dump_instruction(source, inner));
            out.push(')');
        }
    }
}

/// Go's `strconv.Quote`: printable characters as they are, everything else escaped.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// An approximation of Go's `unicode.IsPrint` without Unicode tables: controls,
/// format characters, separators other than the ASCII space, private use and
/// non-characters are not printable. Unassigned code points count as printable.
fn is_go_printable(c: char) -> bool {
    let u = c as u32;
    if u < 0x80 {
        return (0x20..0x7f).contains(&u);
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let format = matches!(
        u,
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x890..=0x891
            | 0x8E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    );
    let private_or_nonchar =
        matches!(u, 0xE000..=0xF8FF | 0xF0000.. | 0xFDD0..=0xFDEF) || (u & 0xFFFE) == 0xFFFE;
    !format && !private_or_nonchar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_like_go() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("\t\n\u{1}\u{7f}"), r#""\t\n\x01\x7f""#);
        assert_eq!(go_quote("é😀"), "\"é😀\"");
        assert_eq!(
            go_quote("\u{a0}\u{200b}\u{feff}"),
            r#""\u00a0\u200b\ufeff""#
        );
        assert_eq!(go_quote("\u{f0000}"), r#""\U000f0000""#);
    }
}
