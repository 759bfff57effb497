#!/usr/bin/env node
// The `venomqa` executable. `--version` answers without loading anything else; every command loads
// what it needs when it runs (see program.ts).
async function start(argv: string[]): Promise<void> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    const { cliVersion } = await import('./version')
    process.stdout.write(`${cliVersion()}\n`)
    return
  }
  const { main } = await import('./program')
  const code = await main(argv)
  // Let stdout drain, then leave even if a plugin left a handle open.
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()))
  process.exit(code)
}

void start(process.argv.slice(2))
