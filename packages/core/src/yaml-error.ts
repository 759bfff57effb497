/**
 * What the `yaml` package says is wrong with a text, without the text it quotes: its code frame shows the
 * document's line, and the end of some messages the source itself ("Block scalar header includes extra
 * characters: |hunter2"), where a secret may stand. The place (line and column) is given apart by the
 * caller, as describeJsonError's is. For the CLI's config files and @venomqa/openapi's documents alike.
 */
export function yamlErrorReason(message: string): string {
  const firstLine = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')
  const colon = firstLine.indexOf(': ')
  return colon < 0 ? firstLine : firstLine.slice(0, colon)
}
