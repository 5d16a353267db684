//! Accounts: names, addresses and passwords parsed once at the edge, argon2id hashing, and the
//! random tokens behind sessions and CSRF protection.

pub mod recovery;
pub mod sessions;
pub mod tokens;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error(
        "a username has 3 to 32 characters: letters (of any one alphabet, accents welcome), digits, '-' and '_', \
         starting with a letter or digit"
    )]
    BadUsername,
    #[error("that email address is not valid: {0}")]
    BadEmail(&'static str),
    #[error("a password has 8 to 128 characters")]
    BadPassword,
}

/// A user name: 3–32 letters, digits, `-` and `_` (NFC-normalised), starting with a letter or
/// digit, its letters of one alphabet ("Zoë" and "Łukasz" are names; a Latin name with a Cyrillic
/// "о" in it is not). Unique by [`username_key`], which also makes look-alikes one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

/// The alphabets a name's letters may not mix: their look-alike letters are how names are spoofed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Alphabet {
    Latin,
    Greek,
    Cyrillic,
    Other,
}

fn alphabet(c: char) -> Alphabet {
    match c as u32 {
        0x41..=0x5A | 0x61..=0x7A | 0xC0..=0x24F | 0x1E00..=0x1EFF => Alphabet::Latin,
        0x370..=0x3FF | 0x1F00..=0x1FFF => Alphabet::Greek,
        0x400..=0x52F => Alphabet::Cyrillic,
        _ => Alphabet::Other,
    }
}

impl Username {
    pub fn parse(s: &str) -> Result<Self, AccountError> {
        use unicode_normalization::UnicodeNormalization;
        let s: String = s.trim().nfc().collect();
        let ok_len = (3..=32).contains(&s.chars().count());
        let ok_chars = s.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_');
        let ok_start = s.chars().next().is_some_and(char::is_alphanumeric);
        let mut alphabets = s.chars().filter(|c| c.is_alphabetic()).map(alphabet);
        let first = alphabets.next();
        let one_alphabet = alphabets.all(|a| Some(a) == first);
        if ok_len && ok_chars && ok_start && one_alphabet {
            Ok(Self(s))
        } else {
            Err(AccountError::BadUsername)
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The form names are compared in.
    pub fn key(&self) -> String {
        username_key(&self.0)
    }
}

/// The form user names are compared in, so that names that look alike are one name: accents
/// dropped, lower case, and Greek and Cyrillic letters that look like Latin ones as those ("Zoë",
/// "zoe" and a Cyrillic "zое" are one name). For an ASCII name it is the name in lower case.
pub fn username_key(name: &str) -> String {
    use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};
    name.trim()
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'а' | 'α' => 'a',
            'в' | 'β' => 'b',
            'с' | 'ϲ' => 'c',
            'ԁ' => 'd',
            'е' | 'ε' => 'e',
            'һ' => 'h',
            'і' | 'ι' | 'ӏ' => 'i',
            'ј' => 'j',
            'к' | 'κ' => 'k',
            'м' => 'm',
            'н' | 'η' => 'n',
            'о' | 'ο' => 'o',
            'р' | 'ρ' => 'p',
            'ԛ' => 'q',
            'ѕ' => 's',
            'т' | 'τ' => 't',
            'υ' => 'u',
            'ν' => 'v',
            'ԝ' | 'ω' => 'w',
            'х' | 'χ' => 'x',
            'у' | 'γ' => 'y',
            c => c,
        })
        .collect()
}

