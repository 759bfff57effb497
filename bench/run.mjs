// Runs bench/<name>/index.ts (TypeScript loaded by jiti). `pnpm bench` alone lists them.
import { readdirSync, existsSync } from 'node:fs'
import { createJiti } from 'jiti'
const names = readdirSync(new URL('.', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(new URL(`./${d.name}/index.ts`, import.meta.url)))
  .map((d) => d.name)
const wanted = process.argv[2]
if (!wanted || !names.includes(wanted)) {
  console.log(`usage: pnpm bench <name>\navailable: ${names.join(', ') || '(none)'}`)
  process.exit(wanted ? 2 : 0)
}
const jiti = createJiti(import.meta.url)
await jiti.import(new URL(`./${wanted}/index.ts`, import.meta.url).href)
