# Runs a command that dies with the process that started it: used for the bundled Synapse, so
# that when the bridge is killed (SIGKILL, the OOM killer, a crash) the kernel sends Synapse
# SIGTERM instead of leaving it behind as an orphan that holds its port and its database.
#
# Why a parent-death signal rather than a watchdog reading a pipe from the parent: the kernel
# delivers it however the parent dies, it needs no extra process (nor a thread inside Synapse),
# and exec keeps the pid, so the pid the bridge spawned is Synapse's own for its liveness and
# port checks. PR_SET_PDEATHSIG survives execve; it follows the parent *thread*, which is Node's
# main thread (spawn runs there). Linux only: elsewhere the command runs without it.
#
# usage: python parent-death-launcher.py <expected parent pid> <program> [args...]
import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1

expected_parent = int(sys.argv[1])
command = sys.argv[2:]
if sys.platform.startswith("linux"):
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        sys.exit("prctl(PR_SET_PDEATHSIG) failed: " + os.strerror(ctypes.get_errno()))
    # The parent may have died between the fork and the prctl: no signal would ever come then.
    if os.getppid() != expected_parent:
        sys.exit("the parent exited before the command started")
os.execv(command[0], command)
