//! webaudit: audits a built web app folder for size budgets and the problems that make sites
//! slow. The library does the work; `main.rs` is a thin command line on top.
//!
//! The flow is one way: [`scan`] the folder once → [`measure`] each asset once, in parallel →
//! [`budget`] checks and [`rules`] read the measured assets and emit findings → [`report`]
//! renderers print them. [`audit::run`] runs the whole flow.

pub mod analyze;
pub mod atomic;
pub mod audit;
pub mod baseline;
pub mod budget;
pub mod composition;
pub mod config;
pub mod error;
pub mod escape;
pub mod files;
pub mod fix;
pub mod glob;
pub mod imaging;
pub mod init;
pub mod kind;
pub mod knowledge;
pub mod live;
pub mod measure;
pub mod model;
pub mod origins;
pub mod pages;
pub mod report;
pub mod rules;
pub mod scan;
pub mod site;
pub mod size;

pub use error::Error;
