// Collection in any order: wrappers free their C handles in finalizers; a collected Sandbox
// object frees its handle only (the sandbox keeps running, as in E2B).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import v8 from 'node:v8'
import vm from 'node:vm'
import soulbox, { until } from './helpers.mjs'

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc')
const { Sandbox, CommandExitError } = soulbox

async function collect() {
  for (let i = 0; i < 3; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

test('handles outlive their collected Sandbox object; connect(id) then kill', async () => {
  let sbx = await Sandbox.create({ timeoutMs: 60_000 })
  const id = sbx.sandboxId
  const handle = await sbx.commands.run('cat', { background: true, stdin: true })
  const commands = sbx.commands
  sbx = null
  await collect()
  await handle.sendStdin('still here')
  await until(() => handle.stdout === 'still here', 'output after the Sandbox object was collected')
  await commands.run('true') // the Commands object keeps the native sandbox alive
  await handle.closeStdin()
  assert.equal((await handle.wait()).stdout, 'still here')

  const again = await Sandbox.connect(id)
  assert.equal(await again.isRunning(), true, 'collecting the object did not kill the sandbox')
  assert.equal(await again.kill(), true)
})

test('a disconnected handle collected while a newer handle waits on the same process', async () => {
  const sbx = await Sandbox.create({ timeoutMs: 60_000 })
  try {
    let first = await sbx.commands.run('read line; echo got $line', { background: true, stdin: true })
    const pid = first.pid
    await first.disconnect()
    const second = await sbx.commands.connect(pid)
    first = null
    await collect()
    await sbx.commands.sendStdin(pid, 'x\n')
    const result = await second.wait()
    assert.equal(result.exitCode, 0)
  } finally {
    await sbx.kill()
  }
})

test('random-order collection of sandboxes, processes, watches and streams', async () => {
  const sbx = await Sandbox.create({ timeoutMs: 60_000 })
  const id = sbx.sandboxId
  await sbx.files.write('data.bin', new Uint8Array(1 << 20))
  let objects = [
    sbx,
    await Sandbox.connect(id),
    await sbx.commands.run('sleep 30', { background: true }),
    await sbx.commands.run('echo quick', { background: true }),
    await sbx.pty.create({ cols: 80, rows: 24, onData: () => {} }),
    await sbx.files.watchDir('.', () => {}, { timeoutMs: 0 }),
    await sbx.files.read('data.bin', { format: 'stream' }),
  ]
  const [, , sleeper, quick, terminal, watch] = objects
  await quick.wait()
  await watch.stop()
  await sleeper.disconnect()
  await terminal.disconnect()
  // Drop them in a shuffled order, collecting in between.
  for (let n = objects.length; n > 0; n--) {
    const i = Math.floor(Math.random() * n)
    objects.splice(i, 1)
    await collect()
  }
  objects = null
  await collect()
  const again = await Sandbox.connect(id)
  assert.equal((await again.commands.run('echo alive')).stdout, 'alive\n')
  await assert.rejects(again.commands.run('exit 2'), CommandExitError)
  assert.equal(await again.kill(), true)
})
