//! Normalising a decoded column of any accepted Arrow type to the job's own types:
//! text as Utf8, instants as i64 microseconds UTC, numbers as f64. Arrow's cast
//! kernels do the conversions; this module adds the contract's checks on top.

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, StringArray};
use arrow::compute::{cast_with_options, CastOptions};
use arrow::datatypes::{DataType, Int64Type, TimeUnit};
use arrow::record_batch::RecordBatch;

use crate::time::MICROS_PER_DAY;

/// Instants outside [1990-01-01, 2100-01-01) are treated as data errors; an instant
/// that overflows microseconds is mapped below the lower bound so it is caught too.
pub const OUT_OF_RANGE: i64 = i64::MIN;

/// 1990-01-01T00:00:00Z in microseconds (checked against chrono in the tests).
const MIN_INSTANT: i64 = 7_305 * MICROS_PER_DAY;
/// The last microsecond before 2100-01-01T00:00:00Z.
const MAX_INSTANT: i64 = 47_482 * MICROS_PER_DAY - 1;

/// Constants rather than calendar arithmetic: these bounds are checked once per row of
/// every table, and building the dates each time was a fifth of the usage scan's CPU.
pub const fn min_instant() -> i64 {
    MIN_INSTANT
}

pub const fn max_instant() -> i64 {
    MAX_INSTANT
}

/// Why a value of an instant column is unusable, if it is.
pub fn instant_problem(us: i64, not_after: i64) -> Option<&'static str> {
    if us < min_instant() {
        Some("before 1990-01-01")
    } else if us > max_instant() || us >= not_after + MICROS_PER_DAY {
        Some("in the future")
    } else {
        None
    }
}

fn safe() -> CastOptions<'static> {
    CastOptions {
        safe: true,
        ..Default::default()
    }
}

/// The named column of a batch, if the file has it.
pub fn column<'a>(batch: &'a RecordBatch, name: &str) -> Option<&'a ArrayRef> {
    batch.column_by_name(name)
}

/// Text or id column as Utf8 (integer ids become their decimal text).
pub fn texts(array: &ArrayRef) -> Result<StringArray, String> {
    let out = cast_with_options(array, &DataType::Utf8, &safe()).map_err(|e| e.to_string())?;
    Ok(out.as_string::<i32>().clone())
}

/// Instant column as microseconds since the epoch, UTC. A zone-less timestamp is UTC
/// by the contract, and Arrow stores zoned timestamps as UTC already, so only the
/// unit changes. Values that overflow become `OUT_OF_RANGE`.
pub fn instants(array: &ArrayRef) -> Result<Int64Array, String> {
    let target = DataType::Timestamp(TimeUnit::Microsecond, None);
    let cast = cast_with_options(array, &target, &safe()).map_err(|e| e.to_string())?;
    let cast = cast_with_options(&cast, &DataType::Int64, &safe()).map_err(|e| e.to_string())?;
    let values = cast.as_primitive::<Int64Type>();
    if values.null_count() == array.null_count() {
        return Ok(values.clone());
    }
    // A null the source did not have is a value the unit conversion overflowed.
    Ok((0..array.len())
        .map(|i| match (array.is_null(i), values.is_null(i)) {
            (true, _) => None,
            (false, true) => Some(OUT_OF_RANGE),
            (false, false) => Some(values.value(i)),
        })
        .collect())
}

/// Number column as f64.
pub fn numbers(array: &ArrayRef) -> Result<Float64Array, String> {
    let out = cast_with_options(array, &DataType::Float64, &safe()).map_err(|e| e.to_string())?;
    Ok(out.as_primitive::<arrow::datatypes::Float64Type>().clone())
}

