//! A minimal, sandboxed typst world: one embedded template as the only source, the fonts embedded in the binary,
//! a fixed date, the data in `sys.inputs` — and nothing else. No file is read, no package is fetched: any other
//! file id is refused with `FileError::AccessDenied`, so a template (or a value smuggled into one) cannot reach the
//! file system or the network.

use std::sync::LazyLock;

use typst::diag::{FileError, FileResult, Severity, SourceDiagnostic};
use typst::foundations::{Bytes, Datetime, Dict, Duration, Smart, Str, Value};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_kit::fonts::FontStore;
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, PdfStandard, PdfStandards, Timestamp};

use crate::ReportError;

/// The fonts shipped inside typst-assets (Libertinus Serif, New Computer Modern, DejaVu Sans Mono), parsed once
/// per process on first use.
static FONTS: LazyLock<FontStore> = LazyLock::new(|| {
    let mut store = FontStore::new();
    store.extend(typst_kit::fonts::embedded());
    store
});

/// An embedded template as a typst source; `name` is the virtual file name shown in diagnostics. Keep the result
/// in a `LazyLock` so it is parsed once per process.
pub fn template(name: &str, text: &str) -> Source {
    let vpath = VirtualPath::new(format!("/{name}")).unwrap_or_else(|_| VirtualPath::new("/main.typ").expect("valid"));
    Source::new(FileId::new(RootedPath::new(VirtualRoot::Project, vpath)), text.to_string())
}

struct SandboxWorld {
    library: LazyHash<Library>,
    source: Source,
    today: Datetime,
}

impl World for SandboxWorld {
    fn library(&self) -> &LazyHash<Library> {
        &self.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        FONTS.book()
    }

    fn main(&self) -> FileId {
        self.source.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.source.id() {
            Ok(self.source.clone())
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.source.id() {
            Ok(Bytes::from_string(self.source.clone()))
        } else {
            Err(FileError::AccessDenied)
        }
    }

    fn font(&self, index: usize) -> Option<Font> {
        FONTS.font(index)
    }

    fn today(&self, _offset: Option<Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

/// What a render needs besides the template.
pub struct Job<'a> {
    /// `sys.inputs`: each value a string (JSON, decoded by the template with `json(bytes(..))`).
    pub inputs: &'a [(&'a str, String)],
    /// The document's date (ISO): `datetime.today()` in the template and the PDF's creation date.
    pub date: &'a str,
    /// A stable identifier of the document (hashed into the PDF's document id).
    pub ident: String,
}

/// Compiles `template` with `job`'s inputs and exports PDF/A-2b (plain PDF if the text has characters no
/// embedded font has). Any error *or warning* of the compiler is a `ReportError::Template` naming typst's message
/// and the template line, so that a template that typst only half understands fails its tests instead of
/// printing something odd.
pub fn render(template: &Source, job: &Job<'_>) -> Result<Vec<u8>, ReportError> {
    let inputs: Dict = job.inputs.iter().map(|(k, v)| (Str::from(*k), Value::Str(Str::from(v.as_str())))).collect();
    let (y, m, d) = crate::format::parse_iso(job.date).unwrap_or((1970, 1, 1));
    let today = Datetime::from_ymd(y, m, d).or_else(|| Datetime::from_ymd(1970, 1, 1)).expect("valid date");
    let world = SandboxWorld {
        library: LazyHash::new(Library::builder().with_inputs(inputs).build()),
        source: template.clone(),
        today,
    };

    let warned = typst::compile::<PagedDocument>(&world);
    let result = match warned.output {
        Err(errors) => Err(ReportError::Template(describe(&world, &errors))),
        Ok(_) if !warned.warnings.is_empty() => Err(ReportError::Template(describe(&world, &warned.warnings))),
        Ok(document) => {
            let options = |standards: &[PdfStandard]| -> Result<PdfOptions, ReportError> {
                Ok(PdfOptions {
                    ident: Smart::Custom(job.ident.clone()),
                    creator: Smart::Custom(Some("Værn".to_string())),
                    timestamp: Some(Timestamp::new_utc(today)),
                    standards: PdfStandards::new(standards).map_err(|e| ReportError::Pdf(e.message().to_string()))?,
                    ..PdfOptions::default()
                })
            };
            // PDF/A forbids text that no embedded font can show (e.g. CJK or emoji in a name): then the document
            // is still made, as plain PDF with those characters as empty boxes — a report with a box in a name
            // beats no report.
            typst_pdf::pdf(&document, &options(&[PdfStandard::A_2b])?).or_else(|archival| {
                typst_pdf::pdf(&document, &options(&[])?).map_err(|_| ReportError::Pdf(describe(&world, &archival)))
            })
        }
    };
    // typst memoises across compilations; forget what the last few renders did not use, so a long-running
    // server does not grow without bound.
    typst::comemo::evict(10);
    result
}

/// The diagnostics as one Danish-framed line each: "fejl (linje 12): unknown variable: x; hint: …".
fn describe(world: &SandboxWorld, diagnostics: &[SourceDiagnostic]) -> String {
    diagnostics
        .iter()
        .map(|diag| {
            let kind = match diag.severity {
                Severity::Error => "fejl",
                Severity::Warning => "advarsel",
            };
            let line = world
                .range(diag.span)
                .and_then(|range| world.source.lines().byte_to_line(range.start))
                .map(|l| format!(" (linje {})", l + 1))
                .unwrap_or_default();
            let mut text = format!("{kind}{line}: {}", diag.message);
            for hint in &diag.hints {
                text.push_str("; ");
                text.push_str(&hint.v);
            }
            text
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str) -> Result<Vec<u8>, ReportError> {
        let source = template("test.typ", text);
        render(&source, &Job { inputs: &[("data", "{\"a\": \"b\"}".into())], date: "2025-12-31", ident: "test".into() })
    }

    fn error(text: &str) -> String {
        match run(text) {
            Err(ReportError::Template(message)) => message,
            other => panic!("expected a template error, got {other:?}"),
        }
    }

    #[test]
    fn renders_inputs_and_the_fixed_date() {
        let pdf = run("#let d = json(bytes(sys.inputs.data))\n#d.a #datetime.today().display()").expect("renders");
        assert!(pdf.starts_with(b"%PDF-"));
        let message = error("#let d = json(bytes(sys.inputs.data))\n#panic(d.a, datetime.today())");
        assert!(message.contains("b, datetime(year: 2025, month: 12, day: 31)"), "{message}");
        assert!(message.starts_with("fejl (linje 2)"), "{message}");
    }

    #[test]
    fn no_file_is_read() {
        for text in [
            "#read(\"/etc/passwd\")",
            "#read(\"../../Cargo.toml\")",
            "#image(\"/usr/share/pixmaps/debian-logo.png\")",
            "#include \"other.typ\"",
            "#json(\"/proc/self/environ\")",
        ] {
            let message = error(text);
            // Either our world refuses it, or typst refuses a path out of the (virtual) project before asking.
            let refused = message.contains("access denied") || message.contains("escape the project root");
            assert!(message.starts_with("fejl (linje 1)") && refused, "{text}: {message}");
        }
    }

    #[test]
    fn no_package_is_loaded() {
        let message = error("#import \"@preview/cetz:0.4.2\": canvas");
        assert!(message.contains("fejl (linje 1)"), "{message}");
    }

    #[test]
    fn a_warning_fails_the_render() {
        let message = error("#set text(font: \"Comic Sans MS\")\nHej");
        assert!(message.contains("advarsel") && message.contains("unknown font family"), "{message}");
    }
}
