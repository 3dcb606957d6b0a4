"""bench/run.py's peak memory: every process of the tree counts once, and a child that
has not exec'd yet (it shares its parent's pages) does not count its parent's again. Its
CPU time counts the children's children too, and so does that of a process that stays up
(``bench/one_dump.py --warm``)."""

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from run import process_cpu, tree_rss, waited_children_cpu

MB = 2**20


def _ballast(megabytes: int) -> bytearray:
    ballast = bytearray(megabytes * MB)
    for page in range(0, len(ballast), 4096):
        ballast[page] = 1  # resident, not only reserved
    return ballast


def test_a_forked_child_before_exec_is_not_counted_again():
    ballast = _ballast(300)
    alone = tree_rss(os.getpid())
    resume, wait = os.pipe()
    child = os.fork()
    if child == 0:  # the child: no exec, all of the parent's pages mapped, waits
        os.read(resume, 1)
        os._exit(0)
    try:
        with_child = tree_rss(os.getpid())
    finally:
        os.write(wait, b"x")
        os.waitpid(child, 0)
    assert len(ballast) == 300 * MB
    assert alone >= 300 * MB
    assert with_child < alone + 50 * MB


def test_a_child_running_its_own_program_is_counted():
    alone = tree_rss(os.getpid())
    child = subprocess.Popen(
        [sys.executable, "-c", "b = b'x' * 200 * 2**20; print('ready', flush=True); input()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout.readline() == "ready\n"
        with_child = tree_rss(os.getpid())
    finally:
        child.communicate("\n")
    assert with_child >= alone + 200 * MB


def test_cpu_time_counts_the_work_of_a_child_and_of_the_child_it_waits_for():
    # the child only waits; its own child (as a refresh's worker) burns 0.5 s of CPU
    # (user and system: reading the CPU clock is itself a system call)
    burn = "import time; end = time.process_time() + 0.5\nwhile time.process_time() < end: pass"
    wait = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {burn!r}])"
    before = sum(waited_children_cpu())
    subprocess.run([sys.executable, "-c", wait], check=True)
    assert sum(waited_children_cpu()) - before >= 0.5


def test_the_cpu_time_of_a_running_process_counts_the_child_it_waited_for():
    burn = "import time; end = time.process_time() + 0.5\nwhile time.process_time() < end: pass"
    stays_up = (
        f"import subprocess, sys; subprocess.run([sys.executable, '-c', {burn!r}]);"
        " print('waited', flush=True); input()"
    )
    child = subprocess.Popen(
        [sys.executable, "-c", stays_up], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout.readline() == "waited\n"
        user, system = process_cpu(child.pid)
    finally:
        child.communicate("\n")
    assert user + system >= 0.5
