/**
 * End to end: the built `venomqa` runs a fixture project against the todo app in its own process; the curl
 * commands its console, Markdown and JUnit reports print for the failed steps are run by bash and curl
 * against the same app, and get the status the steps got. The redacted Authorization and API key are
 * variables the commands name; the test sets them, as a user would.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { type RunningProcess, describeWithCommand, startTodoApp } from '@venomqa/test-utils'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TRICKY_TITLE } from './fixtures/reproduce-project/journeys/reproduce.journey'
import { type CliResult, type Project, assertBuilt, makeProject, cliHost } from './helpers/project'

/** This file's commands run in one process of the built CLI (see CliHost), but those that need one of their own. */
const host = cliHost()

const RUN_ID = `${process.pid}-${Date.now()}`
const PASSWORD = 'PASSWORD-SECRET-7c1d9e'
const API_KEY = 'APIKEY-SECRET-3b8f2a'
/** The todo app's session tokens: 64 hex digits. None may appear in any output. */
const TOKEN_LIKE = /\b[0-9a-f]{64}\b/

let app: RunningProcess
let project: Project
let run: CliResult
let token: string

beforeAll(async () => {
  assertBuilt()
  app = await startTodoApp()
  project = await makeProject('reproduce-project', { TODO_URL: app.url, API_KEY, RUN_ID, USER_PASSWORD: PASSWORD }, host)
  run = await project.venomqa(['run', '-r', 'console', '-r', 'markdown:out/report.md', '-r', 'junit:out/junit.xml'])
  // The user the journey signed up, logged in again: the secret a user reproducing the failure would have.
  const res = await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `repro-${RUN_ID}@example.test`, password: PASSWORD }) })
  token = ((await res.json()) as { token: string }).token
}, 120_000)
afterAll(async () => {
  await project?.remove()
  await app?.stop()
})

const describeWithCurl = describeWithCommand('curl', 'apt-get install -y curl')

/** Run what a report printed (comment lines and the command) in bash, as pasted; curl prints the status. */
function paste(script: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('bash', ['-c', `${script} -sS -o /dev/null -w '%{http_code}'`], { env: { PATH: process.env.PATH, ...env } }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout),
    ),
  )
}

/** The variables the commands name, set to the real values. */
const secrets = () => ({ VENOMQA_AUTHORIZATION: `Bearer ${token}`, VENOMQA_X_API_KEY: API_KEY })

