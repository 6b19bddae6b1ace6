// Shared test helpers: the package under test, and polling with a deadline (no bare sleeps).
import soulbox from '../index.js'

export default soulbox

// Resolves once `predicate()` is truthy; fails after `timeoutMs`.
export async function until(predicate, what, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await predicate()
    if (value) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

// One sandbox per test file: created in before(), killed in after().
export function sandboxFixture(t, opts = { timeoutMs: 120_000 }) {
  const fixture = { sandbox: undefined }
  t.before(async () => {
    fixture.sandbox = await soulbox.Sandbox.create(opts)
  })
  t.after(async () => {
    await fixture.sandbox?.kill()
  })
  return fixture
}
