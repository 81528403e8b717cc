"""A private PostgreSQL server for the verdict-store tests: Debian's `postgresql` binaries,
a fresh cluster in a temporary folder, reached over a Unix socket only (no TCP port, so
nothing else on the machine can reach it or clash with it).

`scripts/test` installs the package where it is missing. Where the server cannot be
started here the tests that need it skip with the reason, except in CI (CI=true), where
they fail: there PostgreSQL must be tested, not skipped.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path


class PostgresUnavailable(RuntimeError):
    pass


def _bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresUnavailable("PostgreSQL is not installed (Debian: apt-get install -y postgresql)")


class PostgresServer:
    """initdb + pg_ctl start in a temporary folder; `url(database)` for SQLAlchemy."""

    PORT = 54329  # only names the socket file; no TCP listener is opened

    def __init__(self):
        self.bindir = _bindir()
        self.folder = Path(tempfile.mkdtemp(prefix="modlens-pg-"))
        self.data = self.folder / "data"
        # PostgreSQL refuses to run as root; Debian's package creates the postgres user.
        self.user = "postgres" if os.geteuid() == 0 else None
        if self.user:
            try:
                entry = pwd.getpwnam(self.user)
            except KeyError:
                raise PostgresUnavailable("running as root and there is no postgres user to run the server as") from None
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)

    def _run(self, *args):
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise PostgresUnavailable(f"{args[0]} failed: {(done.stderr or done.stdout).strip()[-400:]}")

    def start(self):
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-c listen_addresses='' -k {self.folder} -p {self.PORT} -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"), "-w", "start")
        return self

    def stop(self):
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except PostgresUnavailable:
            pass
        shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database):
        return f"postgresql://postgres@/{database}?host={self.folder}&port={self.PORT}"

    def create_database(self, name):
        import psycopg

        with psycopg.connect(host=str(self.folder), port=self.PORT, user="postgres", dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)
