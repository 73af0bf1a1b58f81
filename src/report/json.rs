//! `--format json`: the report as a versioned JSON document (see docs/json-report.md).
//! Names are kept exactly; characters that could act on a terminal are `\uXXXX`-escaped (see
//! [`crate::escape::write_json_pretty`]).

use std::io::{self, Write};

use super::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    crate::escape::write_json_pretty(&mut *out, report)?;
    writeln!(out)
}
