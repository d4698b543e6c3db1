//! Turning the bytes of a text file into a `String`.
//!
//! Order of detection:
//! 1. a byte order mark decides (UTF-8, UTF-16LE, UTF-16BE);
//! 2. otherwise bytes that are valid UTF-8 are UTF-8 (GBK text is almost never valid UTF-8,
//!    while ASCII is both, and then the answer is the same);
//! 3. otherwise GB18030 (a superset of GBK, what Excel writes for "CSV" on a Chinese Windows)
//!    when it decodes without a single malformed sequence;
//! 4. otherwise an error naming the first byte that is not UTF-8.

use std::borrow::Cow;

use encoding_rs::{DecoderResult, GB18030, UTF_16BE, UTF_16LE};

use crate::error::ReadError;

/// The encoding a text was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectedEncoding {
    Utf8,
    Utf8WithBom,
    Utf16Le,
    Utf16Be,
    /// GB18030, which includes GBK and GB2312.
    Gb18030,
}

impl DetectedEncoding {
    pub fn label(self) -> &'static str {
        match self {
            Self::Utf8 => "UTF-8",
            Self::Utf8WithBom => "UTF-8 (with BOM)",
            Self::Utf16Le => "UTF-16LE",
            Self::Utf16Be => "UTF-16BE",
            Self::Gb18030 => "GBK/GB18030",
        }
    }
}

const UTF8_BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// Decodes the text of an uploaded file. See the module documentation for the rules.
pub fn decode_text(bytes: &[u8]) -> Result<(String, DetectedEncoding), ReadError> {
    decode_borrowed(bytes).map(|(text, encoding)| (text.into_owned(), encoding))
}

/// Like [`decode_text`], but UTF-8 input is borrowed instead of copied: a large upload then
/// costs its size once, not twice.
pub(crate) fn decode_borrowed(bytes: &[u8]) -> Result<(Cow<'_, str>, DetectedEncoding), ReadError> {
    if let Some(rest) = bytes.strip_prefix(UTF8_BOM) {
        return utf8(rest).map(|s| (Cow::Borrowed(s), DetectedEncoding::Utf8WithBom));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(rest, UTF_16LE).map(|s| (Cow::Owned(s), DetectedEncoding::Utf16Le));
    }
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(rest, UTF_16BE).map(|s| (Cow::Owned(s), DetectedEncoding::Utf16Be));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((Cow::Borrowed(s), DetectedEncoding::Utf8)),
        Err(utf8_error) => {
            if let Some(text) = decode_gb18030(bytes) {
                return Ok((Cow::Owned(text), DetectedEncoding::Gb18030));
            }
            let offset = utf8_error.valid_up_to();
            Err(ReadError::UndecodableText {
                offset,
                byte: bytes.get(offset).copied().unwrap_or(0),
            })
        }
    }
}

/// Decodes GB18030 strictly (`None` on the first malformed sequence) into a string sized for
/// this text: no GB18030 sequence grows by more than half in UTF-8 (two bytes become at most
/// three), so that is reserved once instead of the decoder's generic worst case.
fn decode_gb18030(bytes: &[u8]) -> Option<String> {
    let mut decoder = GB18030.new_decoder_without_bom_handling();
    let mut text = String::with_capacity(bytes.len() + bytes.len() / 2 + 16);
    let mut read = 0;
    loop {
        let (result, consumed) =
            decoder.decode_to_string_without_replacement(&bytes[read..], &mut text, true);
        read += consumed;
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => text.reserve(bytes.len() - read + 16),
            DecoderResult::Malformed(_, _) => return None,
        }
    }
    text.shrink_to_fit();
    Some(text)
}

fn utf8(bytes: &[u8]) -> Result<&str, ReadError> {
    std::str::from_utf8(bytes).map_err(|e| {
        let offset = e.valid_up_to() + UTF8_BOM.len();
        ReadError::UndecodableText {
            offset,
            byte: bytes.get(e.valid_up_to()).copied().unwrap_or(0),
        }
    })
}

fn utf16(bytes: &[u8], encoding: &'static encoding_rs::Encoding) -> Result<String, ReadError> {
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| s.into_owned())
        .ok_or(ReadError::InvalidUtf16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_utf8_is_utf8() {
        let (text, enc) = decode_text("货号,品名\nA1,杯子".as_bytes()).unwrap();
        assert_eq!(text, "货号,品名\nA1,杯子");
        assert_eq!(enc, DetectedEncoding::Utf8);
    }

    #[test]
    fn bom_is_stripped() {
        let mut bytes = UTF8_BOM.to_vec();
        bytes.extend_from_slice("sku,title".as_bytes());
        let (text, enc) = decode_text(&bytes).unwrap();
        assert_eq!(text, "sku,title");
        assert_eq!(enc, DetectedEncoding::Utf8WithBom);
    }

    #[test]
    fn gbk_from_chinese_excel_is_read() {
        let original = "货号,品名,毛重(千克)\nA1,蓝牙耳机,0.25\n";
        let (gbk, _, had_errors) = encoding_rs::GBK.encode(original);
        assert!(!had_errors);
        assert!(
            std::str::from_utf8(&gbk).is_err(),
            "fixture must not be valid UTF-8"
        );
        let (text, enc) = decode_text(&gbk).unwrap();
        assert_eq!(text, original);
        assert_eq!(enc, DetectedEncoding::Gb18030);
    }

    #[test]
    fn gb18030_four_byte_characters_are_read() {
        // U+20000 is outside GBK; only GB18030's four-byte sequences can hold it.
        let original = "title\n𠀀 cup\n";
        let (bytes, _, had_errors) = GB18030.encode(original);
        assert!(!had_errors);
        let (text, enc) = decode_text(&bytes).unwrap();
        assert_eq!(text, original);
        assert_eq!(enc, DetectedEncoding::Gb18030);
    }

    #[test]
    fn utf16_with_bom_is_read() {
        let original = "货号\tTitle\nA1\tCup\n";
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in original.encode_utf16() {
            le.extend_from_slice(&unit.to_le_bytes());
            be.extend_from_slice(&unit.to_be_bytes());
        }
        assert_eq!(
            decode_text(&le).unwrap(),
            (original.to_owned(), DetectedEncoding::Utf16Le)
        );
        assert_eq!(
            decode_text(&be).unwrap(),
            (original.to_owned(), DetectedEncoding::Utf16Be)
        );
    }

    #[test]
    fn odd_utf16_is_an_error() {
        assert_eq!(
            decode_text(&[0xFF, 0xFE, 0x41]),
            Err(ReadError::InvalidUtf16)
        );
    }

    #[test]
    fn undecodable_bytes_name_the_offset() {
        // 0xFF is neither UTF-8 nor a valid GB18030 lead byte.
        let bytes = b"sku,title\nA1,caf\xFF\n";
        assert_eq!(
            decode_text(bytes),
            Err(ReadError::UndecodableText {
                offset: 16,
                byte: 0xFF
            })
        );
    }

    #[test]
    fn bom_followed_by_invalid_utf8_is_an_error() {
        let bytes = [0xEF, 0xBB, 0xBF, b'a', 0xC3];
        assert!(matches!(
            decode_text(&bytes),
            Err(ReadError::UndecodableText { offset: 4, .. })
        ));
    }
}
