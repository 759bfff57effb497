import { ConfigError, errorMessage, yamlErrorReason } from '@venomqa/core'
import { parseDocument } from 'yaml'

/** A YAML config's text as a value, or a ConfigError that names the file (`rel`) and the place. */
export function parseYamlConfig(text: string, rel: string): unknown {
  // `<<: *base` merges a mapping into another, as YAML 1.1 had it: the way a profile shares the base's keys.
  const doc = parseDocument(text, { prettyErrors: true, merge: true })
  const [first] = doc.errors
  if (first) {
    const at = first.linePos?.[0]
    const place = at ? `:${at.line}:${at.col}` : ''
    throw new ConfigError(`${rel}${place} is not valid YAML: ${yamlErrorReason(first.message)}`, { where: `${rel}${place}` })
  }
  try {
    return doc.toJS() ?? {}
  } catch (err) {
    // An alias whose anchor is nowhere: yaml finds out only now, with no place.
    throw new ConfigError(`${rel} is not valid YAML: ${yamlErrorReason(errorMessage(err))}`, { where: rel })
  }
}