/** The console's `reproduce with curl:` blocks, by the failed step they follow. */
function consoleScripts(stdout: string): Map<string, string> {
  const out = new Map<string, string>()
  const lines = stdout.split('\n')
  let step = ''
  lines.forEach((line, i) => {
    step = /^\s+✗ (\S+) /.exec(line)?.[1] ?? step
    if (line.trim() !== 'reproduce with curl:') return
    const script: string[] = []
    for (let j = i + 1; j < lines.length && /^\s*(#|curl )/.test(lines[j]!); j++) script.push(lines[j]!.trim())
    out.set(step, script.join('\n'))
  })
  return out
}

async function titledTodos(): Promise<number> {
  const res = await fetch(`${app.url}/api/todos`, { headers: { authorization: `Bearer ${token}` } })
  return ((await res.json()) as { title: string }[]).filter((t) => t.title === TRICKY_TITLE).length
}

describeWithCurl('curl commands of failed steps, run against the app', () => {
  it("the run failed on the two steps, and printed each one's request as curl with the variables to set", () => {
    expect(run.code).toBe(1)
    const scripts = consoleScripts(run.stdout)
    expect([...scripts.keys()]).toEqual(['add_todo_too_long', 'add_todo_tricky'])
    for (const script of scripts.values()) {
      expect(script).toContain('# set VENOMQA_AUTHORIZATION first: header authorization, redacted in this report')
      expect(script).toContain('# set VENOMQA_X_API_KEY first: header x-api-key, redacted in this report')
      expect(script).toContain('-H "authorization: $VENOMQA_AUTHORIZATION"')
      expect(script.split('\n').filter((l) => l.startsWith('curl '))).toHaveLength(1)
    }
    expect(scripts.get('add_todo_too_long')).toContain(`curl -g -X POST '${app.url}/api/todos?source=e2e&note=it%27s'`)
    expect(scripts.get('add_todo_too_long')).toContain(`--data-raw '{"title":"${'x'.repeat(501)}","done":false}'`)
  })

  it("the console's commands get the same statuses: 422 for the refused todo, 201 for the created one, with the title exactly", async () => {
    const scripts = consoleScripts(run.stdout)
    expect(run.stdout).toContain('✗ add_todo_too_long POST')
    expect(run.stdout).toMatch(/add_todo_too_long POST \S+ → 422/)
    expect(await paste(scripts.get('add_todo_too_long')!, secrets())).toBe('422')
    const before = await titledTodos()
    expect(run.stdout).toMatch(/add_todo_tricky POST \S+ → 201/)
    expect(await paste(scripts.get('add_todo_tricky')!, secrets())).toBe('201')
    // Quotes, `$HOME`, backquotes, a newline and unicode went through the shell as they were.
    expect(await titledTodos()).toBe(before + 1)
  })

  it('without the variables the app refuses the same command: the placeholder is what carries the token', async () => {
    expect(await paste(consoleScripts(run.stdout).get('add_todo_too_long')!, {})).toBe('401')
  })

  it("the Markdown report's blocks run as they are", async () => {
    const md = readFileSync(path.join(project.dir, 'out/report.md'), 'utf8')
    const block = (step: string) => new RegExp(`\\*\\*Reproduce ${step}\\*\\* with curl:\\n\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\`\\n`).exec(md)?.[1]
    expect(block('add_todo_too_long')).toMatch(/^# POST \S+ → 422\n# set VENOMQA_X_API_KEY first/)
    expect(await paste(block('add_todo_too_long')!, secrets())).toBe('422')
    const before = await titledTodos()
    expect(await paste(block('add_todo_tricky')!, secrets())).toBe('201')
    expect(await titledTodos()).toBe(before + 1)
  })

  it("the JUnit failures' commands run as they are", async () => {
    const xml = readFileSync(path.join(project.dir, 'out/junit.xml'), 'utf8')
    const failure = (step: string) => {
      const text = new RegExp(`<testcase name="${step}"[^>]*>\\s*<failure [^>]*><!\\[CDATA\\[([\\s\\S]*?)\\]\\]></failure>`).exec(xml)?.[1] ?? ''
      return /Reproduce with curl:\n([\s\S]*?)(?:\n\nSuggestion:|$)/.exec(text)?.[1]
    }
    expect(failure('add_todo_too_long')).toMatch(/^# POST \S+ -> 422\n/)
    expect(await paste(failure('add_todo_too_long')!, secrets())).toBe('422')
    const before = await titledTodos()
    expect(await paste(failure('add_todo_tricky')!, secrets())).toBe('201')
    expect(await titledTodos()).toBe(before + 1)
  })

  it('no output holds the password, the API key or a session token', () => {
    const outputs = { stdout: run.stdout, stderr: run.stderr, markdown: readFileSync(path.join(project.dir, 'out/report.md'), 'utf8'), junit: readFileSync(path.join(project.dir, 'out/junit.xml'), 'utf8') }
    for (const [name, text] of Object.entries(outputs)) {
      expect(text, name).not.toContain(PASSWORD)
      expect(text, name).not.toContain(API_KEY)
      expect(text, name).not.toMatch(TOKEN_LIKE)
    }
  })
})

describe("a step's own log lines", () => {
  it('are printed as the step\'s, prefixed with the journey and step; "venomqa:" is only for the tool', () => {
    expect(run.stderr).toContain(`  [reproduce › log_in] logged in {"email":"repro-${RUN_ID}@example.test"}\n`)
    expect(run.stderr).toContain('  [reproduce › add_todo_tricky] warning: expecting 200 from a create\n')
    expect(run.stderr).not.toContain('venomqa: logged in')
    expect(run.stderr).not.toContain('venomqa: warning: expecting 200')
    expect(run.stderr).toContain('venomqa: markdown report written to out/report.md')
  })
})
