import { defineConfig } from 'tsup'
import { preset } from '../../tsup.preset'

// No `clean`: other suites spawn dist/server.js while this package rebuilds; overwriting the files in
// place never leaves a moment with no server to start.
// The app kit is built in: dist/server.js is one program that needs only the app's own dependencies.
export default defineConfig(preset({ entry: ['src/index.ts', 'src/server.ts'], format: ['esm'], clean: false, noExternal: ['@venomqa/example-app-kit'] }))
