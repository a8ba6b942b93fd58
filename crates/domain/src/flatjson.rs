//! A fast scanner for the one JSON shape a journal line has: an object whose values are mostly strings, booleans
//! and numbers. Nested arrays and objects are returned as raw text for `serde_json`. Anything the scanner does not
//! accept returns `None`, and the caller falls back to `serde_json` (which then also words the error), so the scanner
//! can only make valid input faster — it is property-tested against `serde_json` for equal results.

use serde_json::Number;
use std::borrow::Cow;

/// A value as scanned.
#[derive(Debug, Clone, PartialEq)]
pub enum Scalar<'a> {
    Null,
    Bool(bool),
    Num(Number),
    Str(Cow<'a, str>),
    /// A nested array or object, as written.
    Raw(&'a str),
}

/// How deeply nested values may be before the scanner leaves them to serde_json (which allows 128).
const MAX_DEPTH: usize = 32;

/// The length of the run of bytes that need no attention inside a string: up to the first quote, backslash or
/// control character (or the end). Also used when writing: a text whose run is its whole length needs no escapes.
#[inline]
pub(crate) fn plain_run(b: &[u8]) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(chunk) = b.get(i..i + 8) {
        let w = u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
        let quote = w ^ (LO * u64::from(b'"'));
        let backslash = w ^ (LO * u64::from(b'\\'));
        // A byte's high bit is set where it is zero (or below 0x20); the lowest such byte is exact, which is all
        // that is used.
        let hit = (quote.wrapping_sub(LO) & !quote)
            | (backslash.wrapping_sub(LO) & !backslash)
            | (w.wrapping_sub(LO * 0x20) & !w);
        let hit = hit & HI;
        if hit != 0 {
            return i + (hit.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

/// Whether a text has no backslash and no control character: then every string in it ends at the next quote, and
/// is valid as it stands. (Journal lines have neither; tabs between tokens are the rare exception.)
#[inline]
fn is_clean(b: &[u8]) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    if memchr::memchr(b'\\', b).is_some() {
        return false;
    }
    let mut words = b.chunks_exact(8);
    // A byte's high bit is set where it is below 0x20 (exact for the lowest; any hit is all that is asked).
    let control = words.by_ref().fold(0, |acc, w| {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        acc | (w.wrapping_sub(LO * 0x20) & !w)
    }) & HI;
    control == 0 && words.remainder().iter().all(|&c| c >= 0x20)
}

struct Scanner<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// The text has no backslash and no control character (`is_clean`).
    clean: bool,
}

impl<'a> Scanner<'a> {
    fn new(s: &'a str) -> Scanner<'a> {
        Scanner { s, b: s.as_bytes(), i: 0, clean: is_clean(s.as_bytes()) }
    }
}

impl<'a> Scanner<'a> {
    fn ws(&mut self) {
        while let Some(&c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    #[inline(always)]
    fn eat(&mut self, c: u8) -> Option<()> {
        if self.peek()? == c {
            self.i += 1;
            Some(())
        } else {
            None
        }
    }

    /// The next byte that is not whitespace. Journal lines have none between tokens: one compare then.
    #[inline(always)]
    fn peek(&mut self) -> Option<u8> {
        let c = *self.b.get(self.i)?;
        if c > b' ' {
            return Some(c);
        }
        self.ws();
        self.b.get(self.i).copied()
    }

    fn hex4(&mut self) -> Option<u32> {
        let h = self.s.get(self.i..self.i + 4)?;
        let v = u32::from_str_radix(h, 16).ok()?;
        if !h.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        self.i += 4;
        Some(v)
    }

    /// A string; the opening quote is at `self.i`.
    #[inline]
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.i += 1;
        let start = self.i;
        if self.clean {
            let end = start + memchr::memchr(b'"', self.b.get(start..)?)?;
            self.i = end + 1;
            return self.s.get(start..end).map(Cow::Borrowed);
        }
        self.string_checked(start)
    }

    /// A string in a text that is not clean: control characters are refused and escapes decoded.
    #[cold]
    #[inline(never)]
    fn string_checked(&mut self, start: usize) -> Option<Cow<'a, str>> {
        // Fast path: no escapes. Eight bytes at a time, looking for a quote, a backslash or a control character at
        // once (journal strings are short: a SIMD search costs more to set up than it saves).
        self.i = start + plain_run(self.b.get(start..)?);
        match *self.b.get(self.i)? {
            b'"' => {
                let out = &self.s[start..self.i];
                self.i += 1;
                return Some(Cow::Borrowed(out));
            }
            b'\\' => {}
            _ => return None,
        }
        let mut out = String::from(self.s.get(start..self.i)?);
        loop {
            let c = *self.b.get(self.i)?;
            match c {
                b'"' => {
                    self.i += 1;
                    return Some(Cow::Owned(out));
                }
                b'\\' => {
                    let e = *self.b.get(self.i + 1)?;
                    self.i += 2;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                if self.b.get(self.i) != Some(&b'\\') || self.b.get(self.i + 1) != Some(&b'u') {
                                    return None;
                                }
                                self.i += 2;
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return None;
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            out.push(char::from_u32(code)?);
                        }
                        _ => return None,
                    }
                }
                0..=0x1f => return None,
                _ => {
                    // Copy the run up to the next quote or backslash (UTF-8 is kept intact).
                    let run = self.i;
                    while let Some(&c) = self.b.get(self.i) {
                        if c == b'"' || c == b'\\' || c < 0x20 {
                            break;
                        }
                        self.i += 1;
                    }
                    out.push_str(self.s.get(run..self.i)?);
                }
            }
        }
    }

    fn number(&mut self) -> Option<Number> {
        let start = self.i;
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        let int_start = self.i;
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        let int_len = self.i - int_start;
        if int_len == 0 || (int_len > 1 && self.b[int_start] == b'0') {
            return None;
        }
        let mut float = false;
        if self.b.get(self.i) == Some(&b'.') {
            float = true;
            self.i += 1;
            let f = self.i;
            while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
                self.i += 1;
            }
            if self.i == f {
                return None;
            }
        }
        if matches!(self.b.get(self.i), Some(b'e' | b'E')) {
            float = true;
            self.i += 1;
            if matches!(self.b.get(self.i), Some(b'+' | b'-')) {
                self.i += 1;
            }
            let e = self.i;
            while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
                self.i += 1;
            }
            if self.i == e {
                return None;
            }
        }
        let text = &self.s[start..self.i];
        if !float {
            if let Ok(v) = text.parse::<u64>() {
                return Some(v.into());
            }
            if let Ok(v) = text.parse::<i64>() {
                return Some(v.into());
            }
        }
        Number::from_f64(text.parse::<f64>().ok()?)
    }

    /// A nested array or object, checked to be valid JSON; its text as written. Nesting deeper than
    /// `MAX_DEPTH` is declined (serde_json then decides).
    fn nested(&mut self) -> Option<&'a str> {
        let start = self.i;
        self.skip_value(0)?;
        Some(&self.s[start..self.i])
    }

    /// Skip one value of any kind, checking it; `self.i` is at its first byte (whitespace skipped).
    fn skip_value(&mut self, depth: usize) -> Option<()> {
        match self.peek()? {
            b'[' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                if self.peek()? == b']' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    self.skip_value(depth + 1)?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        b']' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            b'{' => {
                if depth >= MAX_DEPTH {
                    return None;
                }
                self.i += 1;
                if self.peek()? == b'}' {
                    self.i += 1;
                    return Some(());
                }
                loop {
                    if self.peek()? != b'"' {
                        return None;
                    }
                    self.string()?;
                    self.eat(b':')?;
                    self.skip_value(depth + 1)?;
                    match self.peek()? {
                        b',' => self.i += 1,
                        b'}' => {
                            self.i += 1;
                            return Some(());
                        }
                        _ => return None,
                    }
                }
            }
            _ => self.value().map(drop),
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        if self.s.get(self.i..self.i + word.len()) == Some(word) {
            self.i += word.len();
            Some(())
        } else {
            None
        }
    }

    fn value(&mut self) -> Option<Scalar<'a>> {
        Some(match self.peek()? {
            b'"' => Scalar::Str(self.string()?),
            b't' => {
                self.literal("true")?;
                Scalar::Bool(true)
            }
            b'f' => {
                self.literal("false")?;
                Scalar::Bool(false)
            }
            b'n' => {
                self.literal("null")?;
                Scalar::Null
            }
            b'[' | b'{' => Scalar::Raw(self.nested()?),
            b'-' | b'0'..=b'9' => Scalar::Num(self.number()?),
            _ => return None,
        })
    }
}

