// E2B v2 (npm `e2b` 2.x) compatibility: the signatures E2B's docs and tests use, with their
// option shapes, result types and error classes, plus bad input.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import soulbox, { until } from './helpers.mjs'

const {
  Sandbox,
  SandboxError,
  InvalidArgumentError,
  UnsupportedError,
  TimeoutError,
  NotRunningError,
  CommandExitError,
  AuthenticationError,
  GitAuthError,
  GitUpstreamError,
  TemplateError,
  RateLimitError,
  BuildError,
  FileUploadError,
  VolumeError,
  VolumeNotFoundError,
  VolumePathNotFoundError,
  SecretError,
  SecretNotFoundError,
  NotEnoughSpaceError,
  NotFoundError,
  FileNotFoundError,
  SandboxNotFoundError,
  ALL_TRAFFIC,
} = soulbox

let sbx
before(async () => {
  sbx = await Sandbox.create({ timeoutMs: 120_000 })
})
after(async () => {
  await sbx?.kill()
})

test("error classes: E2B's names and bases", () => {
  for (const [Cls, Base] of [
    [TimeoutError, SandboxError],
    [InvalidArgumentError, SandboxError],
    [NotEnoughSpaceError, SandboxError],
    [NotFoundError, SandboxError],
    [FileNotFoundError, NotFoundError],
    [SandboxNotFoundError, NotFoundError],
    [AuthenticationError, Error],
    [GitAuthError, AuthenticationError],
    [GitUpstreamError, SandboxError],
    [TemplateError, SandboxError],
    [RateLimitError, SandboxError],
    [BuildError, Error],
    [FileUploadError, BuildError],
    [VolumeError, Error],
    [VolumeNotFoundError, VolumeError],
    [VolumePathNotFoundError, VolumeError],
    [SecretError, Error],
    [SecretNotFoundError, SecretError],
  ]) {
    const e = new Cls('msg')
    assert.ok(e instanceof Base, `${Cls.name} extends ${Base.name}`)
    assert.ok(e instanceof Error)
    assert.equal(e.name, Cls.name)
    assert.equal(e.message, 'msg')
  }
  assert.ok(!(new AuthenticationError('x') instanceof SandboxError), 'as E2B: AuthenticationError is not a SandboxError')
  assert.equal(ALL_TRAFFIC, '0.0.0.0/0')
})

test('create: template "base", options meaningless locally are accepted', async () => {
  const s = await Sandbox.create('base', {
    timeoutMs: 60_000,
    metadata: { k: 'v' },
    envs: { FOO: 'bar' },
    apiKey: 'e2b_key',
    accessToken: 'tok',
    domain: 'e2b.app',
    debug: false,
    requestTimeoutMs: 30_000,
    headers: { 'X-Test': '1' },
    logger: console,
    secure: false,
    allowInternetAccess: true,
  })
  try {
    assert.equal(typeof s.sandboxId, 'string')
    assert.equal((await s.commands.run('echo $FOO')).stdout, 'bar\n')
    const info = await s.getInfo()
    assert.deepEqual(info.metadata, { k: 'v' })
    assert.equal(info.state, 'running')
    assert.equal(typeof info.cpuCount, 'number')
    assert.ok(info.cpuCount > 0)
    assert.equal(typeof info.memoryMB, 'number')
    assert.ok(info.memoryMB > 0)
    assert.equal(typeof info.envdVersion, 'string')
    assert.ok(info.startedAt instanceof Date)
    assert.ok(info.endAt instanceof Date)
  } finally {
    await s.kill()
  }
  // create(opts) with no template, as E2B
  const s2 = await Sandbox.create({ timeoutMs: 30_000, apiKey: 'x' })
  assert.equal(await s2.kill(), true)
})

