import { ConfigError } from '@venomqa/core'
import type { PluginSpec } from '../config/types'

/**
 * `--plugin <name>[?key=value&key=value]`: a plugin from the command line, with options written as a URL
 * query (so `%26` and `%3D` put `&` and `=` inside a value). A dotted key nests (`tls.ca=...`). A value
 * that reads as JSON is taken as JSON (`5000`, `true`, `null`, `["a","b"]`, `"123"` for a string of
 * digits); anything else is a string. A key with no `=` is true (`tap?steps`), and `key=` the empty string.
 * Quote the whole spec in a shell: `?` and `&` are special there.
 *
 *   venomqa run --plugin 'redis?url=redis://127.0.0.1:6379&prefix=myapp:'
 *   venomqa run --plugin 'http-control?url=http://127.0.0.1:3000'
 */
export function parsePluginFlag(spec: string): PluginSpec {
  const at = spec.indexOf('?')
  if (at < 0) return spec
  const name = spec.slice(0, at).trim()
  // The options are not quoted back: they can hold a password.
  if (!name) throw new ConfigError(`--plugin "?...": the plugin name before "?" is missing`, { where: '--plugin' })
  const options: Record<string, unknown> = {}
  for (const pair of spec.slice(at + 1).split('&')) {
    if (!pair) continue
    const [[key, raw] = ['', '']] = new URLSearchParams(pair)
    if (!key) throw new ConfigError(`--plugin ${name}: an option has no name (write key=value pairs joined by &)`, { where: '--plugin' })
    // A key alone (`tap?steps`) switches the option on, as a flag does: it read as "".
    setPath(options, key.split('.'), pair.includes('=') ? parseValue(raw) : true, name)
  }
  return [name, options]
}

function parseValue(raw: string): unknown {
  const text = raw.trim()
  if (/^(-?\d+(\.\d+)?([eE][+-]?\d+)?|true|false|null|".*"|\[.*\]|\{.*\})$/s.test(text)) {
    try {
      return JSON.parse(text)
    } catch {
      // Looked like JSON but is not: keep what was written.
    }
  }
  return raw
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown, plugin: string): void {
  let node = target
  for (const [i, key] of keys.entries()) {
    if (!key) throw new ConfigError(`--plugin ${plugin}: option "${keys.join('.')}" has an empty part`, { where: '--plugin' })
    if (i === keys.length - 1) {
      node[key] = value
      return
    }
    const next = node[key]
    if (next !== undefined && (typeof next !== 'object' || next === null || Array.isArray(next)))
      throw new ConfigError(`--plugin ${plugin}: option "${keys.slice(0, i + 1).join('.')}" is given both as a value and as an object`, { where: '--plugin' })
    node = (node[key] ??= {}) as Record<string, unknown>
  }
}
