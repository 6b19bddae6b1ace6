// sandbox.git: E2B v2 shape, inside the sandbox, against git http-backend behind basic auth
// on the sandbox's own loopback.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import soulbox, { until } from './helpers.mjs'

const { GitAuthError, GitUpstreamError } = soulbox
const USER = 'alice'
const PASSWORD = 's3cr3t-Pa55-plugh'
const SERVER = String.raw`
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
`

const fx = {}
let url
let server
before(async () => {
    const sbx = (fx.sandbox = await soulbox.Sandbox.create({ timeoutMs: 300_000 }))
    await sbx.git.configureUser('Test User', 'test@example.com')
    await sbx.commands.run('git init -q --bare -b main /tmp/srv/remote.git && git -C /tmp/srv/remote.git config http.receivepack true')
    await sbx.files.write('/tmp/srv/server.py', SERVER)
    server = await sbx.commands.run('exec python3 /tmp/srv/server.py /tmp/srv /tmp/srv/port', {
      background: true, envs: { CREDS: `${USER}:${PASSWORD}` } })
    await until(() => sbx.files.exists('/tmp/srv/port'), 'server port')
    url = `http://127.0.0.1:${(await sbx.files.read('/tmp/srv/port')).trim()}/remote.git`
  })
after(async () => {
  await server?.kill()
  await fx.sandbox?.kill()
})

  async function makeRepo(path) {
    const git = fx.sandbox.git
    await git.init(path, { initialBranch: 'main' })
    await fx.sandbox.files.write(`${path}/README.md`, 'hello\n')
    await git.add(path)
    await git.commit(path, 'initial')
  }

  test('local workflow: status, branches, reset, restore, config, remotes', async () => {
    const { git, files } = fx.sandbox
    const p = '/tmp/local'
    await makeRepo(p)
    let st = await git.status(p)
    assert.equal(st.currentBranch, 'main')
    assert.ok(st.isClean)
    await files.write(`${p}/new.txt`, 'x')
    await files.write(`${p}/README.md`, 'changed\n')
    st = await git.status(p)
    const by = Object.fromEntries(st.fileStatus.map((f) => [f.name, f]))
    assert.equal(by['new.txt'].status, 'untracked')
    assert.equal(by['README.md'].status, 'modified')
    await git.add(p, { files: ['README.md'] })
    assert.equal((await git.status(p)).stagedCount, 1)
    await git.reset(p)
    assert.equal((await git.status(p)).stagedCount, 0)
    await git.restore(p, { paths: ['README.md'] })
    assert.equal(await files.read(`${p}/README.md`), 'hello\n')
    await git.createBranch(p, 'feature')
    const b = await git.branches(p)
    assert.equal(b.currentBranch, 'feature')
    assert.deepEqual(b.branches.sort(), ['feature', 'main'])
    await git.checkoutBranch(p, 'main')
    await git.deleteBranch(p, 'feature')
    assert.deepEqual((await git.branches(p)).branches, ['main'])
    await git.setConfig('core.note', 'v1', { scope: 'local', path: p })
    assert.equal(await git.getConfig('core.note', { scope: 'local', path: p }), 'v1')
    assert.equal(await git.getConfig('core.absent', { scope: 'local', path: p }), undefined)
    await git.remoteAdd(p, 'origin', 'http://127.0.0.1:1/x.git')
    await git.remoteAdd(p, 'origin', 'http://127.0.0.1:1/y.git', { overwrite: true })
    assert.equal(await git.remoteGet(p, 'origin'), 'http://127.0.0.1:1/y.git')
    assert.equal(await git.remoteGet(p, 'nope'), undefined)
  })

  test('push/pull with a password that never reaches argv or .git/config', async () => {
    const { git, files, commands } = fx.sandbox
    const a = '/tmp/pusher'
    await makeRepo(a)
    await git.remoteAdd(a, 'origin', url)
    await assert.rejects(git.push(a, { setUpstream: false }), GitUpstreamError)
    await files.write('/tmp/spy.sh', "while :; do cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' '; echo; done > /tmp/argv.log")
    const spy = await commands.run('exec bash /tmp/spy.sh', { background: true })
    let seen
    try {
      await until(() => files.exists('/tmp/argv.log'), 'spy')
      await git.push(a, { remote: 'origin', branch: 'main', username: USER, password: PASSWORD })
      seen = (await commands.list()).map((p) => `${p.cmd} ${(p.args ?? []).join(' ')}`)
    } finally {
      await spy.kill()
    }
    const log = await files.read('/tmp/argv.log')
    assert.ok(log.includes('push'))
    assert.ok(!log.includes(PASSWORD))
    assert.ok(!seen.some((s) => s.includes(PASSWORD)))
    assert.ok(!(await files.read(`${a}/.git/config`)).includes(PASSWORD))
    const b = '/tmp/cloner'
    await git.clone(url, { path: b, username: USER, password: PASSWORD })
    assert.equal(await files.read(`${b}/README.md`), 'hello\n')
    assert.ok(!(await files.read(`${b}/.git/config`)).includes(PASSWORD))
    await files.write(`${a}/more.txt`, 'more\n')
    await git.add(a)
    await git.commit(a, 'second')
    await git.push(a, { username: USER, password: PASSWORD })
    await git.pull(b, { username: USER, password: PASSWORD })
    assert.equal(await files.read(`${b}/more.txt`), 'more\n')
    assert.equal((await git.status(b)).upstream, 'origin/main')
  })

  test('wrong or missing password is GitAuthError', async () => {
    const { git } = fx.sandbox
    await assert.rejects(git.clone(url, { path: '/tmp/bad', username: USER, password: 'wrong' }), GitAuthError)
    await assert.rejects(git.clone(url, { path: '/tmp/bad2' }), GitAuthError)
  })
