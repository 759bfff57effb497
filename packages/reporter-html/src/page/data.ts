/** The report's data: the JSON block the server wrote into the page, and lookups into its shared tables. */
import type { PageBody, PageData, PageRequest } from '../page-model'

export const DATA_ELEMENT_ID = 'venomqa-data'

/** Parse the `<script type="application/json">` block. Throws when it is missing. */
export function readPageData(doc: Document): PageData {
  const block = doc.getElementById(DATA_ELEMENT_ID)
  if (!block) throw new Error(`the data block #${DATA_ELEMENT_ID} is missing`)
  return JSON.parse(block.textContent ?? '') as PageData
}

/** The data with the lookups every view needs: full URLs and header lines come from shared tables. */
export class Report {
  constructor(readonly data: PageData) {}

  /** The request URL with its origin put back. */
  url(request: PageRequest): string {
    return (typeof request.o === 'number' ? this.data.og[request.o] : '') + request.u
  }

  /** Header lines [name, value] of a request or response; unknown ids are skipped. */
  headers(ids: number[] | undefined): [string, string][] {
    const lines: [string, string][] = []
    for (const id of ids ?? []) {
      const line = this.data.hd[id]
      if (line) lines.push(line)
    }
    return lines
  }
}

export function isJsonBody(body: PageBody): body is { j: unknown } {
  return 'j' in body
}

/** A body as searchable text: the first 4000 characters are enough to find it and keep search fast. */
export function bodySearchText(body: PageBody | undefined): string {
  if (!body) return ''
  const text = isJsonBody(body) ? JSON.stringify(body.j) : body.t
  return text.length > 4000 ? text.slice(0, 4000) : text
}
