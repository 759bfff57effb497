/**
 * What the filters show. Matching is on the data, not the DOM, so a journey that was never opened can be
 * filtered too; the DOM of opened journeys is then updated through their node records.
 */
import type { PageIssue, PageJourney, PageNode, PagePath, PageStep } from '../page-model'
import { type Report, bodySearchText } from './data'
import { journeyFlags, lower } from './format'
import type { NodeRecord } from './tree'

export interface Filters {
  /** the search text, trimmed and lower-cased; '' for none */
  query: string
  failedOnly: boolean
  /** a tag, '' for all */
  tag: string
  /** a journey's index as text, '' for all (the value of the journey select) */
  journey: string
}

export const noFilters = (): Filters => ({ query: '', failedOnly: false, tag: '', journey: '' })

function contains(text: unknown, query: string): boolean {
  return lower(text).includes(query)
}

export class Matcher {
  /** Each step's searchable text, made on first search. */
  private readonly haystacks = new WeakMap<PageStep, string>()
  private readonly headers: HeaderSearch

  constructor(private readonly report: Report) {
    this.headers = new HeaderSearch(report)
  }

  private stepText(s: PageStep): string {
    let text = this.haystacks.get(s)
    if (text === undefined) {
      const request = s.rq ? `${s.rq.m} ${this.report.url(s.rq)}` : undefined
      text = lower([s.n, s.e?.m, request, s.rs?.s, bodySearchText(s.rq?.b), bodySearchText(s.rs?.b)].join('\n'))
      this.haystacks.set(s, text)
    }
    return text
  }

  /** Does the node, or anything under it, match the (lower-cased) query? */
  node(n: PageNode | PagePath, query: string): boolean {
    switch (n.k) {
      case 's':
        return this.stepText(n).includes(query) || this.headers.stepHas(n, query)
      case 'c':
        return contains(n.n, query)
      case 'p':
        return contains(n.n, query) || n.x.some((x) => this.node(x, query))
      case 'b':
        return contains(n.cp, query) || n.p.some((p) => this.node(p, query))
    }
  }

  /** Does the journey itself (name, tags, description, file, the flags its summary line shows: `repeat #2`) match, whatever its steps? */
  journeyOwn(j: PageJourney, query: string): boolean {
    return contains(j.n, query) || contains(j.tags.join(' '), query) || contains(j.d, query) || contains(j.f, query) || journeyFlags(j).some((f) => contains(f, query))
  }

  journey(j: PageJourney, index: number, f: Filters): boolean {
    if (f.journey !== '' && String(index) !== f.journey) return false
    if (f.tag && !j.tags.includes(f.tag)) return false
    if (f.failedOnly && j.s !== 'failed') return false
    if (f.query && !this.journeyOwn(j, f.query) && !j.x.some((x) => this.node(x, f.query))) return false
    return true
  }

  /**
   * Hide the records that the filters exclude; true when any stays visible. A branch or path whose own
   * name matches the query shows all it holds; with "failed only", a failed branch or path stays even when
   * nothing under it is left.
   */
  applyToRecords(records: NodeRecord[], query: string, failedOnly: boolean): boolean {
    let any = false
    for (const record of records) {
      const visible = this.recordVisible(record, query, failedOnly)
      record.li.hidden = !visible
      if (visible) any = true
    }
    return any
  }

  private recordVisible(record: NodeRecord, query: string, failedOnly: boolean): boolean {
    const n = record.node
    if (failedOnly && n.s !== 'failed') return false
    if (!('kids' in record)) return !query || this.node(n, query)
    const own = record.node.k === 'p' ? record.node.n : record.node.cp
    const rest = query && contains(own, query) ? '' : query
    const any = this.applyToRecords(record.kids, rest, failedOnly)
    if (!rest && !failedOnly) return true
    return any || (failedOnly && !rest)
  }

  /**
   * An issue is shown when its journey is (a run-level issue only while no journey or tag is chosen) and
   * it matches the query, or its journey does.
   */
  issue(x: PageIssue, f: Filters, journeyVisible: (index: number) => boolean | undefined, journeyAt: (index: number) => PageJourney | undefined): boolean {
    if (x.ji !== undefined) {
      if (journeyVisible(x.ji) === false) return false
    } else if (f.journey !== '' || f.tag) {
      return false
    }
    if (f.query && !contains([x.j, x.p, x.st, x.e, x.sg, x.k].join(' '), f.query)) {
      const journey = x.ji !== undefined ? journeyAt(x.ji) : undefined
      return !!journey && this.journeyOwn(journey, f.query)
    }
    return true
  }
}

/**
 * Search in header lines. A step's lines are ids into the report's shared table, where a line that recurs
 * in many steps (`accept: application/json`) is once: each query is looked for in the table's lines, once,
 * and a step then only checks its ids. Putting the lines in each step's text doubled a search's time.
 */
class HeaderSearch {
  /** The table's lines as searched: `name: value`, as the page shows them (secrets masked), lower-cased. */
  private lines: string[] | undefined
  private query = ''
  /** For `query`: 1 at the id of each line holding it; null when none does. */
  private hits: Uint8Array | null = null

  constructor(private readonly report: Report) {}

  stepHas(s: PageStep, query: string): boolean {
    const hits = this.hitsFor(query)
    return !!hits && (anyHit(hits, s.rq?.h) || anyHit(hits, s.rs?.h))
  }

  private hitsFor(query: string): Uint8Array | null {
    if (query === this.query) return this.hits
    this.lines ??= this.report.data.hd.map(([name, value]) => lower(`${name}: ${value}`))
    const hits = new Uint8Array(this.lines.length)
    let any = false
    this.lines.forEach((line, id) => {
      if (!line.includes(query)) return
      hits[id] = 1
      any = true
    })
    this.query = query
    this.hits = any ? hits : null
    return this.hits
  }
}

function anyHit(hits: Uint8Array, ids: number[] | undefined): boolean {
  if (ids) for (const id of ids) if (hits[id]) return true
  return false
}
