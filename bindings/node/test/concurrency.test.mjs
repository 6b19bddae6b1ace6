import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import soulbox from './helpers.mjs'

const { Sandbox } = soulbox
let sbx
before(async () => {
  sbx = await Sandbox.create({ timeoutMs: 120_000 })
})
after(async () => {
  await sbx?.kill()
})

test('parallel runs overlap (more than libuv pool threads), and files work meanwhile', async () => {
  // 6 runs of 1 s each: waits run on their own threads, so they neither serialise on nor
  // exhaust the 4-thread libuv pool that the files.read below needs.
  const t0 = Date.now()
  const runs = Array.from({ length: 6 }, (_, i) => sbx.commands.run(`sleep 1; echo ${i}`))
  await sbx.files.write('during.txt', 'ok')
  assert.equal(await sbx.files.read('during.txt'), 'ok')
  const readAt = Date.now() - t0
  const results = await Promise.all(runs)
  const elapsed = Date.now() - t0
  assert.deepEqual(
    results.map((r) => r.stdout),
    ['0\n', '1\n', '2\n', '3\n', '4\n', '5\n'],
  )
  assert.ok(readAt < 900, `files.read finished at ${readAt} ms, while the runs were still going`)
  assert.ok(elapsed < 4000, `6 parallel 1 s runs took ${elapsed} ms`)
})

test('the event loop keeps ticking during a 1 s run', async () => {
  let ticks = 0
  const timer = setInterval(() => ticks++, 50)
  try {
    await sbx.commands.run('sleep 1')
  } finally {
    clearInterval(timer)
  }
  assert.ok(ticks >= 10, `only ${ticks} ticks of 50 ms during a 1 s run`)
})

test('two sandboxes used at once', async () => {
  const other = await Sandbox.create({ timeoutMs: 60_000 })
  try {
    const [a, b] = await Promise.all([sbx.commands.run('hostname; sleep 0.5'), other.commands.run('cat /proc/1/comm; sleep 0.5')])
    assert.ok(a.stdout.length > 0)
    assert.ok(b.stdout.length > 0)
    await Promise.all([sbx.files.write('x', 'a'), other.files.write('x', 'b')])
    assert.equal(await sbx.files.read('x'), 'a')
    assert.equal(await other.files.read('x'), 'b')
  } finally {
    await other.kill()
  }
})
