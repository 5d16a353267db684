//! Author names as arXiv writes them, and the key they are matched by: accents folded, case and
//! punctuation dropped ("José García", "Jose Garcia" and "GARCIA, José" are not the same: the
//! order of the names stays). Initials stay initials: "J. García" is another key than "José
//! García", since nothing says they are the same person; the author page shows such names side
//! by side instead of merging them.

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// The key an author's name is matched by: lower case, accents and punctuation gone, words
/// separated by one space. Empty when the name holds no letter or digit.
pub fn key(name: &str) -> String {
    let folded: String =
        name.nfkd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase).map(fold_letter).collect();
    let mut out = String::with_capacity(folded.len());
    for word in folded.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// Latin letters that no accent decomposition turns into ASCII, as the keyword index folds them
/// ("Małgorzata" is found as "Malgorzata").
fn fold_letter(c: char) -> String {
    match c {
        'ł' => "l".into(),
        'ø' => "o".into(),
        'đ' | 'ð' => "d".into(),
        'ħ' => "h".into(),
        'ı' => "i".into(),
        'ß' => "ss".into(),
        'æ' => "ae".into(),
        'œ' => "oe".into(),
        'þ' => "th".into(),
        c => c.to_string(),
    }
}

/// The author page of `name`: `/authors/` and the name, percent-encoded as a path segment.
pub fn url(name: &str) -> String {
    format!("/authors/{}", utf8_percent_encode(name.trim(), SEGMENT))
}

/// What a path segment must escape: controls, space and the characters with a meaning in a URL.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'\\')
    .add(b'^')
    .add(b'|');

/// The surname a key ends with, and the first letter of its first name: names that may be the
/// same person written another way ("J. García" and "José García").
pub fn initial_and_surname(key: &str) -> Option<(char, &str)> {
    let (first, rest) = key.split_once(' ')?;
    let surname = rest.rsplit(' ').next()?;
    Some((first.chars().next()?, surname))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_fold_accents_case_and_punctuation_but_keep_initials() {
        assert_eq!(key("José García"), "jose garcia");
        assert_eq!(key("  JOSE   GARCIA "), "jose garcia");
        assert_eq!(key("Jürgen Müller-Lüdenscheidt"), "jurgen muller ludenscheidt");
        assert_eq!(key("J. García"), "j garcia");
        assert_ne!(key("J. García"), key("José García"));
        assert_eq!(key("Zoë O'Brien"), "zoe o brien");
        assert_eq!(key("Małgorzata Søndergaard-Weiß"), key("Malgorzata Sondergaard Weiss"));
        assert_eq!(key("王小明"), "王小明");
        assert_eq!(key("..."), "");
        assert_eq!(initial_and_surname("jose garcia"), Some(('j', "garcia")));
        assert_eq!(initial_and_surname("j m garcia"), Some(('j', "garcia")));
        assert_eq!(initial_and_surname("garcia"), None);
        assert_eq!(url("José García"), "/authors/Jos%C3%A9%20Garc%C3%ADa");
        assert_eq!(url("A/B ?x"), "/authors/A%2FB%20%3Fx");
    }
}
