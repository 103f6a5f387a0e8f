//! Dictionary-encoded text columns translated once per distinct value: the Parquet
//! reader hands a column chunk's dictionary to every batch, so ids and labels are
//! looked up once per row group, not once per row.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StringArray};
use arrow::datatypes::{DataType, Int32Type};

use super::columns::texts;

/// Whether two dictionaries are the same values. The Parquet reader wraps a column
/// chunk's one dictionary in a new array for every batch, so `Arc` identity alone
/// would redo the translation per batch; the cache holds the old array, so its
/// buffers cannot have been freed and reused.
pub(crate) fn same_values(cached: &ArrayRef, new: &ArrayRef) -> bool {
    Arc::ptr_eq(cached, new) || cached.to_data().ptr_eq(&new.to_data())
}

/// The translation of the last dictionary seen. Holding the dictionary's `ArrayRef`
/// keeps its allocation alive, so pointer equality cannot be fooled by reuse.
pub(crate) struct DictMap<T> {
    dict: Option<ArrayRef>,
    values: Vec<Option<T>>,
}

impl<T> Default for DictMap<T> {
    fn default() -> Self {
        DictMap {
            dict: None,
            values: Vec::new(),
        }
    }
}

/// A column translated row by row: `get(i)` is `None` for nulls and untranslatable values.
pub(crate) enum Mapped<'a, T: Copy> {
    Dict {
        keys: &'a [i32],
        /// Present only when some key is null.
        nulls: Option<&'a arrow::buffer::NullBuffer>,
        values: &'a [Option<T>],
    },
    Plain(Vec<Option<T>>),
}

impl<'a, T: Copy> Mapped<'a, T> {
    pub(crate) fn dict(keys: &'a arrow::array::Int32Array, values: &'a [Option<T>]) -> Self {
        Mapped::Dict {
            keys: keys.values(),
            nulls: keys.nulls().filter(|n| n.null_count() > 0),
            values,
        }
    }
}

/// The keys and values of an Int32-keyed Utf8 dictionary column; None for any other
/// type (read through `texts` instead).
pub(crate) fn utf8_dictionary(
    array: &ArrayRef,
) -> Option<(&arrow::array::Int32Array, &StringArray)> {
    match array.data_type() {
        DataType::Dictionary(key, value)
            if **key == DataType::Int32 && **value == DataType::Utf8 =>
        {
            let dict = array.as_dictionary::<Int32Type>();
            Some((dict.keys(), dict.values().as_string::<i32>()))
        }
        _ => None,
    }
}

/// Whether the dictionary of `array` differs from the `cached` one, which then takes
/// its place: translations are redone only for a new dictionary.
pub(crate) fn replaced(cached: &mut Option<ArrayRef>, array: &ArrayRef) -> bool {
    let values = array.as_dictionary::<Int32Type>().values();
    if cached.as_ref().is_some_and(|d| same_values(d, values)) {
        return false;
    }
    *cached = Some(values.clone());
    true
}

impl<T: Copy> Mapped<'_, T> {
    /// Keys and translated values of a dictionary column without null keys.
    pub(crate) fn dense(&self) -> Option<(&[i32], &[Option<T>])> {
        match self {
            Mapped::Dict {
                keys,
                nulls: None,
                values,
            } => Some((keys, values)),
            _ => None,
        }
    }

    #[inline]
    pub(crate) fn get(&self, i: usize) -> Option<T> {
        match self {
            Mapped::Dict {
                keys,
                nulls,
                values,
            } => {
                if nulls.is_some_and(|n| n.is_null(i)) {
                    None
                } else {
                    values.get(keys[i] as usize).copied().flatten()
                }
            }
            Mapped::Plain(v) => v[i],
        }
    }
}

impl<T: Copy> DictMap<T> {
    pub(crate) fn map<'a>(
        &'a mut self,
        array: &'a ArrayRef,
        mut f: impl FnMut(&str) -> Option<T>,
    ) -> Result<Mapped<'a, T>, String> {
        if let Some((keys, strings)) = utf8_dictionary(array) {
            if replaced(&mut self.dict, array) {
                self.values = strings.iter().map(|s| s.and_then(&mut f)).collect();
            }
            return Ok(Mapped::dict(keys, &self.values));
        }
        let strings = texts(array)?;
        Ok(Mapped::Plain(
            strings.iter().map(|s| s.and_then(&mut f)).collect(),
        ))
    }
}

/// An `account_id` column with each row's account index.
pub(crate) struct AccountIds<'a> {
    array: &'a ArrayRef,
    mapped: Mapped<'a, u32>,
}

impl<'a> AccountIds<'a> {
    pub(crate) fn new(
        array: &'a ArrayRef,
        cache: &'a mut DictMap<u32>,
        index_of: impl Fn(&str) -> Option<u32>,
    ) -> Result<Self, String> {
        let mapped = cache.map(array, index_of)?;
        Ok(AccountIds { array, mapped })
    }

    /// The row's account, or why it has none: ("null account_id", "") or
    /// ("unknown account_id", the id).
    #[inline]
    pub(crate) fn account(&self, i: usize) -> Result<u32, (&'static str, String)> {
        match self.mapped.get(i) {
            Some(a) => Ok(a),
            None if self.array.is_null(i) => Err(("null account_id", String::new())),
            None => Err(("unknown account_id", self.show(i))),
        }
    }

    /// The row's id as text, for messages.
    pub(crate) fn show(&self, i: usize) -> String {
        super::columns::show(self.array.as_ref(), i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{make_array, DictionaryArray};

    #[test]
    fn a_dictionary_rewrapped_per_batch_is_recognised() {
        let values: ArrayRef = Arc::new(StringArray::from(vec!["a", "b"]));
        let again = make_array(values.to_data());
        assert!(!Arc::ptr_eq(&values, &again));
        assert!(same_values(&values, &again));
        let other: ArrayRef = Arc::new(StringArray::from(vec!["a", "b"]));
        assert!(!same_values(&values, &other), "equal text, other buffers");
        assert!(!same_values(&values, &values.slice(0, 1)));
    }

    #[test]
    fn plain_and_dictionary_columns_map_alike_and_a_dictionary_once() {
        let dict: DictionaryArray<Int32Type> = vec![Some("b"), None, Some("a"), Some("b")]
            .into_iter()
            .collect();
        let dict: ArrayRef = Arc::new(dict);
        let plain: ArrayRef = Arc::new(StringArray::from(vec![
            Some("b"),
            None,
            Some("a"),
            Some("b"),
        ]));
        for a in [&dict, &plain] {
            let mut calls = 0;
            let mut cache = DictMap::default();
            let m = cache
                .map(a, |s| {
                    calls += 1;
                    (s == "b").then_some(7u32)
                })
                .unwrap();
            let got: Vec<Option<u32>> = (0..4).map(|i| m.get(i)).collect();
            assert_eq!(got, [Some(7), None, None, Some(7)]);
            // Two distinct values in the dictionary; three non-null rows in plain text.
            assert_eq!(calls, if Arc::ptr_eq(a, &dict) { 2 } else { 3 });
        }
    }
}
