import { ConfigError, errorMessage } from '@venomqa/core'
import { parseDocument } from 'yaml'

/** A YAML config's text as a value, or a ConfigError that names the file (`rel`) and the place. */
export function parseYamlConfig(text: string, rel: string): unknown {
  // `<<: *base` merges a mapping into another, as YAML 1.1 had it: the way a profile shares the base's keys.
  const doc = parseDocument(text, { prettyErrors: true, merge: true })
  const [first] = doc.errors
  if (first) {
    const at = first.linePos?.[0]
    const place = at ? `:${at.line}:${at.col}` : ''
    throw new ConfigError(`${rel}${place} is not valid YAML: ${yamlReason(first.message)}`, { where: `${rel}${place}` })
  }
  try {
    return doc.toJS() ?? {}
  } catch (err) {
    // An alias whose anchor is nowhere: yaml finds out only now, with no place.
    throw new ConfigError(`${rel} is not valid YAML: ${yamlReason(errorMessage(err))}`, { where: rel })
  }
}

/**
 * What yaml says is wrong, without the text it quotes: its code frame shows the config's line, and the
 * end of some messages the source itself ("Block scalar header includes extra characters: |hunter2"),
 * where a secret may stand. The place is given apart.
 */
function yamlReason(message: string): string {
  const firstLine = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
  const colon = firstLine.indexOf(': ')
  return colon < 0 ? firstLine : firstLine.slice(0, colon)
}
