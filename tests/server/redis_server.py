"""A private redis-server for tests: Debian's binary, a free loopback port, no persistence."""

import shutil
import subprocess
import time

import redis
from gunicorn_helpers import free_port


class RedisUnavailable(RuntimeError):
    pass


class RedisServer:
    def __init__(self):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RedisUnavailable("no redis-server on PATH (apt-get install redis-server)")
        self.port = free_port()
        self.process = None

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}"

    def start(self):
        self.process = subprocess.Popen([self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port, socket_connect_timeout=1)
        deadline = time.monotonic() + 30
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RedisUnavailable("redis-server did not start") from None
                time.sleep(0.05)

    def keys(self, pattern="*"):
        return redis.Redis(port=self.port, socket_connect_timeout=1).keys(pattern)

    def kill(self):
        """SIGKILL: the store dies without a word, as a crashed host's would."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
