'use strict'
// Loads soulbox.node: $SOULBOX_NODE_ADDON (the ctest build) or build/Release/soulbox.node (npm
// install; shipped prebuilt in the npm tarball).
const path = require('node:path')
const { makeError } = require('./errors')

const addonPath = process.env.SOULBOX_NODE_ADDON
  ? path.resolve(process.env.SOULBOX_NODE_ADDON)
  : path.join(__dirname, '..', 'build', 'Release', 'soulbox.node')
const native = require(addonPath)
native.configure({ makeError })

module.exports = native
