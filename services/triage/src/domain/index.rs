//! Typed positions in lists: where a department's index meets a category's or a model
//! class's, the compiler tells them apart.

/// Declares index types, each a position in one kind of list, by which slices and
/// vectors of that list are indexed.
macro_rules! typed_index {
    ($($(#[$meta:meta])* $vis:vis struct $name:ident($repr:ty);)*) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis struct $name(pub(crate) $repr);

        impl<T> std::ops::Index<$name> for [T] {
            type Output = T;
            fn index(&self, index: $name) -> &T {
                &self[index.0 as usize]
            }
        }

        impl<T> std::ops::IndexMut<$name> for [T] {
            fn index_mut(&mut self, index: $name) -> &mut T {
                &mut self[index.0 as usize]
            }
        }

        impl<T> std::ops::Index<$name> for Vec<T> {
            type Output = T;
            fn index(&self, index: $name) -> &T {
                &self.as_slice()[index]
            }
        }

        impl<T> std::ops::IndexMut<$name> for Vec<T> {
            fn index_mut(&mut self, index: $name) -> &mut T {
                &mut self.as_mut_slice()[index]
            }
        }
    )*};
}

pub(crate) use typed_index;
