"""Deploy and operate the two stacks: plan the steps, run them, publish the web,
check the machine (doctor) and the result (smoke)."""
