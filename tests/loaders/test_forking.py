"""Loaders fork workers only from a process that runs no other thread (checked in a fresh
interpreter: the test process itself may run a live server's thread)."""

import subprocess
import sys

CHECK = """
import threading
from loaders.forking import can_fork
from gis.progress import tqdm_bar
assert can_fork()
with tqdm_bar("load", total=3, enabled=True) as bar:  # a load's bar leaves no thread
    bar.update(3)
assert can_fork()
stop = threading.Event()
t = threading.Thread(target=stop.wait)
t.start()
assert not can_fork()
stop.set()
t.join()
assert can_fork()
print("ok")
"""


def test_no_fork_while_another_thread_runs():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]
