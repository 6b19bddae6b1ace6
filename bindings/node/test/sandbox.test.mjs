import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import soulbox from './helpers.mjs'

const { Sandbox, SandboxNotFoundError, NotFoundError } = soulbox

test('create with metadata and envs; getInfo, list, isRunning, setTimeout, kill', async () => {
  const sbx = await Sandbox.create({ timeoutMs: 60_000, metadata: { owner: 'node-test' }, envs: { GREETING: 'hola' } })
  try {
    assert.match(sbx.sandboxId, /^[0-9a-f]+$/)
    assert.equal(await sbx.isRunning(), true)
    const info = await sbx.getInfo()
    assert.equal(info.sandboxId, sbx.sandboxId)
    assert.equal(info.templateId, 'host')
    assert.deepEqual(info.metadata, { owner: 'node-test' })
    assert.ok(info.startedAt instanceof Date)
    assert.ok(info.endAt instanceof Date)
    const lifetime = info.endAt - info.startedAt
    assert.ok(lifetime > 55_000 && lifetime <= 61_000, `lifetime ${lifetime}`)
    assert.equal(typeof info.limits.memoryMB, 'number')
    assert.ok(['v1', 'v2', 'none'].includes(info.cgroup))
    assert.equal(typeof info.rootless, 'boolean')
    assert.equal(typeof info.limitsNote, 'string')
    assert.equal(info.state, 'running')
    assert.equal(info.foreignReason, '')
    assert.ok(info.agentProtocolVersion > 0)

    assert.equal((await sbx.commands.run('echo $GREETING')).stdout, 'hola\n')

    const listed = (await Sandbox.list().nextItems()).find((s) => s.sandboxId === sbx.sandboxId)
    assert.ok(listed, 'list() shows the sandbox')
    assert.deepEqual(listed.metadata, { owner: 'node-test' })
    assert.ok(listed.startedAt instanceof Date)

    await sbx.setTimeout(120_000)
    const later = await sbx.getInfo()
    assert.ok(later.endAt - Date.now() > 100_000, 'setTimeout moved endAt')
  } finally {
    assert.equal(await sbx.kill(), true)
  }
  assert.equal(await sbx.isRunning(), false)
  assert.equal(await sbx.kill(), false, 'a second kill reports false')
})

test('create(template, opts) form, hostname and limits', async () => {
  const sbx = await Sandbox.create('host', { timeoutMs: 30_000, hostname: 'nodebox', memoryMB: 256, pids: 200 })
  try {
    assert.equal((await sbx.commands.run('hostname')).stdout.trim(), 'nodebox')
    const info = await sbx.getInfo()
    assert.equal(info.templateId, 'host')
    if (!info.limitsNote) {
      assert.equal(info.limits.memoryMB, 256)
      assert.equal(info.limits.pids, 200)
    }
  } finally {
    await sbx.kill()
  }
})

test('connect by id from a second handle, then Sandbox.kill(id)', async () => {
  const sbx = await Sandbox.create({ timeoutMs: 60_000 })
  const again = await Sandbox.connect(sbx.sandboxId)
  assert.equal(again.sandboxId, sbx.sandboxId)
  await again.files.write('/tmp/shared', 'one')
  assert.equal(await sbx.files.read('/tmp/shared'), 'one')
  assert.equal((await Sandbox.getInfo(sbx.sandboxId)).sandboxId, sbx.sandboxId)
  assert.equal(await Sandbox.kill(sbx.sandboxId), true)
  assert.equal(await sbx.isRunning(), false)
  assert.equal(await Sandbox.kill(sbx.sandboxId), false)
  assert.equal(await Sandbox.kill('0123456789abcdef'), false)
})

test('connect to an unknown id is SandboxNotFoundError', async () => {
  await assert.rejects(Sandbox.connect('0123456789abcdef'), (e) => {
    assert.ok(e instanceof SandboxNotFoundError)
    assert.ok(e instanceof NotFoundError)
    assert.equal(e.code, 'NOT_FOUND')
    assert.ok(e.message.length > 0)
    return true
  })
})

test('a timeoutMs sandbox ends by itself', async () => {
  const sbx = await Sandbox.create({ timeoutMs: 1000 })
  assert.equal(await sbx.isRunning(), true)
  const deadline = Date.now() + 15_000
  while (await sbx.isRunning()) {
    assert.ok(Date.now() < deadline, 'sandbox did not end after its timeout')
    await new Promise((r) => setTimeout(r, 100))
  }
})

// A record written by a newer SoulBox (faked as tests/integration/test_upgrade.cpp does).
test("a sandbox whose record is foreign is listed with state 'foreign'", async () => {
  const sbx = await Sandbox.create({ timeoutMs: 60_000 })
  const record = path.join(process.env.SOULBOX_STATE_DIR || '/run/soulbox', sbx.sandboxId, 'sandbox.json')
  const saved = readFileSync(record)
  try {
    writeFileSync(record, `{"schema_version":99,"id":"${sbx.sandboxId}"}\n`)
    const listed = (await Sandbox.list().nextItems()).find((s) => s.sandboxId === sbx.sandboxId)
    assert.ok(listed, 'list() shows the foreign sandbox')
    assert.equal(listed.state, 'foreign')
    assert.match(listed.foreignReason, /newer/)
    assert.equal(listed.agentProtocolVersion, 0)
  } finally {
    writeFileSync(record, saved)
    await sbx.kill()
  }
})
