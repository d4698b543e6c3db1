//! What an upload really is: the file type from its first bytes (magic numbers), never from its name, and the
//! checks that reject empty, oversized, truncated, unsupported or mislabelled files with a reason.

use std::fmt;

/// The file types the vault accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    Pdf,
    Png,
    Jpeg,
    Webp,
}

impl FileKind {
    /// MIME type served on download.
    pub fn content_type(self) -> &'static str {
        match self {
            FileKind::Pdf => "application/pdf",
            FileKind::Png => "image/png",
            FileKind::Jpeg => "image/jpeg",
            FileKind::Webp => "image/webp",
        }
    }

    /// Canonical file extension (without the dot).
    pub fn ext(self) -> &'static str {
        match self {
            FileKind::Pdf => "pdf",
            FileKind::Png => "png",
            FileKind::Jpeg => "jpg",
            FileKind::Webp => "webp",
        }
    }

    /// Short name used in messages: PDF, PNG, JPEG, WebP.
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Pdf => "PDF",
            FileKind::Png => "PNG",
            FileKind::Jpeg => "JPEG",
            FileKind::Webp => "WebP",
        }
    }

    /// The kind a file extension claims (case-insensitive), if it is one the vault accepts.
    pub fn from_extension(ext: &str) -> Option<FileKind> {
        match ext.to_ascii_lowercase().as_str() {
            "pdf" => Some(FileKind::Pdf),
            "png" => Some(FileKind::Png),
            "jpg" | "jpeg" | "jpe" => Some(FileKind::Jpeg),
            "webp" => Some(FileKind::Webp),
            _ => None,
        }
    }

    /// The kind of a stored content type.
    pub fn from_content_type(ct: &str) -> Option<FileKind> {
        [FileKind::Pdf, FileKind::Png, FileKind::Jpeg, FileKind::Webp]
            .into_iter()
            .find(|k| k.content_type() == ct)
    }
}

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why an upload is refused. Every message says what was found and what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UploadError {
    #[error("the file is empty")]
    Empty,
    #[error(
        "the file is {size} bytes; the limit is {max} bytes ({} MiB)",
        max / (1024 * 1024)
    )]
    TooLarge { size: u64, max: u64 },
    #[error(
        "the file content is {found}, not a PDF, PNG, JPEG or WebP document; only those are accepted"
    )]
    Unsupported { found: String },
    #[error(
        "the file is named .{ext} but its content is {actual}; rename it or upload the right file"
    )]
    Mislabelled { ext: String, actual: FileKind },
    #[error("files named .{ext} are not accepted; upload a PDF, PNG, JPEG or WebP document")]
    Extension { ext: String },
    #[error("the {kind} file is truncated or corrupt: {detail}")]
    Corrupt {
        kind: FileKind,
        detail: &'static str,
    },
}

impl UploadError {
    /// Stable machine code.
    pub fn code(&self) -> &'static str {
        match self {
            UploadError::Empty => "empty",
            UploadError::TooLarge { .. } => "too_large",
            UploadError::Unsupported { .. } => "unsupported_content",
            UploadError::Mislabelled { .. } => "mislabelled",
            UploadError::Extension { .. } => "unsupported_extension",
            UploadError::Corrupt { .. } => "corrupt",
        }
    }
}

/// Names well-known non-document formats, so a rejection says what the file was.
fn describe_other(bytes: &[u8]) -> String {
    let starts = |m: &[u8]| bytes.starts_with(m);
    if starts(b"MZ") {
        "a Windows executable (MZ)".into()
    } else if starts(b"\x7fELF") {
        "an ELF executable".into()
    } else if starts(b"\xCA\xFE\xBA\xBE") || starts(b"\xCF\xFA\xED\xFE") || starts(b"\xFE\xED\xFA")
    {
        "a Mach-O executable".into()
    } else if starts(b"PK\x03\x04") {
        "a ZIP archive (or an Office document)".into()
    } else if starts(b"GIF8") {
        "a GIF image".into()
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        "a TIFF image".into()
    } else if starts(b"#!") {
        "a script".into()
    } else if starts(b"\xD0\xCF\x11\xE0") {
        "a legacy Office document".into()
    } else if starts(b"Rar!") || starts(b"7z\xBC\xAF") || starts(b"\x1F\x8B") {
        "a compressed archive".into()
    } else {
        let head = &bytes[..bytes.len().min(512)];
        let lower: Vec<u8> = head.iter().map(u8::to_ascii_lowercase).collect();
        let contains = |needle: &[u8]| lower.windows(needle.len()).any(|w| w == needle);
        if contains(b"<html") || contains(b"<!doctype") || contains(b"<script") {
            "HTML".into()
        } else if contains(b"<svg") {
            "an SVG image (may contain scripts)".into()
        } else if std::str::from_utf8(head).is_ok() {
            "plain text".into()
        } else {
            "unrecognised binary data".into()
        }
    }
}

fn ends_near(bytes: &[u8], needle: &[u8], window: usize) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(window)..];
    tail.windows(needle.len()).any(|w| w == needle)
}

