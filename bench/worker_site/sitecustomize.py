"""Loaded at start-up by every Python process that has this folder on PYTHONPATH.

The benchmark and the load suite put it there for the local gateway's handler
workers, so AWS calls can be counted (and faults injected) inside them.
"""

import os

if os.environ.get("BENCH_AWS_CALLS_FILE") or os.environ.get("BENCH_DYNAMODB_FAULTS"):
    from bench.aws_calls import install_from_env

    install_from_env()
