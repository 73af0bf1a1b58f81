//! Fixers: they change files in the audited folder, always through an atomic write.

pub mod rewrite_html;
