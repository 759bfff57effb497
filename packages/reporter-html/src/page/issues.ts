/** The issues section: one collapsible group per severity, each issue linking to its step. */
import type { Severity } from '@venomqa/core'
import type { PageIssue } from '../page-model'
import type { Report } from './data'
import { button, el, onFirstOpen } from './dom'
import { requestPart, responsePart } from './exchange'
import { plural } from './format'

export const SEVERITIES: Severity[] = ['critical', 'high', 'medium', 'low', 'info']

export interface IssueRecord {
  issue: PageIssue
  element: HTMLDivElement
}

export interface IssuesHost {
  report: Report
  revealStep(id: number, journey?: number): void
  visible(issue: PageIssue): boolean
  /** Called for each issue element as a group is first opened, so filters can reach it later. */
  rendered(record: IssueRecord): void
}

function issueElement(host: IssuesHost, x: PageIssue): HTMLDivElement {
  const box = el('div', 'issue', [
    el('div', null, [
      el('span', `sev ${x.sv}`, x.sv),
      ' ',
      // Placed as every report places it (see PageIssue.w): the journey with its repetition, path and step.
      el('span', 'where', x.w),
      ' ',
      el('span', 'muted', x.k + (x.src ? ` \u00b7 ${x.src}` : '')),
    ]),
    el('div', 'msg', x.e),
    x.nr?.length ? el('div', 'not-run', `Not run for it: ${x.nr.join(', ')}`) : null,
    x.sg ? el('div', 'suggestion', ['Suggestion: ', x.sg]) : null,
  ])
  const { ref, rq, rs } = x
  if (ref !== undefined) {
    // The step shows the request and response: link to it rather than repeat them.
    box.appendChild(button('Show step', 'btn link', () => host.revealStep(ref, x.ji)))
  } else if (rq || rs) {
    const details = el('details', 'io', el('summary', null, 'Request and response'))
    onFirstOpen(details, () => [rq ? requestPart(host.report, 'Request', rq) : null, rs ? responsePart(host.report, 'Response', rs) : null])
    box.appendChild(details)
  }
  return box
}

export function renderIssues(host: IssuesHost): HTMLElement {
  const issues = host.report.data.issues
  const section = el('section', 'issues')
  section.id = 'issues'
  // A broken invariant is an issue too, counted in the summary's card, but it is shown with its exploration:
  // the heading counts as the card does, so "Issues (0)" never sits under a card that says 1.
  const total = Math.max(issues.length, host.report.data.run.summary.issues.total)
  section.appendChild(el('h2', null, `Issues (${total})`))
  const withExplorations = total - issues.length
  if (withExplorations > 0)
    section.appendChild(el('div', 'empty', withExplorations === 1 ? '1 of them is a broken invariant, shown with its exploration.' : `${withExplorations} of them are broken invariants, shown with their explorations.`))
  if (!issues.length) {
    if (!withExplorations) section.appendChild(el('div', 'empty', 'No issues.'))
    return section
  }
  for (const severity of SEVERITIES) {
    const list = issues.filter((x) => x.sv === severity)
    if (!list.length) continue
    const group = el('details', 'panel sev-group', el('summary', null, [el('span', `sev ${severity}`, severity), ' ', plural(list.length, 'issue')]))
    onFirstOpen(group, () => {
      const body = el('div', 'body')
      for (const issue of list) {
        const element = issueElement(host, issue)
        element.hidden = !host.visible(issue)
        host.rendered({ issue, element })
        body.appendChild(element)
      }
      return body
    })
    // Low and info issues, and very long lists, stay closed so the journeys stay in reach.
    group.open = severity !== 'low' && severity !== 'info' && list.length <= 100
    section.appendChild(group)
  }
  return section
}
