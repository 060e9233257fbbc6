"""What the process checks share: waiting for a condition on the database,
and reading the count a worker script printed."""

import time


def wait_for(predicate, timeout=240):
    """Poll ``predicate`` until it is true (True) or ``timeout`` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def reported(output, label):
    """The number a worker script printed once as ``LABEL n``."""
    counts = [int(line.split()[1]) for line in output.splitlines() if line.startswith(f"{label} ")]
    assert len(counts) == 1, output[-3000:]
    return counts[0]
