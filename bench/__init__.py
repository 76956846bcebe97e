"""Measurement of the relay: floors, latency, throughput, AWS calls, cost, cold start."""
