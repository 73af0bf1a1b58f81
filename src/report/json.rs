//! `--format json`: the report as a versioned JSON document (see README, "JSON report").

use std::io::{self, Write};

use super::Report;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
