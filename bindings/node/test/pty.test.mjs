import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import soulbox, { until } from './helpers.mjs'

const { Sandbox, CommandHandle } = soulbox
let sbx
before(async () => {
  sbx = await Sandbox.create({ timeoutMs: 120_000 })
})
after(async () => {
  await sbx?.kill()
})

test('pty: create, sendInput, resize (tput cols), connect, kill', async () => {
  let output = ''
  const decoder = new TextDecoder()
  const terminal = await sbx.pty.create({
    cols: 80,
    rows: 24,
    envs: { PS1: '$ ' },
    onData: (data) => {
      assert.ok(data instanceof Uint8Array)
      output += decoder.decode(data, { stream: true })
    },
  })
  assert.ok(terminal instanceof CommandHandle)
  assert.ok(terminal.pid > 0)

  await sbx.pty.sendInput(terminal.pid, new TextEncoder().encode('echo size=$(tput cols)x$(tput lines)\n'))
  await until(() => output.includes('size=80x24'), `initial size in ${JSON.stringify(output)}`)

  await sbx.pty.resize(terminal.pid, { cols: 100, rows: 30 })
  await sbx.pty.sendInput(terminal.pid, new TextEncoder().encode('echo size=$(tput cols)x$(tput lines)\n'))
  await until(() => output.includes('size=100x30'), `resized in ${JSON.stringify(output)}`)

  // A second handle after the first disconnected sees new output.
  await terminal.disconnect()
  let again = ''
  const second = await sbx.pty.connect(terminal.pid, { onData: (d) => (again += new TextDecoder().decode(d)) })
  await sbx.pty.sendInput(terminal.pid, new TextEncoder().encode('echo reconnected\n'))
  await until(() => again.includes('reconnected'), 'output on the reconnected terminal')

  assert.equal(await sbx.pty.kill(terminal.pid), true)
  await assert.rejects(second.wait())
  assert.equal(await sbx.pty.kill(terminal.pid), false)
})

test('pty: the shell exits on "exit", wait() resolves with its output', async () => {
  const terminal = await sbx.pty.create({ cols: 40, rows: 10, onData: () => {} })
  await terminal.sendStdin('echo bye; exit 0\n')
  const result = await terminal.wait()
  assert.equal(result.exitCode, 0)
  assert.match(result.stdout, /bye/)
})
