// Node worker of benchmarks/bindings_bench.py: N times Sandbox.create() + commands.run('true')
// + kill(), one line per iteration with its milliseconds. The addon comes from
// $SOULBOX_NODE_ADDON (the build directory's soulbox.node).
import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'

const require = createRequire(import.meta.url)
const { Sandbox } = require('../bindings/node')

const iterations = Number(process.argv[2])
for (let i = 0; i < iterations; i++) {
  const start = performance.now()
  const sbx = await Sandbox.create({ timeoutMs: 600_000 }) // a crashed run leaves nothing for long
  await sbx.commands.run('true')
  await sbx.kill()
  console.log((performance.now() - start).toFixed(4))
}