/// Value of row `i` as text for messages.
pub fn show(array: &dyn Array, i: usize) -> String {
    if array.is_null(i) {
        return "null".to_string();
    }
    arrow::util::display::array_value_to_string(array, i).unwrap_or_else(|_| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{
        Date32Array, Date64Array, DictionaryArray, Int32Array, Int8Array, LargeStringArray,
        StringViewArray, TimestampMillisecondArray, TimestampNanosecondArray, TimestampSecondArray,
        UInt16Array,
    };
    use arrow::datatypes::Int8Type;
    use std::sync::Arc;

    const DAY: i64 = MICROS_PER_DAY;

    #[test]
    fn every_instant_type_becomes_utc_micros() {
        let d = 20_000i64; // 2024-10-03
        let cases: Vec<ArrayRef> = vec![
            Arc::new(Date32Array::from(vec![Some(d as i32), None])),
            Arc::new(Date64Array::from(vec![Some(d * 86_400_000), None])),
            Arc::new(TimestampSecondArray::from(vec![Some(d * 86_400), None])),
            Arc::new(
                TimestampMillisecondArray::from(vec![Some(d * 86_400_000), None])
                    .with_timezone("+05:00"),
            ),
            Arc::new(
                TimestampNanosecondArray::from(vec![Some(d * DAY * 1000), None])
                    .with_timezone("America/New_York"),
            ),
        ];
        for a in cases {
            let got = instants(&a).unwrap();
            assert_eq!(got.value(0), d * DAY, "{:?}", a.data_type());
            assert!(got.is_null(1));
        }
    }

    #[test]
    fn overflowing_instants_are_flagged_not_nulled() {
        let a: ArrayRef = Arc::new(TimestampSecondArray::from(vec![
            Some(i64::MAX / 2),
            Some(0),
        ]));
        let got = instants(&a).unwrap();
        assert_eq!(got.value(0), OUT_OF_RANGE);
        assert!(!got.is_null(0));
        assert_eq!(got.value(1), 0);
        assert_eq!(
            instant_problem(got.value(0), i64::MAX / 4),
            Some("before 1990-01-01")
        );
    }

    #[test]
    fn every_text_type_and_integer_ids_become_utf8() {
        let keys = Int8Array::from(vec![1, 0, 1]);
        let dict: DictionaryArray<Int8Type> =
            DictionaryArray::try_new(keys, Arc::new(LargeStringArray::from(vec!["a", "b"])))
                .unwrap();
        let cases: Vec<(ArrayRef, Vec<&str>)> = vec![
            (
                Arc::new(StringArray::from(vec!["b", "a", "b"])),
                vec!["b", "a", "b"],
            ),
            (
                Arc::new(LargeStringArray::from(vec!["b", "a", "b"])),
                vec!["b", "a", "b"],
            ),
            (
                Arc::new(StringViewArray::from(vec!["b", "a", "b"])),
                vec!["b", "a", "b"],
            ),
            (Arc::new(dict), vec!["b", "a", "b"]),
            (
                Arc::new(UInt16Array::from(vec![7, 65535, 0])),
                vec!["7", "65535", "0"],
            ),
        ];
        for (a, want) in cases {
            let got = texts(&a).unwrap();
            let got: Vec<&str> = got.iter().map(|v| v.unwrap()).collect();
            assert_eq!(got, want, "{:?}", a.data_type());
        }
    }

    #[test]
    fn integers_and_floats_become_f64() {
        let a: ArrayRef = Arc::new(Int32Array::from(vec![Some(-3), None]));
        let got = numbers(&a).unwrap();
        assert_eq!(got.value(0), -3.0);
        assert!(got.is_null(1));
        let a: ArrayRef = Arc::new(arrow::array::Float32Array::from(vec![1.5f32]));
        assert_eq!(numbers(&a).unwrap().value(0), 1.5);
    }

    #[test]
    fn instant_bounds_are_the_calendar_dates() {
        let d = |y| crate::time::date_to_micros(chrono::NaiveDate::from_ymd_opt(y, 1, 1).unwrap());
        assert_eq!(min_instant(), d(1990));
        assert_eq!(max_instant(), d(2100) - 1);
    }

    #[test]
    fn instant_bounds() {
        assert_eq!(
            instant_problem(min_instant() - 1, i64::MAX / 4),
            Some("before 1990-01-01")
        );
        assert_eq!(instant_problem(min_instant(), i64::MAX / 4), None);
        let now = min_instant() + 100 * DAY;
        assert_eq!(instant_problem(now + DAY - 1, now), None);
        assert_eq!(instant_problem(now + DAY, now), Some("in the future"));
    }
}
