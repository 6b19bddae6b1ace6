// SoulBox quickstart for Node: the E2B JS SDK's quickstart with only the import changed
// (E2B: `import { Sandbox } from 'e2b'`). Install: `cd bindings/node && npm install`, then
// `npm install <repo>/bindings/node` in your project (or `npm pack` it). Run as root or as a
// user allowed to create user namespaces.
import { Sandbox } from 'soulbox'

const sandbox = await Sandbox.create({ timeoutMs: 60_000, metadata: { example: 'quickstart' } })
try {
  // Run Python code inside the sandbox, streaming its output.
  await sandbox.files.write('/home/user/squares.py', 'print([n * n for n in range(6)])\n')
  const result = await sandbox.commands.run('python3 squares.py', {
    onStdout: (data) => process.stdout.write(`[sandbox] ${data}`),
  })
  console.log(`exit code: ${result.exitCode}`)

  // Write a file and read it back.
  const info = await sandbox.files.write('/home/user/notes/hello.txt', 'Hello from SoulBox\n')
  console.log(`wrote ${info.path}`)
  const text = await sandbox.files.read(info.path)
  console.log(`read back: ${text.trim()}`)
} finally {
  await sandbox.kill()
}
