"""Python clients that speak the Always Coder protocol, for tests, smoke and bench."""
