//! Characters that hide personal data from the patterns without changing how it
//! reads: zero-width joiners and spaces inside a number or an address, full-width
//! digits and at signs, no-break and thin spaces, dashes of every width. The
//! patterns run on a folded copy of the text; what they find is mapped back to the
//! original, so that the hidden characters go with the data.

use std::ops::Range;

/// What `c` reads as; `None` for characters that show nothing.
fn fold(c: char) -> Option<char> {
    match c {
        '\u{00AD}'
        | '\u{034F}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200D}'
        | '\u{2060}'..='\u{2064}'
        | '\u{FEFF}' => None,
        '\u{00A0}' | '\u{2000}'..='\u{200A}' | '\u{202F}' | '\u{205F}' | '\u{3000}' => Some(' '),
        '\u{2028}' | '\u{2029}' => Some('\n'),
        '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{FE63}' => Some('-'),
        '\u{FE6B}' => Some('@'),
        // Full-width forms of ASCII: "０３４７", "＠", "．".
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        // Digits of other scripts and of mathematics.
        '\u{0660}'..='\u{0669}' => digit(c, 0x0660),
        '\u{06F0}'..='\u{06F9}' => digit(c, 0x06F0),
        '\u{0966}'..='\u{096F}' => digit(c, 0x0966),
        '\u{1D7CE}'..='\u{1D7FF}' => digit(c, 0x1D7CE),
        _ => Some(c),
    }
}

fn digit(c: char, zero: u32) -> Option<char> {
    char::from_digit((c as u32 - zero) % 10, 10)
}

/// A text with its hiding characters folded, and where each of its bytes came from.
pub(super) struct Folded {
    pub text: String,
    /// For each byte offset of `text` that starts a character (and its end), the
    /// offset in the original where that character starts.
    starts: Vec<usize>,
    /// For each byte offset of `text` that ends a character, the offset in the
    /// original where that character ends.
    ends: Vec<usize>,
}

impl Folded {
    /// `None` when nothing in `original` needs folding, the common case.
    pub fn of(original: &str) -> Option<Self> {
        if original.is_ascii() || original.chars().all(|c| fold(c) == Some(c)) {
            return None;
        }
        let mut text = String::with_capacity(original.len());
        let mut starts = Vec::with_capacity(original.len() + 1);
        let mut ends = Vec::with_capacity(original.len() + 1);
        ends.push(0);
        for (at, c) in original.char_indices() {
            let Some(folded) = fold(c) else {
                continue;
            };
            for _ in 0..folded.len_utf8() {
                starts.push(at);
                ends.push(at + c.len_utf8());
            }
            text.push(folded);
        }
        starts.push(original.len());
        Some(Self { text, starts, ends })
    }

    /// The range of the original that `range` of the folded text came from.
    pub fn original(&self, range: Range<usize>) -> Range<usize> {
        self.starts[range.start]..self.ends[range.end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hiding_characters_fold_and_map_back() {
        assert!(Folded::of("via Roma è allagata").is_none());
        let original = "tel ３４７\u{200B}５５５\u{00A0}1234!";
        let folded = Folded::of(original).map(|f| {
            let at = f.text.find("347").unwrap_or_default();
            (f.text.clone(), f.original(at..at + 11))
        });
        let (text, range) = folded.unwrap_or_default();
        assert_eq!(text, "tel 347555 1234!");
        assert_eq!(&original[range], "３４７\u{200B}５５５\u{00A0}1234");
    }
}
