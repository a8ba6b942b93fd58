//! A list as rows and columns, rendered as HTML by the templates and downloadable as CSV or XLSX (every list of
//! Værn can be exported). Cells a spreadsheet would run as formulas are defused.

use crate::web_util::defuse_cell;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// A list to show or export.
#[derive(Debug, Clone, Default)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// Export format asked for in `?format=`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(s: Option<&str>) -> Option<Format> {
        match s {
            Some("csv") => Some(Format::Csv),
            Some("xlsx") => Some(Format::Xlsx),
            _ => None,
        }
    }
}

impl Table {
    /// CSV with `;` as separator and a BOM (what Danish Excel opens correctly), every cell defused.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(vec![0xEF, 0xBB, 0xBF]);
        let _ = w.write_record(self.headers.iter().map(|h| defuse_cell(h)));
        for r in &self.rows {
            let _ = w.write_record(r.iter().map(|c| defuse_cell(c)));
        }
        w.into_inner().unwrap_or_default()
    }

    /// An Excel workbook with one sheet; every cell is written as text (never as a formula).
    pub fn to_xlsx(&self) -> Result<Vec<u8>, String> {
        use rust_xlsxwriter::{Format as XFormat, Workbook};
        let mut wb = Workbook::new();
        let bold = XFormat::new().set_bold();
        let sheet = wb.add_worksheet();
        let name: String = self.title.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
        if !name.is_empty() {
            sheet.set_name(&name).map_err(|e| e.to_string())?;
        }
        for (c, h) in self.headers.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, h, &bold).map_err(|e| e.to_string())?;
        }
        for (r, row) in self.rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                let cell = defuse_cell(v);
                match v.parse::<f64>() {
                    Ok(n) if !v.is_empty() && !v.starts_with(['+', '-', '0']) || v == "0" => {
                        sheet.write_number((r + 1) as u32, c as u16, n).map_err(|e| e.to_string())?;
                    }
                    _ => {
                        sheet.write_string((r + 1) as u32, c as u16, &cell).map_err(|e| e.to_string())?;
                    }
                }
            }
        }
        sheet.autofit();
        wb.save_to_buffer().map_err(|e| e.to_string())
    }

    /// The file as an HTTP answer.
    pub fn download(&self, format: Format, file_stem: &str) -> Response {
        let stem: String =
            file_stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
        match format {
            Format::Csv => (
                [
                    (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                    (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{stem}.csv\"")),
                ],
                self.to_csv(),
            )
                .into_response(),
            Format::Xlsx => match self.to_xlsx() {
                Ok(bytes) => (
                    [
                        (
                            header::CONTENT_TYPE,
                            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet".to_string(),
                        ),
                        (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{stem}.xlsx\"")),
                    ],
                    bytes,
                )
                    .into_response(),
                Err(e) => crate::error::AppError::Internal(format!("xlsx: {e}")).into_response(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_is_excel_friendly_and_defused() {
        let t = Table {
            title: "x".into(),
            headers: vec!["Navn".into(), "Tal".into()],
            rows: vec![vec!["=cmd|' /C calc'!A0".into(), "3".into()], vec!["Åse; Øster".into(), "4".into()]],
        };
        let text = String::from_utf8(t.to_csv()).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert!(text.contains("'=cmd"), "{text}");
        assert!(text.contains("\"Åse; Øster\""), "{text}");
        let x = t.to_xlsx().unwrap();
        assert_eq!(&x[..2], b"PK");
    }
}
