/**
 * A strict check of a message against Block Kit's structure and published limits (block types, allowed
 * keys, text object types, lengths and counts). Returns every problem found, with its JSON path.
 */
const BLOCK_KEYS: Record<string, string[]> = {
  header: ['type', 'text', 'block_id'],
  section: ['type', 'text', 'fields', 'accessory', 'block_id'],
  divider: ['type', 'block_id'],
  context: ['type', 'elements', 'block_id'],
  actions: ['type', 'elements', 'block_id'],
}

type Json = Record<string, unknown>
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)

export function checkBlockKit(payload: unknown): string[] {
  const errors: string[] = []
  const fail = (at: string, msg: string) => errors.push(`${at}: ${msg}`)

  const textObject = (t: unknown, at: string, opts: { plainOnly?: boolean; max: number }) => {
    if (!isObj(t)) return fail(at, 'must be a text object')
    if (t.type !== 'plain_text' && t.type !== 'mrkdwn') return fail(at, `type must be plain_text or mrkdwn, got ${String(t.type)}`)
    if (opts.plainOnly && t.type !== 'plain_text') fail(at, 'must be plain_text')
    const allowed = t.type === 'plain_text' ? ['type', 'text', 'emoji'] : ['type', 'text', 'verbatim']
    for (const k of Object.keys(t)) if (!allowed.includes(k)) fail(at, `unknown key ${k}`)
    if (typeof t.text !== 'string' || t.text.length === 0) return fail(at, 'text must be a non-empty string')
    if (t.text.length > opts.max) fail(at, `text is ${t.text.length} characters, more than ${opts.max}`)
    // Data is escaped: no raw angle bracket (links, <!channel>), and & only as one of the three entities.
    if (t.type === 'mrkdwn') {
      // A > opening a line is blockquote markup; anywhere else it would be data left unescaped.
      if (/[<>]/.test(t.text.replace(/^>/gm, ''))) fail(at, 'mrkdwn holds a raw < or >')
      if (/&(?!amp;|lt;|gt;)/.test(t.text)) fail(at, 'mrkdwn holds a raw &')
    }
  }

  if (!isObj(payload)) return ['payload: must be an object']
  for (const k of Object.keys(payload)) if (!['text', 'blocks'].includes(k)) fail('payload', `unknown key ${k}`)
  if (typeof payload.text !== 'string' || !payload.text) fail('payload.text', 'must be a non-empty string (the notification text)')
  const blocks = payload.blocks
  if (!Array.isArray(blocks)) return [...errors, 'payload.blocks: must be an array']
  if (blocks.length === 0 || blocks.length > 50) fail('payload.blocks', `must hold 1 to 50 blocks, holds ${blocks.length}`)

  blocks.forEach((b, i) => {
    const at = `blocks[${i}]`
    if (!isObj(b)) return fail(at, 'must be an object')
    const keys = BLOCK_KEYS[String(b.type)]
    if (!keys) return fail(at, `type must be one of ${Object.keys(BLOCK_KEYS).join('/')}, got ${String(b.type)}`)
    for (const k of Object.keys(b)) if (!keys.includes(k)) fail(at, `unknown key ${k} for ${String(b.type)}`)
    if (b.type === 'header') textObject(b.text, `${at}.text`, { plainOnly: true, max: 150 })
    if (b.type === 'section') {
      if (b.text === undefined && b.fields === undefined) fail(at, 'a section needs text or fields')
      if (b.text !== undefined) textObject(b.text, `${at}.text`, { max: 3000 })
      if (b.fields !== undefined) {
        if (!Array.isArray(b.fields) || b.fields.length === 0 || b.fields.length > 10) fail(`${at}.fields`, 'must hold 1 to 10 text objects')
        else b.fields.forEach((f, k) => textObject(f, `${at}.fields[${k}]`, { max: 2000 }))
      }
    }
    if (b.type === 'context') {
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) fail(`${at}.elements`, 'must hold 1 to 10 elements')
      else b.elements.forEach((e, k) => textObject(e, `${at}.elements[${k}]`, { max: 3000 }))
    }
    if (b.type === 'actions') {
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 25) return fail(`${at}.elements`, 'must hold 1 to 25 elements')
      b.elements.forEach((e, k) => {
        const eat = `${at}.elements[${k}]`
        if (!isObj(e) || e.type !== 'button') return fail(eat, 'must be a button')
        for (const key of Object.keys(e)) if (!['type', 'text', 'url', 'action_id', 'style', 'value'].includes(key)) fail(eat, `unknown key ${key}`)
        textObject(e.text, `${eat}.text`, { plainOnly: true, max: 75 })
        if (typeof e.url !== 'string' || e.url.length > 3000 || !/^https?:\/\//.test(e.url)) fail(`${eat}.url`, 'must be an http(s) URL of at most 3000 characters')
        if (typeof e.action_id !== 'string' || e.action_id.length > 255) fail(`${eat}.action_id`, 'must be a string of at most 255 characters')
        if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') fail(`${eat}.style`, 'must be primary or danger')
      })
    }
  })
  return errors
}
