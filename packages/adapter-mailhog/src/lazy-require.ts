import { createRequire } from 'node:module'

const requireHere = createRequire(import.meta.url)

/**
 * A CommonJS package required the first time it is used, not when the plugin is imported. The plugin's
 * drivers (undici for a remote server's API, smtp-server for the embedded catcher, nodemailer to send,
 * mailparser and libmime to read) took about 100 ms to load, which every run that configured the plugin paid
 * at start-up: the embedded mode uses no undici, a remote server no smtp-server, a run that sends no mail no
 * nodemailer. undici, nodemailer and mailparser are CommonJS
 * without an exports map, so `require` gives the one instance an `import` of them gives.
 */
export function lazyRequire<Module>(name: string): () => Module {
  let loaded: Module | undefined
  return () => {
    loaded ??= requireHere(name) as Module
    return loaded
  }
}
