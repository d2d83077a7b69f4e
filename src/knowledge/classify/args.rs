//! A small, tolerant command-line splitter shared by the manager classifiers.

use crate::shell::ShellWord;

/// An option as written: `--name=value`, `--name value`, `-n value`, `-nvalue` or a flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ParsedOption<'a> {
    /// Index of the option's word in the command.
    pub index: usize,
    /// The option name including its dashes (`--target`, `-r`); a cluster of short
    /// flags (`-yq`) is kept as one name.
    pub name: &'a str,
    pub value: Option<&'a str>,
}

/// A word that is not an option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Positional<'a> {
    pub index: usize,
    pub value: &'a str,
}

#[derive(Debug, Default)]
pub(super) struct ParsedArgs<'a> {
    pub options: Vec<ParsedOption<'a>>,
    pub positionals: Vec<Positional<'a>>,
}

/// Splits `words[start..]` into options and positionals. `takes_value` lists the
/// options whose value may be the next word; for those, `-rfile` (short) is also read
/// as a value. Anything after `--` is positional.
pub(super) fn parse<'a>(
    words: &'a [ShellWord],
    start: usize,
    takes_value: &[&str],
) -> ParsedArgs<'a> {
    let mut parsed = ParsedArgs::default();
    let mut index = start;
    let mut only_positionals = false;
    while let Some(word) = words.get(index) {
        let text = word.value.as_str();
        if only_positionals || text == "-" || !text.starts_with('-') {
            parsed.positionals.push(Positional { index, value: text });
            index += 1;
            continue;
        }
        if text == "--" {
            only_positionals = true;
            index += 1;
            continue;
        }
        let option = if takes_value.contains(&text) {
            let value = words.get(index + 1).map(|w| w.value.as_str());
            let option = ParsedOption {
                index,
                name: text,
                value,
            };
            if value.is_some() {
                index += 1;
            }
            option
        } else if let Some(short) = attached_short(text, takes_value) {
            ParsedOption {
                index,
                name: short,
                value: Some(&text[short.len()..]),
            }
        } else if let Some((name, value)) = split_equals(text, takes_value) {
            ParsedOption {
                index,
                name,
                value: Some(value),
            }
        } else {
            ParsedOption {
                index,
                name: text,
                value: None,
            }
        };
        parsed.options.push(option);
        index += 1;
    }
    parsed
}

/// `--name=value`, or Go-style `-name=value`.
fn split_equals<'a>(text: &'a str, takes_value: &[&str]) -> Option<(&'a str, &'a str)> {
    let (name, value) = text.split_once('=')?;
    let long = name.starts_with("--") || name.chars().count() > 2 || takes_value.contains(&name);
    long.then_some((name, value))
}

/// `-rrequirements.txt`: a short option from `takes_value` with its value attached.
fn attached_short<'a>(text: &'a str, takes_value: &[&str]) -> Option<&'a str> {
    if text.starts_with("--") {
        return None;
    }
    let short_end = text.char_indices().nth(2).map(|(i, _)| i)?;
    let short = &text[..short_end];
    takes_value.contains(&short).then_some(short)
}

impl<'a> ParsedArgs<'a> {
    /// Whether any option has one of these names.
    pub fn has(&self, names: &[&str]) -> bool {
        self.options.iter().any(|o| names.contains(&o.name))
    }

    /// The values of the options with these names, in order.
    pub fn values(&self, names: &[&str]) -> Vec<&'a str> {
        self.options
            .iter()
            .filter(|o| names.contains(&o.name))
            .filter_map(|o| o.value)
            .collect()
    }

    /// The last value of the options with these names.
    pub fn last_value(&self, names: &[&str]) -> Option<&'a str> {
        self.values(names).pop()
    }

    /// The positional at `position` (0 = the first word that is not an option).
    pub fn positional(&self, position: usize) -> Option<Positional<'a>> {
        self.positionals.get(position).copied()
    }

    /// The values of the positionals from `position` on.
    pub fn positional_values_from(&self, position: usize) -> Vec<&'a str> {
        self.positionals
            .iter()
            .skip(position)
            .map(|p| p.value)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<ShellWord> {
        text.split_whitespace()
            .map(|w| ShellWord {
                value: w.into(),
                range: (0..0).into(),
                has_expansion: false,
            })
            .collect()
    }

    #[test]
    fn options_values_and_positionals() {
        let w = words("pip install -r req.txt --target=/out -cconstraints.txt -qU flask -- -weird");
        let parsed = parse(&w, 1, &["-r", "-c", "--target"]);
        assert_eq!(parsed.values(&["-r"]), vec!["req.txt"]);
        assert_eq!(parsed.values(&["--target"]), vec!["/out"]);
        assert_eq!(parsed.values(&["-c"]), vec!["constraints.txt"]);
        assert!(parsed.has(&["-qU"]));
        assert_eq!(
            parsed.positional_values_from(0),
            vec!["install", "flask", "-weird"]
        );
        assert_eq!(parsed.positional(1).map(|p| p.index), Some(7));
    }

    #[test]
    fn go_style_single_dash_long_options() {
        let w = words("go build -ldflags=-s -o /bin/app ./cmd/app");
        let parsed = parse(&w, 1, &["-o"]);
        assert_eq!(parsed.values(&["-ldflags"]), vec!["-s"]);
        assert_eq!(parsed.positional_values_from(0), vec!["build", "./cmd/app"]);
    }

    #[test]
    fn a_value_option_at_the_end_has_no_value() {
        let w = words("npm --prefix");
        let parsed = parse(&w, 1, &["--prefix"]);
        assert_eq!(parsed.options[0].value, None);
    }
}
