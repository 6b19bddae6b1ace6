// E2B v2 JS signatures on real sandboxes: option shapes (ignored, unsupported, unknown), the
// list() paginator, connect forms, SandboxInfo fields, error names and command semantics.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import soulbox, { until } from './helpers.mjs'

const { Sandbox, InvalidArgumentError, UnsupportedError, SandboxError } = soulbox

test("E2B's connection options are accepted and ignored; template 'base' is the default", async () => {
  const sbx = await Sandbox.create('base', {
    timeoutMs: 60_000, apiKey: 'e2b_x', domain: 'e2b.app', requestTimeoutMs: 5_000,
    debug: false, headers: { a: 'b' }, secure: true, allowInternetAccess: true,
  })
  try {
    const info = await sbx.getInfo()
    assert.equal(info.templateId, 'base')
    assert.equal(info.state, 'running')
    assert.equal(info.cpuCount, 1)
    assert.equal(info.memoryMB, 512)
    assert.match(info.envdVersion, /^soulbox-\d+\.\d+\.\d+/)
    const r = await sbx.commands.run('pwd', { cwd: 'work/..', requestTimeoutMs: 1000 })
    assert.equal(r.stdout, '/home/user\n') // a relative cwd is under the user's home
  } finally {
    await sbx.kill()
  }
})

test('options naming missing features fail with UnsupportedError; unknown ones are refused', async () => {
  for (const opts of [{ autoPause: true }, { allowInternetAccess: false }, { network: { denyOut: ['0.0.0.0/0'] } },
    { mcp: {} }, { lifecycle: { onTimeout: 'pause' } }]) {
    await assert.rejects(Sandbox.create(opts), (e) => e instanceof UnsupportedError && /not supported/.test(e.message),
      JSON.stringify(opts))
  }
  await assert.rejects(Sandbox.create({ timeoutMS: 1000 }), (e) => e instanceof InvalidArgumentError && /timeoutMS/.test(e.message))
  await assert.rejects(Sandbox.create({ memoryMB: -1 }), RangeError)
})

test('Sandbox.list() returns a paginator at once: query, limit, nextToken, past its end', async () => {
  const tag = `page-${process.pid}-${Date.now()}`
  const made = []
  try {
    for (let i = 0; i < 3; i++) made.push(await Sandbox.create({ timeoutMs: 60_000, metadata: { tag } }))
    const paginator = Sandbox.list({ query: { metadata: { tag }, state: ['running'] }, limit: 2 })
    assert.equal(paginator.hasNext, true)
    const first = await paginator.nextItems()
    assert.equal(first.length, 2)
    assert.equal(typeof paginator.nextToken, 'string')
    const second = await paginator.nextItems()
    assert.equal(second.length, 1)
    assert.equal(paginator.hasNext, false)
    const ids = [...first, ...second].map((s) => s.sandboxId).sort()
    assert.deepEqual(ids, made.map((s) => s.sandboxId).sort())
    // Newest first, as E2B.
    assert.ok(first[0].startedAt >= first[1].startedAt)
    await assert.rejects(paginator.nextItems(), (e) => e instanceof SandboxError && /No more items/.test(e.message))
    const paused = await Sandbox.list({ query: { metadata: { tag }, state: ['paused'] } }).nextItems()
    assert.deepEqual(paused, [])
  } finally {
    await Promise.all(made.map((s) => s.kill()))
  }
  assert.throws(() => Sandbox.list({ limit: 0 }), InvalidArgumentError)
  assert.throws(() => Sandbox.list({ nextToken: 'garbage' }), InvalidArgumentError)
  assert.throws(() => Sandbox.list({ qurey: {} }), InvalidArgumentError)
})

test('connect by id with timeoutMs and on an instance; closeStdin(pid); remove of a missing path', async () => {
  const sbx = await Sandbox.create({ timeoutMs: 60_000 })
  try {
    const again = await Sandbox.connect(sbx.sandboxId, { timeoutMs: 30_000 })
    const info = await again.getInfo()
    assert.ok(info.endAt - Date.now() <= 31_000)
    assert.equal(await sbx.connect(), sbx)
    const cat = await sbx.commands.run('cat; echo done', { background: true, stdin: true })
    await sbx.commands.closeStdin(cat.pid)
    // cat sees EOF and exits: its pid leaves the process list.
    await until(async () => (await sbx.commands.list()).every((p) => p.pid !== cat.pid), 'cat to exit after EOF')
    await sbx.files.remove('/home/user/never-existed') // no error, as E2B
    await assert.rejects(sbx.commands.run('true', { onStdOut: () => {} }), InvalidArgumentError)
    await assert.rejects(sbx.pty.create({ cols: 80, rows: 24, onData() {}, size: 1 }), InvalidArgumentError)
  } finally {
    await sbx.kill()
  }
  await assert.rejects(sbx.connect(), soulbox.NotRunningError)
})

test("E2B's error names exist with E2B's hierarchy", () => {
  for (const name of ['AuthenticationError', 'RateLimitError', 'TemplateError', 'BuildError', 'FileUploadError',
    'GitAuthError', 'GitUpstreamError', 'TimeoutError', 'NotFoundError', 'SandboxNotFoundError', 'FileNotFoundError',
    'InvalidArgumentError', 'NotEnoughSpaceError', 'CommandExitError']) {
    assert.equal(typeof soulbox[name], 'function', name)
    assert.equal(soulbox[name].name, name)
  }
  assert.ok(new soulbox.GitAuthError('x') instanceof soulbox.AuthenticationError)
  assert.ok(new soulbox.FileUploadError('x') instanceof soulbox.BuildError)
  assert.equal(soulbox.ALL_TRAFFIC, '0.0.0.0/0')
})
