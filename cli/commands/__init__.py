"""One module per command: a thin click layer over plain functions."""
