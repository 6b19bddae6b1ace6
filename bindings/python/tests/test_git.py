"""sandbox.git: E2B v2 shape, run inside the sandbox against repositories and a smart-HTTP
git server (git http-backend behind basic auth) on the sandbox's own loopback."""

import base64

import pytest

from soulbox import Sandbox
from soulbox.exceptions import GitAuthException, GitUpstreamException
from soulbox.git import parse_status

from conftest import wait_until

USER, PASSWORD = "alice", "s3cr3t-Pa55-xyzzy"

# Tiny smart-HTTP server: checks basic auth, then hands the request to git http-backend (CGI).
SERVER = r'''
import base64, os, subprocess, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
ROOT, WANT, PORTFILE = sys.argv[1], base64.b64encode(os.environ["CREDS"].encode()).decode(), sys.argv[2]
class H(BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def handle_one(self):
        if self.headers.get("Authorization") != "Basic " + WANT:
            self.send_response(401); self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0"); self.end_headers(); return
        path, _, query = self.path.partition("?")
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        env = dict(os.environ, GIT_PROJECT_ROOT=ROOT, GIT_HTTP_EXPORT_ALL="1", PATH_INFO=path,
                   QUERY_STRING=query, REQUEST_METHOD=self.command, REMOTE_USER="alice",
                   CONTENT_TYPE=self.headers.get("Content-Type", ""), CONTENT_LENGTH=str(len(body)),
                   HTTP_GIT_PROTOCOL=self.headers.get("Git-Protocol", ""))
        out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
        head, _, rest = out.partition(b"\r\n\r\n")
        status = 200
        hdrs = []
        for line in head.decode().split("\r\n"):
            k, _, v = line.partition(": ")
            if k.lower() == "status": status = int(v.split()[0])
            elif k: hdrs.append((k, v))
        self.send_response(status)
        for k, v in hdrs: self.send_header(k, v)
        self.send_header("Content-Length", str(len(rest))); self.end_headers(); self.wfile.write(rest)
    do_GET = do_POST = handle_one
srv = HTTPServer(("127.0.0.1", 0), H)
open(PORTFILE + ".tmp", "w").write(str(srv.server_port)); os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
'''


@pytest.fixture(scope="module")
def env():
    with Sandbox.create(timeout=600) as sbx:
        sbx.git.configure_user("Test User", "test@example.com")
        sbx.commands.run("git init -q --bare -b main /tmp/srv/remote.git "
                         "&& git -C /tmp/srv/remote.git config http.receivepack true")
        sbx.files.write("/tmp/srv/server.py", SERVER)
        handle = sbx.commands.run(
            "exec python3 /tmp/srv/server.py /tmp/srv /tmp/srv/port",
            envs={"CREDS": f"{USER}:{PASSWORD}"}, background=True)
        try:
            wait_until(lambda: sbx.files.exists("/tmp/srv/port"))
            port = sbx.files.read("/tmp/srv/port").strip()
            yield sbx, f"http://127.0.0.1:{port}/remote.git"
        finally:
            handle.kill()


def make_repo(sbx, path):
    sbx.git.init(path, initial_branch="main")
    sbx.files.write(f"{path}/README.md", "hello\n")
    sbx.git.add(path)
    sbx.git.commit(path, "initial")


