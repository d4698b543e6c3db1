//! Guessing the field delimiter of a CSV text from its first lines.
//!
//! For each candidate the number of delimiters outside double quotes is counted on each of the
//! first lines. The candidate that splits the most lines into the same non-zero number of
//! fields wins; ties go to the one giving more fields, then to the order comma, semicolon,
//! tab, pipe.

/// How many logical lines the sniffer looks at.
const SAMPLE_LINES: usize = 30;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Delimiter {
    Comma,
    Semicolon,
    Tab,
    Pipe,
}

impl Delimiter {
    pub const ALL: [Delimiter; 4] = [Self::Comma, Self::Semicolon, Self::Tab, Self::Pipe];

    pub fn byte(self) -> u8 {
        match self {
            Self::Comma => b',',
            Self::Semicolon => b';',
            Self::Tab => b'\t',
            Self::Pipe => b'|',
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Comma => "comma",
            Self::Semicolon => "semicolon",
            Self::Tab => "tab",
            Self::Pipe => "pipe",
        }
    }
}

/// The sniffer's choice and whether the text gave it any evidence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DelimiterGuess {
    pub delimiter: Delimiter,
    /// False when no candidate occurs at all (a one-column file); comma is then assumed.
    pub found: bool,
}

/// Guesses the delimiter from the first lines of `text`.
pub fn sniff_delimiter(text: &str) -> DelimiterGuess {
    let lines = counts_per_line(text);
    let mut best: Option<(usize, usize, Delimiter)> = None;
    for (index, delimiter) in Delimiter::ALL.iter().enumerate() {
        let counts: Vec<usize> = lines.iter().map(|c| c[index]).collect();
        let Some(mode) = mode_of_nonzero(&counts) else {
            continue;
        };
        let agreeing = counts.iter().filter(|&&c| c == mode).count();
        let better = match best {
            None => true,
            Some((best_agreeing, best_mode, _)) => (agreeing, mode) > (best_agreeing, best_mode),
        };
        if better {
            best = Some((agreeing, mode, *delimiter));
        }
    }
    match best {
        Some((_, _, delimiter)) => DelimiterGuess {
            delimiter,
            found: true,
        },
        None => DelimiterGuess {
            delimiter: Delimiter::Comma,
            found: false,
        },
    }
}

/// Per logical line (a quoted newline does not end a line), the count of each candidate.
fn counts_per_line(text: &str) -> Vec<[usize; 4]> {
    let mut lines = Vec::new();
    let mut current = [0usize; 4];
    let mut in_quotes = false;
    let mut line_has_content = false;
    for byte in text.bytes() {
        match byte {
            b'"' => {
                // A doubled quote inside a quoted field toggles twice and so stays inside.
                in_quotes = !in_quotes;
                line_has_content = true;
            }
            b'\n' if !in_quotes => {
                if line_has_content {
                    lines.push(current);
                    if lines.len() == SAMPLE_LINES {
                        return lines;
                    }
                }
                current = [0; 4];
                line_has_content = false;
            }
            b'\r' if !in_quotes => {}
            _ => {
                line_has_content = true;
                if !in_quotes && let Some(i) = Delimiter::ALL.iter().position(|d| d.byte() == byte)
                {
                    current[i] += 1;
                }
            }
        }
    }
    if line_has_content {
        lines.push(current);
    }
    lines
}

fn mode_of_nonzero(counts: &[usize]) -> Option<usize> {
    let mut tally: Vec<(usize, usize)> = Vec::new();
    for &c in counts.iter().filter(|&&c| c > 0) {
        match tally.iter_mut().find(|(value, _)| *value == c) {
            Some((_, n)) => *n += 1,
            None => tally.push((c, 1)),
        }
    }
    tally
        .into_iter()
        .max_by_key(|&(value, n)| (n, value))
        .map(|(value, _)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guess(text: &str) -> Delimiter {
        sniff_delimiter(text).delimiter
    }

    #[test]
    fn picks_each_delimiter() {
        assert_eq!(guess("a,b,c\n1,2,3\n"), Delimiter::Comma);
        assert_eq!(guess("a;b;c\n1;2;3\n"), Delimiter::Semicolon);
        assert_eq!(guess("a\tb\tc\n1\t2\t3\n"), Delimiter::Tab);
        assert_eq!(guess("a|b|c\n1|2|3\n"), Delimiter::Pipe);
    }

    #[test]
    fn decimal_commas_do_not_fool_it() {
        let text = "sku;title;weight\nA1;Cup;1,5\nA2;Plate;0,25\nA3;Bowl;2\n";
        assert_eq!(guess(text), Delimiter::Semicolon);
    }

    #[test]
    fn delimiters_inside_quotes_are_ignored() {
        let text = "sku,title\nA1,\"Cup; blue; large\"\nA2,\"Mug; red\"\n";
        assert_eq!(guess(text), Delimiter::Comma);
    }

    #[test]
    fn quoted_newlines_do_not_split_lines() {
        let text = "sku|title\nA1|\"two\nlines, with, commas\"\nA2|x\n";
        assert_eq!(guess(text), Delimiter::Pipe);
    }

    #[test]
    fn one_column_falls_back_to_comma_and_says_so() {
        assert_eq!(
            sniff_delimiter("sku\nA1\nA2\n"),
            DelimiterGuess {
                delimiter: Delimiter::Comma,
                found: false
            }
        );
    }

    #[test]
    fn consistency_beats_frequency() {
        // Commas appear more often but unevenly (free text); tabs split every line the same.
        let text = "sku\ttitle\nA1\tCup, blue, big, round\nA2\tPlate\nA3\tBowl, red\n";
        assert_eq!(guess(text), Delimiter::Tab);
    }
}
