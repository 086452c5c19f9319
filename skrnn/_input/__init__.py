"""The input layer: what ``X`` holds and how every estimator reads it (arrays,
DataFrames, ragged lists, tokens), array helpers, series checks, vocabularies."""
