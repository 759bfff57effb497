import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { REPO_ROOT } from '@venomqa/test-utils'

/**
 * Type-check the TypeScript files under `dir` of a project as a user's editor would (strict), with
 * @venomqa/core's published types: tsc's output, or '' when clean.
 */
export function typecheckJourneys(projectDir: string, dir: string): string {
  const tsconfig = path.join(projectDir, 'tsconfig.json')
  const typeRoots = [path.join(REPO_ROOT, 'node_modules/@types')]
  const compilerOptions = { strict: true, noEmit: true, module: 'ESNext', moduleResolution: 'Bundler', target: 'ES2022', types: ['node'], typeRoots, skipLibCheck: true }
  writeFileSync(tsconfig, JSON.stringify({ compilerOptions, include: [`${dir}/**/*.ts`] }))
  try {
    execFileSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', tsconfig], { cwd: projectDir, encoding: 'utf8' })
    return ''
  } catch (err) {
    return String((err as { stdout?: string }).stdout || err)
  }
}