def test_local_workflow(env):
    sbx, _ = env
    p = "/tmp/local"
    make_repo(sbx, p)
    st = sbx.git.status(p)
    assert st.current_branch == "main" and st.is_clean and not st.detached
    sbx.files.write(f"{p}/new.txt", "x")
    sbx.files.write(f"{p}/README.md", "changed\n")
    st = sbx.git.status(p)
    by = {f.name: f for f in st.file_status}
    assert by["new.txt"].status == "untracked" and not by["new.txt"].staged
    assert by["README.md"].status == "modified" and by["README.md"].working_tree_status == "M"
    sbx.git.add(p, files=["README.md"])
    assert sbx.git.status(p).staged_count == 1
    sbx.git.reset(p)  # unstage
    assert sbx.git.status(p).staged_count == 0
    sbx.git.restore(p, paths=["README.md"])
    assert sbx.files.read(f"{p}/README.md") == "hello\n"
    sbx.git.create_branch(p, "feature")
    b = sbx.git.branches(p)
    assert b.current_branch == "feature" and set(b.branches) == {"main", "feature"}
    sbx.git.checkout_branch(p, "main")
    sbx.git.delete_branch(p, "feature")
    assert sbx.git.branches(p).branches == ["main"]
    sbx.git.set_config("core.note", "v1", scope="local", path=p)
    assert sbx.git.get_config("core.note", scope="local", path=p) == "v1"
    assert sbx.git.get_config("core.absent", scope="local", path=p) is None
    assert sbx.git.get_config("user.name") == "Test User"
    sbx.git.remote_add(p, "origin", "http://127.0.0.1:1/x.git")
    assert sbx.git.remote_get(p, "origin") == "http://127.0.0.1:1/x.git"
    sbx.git.remote_add(p, "origin", "http://127.0.0.1:1/y.git", overwrite=True)
    assert sbx.git.remote_get(p, "origin") == "http://127.0.0.1:1/y.git"
    assert sbx.git.remote_get(p, "nope") is None


def test_parse_status_shapes():
    st = parse_status("## main...origin/main [ahead 2, behind 1]\nR  old -> new\nUU c.txt\n")
    assert (st.current_branch, st.upstream, st.ahead, st.behind) == ("main", "origin/main", 2, 1)
    assert st.file_status[0].status == "renamed" and st.file_status[0].renamed_from == "old"
    assert st.has_conflicts and st.conflict_count == 1
    assert parse_status("## HEAD (no branch)\n").detached


def test_push_pull_with_password_never_in_config_or_argv(env):
    sbx, url = env
    a = "/tmp/pusher"
    make_repo(sbx, a)
    sbx.git.remote_add(a, "origin", url)
    with pytest.raises(GitUpstreamException):
        sbx.git.push(a, set_upstream=False)  # no upstream configured yet
    # Record every process's argv while an authenticated push runs.
    sbx.files.write("/tmp/spy.sh", "while :; do cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '; "
                    "echo; done > /tmp/argv.log")
    spy = sbx.commands.run("exec bash /tmp/spy.sh", background=True)
    try:
        wait_until(lambda: sbx.files.exists("/tmp/argv.log"))
        sbx.git.push(a, remote="origin", branch="main", username=USER, password=PASSWORD)
        seen = [p.cmd + " " + " ".join(p.args) for p in sbx.commands.list()]
    finally:
        spy.kill()
    argv_log = sbx.files.read("/tmp/argv.log")
    assert "git" in argv_log and "push" in argv_log
    assert PASSWORD not in argv_log and not any(PASSWORD in s for s in seen)
    assert PASSWORD not in sbx.files.read(f"{a}/.git/config")
    b64 = base64.b64encode(PASSWORD.encode()).decode()
    assert b64 not in sbx.files.read(f"{a}/.git/config")

    b = "/tmp/cloner"
    sbx.git.clone(url, b, username=USER, password=PASSWORD)
    assert sbx.files.read(f"{b}/README.md") == "hello\n"
    assert PASSWORD not in sbx.files.read(f"{b}/.git/config")
    assert not sbx.files.exists("/home/user/.git-credentials")

    sbx.files.write(f"{a}/more.txt", "more\n")
    sbx.git.add(a)
    sbx.git.commit(a, "second")
    sbx.git.push(a, username=USER, password=PASSWORD)
    sbx.git.pull(b, username=USER, password=PASSWORD)
    assert sbx.files.read(f"{b}/more.txt") == "more\n"
    assert sbx.git.status(b).upstream == "origin/main"


def test_wrong_password_is_git_auth_exception(env):
    sbx, url = env
    with pytest.raises(GitAuthException):
        sbx.git.clone(url, "/tmp/bad", username=USER, password="wrong")
    with pytest.raises(GitAuthException):
        sbx.git.clone(url, "/tmp/bad2")  # no credentials, no prompt


def test_async_git(env):
    import asyncio

    from soulbox import AsyncSandbox

    async def main():
        async with await AsyncSandbox.create() as s:
            await s.git.init("/tmp/ar", initial_branch="trunk")
            st = await s.git.status("/tmp/ar")
            assert st.current_branch == "trunk" and st.is_clean

    asyncio.run(main())
