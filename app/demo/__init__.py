"""Demo counties: `flask seed-demo` (a small county with every kind of record, for
trying the app) and `--scale county` (300 grids and 200,000 people, for trying it at
size and for bench/). The builders may import every feature package; no feature
imports this package (tests/test_layout.py), so demo data never leaks into the app."""
