//! The instruction graph: stages, scopes, sources and edges.
