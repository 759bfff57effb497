import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { UserError } from '@venomqa/core'
import { EXIT, type Io } from '../exit'
import { cliVersion } from '../version'

/**
 * The tool versions a scaffolded plugin is built and tested with: the ones this repository builds its own
 * packages with (root package.json) and the zod the CLI uses, so a fresh plugin builds the way they do.
 * TypeScript is the one exception: the repository type-checks with TypeScript 7, a native program with no
 * JavaScript API, while a scaffold writes its declarations with tsup's `dts`, which needs TypeScript 6's API
 * under the name `typescript`. packages/cli/test/init-plugin.test.ts fails when they drift apart.
 */
export const PLUGIN_TOOLCHAIN = {
  zod: '4.6.7',
  tsup: '8.5.0',
  typescript: '6.0.3',
  vitest: '4.1.12',
  '@types/node': '^20.19.0',
} as const

/** The peer range VenomQA's own plugins declare on core: every 0.x release from 0.1.0. */
export const CORE_PEER_RANGE = '>=0.1.0 <1.0.0'

export interface PluginNames {
  /** What users type: `--plugin <short>`, and the reporter's name. */
  short: string
  /** The npm package name, found from `short` by the CLI's resolver. */
  pkg: string
  /** The directory created, relative to where init runs. */
  dir: string
}

/** `x` → venomqa-plugin-x; `@acme/x` → @acme/venomqa-plugin-x; a name already prefixed is kept. */
export function pluginNames(input: string): PluginNames {
  const m = /^(?:(@[a-z0-9][a-z0-9._-]*)\/)?(?:venomqa-plugin-)?([a-z0-9][a-z0-9._-]*)$/.exec(input.trim())
  if (!m)
    throw new UserError(
      'E_INIT',
      `"${input}" is not a plugin name: use lower-case letters, digits, '.', '_' and '-' (e.g. audit, or @acme/audit for a scoped package)`,
      { where: '--plugin' },
    )
  const [, scope, short] = m as unknown as [string, string | undefined, string]
  const base = `venomqa-plugin-${short}`
  return { short: scope ? `${scope}/${short}` : short, pkg: scope ? `${scope}/${base}` : base, dir: base }
}

/** The new package's own first version (not VenomQA's). */
const FIRST_VERSION = '0.0.1'

/** What `npm pack` names the package's tarball: the scope's `@` dropped, `/` made `-`, the version. */
function tarballName(n: PluginNames): string {
  return `${n.pkg.replace(/^@/, '').replace('/', '-')}-${FIRST_VERSION}.tgz`
}

function packageJson(n: PluginNames): string {
  const coreRange = `^${cliVersion()}`
  const manifest = {
    name: n.pkg,
    version: FIRST_VERSION,
    description: `A VenomQA plugin: the "${n.short}" reporter.`,
    license: 'MIT',
    type: 'module',
    sideEffects: false,
    engines: { node: '>=20.19' },
    main: './dist/index.cjs',
    module: './dist/index.js',
    types: './dist/index.d.ts',
    exports: {
      '.': {
        import: { types: './dist/index.d.ts', default: './dist/index.js' },
        require: { types: './dist/index.d.cts', default: './dist/index.cjs' },
      },
      './package.json': './package.json',
    },
    files: ['dist', 'README.md', 'LICENSE'],
    keywords: ['venomqa', 'venomqa-plugin'],
    scripts: {
      build: 'tsup',
      typecheck: 'tsc --noEmit',
      test: 'vitest run',
      // What is packed is always what the sources say: npm pack and npm publish build first.
      prepack: 'tsup',
    },
    // A peer, never a dependency: two copies of core in one run would mean two Context and error classes.
    peerDependencies: { '@venomqa/core': CORE_PEER_RANGE },
    dependencies: { zod: PLUGIN_TOOLCHAIN.zod },
    devDependencies: {
      '@types/node': PLUGIN_TOOLCHAIN['@types/node'],
      '@venomqa/core': coreRange,
      '@venomqa/runner': coreRange,
      tsup: PLUGIN_TOOLCHAIN.tsup,
      typescript: PLUGIN_TOOLCHAIN.typescript,
      vitest: PLUGIN_TOOLCHAIN.vitest,
    },
  }
  return `${JSON.stringify(manifest, null, 2)}\n`
}

