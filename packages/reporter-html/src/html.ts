import { createHash } from 'node:crypto'
import type { RunResult } from '@venomqa/core'
import { PAGE_SCRIPT } from './generated/page-script'
import { PAGE_STYLES } from './assets/styles'
import { buildPageModel } from './build-model'
import { type HtmlReportOptions, resolveHtmlOptions } from './options'
import type { PageData } from './page-model'
import { staticSummary } from './static-summary'

/** Escape text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)
}

/**
 * JSON that is safe inside a <script> element: no `<` (so `</script>` or `<!--` in the data cannot end or
 * change the element), no `>` or `&` either, and the two line separators JavaScript once treated as newlines.
 */
export function jsonForScript(data: unknown): string {
  return JSON.stringify(data)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`

/**
 * The policy allows exactly this page's own style and script (by hash) and nothing else: no network, no
 * other inline script, no inline event handler. A defence in depth behind the escaping, not instead of it.
 */
function contentSecurityPolicy(style: string, script: string): string {
  return [
    "default-src 'none'",
    `style-src ${sha256(style)}`,
    `script-src ${sha256(script)}`,
    "img-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ')
}

export function renderPage(data: PageData): string {
  const style = PAGE_STYLES
  const script = PAGE_SCRIPT
  // A run cut short is not "passed", whatever its finished journeys say: the verdict the tab shows.
  const title = `${data.title} \u2014 ${data.run.interrupted ? 'interrupted' : data.run.status}`
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // Generated from fixed text and base64 hashes only: nothing to escape, and quotes must stay literal.
    `<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(style, script)}">`,
    '<meta name="referrer" content="no-referrer">',
    `<meta name="generator" content="${escapeHtml(data.run.tool)}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<style>${style}</style>`,
    '</head>',
    '<body>',
    '<main id="app"></main>',
    staticSummary(data, escapeHtml),
    `<script type="application/json" id="venomqa-data">${jsonForScript(data)}</script>`,
    `<script>${script}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n')
}

/** Render a run as one self-contained HTML page (inline CSS and JS, no network, works from file://). */
export function renderHtml(run: RunResult, options: HtmlReportOptions = {}): string {
  return renderPage(buildPageModel(run, resolveHtmlOptions(options, 'html reporter options')))
}