/// The document kind by magic bytes, with a structural sanity check (end markers, declared sizes), or why not.
pub fn sniff(bytes: &[u8]) -> Result<FileKind, UploadError> {
    if bytes.is_empty() {
        return Err(UploadError::Empty);
    }
    if bytes.starts_with(b"%PDF-") {
        // Incremental updates may add trailing whitespace; the trailer must be near the end.
        if !ends_near(bytes, b"%%EOF", 1024) {
            return Err(UploadError::Corrupt {
                kind: FileKind::Pdf,
                detail: "no %%EOF trailer at the end",
            });
        }
        return Ok(FileKind::Pdf);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        if bytes.len() < 8 + 25 || &bytes[12..16] != b"IHDR" {
            return Err(UploadError::Corrupt {
                kind: FileKind::Png,
                detail: "no IHDR header chunk",
            });
        }
        if !ends_near(bytes, b"IEND", 12) {
            return Err(UploadError::Corrupt {
                kind: FileKind::Png,
                detail: "no IEND chunk at the end",
            });
        }
        return Ok(FileKind::Png);
    }
    if bytes.starts_with(b"\xFF\xD8\xFF") {
        if bytes.len() < 4 {
            return Err(UploadError::Corrupt {
                kind: FileKind::Jpeg,
                detail: "shorter than a JPEG header",
            });
        }
        return Ok(FileKind::Jpeg);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        let declared = u32::from_le_bytes([bytes[4], bytes[5], bytes[6], bytes[7]]) as usize;
        if declared.saturating_add(8) > bytes.len() {
            return Err(UploadError::Corrupt {
                kind: FileKind::Webp,
                detail: "the RIFF size is larger than the file",
            });
        }
        return Ok(FileKind::Webp);
    }
    Err(UploadError::Unsupported {
        found: describe_other(bytes),
    })
}

/// Checks an upload: not empty, at most `max_bytes`, a supported kind by content, and a file-name extension (if
/// any) that agrees with the content.
pub fn check_content(
    file_name: &str,
    bytes: &[u8],
    max_bytes: u64,
) -> Result<FileKind, UploadError> {
    let size = bytes.len() as u64;
    if size == 0 {
        return Err(UploadError::Empty);
    }
    if size > max_bytes {
        return Err(UploadError::TooLarge {
            size,
            max: max_bytes,
        });
    }
    let ext = crate::name::extension(file_name);
    // An executable or script extension is refused even if the bytes look harmless.
    let claimed = match ext.as_deref() {
        None => None,
        Some(e) => match FileKind::from_extension(e) {
            Some(k) => Some(k),
            None => {
                // The content decides the message when it is not a document either.
                sniff(bytes)?;
                return Err(UploadError::Extension { ext: e.to_string() });
            }
        },
    };
    let actual = sniff(bytes)?;
    if let (Some(claimed), Some(e)) = (claimed, ext)
        && claimed != actual
    {
        return Err(UploadError::Mislabelled { ext: e, actual });
    }
    Ok(actual)
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn pdf() -> Vec<u8> {
        b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec()
    }

    pub(crate) fn png() -> Vec<u8> {
        let mut v =
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0\x90wS\xde".to_vec();
        v.extend_from_slice(b"\0\0\0\0IEND\xaeB`\x82");
        v
    }

    #[test]
    fn kinds_are_found_by_content() {
        assert_eq!(sniff(&pdf()), Ok(FileKind::Pdf));
        assert_eq!(sniff(&png()), Ok(FileKind::Png));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF\0"), Ok(FileKind::Jpeg));
        let mut webp = b"RIFF\x0c\0\0\0WEBPVP8 ".to_vec();
        webp.extend_from_slice(&[0; 4]);
        assert_eq!(sniff(&webp), Ok(FileKind::Webp));
    }

    #[test]
    fn a_pdf_named_file_with_png_bytes_is_mislabelled() {
        let err = check_content("ce-doc.pdf", &png(), 1 << 20).unwrap_err();
        assert_eq!(
            err,
            UploadError::Mislabelled {
                ext: "pdf".into(),
                actual: FileKind::Png
            }
        );
        assert!(err.to_string().contains("content is PNG"), "{err}");
    }

    #[test]
    fn executables_and_other_formats_are_rejected_with_what_they_are() {
        let err = check_content("report.exe", b"MZ\x90\0\x03", 1 << 20).unwrap_err();
        assert!(err.to_string().contains("Windows executable"), "{err}");
        let err = check_content("report.pdf", b"MZ\x90\0\x03", 1 << 20).unwrap_err();
        assert_eq!(err.code(), "unsupported_content");
        let err = check_content("x.pdf", b"<html><script>", 1 << 20).unwrap_err();
        assert!(err.to_string().contains("HTML"), "{err}");
        // A real PDF with an executable's name is refused for the name.
        let err = check_content("setup.exe", &pdf(), 1 << 20).unwrap_err();
        assert_eq!(err.code(), "unsupported_extension");
    }

    #[test]
    fn size_limit_empty_and_truncation() {
        let err = check_content("a.pdf", &pdf(), 10).unwrap_err();
        assert_eq!(err.code(), "too_large");
        assert!(err.to_string().contains("limit is 10 bytes"), "{err}");
        assert_eq!(check_content("a.pdf", b"", 10), Err(UploadError::Empty));
        let truncated = &pdf()[..20];
        assert_eq!(
            check_content("a.pdf", truncated, 1 << 20)
                .unwrap_err()
                .code(),
            "corrupt"
        );
        let png = png();
        assert_eq!(sniff(&png[..30]).unwrap_err().code(), "corrupt");
        assert_eq!(
            sniff(b"RIFF\xff\0\0\0WEBPVP8 ").unwrap_err().code(),
            "corrupt"
        );
    }

    #[test]
    fn names_without_extension_take_the_content() {
        assert_eq!(check_content("scan", &png(), 1 << 20), Ok(FileKind::Png));
        assert_eq!(
            check_content("photo.JPEG", b"\xFF\xD8\xFF\xE1xx", 1 << 20),
            Ok(FileKind::Jpeg)
        );
    }
}