/** The scaffold's src/index.ts: docs/plugins.md shows it whole, for `slow-steps` (a test keeps the two the same). */
export function indexTs(n: PluginNames): string {
  return `import { type Plugin, type Reporter, type RunResult, definePlugin, walkSteps } from '@venomqa/core'
import * as z from 'zod/mini'
import en from 'zod/v4/locales/en.js'
import { version } from '../package.json'

// zod/mini, bundled into the build tree-shaken (tsup.config.ts): every run that configures this plugin loads
// it, and the whole of zod costs about 50 ms of start-up where what this schema uses costs a few.
z.config(en())

/**
 * The options, as a zod schema. VenomQA checks what the user wrote against it before any plugin is set up
 * and names each problem where it was written (\`plugins[0].slowMs: expected ...\`); \`api.options\` is then
 * the schema's output, defaults filled in.
 */
export const options = z.strictObject({
  /** A step that took at least this long (ms) is listed. */
  slowMs: z._default(z.number({ error: 'expected a number of milliseconds' }).check(z.nonnegative({ error: 'expected 0 ms or more' })), 500),
  /** Where the report goes when \`--reporter ${n.short}\` names no file. */
  file: z._default(z.string().check(z.minLength(1, { error: 'expected a file path' })), '${n.short.replace(/.*\//, '')}-report.txt'),
})

export type Options = z.input<typeof options>

/**
 * The report: every step slower than \`slowMs\`, slowest first. It reads only the finished RunResult, so
 * \`venomqa report saved.json --reporter ${n.short}\` renders a saved run too.
 */
export function render(run: RunResult, slowMs: number): string {
  const slow = run.journeys
    .flatMap((j) => [...walkSteps(j.nodes)].map(({ step, path }) => ({ journey: j.name, path, step })))
    .filter(({ step }) => step.durationMs >= slowMs)
    .sort((a, b) => b.step.durationMs - a.step.durationMs)
  const lines = slow.map(({ journey, path, step }) => \`\${Math.round(step.durationMs)} ms  \${journey} › \${path} › \${step.name} (\${step.status})\`)
  return \`steps that took \${slowMs} ms or more: \${slow.length}\\n\${lines.map((l) => \`\${l}\\n\`).join('')}\`
}

const plugin: Plugin<z.output<typeof options>> = definePlugin({
  name: '${n.pkg}',
  version,
  // The plugin API this code was written against, as a literal: importing PLUGIN_API_VERSION would make
  // the plugin claim whatever the installed core speaks, and a mismatch could never be caught.
  apiVersion: 1,
  options,
  // Every reporter setup adds, read before any plugin is set up: a misspelt reporter name is refused before
  // setups start anything.
  reporters: ['${n.short}'],
  setup(api) {
    api.addReporter('${n.short}', (): Reporter => ({
      name: '${n.short}',
      defaultFile: api.options.file,
      render: (run) => render(run, api.options.slowMs),
    }))
    // The issue hook fires as each issue is made, while the run goes on.
    api.addHook('issue', ({ issue }) => {
      if (issue.severity === 'critical') api.log.warn(\`critical: \${issue.journey} › \${issue.step}: \${issue.error}\`)
    })
  },
})

export default plugin
`
}

function testTs(n: PluginNames): string {
  return `import { journey, step } from '@venomqa/core'
import { createRunner } from '@venomqa/runner'
import { describe, expect, it } from 'vitest'
import plugin from '../src/index'

// Through a real runner, the way VenomQA uses the plugin: options checked, setup run, reporter rendered.
describe('${n.pkg}', () => {
  it('lists the steps slower than slowMs', async () => {
    // Far apart, so that a busy machine cannot make the quick step look slow.
    const runner = createRunner({ plugins: [[plugin, { slowMs: 200 }]] })
    const result = await runner.run([
      journey('timing', {
        steps: [
          step('quick', () => {}),
          step('slow', () => new Promise<void>((resolve) => setTimeout(resolve, 400))),
        ],
      }),
    ])
    const reporter = runner.registry.reporters.get('${n.short}')!({ options: {} })
    await runner.close()
    expect(result.status).toBe('passed')
    expect(reporter.defaultFile).toBe('${n.short.replace(/.*\//, '')}-report.txt')
    const text = String(await reporter.render!(result, { options: {}, cwd: process.cwd(), stdout: process.stdout, warn() {} }))
    expect(text).toMatch(/^steps that took 200 ms or more: 1\\n\\d+ ms {2}timing › main › slow \\(passed\\)\\n$/)
  })

  it('refuses options its schema does not accept, naming them', async () => {
    const runner = createRunner({ plugins: [[plugin, { slowMs: 'fast' }]] })
    await expect(runner.init()).rejects.toThrow(/slowMs: expected a number of milliseconds/)
    await runner.close()
  })
})
`
}