test('create: missing features and unknown options throw, naming them', async () => {
  for (const [key, value, pattern] of [
    ['autoPause', true, /auto-pause/],
    ['lifecycle', { onTimeout: 'pause' }, /lifecycle/],
    ['network', { allowOut: ['1.1.1.1'] }, /network/],
    ['mcp', { github: {} }, /MCP/],
    ['volumes', [], /volumes/],
    ['secure', true, /secure/],
    ['allowInternetAccess', false, /internet/],
  ]) {
    await assert.rejects(Sandbox.create({ [key]: value }), (e) => {
      assert.ok(e instanceof UnsupportedError, `${key}: ${e}`)
      assert.match(e.message, pattern)
      assert.match(e.message, new RegExp(key))
      return true
    })
  }
  await assert.rejects(Sandbox.create({ timeoutMS: 1 }), (e) => e instanceof InvalidArgumentError && /timeoutMS/.test(e.message))
  await assert.rejects(Sandbox.create('base', { bogus: 1 }), InvalidArgumentError)
  await assert.rejects(Sandbox.create(42), TypeError)
  await assert.rejects(Sandbox.create({ timeoutMs: -1 }), RangeError)
  await assert.rejects(Sandbox.create({ metadata: 'x' }), TypeError)
})

test('Sandbox.list: paginator returned synchronously, query, limit, nextToken, past its end', async () => {
  const tag = `list-${process.pid}-${Date.now()}`
  const a = await Sandbox.create({ timeoutMs: 60_000, metadata: { tag } })
  const b = await Sandbox.create({ timeoutMs: 60_000, metadata: { tag } })
  try {
    const all = Sandbox.list({ query: { metadata: { tag }, state: ['running', 'paused'] } })
    assert.ok(!(all instanceof Promise), 'list() is synchronous')
    assert.equal(all.hasNext, true)
    assert.equal(all.nextToken, undefined)
    const items = await all.nextItems()
    assert.deepEqual(items.map((i) => i.sandboxId).sort(), [a.sandboxId, b.sandboxId].sort())
    assert.equal(all.hasNext, false)
    await assert.rejects(all.nextItems(), (e) => e instanceof Error && /No more items to fetch/.test(e.message))

    const paged = Sandbox.list({ query: { metadata: { tag } }, limit: 1 })
    const first = await paged.nextItems()
    assert.equal(first.length, 1)
    assert.equal(paged.hasNext, true)
    assert.equal(typeof paged.nextToken, 'string')
    // a new paginator resumes from the token
    const resumed = Sandbox.list({ query: { metadata: { tag } }, limit: 1, nextToken: paged.nextToken })
    const second = await paged.nextItems()
    assert.equal(second.length, 1)
    assert.notEqual(second[0].sandboxId, first[0].sandboxId)
    assert.deepEqual((await resumed.nextItems()).map((i) => i.sandboxId), [second[0].sandboxId])
    assert.equal(paged.hasNext, false)

    const paused = Sandbox.list({ query: { metadata: { tag }, state: ['paused'] } })
    assert.deepEqual(await paused.nextItems(), [])
    const noMatch = Sandbox.list({ query: { metadata: { tag: 'no-such-tag' } } })
    assert.deepEqual(await noMatch.nextItems(), [])
    const everything = await Sandbox.list().nextItems()
    assert.ok(everything.some((i) => i.sandboxId === a.sandboxId))
  } finally {
    await a.kill()
    await b.kill()
  }
  assert.throws(() => Sandbox.list({ limit: -1 }), RangeError)
  assert.throws(() => Sandbox.list({ limit: 0 }), RangeError)
  assert.throws(() => Sandbox.list({ limit: 'x' }), TypeError)
  assert.throws(() => Sandbox.list({ query: { state: ['dead'] } }), InvalidArgumentError)
  assert.throws(() => Sandbox.list({ query: { state: 'running' } }), TypeError)
  assert.throws(() => Sandbox.list({ query: { bogus: 1 } }), InvalidArgumentError)
  assert.throws(() => Sandbox.list({ bogus: 1 }), InvalidArgumentError)
  assert.throws(() => Sandbox.list({ nextToken: 'garbage' }), InvalidArgumentError)
  assert.throws(() => Sandbox.list('x'), TypeError)
  assert.doesNotThrow(() => Sandbox.list({ apiKey: 'x', requestTimeoutMs: 1 }))
})

