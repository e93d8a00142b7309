"""Benchmarks that print figures (`name: value unit`) and never assert on time."""
