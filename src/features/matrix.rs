//! The feature matrix filled column-major, as the model stage reads it. Rows are
//! computed in blocks, each written straight into its piece of every column (no
//! per-row copies held beside the matrix: at 100k accounts those were another 370 MB).

use ndarray::{Array2, ShapeBuilder};
use rayon::prelude::*;

use super::f;
use super::row::RowInputs;
use super::support::{IssueCount, Scratch};

const BLOCK: usize = 1024;

/// The matrix of `rows` (account, date index, label), with each row's issues and
/// latest NPS answer.
pub(super) fn fill(
    rows: &[(u32, u32, Option<bool>)],
    inputs: &RowInputs,
) -> (Array2<f64>, Vec<Vec<IssueCount>>, Vec<Option<u32>>) {
    let nrows = rows.len();
    let mut values = vec![0.0f64; nrows * f::COUNT];
    let mut blocks: Vec<Vec<&mut [f64]>> = (0..nrows.div_ceil(BLOCK))
        .map(|_| Vec::with_capacity(f::COUNT))
        .collect();
    for col in values.chunks_mut(nrows.max(1)) {
        for (b, piece) in col.chunks_mut(BLOCK).enumerate() {
            blocks[b].push(piece);
        }
    }
    let per_block: Vec<Vec<(Vec<IssueCount>, Option<u32>)>> = blocks
        .into_par_iter()
        .enumerate()
        .map_init(Scratch::default, |scratch, (b, mut cols)| {
            let mut row = [0.0f64; f::COUNT];
            let len = cols.first().map_or(0, |c| c.len());
            rows[b * BLOCK..b * BLOCK + len]
                .iter()
                .enumerate()
                .map(|(k, &(i, j, _))| {
                    row.fill(0.0);
                    let out = inputs.fill(scratch, &mut row, i as usize, j as usize);
                    for (c, v) in cols.iter_mut().zip(&row) {
                        c[k] = *v;
                    }
                    out
                })
                .collect()
        })
        .collect();
    let (issues, latest_nps): (Vec<Vec<IssueCount>>, Vec<Option<u32>>) =
        per_block.into_iter().flatten().unzip();
    let x = Array2::from_shape_vec((nrows, f::COUNT).f(), values)
        .expect("one value per row and feature");
    (x, issues, latest_nps)
}
