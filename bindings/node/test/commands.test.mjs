import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import soulbox, { until } from './helpers.mjs'

const { Sandbox, CommandExitError, TimeoutError, CommandHandle, SandboxError } = soulbox
let sbx
before(async () => {
  sbx = await Sandbox.create({ timeoutMs: 120_000 })
})
after(async () => {
  await sbx?.kill()
})

test('run: stdout, stderr, exitCode', async () => {
  const r = await sbx.commands.run('echo out; echo err >&2')
  assert.deepEqual(r, {
    exitCode: 0,
    stdout: 'out\n',
    stderr: 'err\n',
    error: undefined,
    signal: 0,
    oomKilled: false,
    timedOut: false,
    stdoutTruncated: false,
    stderrTruncated: false,
  })
})

test('non-zero exit throws CommandExitError with the result fields', async () => {
  await assert.rejects(sbx.commands.run('echo partial; echo bad >&2; exit 7'), (e) => {
    assert.ok(e instanceof CommandExitError)
    assert.ok(e instanceof SandboxError)
    assert.equal(e.exitCode, 7)
    assert.equal(e.stdout, 'partial\n')
    assert.equal(e.stderr, 'bad\n')
    assert.equal(e.error, 'exit status 7')
    return true
  })
})

test('timeoutMs kills the command with TimeoutError', async () => {
  const t0 = Date.now()
  await assert.rejects(sbx.commands.run('echo started; sleep 30', { timeoutMs: 500 }), (e) => {
    assert.ok(e instanceof TimeoutError, e.name)
    assert.equal(e.stdout, 'started\n')
    return true
  })
  assert.ok(Date.now() - t0 < 10_000)
})

test('user root vs user, cwd, envs', async () => {
  assert.equal((await sbx.commands.run('id -un')).stdout, 'user\n')
  assert.equal((await sbx.commands.run('id -u', { user: 'root' })).stdout, '0\n')
  assert.equal((await sbx.commands.run('pwd', { cwd: '/tmp' })).stdout, '/tmp\n')
  assert.equal((await sbx.commands.run('pwd')).stdout, '/home/user\n')
  assert.equal((await sbx.commands.run('echo "$A-$B"', { envs: { A: 'x', B: 'y z' } })).stdout, 'x-y z\n')
})

test('streaming callbacks arrive in order, before run resolves', async () => {
  const seen = []
  const r = await sbx.commands.run('for i in 1 2 3 4 5; do echo line$i; echo e$i >&2; done', {
    onStdout: (d) => seen.push(['out', d]),
    onStderr: (d) => seen.push(['err', d]),
  })
  const out = seen.filter(([k]) => k === 'out').map(([, d]) => d).join('')
  const err = seen.filter(([k]) => k === 'err').map(([, d]) => d).join('')
  assert.equal(out, r.stdout)
  assert.equal(err, r.stderr)
  assert.equal(out, 'line1\nline2\nline3\nline4\nline5\n')
})

test('multibyte UTF-8 split across chunks decodes intact', async () => {
  let streamed = ''
  const r = await sbx.commands.run(`printf '\\xc3'; sleep 0.1; printf '\\xa9\\xe2\\x82'; sleep 0.1; printf '\\xac\\n'`, {
    onStdout: (d) => (streamed += d),
  })
  assert.equal(streamed, 'é€\n')
  assert.equal(r.stdout, 'é€\n')
})

test('stdin: sendStdin then closeStdin on a background handle', async () => {
  const h = await sbx.commands.run('cat', { background: true, stdin: true })
  assert.ok(h instanceof CommandHandle)
  assert.ok(h.pid > 0)
  await h.sendStdin('hello ')
  await sbx.commands.sendStdin(h.pid, new TextEncoder().encode('world'))
  await until(() => h.stdout === 'hello world', 'echoed stdin')
  await h.closeStdin()
  const r = await h.wait()
  assert.equal(r.stdout, 'hello world')
  assert.equal(h.exitCode, 0)
})

test('background: wait, kill, list, connect, disconnect', async () => {
  const h = await sbx.commands.run('echo ready; sleep 60', { background: true, tag: 'sleeper' })
  await until(() => h.stdout === 'ready\n', 'output of the background command')
  const listed = (await sbx.commands.list()).find((p) => p.pid === h.pid)
  assert.ok(listed, 'list shows it')
  assert.equal(listed.tag, 'sleeper')
  assert.equal(listed.cmd, '/bin/bash')
  assert.deepEqual(listed.args.slice(-2), ['-c', 'echo ready; sleep 60'])
  assert.equal(typeof listed.envs, 'object')

  assert.equal(await h.kill(), true)
  await assert.rejects(h.wait(), (e) => e instanceof CommandExitError && e.exitCode === -1)
  assert.equal(await h.kill(), false, 'killing a finished process reports false')
  assert.equal(await sbx.commands.kill(h.pid), false)

  // disconnect: callbacks stop, the process keeps running and can be connected again.
  const chunks = []
  const ticker = await sbx.commands.run('for i in $(seq 1 200); do echo t$i; sleep 0.05; done', {
    background: true,
    onStdout: (d) => chunks.push(d),
  })
  await until(() => chunks.length > 0, 'first tick')
  await ticker.disconnect()
  const frozen = chunks.length
  await assert.rejects(ticker.wait(), SandboxError)
  const again = await sbx.commands.connect(ticker.pid)
  await until(() => /t\d+/.test(again.stdout), 'output after reconnecting')
  assert.equal(chunks.length, frozen, 'no callbacks after disconnect')
  assert.equal(await sbx.commands.kill(ticker.pid), true)
  await assert.rejects(again.wait(), CommandExitError)
})

test('commands.run resolves a background handle whose wait returns the result', async () => {
  const h = await sbx.commands.run('sleep 0.2; echo done', { background: true })
  const r = await h.wait()
  assert.equal(r.stdout, 'done\n')
  assert.equal(h.stdout, 'done\n')
  // wait() can be called again
  assert.equal((await h.wait()).exitCode, 0)
})

test('an error thrown by onStdout surfaces from wait()', async () => {
  const boom = new Error('boom')
  await assert.rejects(
    sbx.commands.run('echo x', {
      onStdout: () => {
        throw boom
      },
    }),
    (e) => e === boom,
  )
})