const TSUP_CONFIG = `import { defineConfig } from 'tsup'

// ESM and CommonJS with declarations; the CLI imports the \`import\` condition. zod/mini goes into the build,
// tree-shaken to what the options schema uses (see src/index.ts).
export default defineConfig({
  entry: ['src/index.ts'],
  noExternal: [/^zod(\\/|$)/],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
})
`

// tsup's declaration build sets `baseUrl`, which TypeScript 6 deprecates: without ignoreDeprecations, `npm
// run build` fails on the build tool's option, not on the plugin's code.
const TSCONFIG = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'ESNext',
      moduleResolution: 'Bundler',
      lib: ['ES2023'],
      types: ['node'],
      strict: true,
      declaration: true,
      skipLibCheck: true,
      resolveJsonModule: true,
      isolatedModules: true,
      noEmit: true,
      ignoreDeprecations: '6.0',
    },
    include: ['src', 'test'],
  },
  null,
  2,
)}\n`

function readme(n: PluginNames): string {
  return `# ${n.pkg}

A [VenomQA](https://www.npmjs.com/package/@venomqa/cli) plugin: a \`${n.short}\` reporter that lists the steps
of a run that took longer than \`slowMs\`.

\`\`\`bash
npm install -D ${n.pkg}
npx venomqa run --plugin ${n.short} --reporter console --reporter ${n.short}:reports/slow.txt
\`\`\`

or in \`venomqa.config.ts\`, with options:

\`\`\`ts
import { defineConfig } from '@venomqa/cli'

export default defineConfig({
  plugins: [['${n.short}', { slowMs: 200 }]],
  reporters: ['console', '${n.short}:reports/slow.txt'],
})
\`\`\`

| option | default | |
| --- | --- | --- |
| \`slowMs\` | \`500\` | a step that took at least this long (ms) is listed |
| \`file\` | \`${n.short.replace(/.*\//, '')}-report.txt\` | where the report goes when \`--reporter ${n.short}\` names no file |

## Developing

\`\`\`bash
npm install
npm test            # the plugin through a real runner
npm run build       # dist/: ESM, CommonJS and declarations
npm pack            # builds, then packs what \`files\` lists
\`\`\`

Try the packed plugin in a project beside it: \`npm install ../${n.dir}/${tarballName(n)}\`, then \`npx venomqa plugins --plugin
${n.short}\` and \`npx venomqa run --plugin ${n.short}\`. While developing, \`--plugin ./path/to/src/index.ts\` loads the
source directly.

\`@venomqa/core\` is a peer dependency (\`${CORE_PEER_RANGE}\`): raise the range when a new core release is
compatible, and change \`apiVersion\` only together with a core whose plugin API changed.
`
}

/**
 * The MIT License the scaffold's package.json names (`license`) and ships (`files`), as docs/plugins.md's
 * Publishing section has it: the plugin's authors hold the copyright, and the year is the one it was made in.
 */
function license(n: PluginNames): string {
  return `MIT License

Copyright (c) ${new Date().getFullYear()} The ${n.pkg} authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`
}

/**
 * `venomqa init --plugin <name>`: a publishable plugin package in ./venomqa-plugin-<name>: package.json
 * (peer range on core, ESM + CJS exports), an options schema, a reporter and a hook, tsup, a test, a README, a LICENSE.
 */
export async function initPluginCommand(name: string, flags: { force?: boolean }, io: Io): Promise<number> {
  const { atomicWriteFile } = await import('@venomqa/runner')
  const n = pluginNames(name)
  const dir = path.join(io.cwd, n.dir)
  if (existsSync(dir) && readdirSync(dir).length && !flags.force)
    throw new UserError('E_INIT_EXISTS', `${n.dir} exists and is not empty. Nothing was written; use --force to write into it`, { where: dir })
  const files: [string, string][] = [
    ['package.json', packageJson(n)],
    ['src/index.ts', indexTs(n)],
    ['test/plugin.test.ts', testTs(n)],
    ['tsup.config.ts', TSUP_CONFIG],
    ['tsconfig.json', TSCONFIG],
    ['README.md', readme(n)],
    ['LICENSE', license(n)],
    ['.gitignore', 'node_modules/\ndist/\n*.tgz\n'],
  ]
  for (const [file, content] of files) {
    await atomicWriteFile(path.join(dir, file), content)
    io.stdout.write(`created ${path.join(n.dir, file)}\n`)
  }
  io.stdout.write(
    `\n${n.pkg}: the "${n.short}" reporter, with an options schema and an issue hook.\n` +
      `Next: cd ${n.dir} && npm install && npm test && npm pack\n` +
      `Then, in a project: npm install -D ./${n.dir}/${tarballName(n)} && npx venomqa run --plugin ${n.short} --reporter ${n.short}\n`,
  )
  return EXIT.OK
}