test('connect: static with {timeoutMs}, instance connect()', async () => {
  const other = await Sandbox.connect(sbx.sandboxId, { timeoutMs: 90_000, apiKey: 'x' })
  assert.equal(other.sandboxId, sbx.sandboxId)
  const info = await other.getInfo()
  const left = info.endAt.getTime() - Date.now()
  assert.ok(left > 80_000 && left <= 91_000, `timeoutMs set the lifetime (${left} ms left)`)
  assert.equal(await sbx.connect(), sbx)
  assert.equal(await sbx.connect({ timeoutMs: 120_000 }), sbx)
  await assert.rejects(Sandbox.connect(sbx.sandboxId, { bogus: 1 }), InvalidArgumentError)
  await assert.rejects(Sandbox.connect(sbx.sandboxId, { timeoutMs: -5 }), RangeError)
  await assert.rejects(Sandbox.connect('no-such-sandbox'), SandboxNotFoundError)

  const gone = await Sandbox.create({ timeoutMs: 30_000 })
  await gone.kill()
  await assert.rejects(gone.connect(), NotRunningError)
})

test('commands.run: E2B options, result fields, bad options', async () => {
  const chunks = []
  const r = await sbx.commands.run('echo $A; echo e >&2', {
    envs: { A: 'a' },
    cwd: '/tmp',
    user: 'user',
    timeoutMs: 10_000,
    requestTimeoutMs: 5_000,
    onStdout: (d) => chunks.push(d),
    onStderr: () => {},
  })
  assert.equal(r.exitCode, 0)
  assert.equal(r.stdout, 'a\n')
  assert.equal(r.stderr, 'e\n')
  assert.equal(r.error, undefined)
  assert.equal(r.oomKilled, false)
  assert.equal(r.timedOut, false)
  assert.equal(r.signal, 0)
  assert.equal(r.stdoutTruncated, false)
  assert.equal(r.stderrTruncated, false)
  assert.equal(chunks.join(''), 'a\n')

  await assert.rejects(sbx.commands.run('exit 3'), (e) => e instanceof CommandExitError && e.exitCode === 3)
  await assert.rejects(sbx.commands.run('true', { bogus: 1 }), InvalidArgumentError)
  await assert.rejects(sbx.commands.run('true', { timeoutMs: -1 }), RangeError)
  await assert.rejects(sbx.commands.run('true', { background: 'yes' }), TypeError)
  await assert.rejects(sbx.commands.run('true', { envs: { A: 1 } }), TypeError)
  await assert.rejects(sbx.commands.run(42), TypeError)
  await assert.rejects(sbx.commands.run('true', 'opts'), TypeError)
})

test('commands: relative cwd is relative to the user home', async () => {
  await sbx.files.makeDir('/home/user/rel-dir')
  const r = await sbx.commands.run('pwd', { cwd: 'rel-dir', user: 'user' })
  assert.equal(r.stdout, '/home/user/rel-dir\n')
})

test('commands.closeStdin(pid) ends the input of a background command', async () => {
  const h = await sbx.commands.run('cat', { background: true, stdin: true })
  await sbx.commands.sendStdin(h.pid, 'hello')
  await sbx.commands.closeStdin(h.pid)
  const r = await h.wait()
  assert.equal(r.stdout, 'hello')
  await assert.rejects(sbx.commands.closeStdin(-1), RangeError)
})

test('killing the sandbox under a running command: wait() rejects with TimeoutError', async () => {
  const s = await Sandbox.create({ timeoutMs: 60_000 })
  const cmd = await s.commands.run('sleep 60', { background: true })
  await s.kill()
  const err = await cmd.wait().catch((e) => e)
  assert.ok(err instanceof TimeoutError, String(err))
  assert.match(err.message, /sandbox was killed or reached its end of life/)
})