/// An email address that is safe to put in a mail header: no whitespace or control
/// characters (so no header injection), one `@`, a dotted domain, at most 254 characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Self, AccountError> {
        let s = s.trim();
        if s.is_empty() {
            return Err(AccountError::BadEmail("it is empty"));
        }
        if s.len() > 254 {
            return Err(AccountError::BadEmail("it is longer than 254 characters"));
        }
        if s.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(AccountError::BadEmail("it contains spaces, line breaks or control characters"));
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err(AccountError::BadEmail("it has no '@'"));
        };
        if domain.contains('@') {
            return Err(AccountError::BadEmail("it has more than one '@'"));
        }
        if local.is_empty() || local.len() > 64 {
            return Err(AccountError::BadEmail("the part before '@' must have 1 to 64 characters"));
        }
        if local.chars().any(|c| matches!(c, '<' | '>' | '(' | ')' | '[' | ']' | ',' | ';' | ':' | '\\' | '"')) {
            return Err(AccountError::BadEmail("the part before '@' contains a character mail does not allow"));
        }
        let labels_ok = domain.contains('.')
            && domain.split('.').all(|l| {
                !l.is_empty() && !l.starts_with('-') && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if !labels_ok {
            return Err(AccountError::BadEmail("the domain after '@' is not a valid host name"));
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A password as typed: 8–128 characters.
pub struct Password(String);

impl Password {
    pub fn parse(s: &str) -> Result<Self, AccountError> {
        if (8..=128).contains(&s.chars().count()) && !s.trim().is_empty() {
            Ok(Self(s.to_string()))
        } else {
            Err(AccountError::BadPassword)
        }
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// An argon2id hash (PHC string) with a fresh salt. Slow on purpose: call it off the runtime.
pub fn hash_password(p: &Password) -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default().hash_password(p.0.as_bytes(), &salt).map(|h| h.to_string()).unwrap_or_default()
}

/// Whether `candidate` matches `hash`. Slow on purpose: call it off the runtime.
pub fn verify_password(hash: &str, candidate: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(candidate.as_bytes(), &h).is_ok())
}

/// A hash of nothing in particular, verified against when a login names no user, so that the
/// answer takes as long as for a real one.
pub fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password(&Password("not a real password".into())))
}

/// 32 random bytes, URL-safe: session tokens, API tokens, secrets.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// What the store keeps of a token: its SHA-256, hex.
pub fn token_hash(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// HMAC-SHA256 of `message` under `key`, URL-safe base64: CSRF tokens bound to a session.
pub fn sign(key: &[u8], message: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message.as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// Checks a signature in constant time.
pub fn verify_signature(key: &[u8], message: &str, signature: &str) -> bool {
    let Ok(sig) = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(signature) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(message.as_bytes());
    mac.verify_slice(&sig).is_ok()
}

/// What a personal token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenScope {
    /// The whole API, as its member.
    Api,
    /// Read only: the member's private feeds, and GET requests to the API. Feed addresses end up in readers, logs and
    /// proxies, so they carry one of these, never an API token.
    Feed,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Api => "api",
            TokenScope::Feed => "feed",
        }
    }
    pub fn parse(s: &str) -> Self {
        if s == "feed" {
            TokenScope::Feed
        } else {
            TokenScope::Api
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Member,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Self {
        if s == "admin" {
            Role::Admin
        } else {
            Role::Member
        }
    }
}

/// A signed-up user, as pages see them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub email: Option<String>,
    pub role: Role,
    pub suspended: bool,
    /// Papers whose title or abstract contains one of these (ignoring case) are hidden from
    /// this user's listings.
    pub muted_words: Vec<String>,
    /// Categories `/` shows when no `?cat=` is given.
    pub default_categories: Vec<String>,
    pub created_at: i64,
    /// Its owner opened the link sent to `email`: only then is the address used (password
    /// reset, linking digests).
    pub email_verified: bool,
}

impl User {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Whether a paper with this title and abstract contains a muted word.
    pub fn mutes(&self, title: &str, abstract_text: &str) -> bool {
        if self.muted_words.is_empty() {
            return false;
        }
        let (t, a) = (title.to_lowercase(), abstract_text.to_lowercase());
        self.muted_words.iter().any(|w| t.contains(w.as_str()) || a.contains(w.as_str()))
    }
}

/// Muted words as entered (comma- or line-separated), lower-cased, at most 50 of 1–64 chars.
pub fn parse_word_list(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for w in s.split([',', '\n']) {
        let w = w.trim().to_lowercase();
        if !w.is_empty() && w.chars().count() <= 64 && !out.contains(&w) && out.len() < 50 {
            out.push(w);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(Username::parse("ada_l-1").is_ok());
        for bad in ["ab", "-ada", "ada lovelace", "<script>", "a".repeat(33).as_str(), "Zоë", "ad\u{200b}a"] {
            assert_eq!(Username::parse(bad), Err(AccountError::BadUsername), "{bad}");
        }
        assert_eq!(Username::parse("Ada").unwrap().key(), "ada");
        // Letters of any one alphabet, normalised; look-alikes share a key.
        for good in ["Zoë", "ädä", "Łukasz", "Ελένη", "Жанна", "小明明", "Zoe\u{308}"] {
            assert!(Username::parse(good).is_ok(), "{good}");
        }
        assert_eq!(Username::parse("Zoe\u{308}").unwrap().as_str(), "Zoë", "NFC");
        assert_eq!(Username::parse("Zoë").unwrap().key(), "zoe");
        assert_eq!(username_key("Zoë"), username_key("ZOE"));
        assert_eq!(username_key("аdа"), "ada", "Cyrillic а");
        assert_eq!(username_key("Ορα"), username_key("opa"));
    }

    #[test]
    fn emails_reject_header_injection() {
        assert_eq!(Email::parse("Ada@Example.ORG").unwrap().as_str(), "Ada@example.org");
        for bad in [
            "ada@example.org\r\nBcc: all@example.org",
            "ada@example.org\nX: y",
            "ada example@example.org",
            "ada@localhost",
            "ada@@example.org",
            "@example.org",
            "<ada>@example.org",
            "",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?}");
        }
        let long = format!("{}@example.org", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let h = hash_password(&Password::parse("correct horse").unwrap());
        assert!(h.starts_with("$argon2id$"), "{h}");
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "correct horsE"));
        assert!(!verify_password("garbage", "x"));
        assert!(Password::parse("short").is_err());
    }

    #[test]
    fn signatures_verify_only_their_message() {
        let s = sign(b"key", "session:abc");
        assert!(verify_signature(b"key", "session:abc", &s));
        assert!(!verify_signature(b"key", "session:abd", &s));
        assert!(!verify_signature(b"other", "session:abc", &s));
        assert!(!verify_signature(b"key", "session:abc", "not base64!"));
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (new_token(), new_token());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(token_hash(&a).len(), 64);
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn muted_words() {
        let words = parse_word_list("Diffusion, LLM\n , llm");
        assert_eq!(words, vec!["diffusion", "llm"]);
        let u = User {
            id: 1,
            username: "a".into(),
            email: None,
            role: Role::Member,
            suspended: false,
            muted_words: words,
            default_categories: vec![],
            created_at: 0,
            email_verified: false,
        };
        assert!(u.mutes("Latent DIFFUSION models", ""));
        assert!(!u.mutes("Graph networks", "on graphs"));
    }
}
