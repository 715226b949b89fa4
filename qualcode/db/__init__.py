"""Storage: typed models, engines and pragmas, schema upgrade on open."""