test('files: write array form, remove of a missing path, list depth', async () => {
  const infos = await sbx.files.write([
    { path: '/tmp/e2bc/a.txt', data: 'A' },
    { path: '/tmp/e2bc/sub/b.bin', data: new Uint8Array([1, 2]) },
  ])
  assert.equal(infos.length, 2)
  assert.equal(infos[0].path, '/tmp/e2bc/a.txt')
  assert.equal(infos[0].name, 'a.txt')
  assert.equal(await sbx.files.read('/tmp/e2bc/a.txt'), 'A')
  assert.deepEqual([...(await sbx.files.read('/tmp/e2bc/sub/b.bin', { format: 'bytes' }))], [1, 2])

  await sbx.files.remove('/tmp/e2bc/no-such-file')
  await sbx.files.remove('/tmp/e2bc/no-such-file', { user: 'root', requestTimeoutMs: 10 })

  const one = await sbx.files.list('/tmp/e2bc')
  assert.deepEqual(one.map((e) => e.name).sort(), ['a.txt', 'sub'])
  const undef = await sbx.files.list('/tmp/e2bc', { depth: undefined })
  assert.deepEqual(undef.map((e) => e.name).sort(), ['a.txt', 'sub'])
  const two = await sbx.files.list('/tmp/e2bc', { depth: 2 })
  assert.deepEqual(two.map((e) => e.name).sort(), ['a.txt', 'b.bin', 'sub'])

  await assert.rejects(sbx.files.list('/tmp/e2bc', { depth: 0 }), InvalidArgumentError)
  await assert.rejects(sbx.files.list('/tmp/e2bc', { depth: -1 }), InvalidArgumentError)
  await assert.rejects(sbx.files.list('/tmp/e2bc', { bogus: 1 }), InvalidArgumentError)
  await assert.rejects(sbx.files.write('/tmp/x', 'x', { bogus: 1 }), InvalidArgumentError)
  await assert.rejects(sbx.files.write([{ path: 1, data: 'x' }]), TypeError)
  await assert.rejects(sbx.files.read('/tmp/e2bc/a.txt', { format: 'xml' }), TypeError)
  await assert.rejects(sbx.files.read('/tmp/e2bc/none'), FileNotFoundError)
})

test('files.watchDir includeEntry fills entry from getInfo', async () => {
  await sbx.files.makeDir('/tmp/e2bw')
  const events = []
  const handle = await sbx.files.watchDir('/tmp/e2bw', (e) => events.push(e), { includeEntry: true, timeoutMs: 30_000 })
  try {
    await sbx.files.write('/tmp/e2bw/f.txt', 'hello')
    const ev = await until(() => events.find((e) => e.name === 'f.txt' && e.entry), 'event with entry')
    assert.equal(ev.entry.name, 'f.txt')
    assert.equal(ev.entry.path, '/tmp/e2bw/f.txt')
    assert.equal(ev.entry.type, 'file')
  } finally {
    await handle.stop()
  }
  await assert.rejects(sbx.files.watchDir('/tmp/e2bw', () => {}, { bogus: true }), InvalidArgumentError)
})

test('pty.create: E2B options, unknown options', async () => {
  const out = []
  const term = await sbx.pty.create({ cols: 80, rows: 24, onData: (d) => out.push(d), cwd: '/tmp', envs: { X: 'y' }, user: 'user' })
  assert.equal(typeof term.pid, 'number')
  await sbx.pty.sendInput(term.pid, new TextEncoder().encode('echo pty-$X; exit\n'))
  await term.wait()
  assert.match(Buffer.concat(out.map((d) => Buffer.from(d))).toString(), /pty-y/)
  await assert.rejects(sbx.pty.create({ cols: 80, rows: 24, onData: () => {}, bogus: 1 }), InvalidArgumentError)
  await assert.rejects(sbx.pty.create({ cols: -1, rows: 24, onData: () => {} }), RangeError)
  await assert.rejects(sbx.pty.create(null), TypeError)
})
