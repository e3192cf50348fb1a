//! Grant requests through the public API: body parsing, the shared vectors, and properties.

mod grant {
    mod categories;
    mod decode;
    mod properties;
    mod vectors;
}