/// Scan one JSON object. `None` when the text is not (or not simply) a JSON object: then use `serde_json`.
pub fn scan_object(s: &str) -> Option<Vec<(Cow<'_, str>, Scalar<'_>)>> {
    let mut out = Vec::with_capacity(12);
    scan_fields(s, |k, v| {
        out.push((k, v));
        Some(())
    })?;
    Some(out)
}

/// Scan one JSON object, handing each field to `each` in order (no list of fields is built). `None` when the text
/// is not (or not simply) a JSON object, or when `each` returns `None`; fields handed over before that count for
/// nothing then.
pub fn scan_fields<'a>(s: &'a str, mut each: impl FnMut(Cow<'a, str>, Scalar<'a>) -> Option<()>) -> Option<()> {
    let mut p = Scanner::new(s);
    p.object(&mut each)?;
    p.at_end()
}

/// Scan a JSON array of objects in one pass, handing each field to `each` with the number of the object it is in
/// (0, 1, …); the number of objects is returned (an empty object has no fields to hand over, so compare it with the
/// objects seen). `None` when the text is not such an array, or when `each` returns `None`.
pub fn scan_array_of_objects<'a>(
    s: &'a str,
    mut each: impl FnMut(usize, Cow<'a, str>, Scalar<'a>) -> Option<()>,
) -> Option<usize> {
    let mut p = Scanner::new(s);
    p.eat(b'[')?;
    let mut count = 0;
    if p.peek()? == b']' {
        p.i += 1;
    } else {
        loop {
            let n = count;
            p.object(&mut |k, v| each(n, k, v))?;
            count += 1;
            match p.peek()? {
                b',' => p.i += 1,
                b']' => {
                    p.i += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    p.at_end()?;
    Some(count)
}

impl<'a> Scanner<'a> {
    /// One object (whitespace first), its fields handed to `each`; `self.i` ends just after it.
    fn object(&mut self, each: &mut impl FnMut(Cow<'a, str>, Scalar<'a>) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.i += 1;
            return Some(());
        }
        loop {
            if self.peek()? != b'"' {
                return None;
            }
            let key = self.string()?;
            self.eat(b':')?;
            let v = self.value()?;
            each(key, v)?;
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Only whitespace is left.
    fn at_end(&mut self) -> Option<()> {
        self.ws();
        (self.i == self.s.len()).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Map, Value};

    fn to_map(fields: Vec<(Cow<'_, str>, Scalar<'_>)>) -> Option<Map<String, Value>> {
        let mut m = Map::new();
        for (k, v) in fields {
            let v = match v {
                Scalar::Null => Value::Null,
                Scalar::Bool(b) => Value::Bool(b),
                Scalar::Num(n) => Value::Number(n),
                Scalar::Str(s) => Value::String(s.into_owned()),
                Scalar::Raw(r) => serde_json::from_str(r).ok()?,
            };
            m.insert(k.into_owned(), v);
        }
        Some(m)
    }

    #[test]
    fn scans_journal_lines() {
        let line = r#"{"type":"child_conversation","at":"2024-03-04T10:15:00+01:00","child":"b\u00e6 \"1\"","n":-12.5e1,"ok":true,"x":null,"goals":[{"id":"g1","text":"a]}"}],"big":18446744073709551615}"#;
        let ours = to_map(scan_object(line).unwrap()).unwrap();
        let theirs: Map<String, Value> = serde_json::from_str(line).unwrap();
        assert_eq!(ours, theirs);
        for bad in [
            "",
            "{",
            "[1]",
            r#"{"a":01}"#,
            r#"{"a":1,}"#,
            r#"{"a" 1}"#,
            r#"{"a":1} x"#,
            r#"{"a":"\q"}"#,
            "{\"a\":\"\u{1}\"}",
            r#"{"a":tru}"#,
        ] {
            assert!(scan_object(bad).is_none() || serde_json::from_str::<Map<String, Value>>(bad).is_ok(), "{bad}");
        }
    }

    /// Nested arrays and objects are checked, not just matched by brackets: text that is not JSON is declined.
    #[test]
    fn nested_values_are_checked() {
        for bad in [
            r#"{"a":[1,,2]}"#,
            r#"{"a":[1 2]}"#,
            r#"{"a":{"b"}}"#,
            r#"{"a":{"b":1,}}"#,
            r#"{"a":[01]}"#,
            r#"{"a":[}"#,
            r#"{"a":[tru]}"#,
            "{\"a\":[\"x\u{1}\"]}",
            r#"{"a":[1e999]}"#,
        ] {
            assert!(scan_object(bad).is_none(), "{bad}");
            assert!(serde_json::from_str::<Value>(bad).is_err() || bad.contains("1e999"), "{bad}");
        }
        // Deeper than the scanner goes: declined (serde_json then reads it).
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
        assert!(scan_object(&deep).is_none());
        let ok = format!("{{\"a\":{}{}}}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(scan_object(&ok).is_some());
    }

    /// A control character or a backslash anywhere (in the eight-byte words or in the remainder) makes a text
    /// unclean.
    #[test]
    fn clean_texts_have_no_backslash_and_no_control_character() {
        let base = r#"{"type":"child_conversation","child":"b1"}"#;
        assert!(is_clean(base.as_bytes()));
        assert!(is_clean(b""));
        for at in 0..base.len() {
            for odd in [b'\\', 0x00, b'\t', 0x1f] {
                let mut text = base.as_bytes().to_vec();
                text[at] = odd;
                assert!(!is_clean(&text), "{odd:#x} at {at}");
            }
            let mut text = base.as_bytes().to_vec();
            text[at] = b' ';
            assert!(is_clean(&text), "a space at {at}");
        }
    }

    #[test]
    fn arrays_of_objects_are_handed_over_one_by_one() {
        let mut seen = Vec::new();
        let text = r#" [ {"id":"g1","n":[1,{"x":null}]} , {} , {"id":"g3"} ] "#;
        let count = scan_array_of_objects(text, |i, k, v| {
            seen.push((i, k.into_owned(), v.clone()));
            Some(())
        });
        assert_eq!(count, Some(3), "the empty object counts");
        assert_eq!(
            seen,
            [
                (0, "id".to_string(), Scalar::Str("g1".into())),
                (0, "n".to_string(), Scalar::Raw(r#"[1,{"x":null}]"#)),
                (2, "id".to_string(), Scalar::Str("g3".into())),
            ]
        );
        for bad in ["[1]", "[{}", "[{},]", "{}", "[{}] x", "[{\"a\":}]", "[{\"a\":1}{}]", "[{\"a\" 1}]"] {
            assert!(scan_array_of_objects(bad, |_, _, _| Some(())).is_none(), "{bad}");
        }
        assert_eq!(scan_array_of_objects("[]", |_, _, _| None), Some(0));
        assert_eq!(scan_array_of_objects("[{}]", |_, _, _| None), Some(1), "no field, so `each` is never asked");
        assert!(scan_array_of_objects(r#"[{"a":1}]"#, |_, _, _| None).is_none(), "`each` refused");
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| Value::Number(n.into())),
            any::<u64>().prop_map(|n| Value::Number(n.into())),
            (-1e12f64..1e12).prop_map(|f| Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)),
            "\\PC*".prop_map(Value::String),
            "[\"\\\\/\\u{0}-\\u{1f}a-zæøå😀]*".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Whatever serde_json writes, the scanner reads to the same values (or declines).
        #[test]
        fn agrees_with_serde_json(fields in prop::collection::btree_map("[a-z_\"\\\\é]{1,10}", json_value(), 0..8), pretty in any::<bool>()) {
            let obj = Value::Object(fields.into_iter().collect());
            let text = if pretty { serde_json::to_string_pretty(&obj).unwrap() } else { obj.to_string() };
            let scanned = scan_object(&text).and_then(to_map);
            let expected: Map<String, Value> = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(scanned, Some(expected));
        }

        /// On arbitrary text the scanner never panics, and never accepts what serde_json rejects.
        #[test]
        fn never_accepts_invalid(text in "\\PC{0,40}", prefix in prop::sample::select(vec!["", "{", "{\"a\":", "{\"a\":\"", "{\"a\":["])) {
            let t = format!("{prefix}{text}");
            if let Some(fields) = scan_object(&t) {
                let theirs = serde_json::from_str::<Map<String, Value>>(&t);
                prop_assert!(theirs.is_ok(), "accepted invalid {t:?}");
                let _ = fields;
            }
        }
    }
}
