//! A small element tree over quick-xml, enough for Atom, RSS and OAI-PMH pages (a few MB).
//! Names are local (namespace prefixes dropped). A document that breaks off keeps every element
//! completed before the break, and the error says where it broke.

use quick_xml::events::Event;
use quick_xml::Reader;

#[derive(Debug, Default, Clone)]
pub struct Element {
    pub name: String,
    /// Qualified name as written (`arxiv:comment`), to tell namespaces apart where it matters.
    pub qname: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
    /// 1-based line where the element starts.
    pub line: usize,
    /// False for an element cut off by a syntax error: its content is partial.
    pub complete: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct XmlError {
    pub line: usize,
    pub byte: u64,
    pub message: String,
}

impl std::fmt::Display for XmlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "broken XML at line {} (byte {}): {}", self.line, self.byte, self.message)
    }
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Text of the first child called `name`, trimmed; `None` when absent or empty.
    pub fn text_of(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.trim().to_string()).filter(|t| !t.is_empty())
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

fn local(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    match s.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => s.into_owned(),
    }
}

/// Parses `xml` into a tree under a synthetic root. On a syntax error, returns what was complete
/// before it (open elements are closed) and the error.
pub fn parse(xml: &str) -> (Element, Option<XmlError>) {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(false);
    let mut stack: Vec<Element> = vec![Element { name: "#root".into(), line: 1, complete: true, ..Default::default() }];
    let bytes = xml.as_bytes();
    let mut line_at = (0usize, 1usize); // (byte offset, line) memo for incremental counting
    let mut line_of = |pos: usize| {
        let pos = pos.min(bytes.len());
        if pos >= line_at.0 {
            line_at.1 += bytes[line_at.0..pos].iter().filter(|&&b| b == b'\n').count();
        } else {
            line_at.1 = 1 + bytes[..pos].iter().filter(|&&b| b == b'\n').count();
        }
        line_at.0 = pos;
        line_at.1
    };
    let mut error = None;
    loop {
        let pos = reader.buffer_position() as usize;
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let el = start_element(&e, line_of(pos));
                stack.push(el);
            }
            Ok(Event::Empty(e)) => {
                let el = start_element(&e, line_of(pos));
                stack.last_mut().expect("root").children.push(el);
            }
            Ok(Event::End(_)) => {
                if stack.len() > 1 {
                    let done = stack.pop().expect("non-empty");
                    stack.last_mut().expect("root").children.push(done);
                }
            }
            Ok(Event::Text(t)) => match t.unescape() {
                Ok(s) => stack.last_mut().expect("root").text.push_str(&s),
                Err(e) => {
                    error = Some(XmlError { line: line_of(pos), byte: pos as u64, message: e.to_string() });
                    break;
                }
            },
            Ok(Event::CData(t)) => {
                stack.last_mut().expect("root").text.push_str(&String::from_utf8_lossy(&t.into_inner()));
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => {
                let at = reader.error_position() as usize;
                error = Some(XmlError { line: line_of(at), byte: at as u64, message: e.to_string() });
                break;
            }
        }
    }
    if error.is_none() && stack.len() > 1 {
        error = Some(XmlError {
            line: line_of(bytes.len()),
            byte: bytes.len() as u64,
            message: format!("document ends inside <{}>", stack.last().map(|e| e.qname.as_str()).unwrap_or("")),
        });
    }
    // Elements still open at the break are closed and marked incomplete, so that callers keep
    // the finished records inside them and skip the partial one.
    while stack.len() > 1 {
        let mut open = stack.pop().expect("non-empty");
        open.complete = false;
        stack.last_mut().expect("root").children.push(open);
    }
    (stack.pop().expect("root"), error)
}

fn start_element(e: &quick_xml::events::BytesStart<'_>, line: usize) -> Element {
    let attrs = e
        .attributes()
        .flatten()
        .map(|a| {
            let key = local(a.key.as_ref());
            let value = a.unescape_value().map(|v| v.into_owned()).unwrap_or_default();
            (key, value)
        })
        .collect();
    Element {
        name: local(e.name().as_ref()),
        qname: String::from_utf8_lossy(e.name().as_ref()).into_owned(),
        attrs,
        children: Vec::new(),
        text: String::new(),
        line,
        complete: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_namespaced_elements_and_entities() {
        let (root, err) = parse(r#"<feed xmlns:a="x"><a:b k="1 &amp; 2">x &lt; y</a:b><c/></feed>"#);
        assert!(err.is_none());
        let feed = root.child("feed").unwrap();
        let b = feed.child("b").unwrap();
        assert_eq!((b.qname.as_str(), b.text.as_str(), b.attr("k")), ("a:b", "x < y", Some("1 & 2")));
        assert!(feed.child("c").is_some());
    }

    #[test]
    fn broken_documents_keep_completed_elements_and_say_where() {
        let xml = "<list>\n<item>one</item>\n<item>two</item>\n<item>thr</list>";
        let (root, err) = parse(xml);
        let err = err.expect("an error");
        assert_eq!(err.line, 4, "{err}");
        let list = root.child("list").unwrap();
        assert!(!list.complete);
        let done: Vec<_> = list.children_named("item").filter(|i| i.complete).map(|i| i.text.as_str()).collect();
        assert_eq!(done, ["one", "two"]);
        assert!(list.children_named("item").any(|i| !i.complete));
    }
}
