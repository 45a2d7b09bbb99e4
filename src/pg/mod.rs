//! Adapters between PostgreSQL and the models crate, with no SQL surface of their own.

pub mod catalog;
pub mod relation;
pub mod row;
pub mod types;
