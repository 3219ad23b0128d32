"""The grader's end of the kernel's record: two pipes, one reader thread.

:class:`RecordChannel` makes

* a config pipe, filled with the run's secret and what the audit hook needs (sandbox/audit.py)
  and closed at once: the kernel reads it to its end before any other code runs;
* a record pipe, whose write end only the kernel gets (``pass_fds``) and whose read end stays
  in this process, outside the sandbox. A thread reads it all the time (a full pipe would
  stop the kernel), into memory.

``mark()`` reads all that is in the pipe and returns how many bytes came so far: called when
a cell is sent and when its reply is back, it gives the part of the record written while the
cell ran (every record of a cell is in the pipe before its reply is sent: the hook writes
before the event takes effect).
"""

from __future__ import annotations

import json
import os
import secrets
import select
import threading

# More than any honest kernel writes; a kernel that writes more is cut off and the record
# is incomplete (which withholds its grade).
MAX_BYTES = 256 * 1024**2


class RecordChannel:
    def __init__(self, config: dict):
        self.key = secrets.token_bytes(32)
        self.read_fd, self.write_fd = os.pipe()
        config_read, config_write = os.pipe()
        data = json.dumps({**config, "key": self.key.hex()}).encode()
        if len(data) > 60_000:  # a pipe holds 64 KiB: more would block here
            raise ValueError("the audit hook's config is too large")
        os.write(config_write, data)
        os.close(config_write)
        self.config_fd = config_read
        os.set_blocking(self.read_fd, False)
        self.data = bytearray()
        self.overflow = False
        self._eof = False
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="kernel-record", daemon=True)
        self._closed = False

    def child_fds(self) -> tuple[int, int]:
        """(record write end, config read end): the fds the kernel inherits."""
        return self.write_fd, self.config_fd

    def started(self) -> None:
        """The kernel has them now: close this process's copies and start reading."""
        for fd in (self.write_fd, self.config_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self._thread.start()

    def _drain(self) -> None:
        while not self._eof:
            try:
                chunk = os.read(self.read_fd, 1 << 16)
            except BlockingIOError:
                return
            except OSError:
                self._eof = True
                return
            if not chunk:
                self._eof = True
                return
            if len(self.data) + len(chunk) > MAX_BYTES:
                self.overflow = True
                continue  # keep reading, so that the kernel never blocks on a full pipe
            self.data += chunk

    def _run(self) -> None:
        while True:
            try:
                select.select([self.read_fd], [], [], 0.5)
            except (OSError, ValueError):
                pass
            with self._lock:
                if self._closed or self._eof:
                    return  # (the fd may be another file's by now: never read it again)
                self._drain()

    def mark(self) -> int:
        with self._lock:
            if not self._closed:
                self._drain()
            return len(self.data)

    def close(self, timeout: float = 5.0) -> bytes:
        """Once the kernel and everything it started are gone: the whole record."""
        if not self._closed:
            if self._thread.is_alive():
                self._thread.join(timeout)
            with self._lock:
                self._drain()
                self._closed = True
                os.close(self.read_fd)
            if not self._eof:
                self.overflow = True  # a process of the kernel still held the pipe open
        return bytes(self.data)
