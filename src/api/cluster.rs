//! Scale-out on Citus: the catalog made to reach the workers.

use crate::pg::cluster;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;

/// Makes finml's catalog reach every node of a Citus cluster (run once, on the coordinator,
/// by a superuser): the tables row functions read become reference tables, so fin_predict and
/// the other row functions work on distributed tables, shard by shard on the workers.
#[allow(clippy::type_complexity)]
#[pg_extern(volatile, parallel_unsafe)]
fn fin_distribute_catalog() -> Result<
    TableIterator<'static, (name!(catalog_table, String), name!(made_reference, bool))>,
    ErrorReport,
> {
    Ok(TableIterator::new(cluster::distribute_catalog()?))
}
