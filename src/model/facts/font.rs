//! What a font file's character map says (see `analyze::font`).

/// How many characters a font draws, and how many of them are private-use.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FontFacts {
    /// Characters its character map gives a glyph.
    pub characters: u32,
    /// Those in Unicode's Private Use Areas (U+E000–U+F8FF, planes 15 and 16).
    pub private_use: u32,
    /// Why the character map could not be read; the counts are 0 then.
    pub problem: Option<String>,
}

impl FontFacts {
    /// Most of its characters are private-use: an icon font, whose glyphs stand for no text, shown
    /// through CSS `content` escapes (or ligatures of plain words, whose letters such a font also
    /// maps, as Material Icons do). A fallback font would show them as boxes or as the words.
    pub fn is_icon_font(&self) -> bool {
        self.characters > 0 && u64::from(self.private_use) * 2 > u64::from(self.characters)
    }
}
