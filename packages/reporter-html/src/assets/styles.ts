/** The page's stylesheet: inline, no web fonts, light and dark, laptop to phone, and print. */
export const PAGE_STYLES = `
:root {
  --bg: #f6f7f9; --panel: #fff; --text: #1c2330; --muted: #5d6878; --line: #dde2e8; --code: #f1f3f6;
  --pass: #1a7f37; --pass-bg: #e6f4ea; --fail: #c62828; --fail-bg: #fdecea; --skip: #7a7f87; --skip-bg: #eef0f2;
  --accent: #3557c5; --critical: #b71c1c; --high: #e65100; --medium: #b7791f; --low: #2b6cb0; --info: #5d6878;
  --mono: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace;
  color-scheme: light dark;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #12161c; --panel: #1b2129; --text: #e3e8ef; --muted: #9aa5b4; --line: #2e3742; --code: #141a21;
    --pass: #4ccb6a; --pass-bg: #173322; --fail: #ff6b6b; --fail-bg: #3a1d1f; --skip: #a0a7b1; --skip-bg: #262d36;
    --accent: #8aa4ff;
  }
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; background: var(--bg); color: var(--text); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main, .static { max-width: 1200px; margin: 0 auto; padding: 16px; }
h1 { font-size: 20px; margin: 0; word-break: break-word; }
h2 { font-size: 16px; margin: 24px 0 8px; }
button, select, input { font: inherit; color: inherit; }
code, pre, .mono { font-family: var(--mono); font-size: 12.5px; }
pre { margin: 4px 0; padding: 8px; background: var(--code); border: 1px solid var(--line); border-radius: 6px; overflow: auto; max-height: 420px; white-space: pre-wrap; word-break: break-word; }
.muted { color: var(--muted); }
.header { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 16px; margin-bottom: 12px; }
.header .meta { color: var(--muted); font-size: 13px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; white-space: nowrap; }
.badge.passed { background: var(--pass-bg); color: var(--pass); }
.badge.failed { background: var(--fail-bg); color: var(--fail); }
.badge.skipped { background: var(--skip-bg); color: var(--skip); }
.badge.flaky { background: var(--skip-bg); color: var(--medium); }
.badge.big { font-size: 14px; padding: 3px 12px; }
.tag { display: inline-block; padding: 0 6px; border: 1px solid var(--line); border-radius: 4px; font-size: 11.5px; color: var(--muted); margin-left: 4px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 10px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .value { font-size: 22px; font-weight: 650; margin-top: 2px; }
.card .detail { font-size: 12.5px; color: var(--muted); }
.card.bad .value { color: var(--fail); }
.card.good .value { color: var(--pass); }
.controls { position: sticky; top: 0; z-index: 5; display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; padding: 10px 0; margin: 12px 0 4px; background: var(--bg); border-bottom: 1px solid var(--line); }
.controls input[type=search] { flex: 1 1 220px; min-width: 0; padding: 6px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
.controls select { max-width: 220px; padding: 5px 6px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
.controls label { display: inline-flex; align-items: center; gap: 4px; white-space: nowrap; }
.controls .count { color: var(--muted); font-size: 12.5px; }
.controls .status { flex-basis: 100%; font-size: 12.5px; }
.btn { padding: 4px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); cursor: pointer; }
.btn:hover { border-color: var(--accent); }
.btn.link { border: 0; background: none; color: var(--accent); padding: 0 4px; text-decoration: underline; }
details > summary { cursor: pointer; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; margin: 8px 0; }
.panel > summary { padding: 8px 12px; }
.panel > .body { padding: 4px 12px 12px; }
.journey { border-left: 4px solid var(--skip); }
/* Off-screen journeys skip layout and paint: a run of 10 000 steps stays responsive when all are open. */
.journey[open] > .body { content-visibility: auto; contain-intrinsic-size: auto 1200px; }
.journey.passed { border-left-color: var(--pass); }
.journey.failed { border-left-color: var(--fail); }
/* Flaky: passed on a retry after a failure; marked apart so it is not read as a plain pass. */
.journey.flaky { border-left-color: var(--medium); }
.attempts { margin: 4px 0 8px; padding-left: 18px; font-size: 12.5px; }
.attempts li { margin: 2px 0; word-break: break-word; }
.journey > summary { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; }
.journey > summary .name { font-weight: 600; word-break: break-word; }
.journey > summary .stats { margin-left: auto; color: var(--muted); font-size: 12.5px; white-space: nowrap; }
.jmeta { color: var(--muted); font-size: 12.5px; margin: 4px 0 8px; word-break: break-all; }
.tree, .tree ol { list-style: none; margin: 0; padding: 0; }
.tree ol { margin-left: 14px; padding-left: 10px; border-left: 2px dashed var(--line); }
.node { margin: 2px 0; }
.row { display: flex; flex-wrap: wrap; align-items: baseline; gap: 2px 8px; padding: 3px 6px; border-radius: 5px; }
.row:hover { background: var(--code); }
.icon { width: 1.2em; text-align: center; font-weight: 700; flex: none; }
.passed > .row .icon, .icon.passed { color: var(--pass); }
.failed > .row .icon, .icon.failed { color: var(--fail); }
.skipped > .row .icon, .icon.skipped { color: var(--skip); }
.icon.flaky { color: var(--medium); font-weight: 700; }
.node.failed > .row { background: var(--fail-bg); }
.row .n { font-weight: 550; word-break: break-word; }
.row .kind { font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.row .http { font-family: var(--mono); font-size: 12px; color: var(--muted); min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 55ch; }
.row .code { font-family: var(--mono); font-size: 12px; font-weight: 700; }
.row .code.bad { color: var(--fail); }
.row .ms { margin-left: auto; color: var(--muted); font-size: 12px; white-space: nowrap; }
.flag { font-size: 11px; padding: 0 5px; border-radius: 4px; background: var(--skip-bg); color: var(--muted); }
.err { margin: 2px 0 4px 28px; color: var(--fail); white-space: pre-wrap; word-break: break-word; font-size: 13px; }
.io { margin: 0 0 4px 28px; }
.io > summary { color: var(--accent); font-size: 12.5px; }
.io .part { margin: 6px 0; }
.io .part > .title { font-weight: 600; font-size: 12.5px; }
.io table { border-collapse: collapse; font-family: var(--mono); font-size: 12px; margin: 4px 0; }
.io td { padding: 1px 8px 1px 0; vertical-align: top; word-break: break-all; }
.io td:first-child { color: var(--muted); white-space: nowrap; }
.curl-box { margin: 4px 0; }
.curl-box > .title { font-size: 12px; color: var(--muted); }
.curl-box .btn.copy { padding: 0 8px; font-size: 11px; }
/* One command, one line: wrapping would not change what is copied, but keeping it whole shows where it ends. */
pre.curl { white-space: pre; }
.note { font-size: 12px; color: var(--high); }
.empty { color: var(--muted); font-style: italic; padding: 4px 6px; }
.timeline { margin: 6px 0 10px; }
.tl-row { display: grid; grid-template-columns: minmax(90px, 28%) 1fr 64px; gap: 8px; align-items: center; font-size: 12px; line-height: 18px; }
.tl-row .label { display: block; min-width: 0; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; text-align: left; }
.tl-row .track { position: relative; height: 10px; background: var(--code); border-radius: 3px; }
.tl-row .bar { position: absolute; top: 0; bottom: 0; min-width: 2px; border-radius: 3px; background: var(--pass); }
.tl-row .bar.failed { background: var(--fail); }
.tl-row .bar.skipped { background: var(--skip); }
.tl-row .bar.flaky { background: var(--medium); }
/* A skipped step never ran: no bar on the axis, its track says why instead. */
.tl-row .track.none { min-width: 0; height: auto; background: none; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; color: var(--skip); font-style: italic; }
.tl-row .t { text-align: right; color: var(--muted); white-space: nowrap; }
.issue { padding: 8px 0; border-top: 1px solid var(--line); }
.issue:first-child { border-top: 0; }
.issue .where { font-weight: 600; word-break: break-word; }
.issue .msg { white-space: pre-wrap; word-break: break-word; margin: 2px 0; }
.issue .suggestion { margin: 2px 0; padding: 4px 8px; border-left: 3px solid var(--accent); background: var(--code); }
.sev { display: inline-block; min-width: 64px; text-align: center; padding: 0 6px; border-radius: 4px; font-size: 11.5px; font-weight: 700; color: #fff; text-transform: uppercase; }
.sev.critical { background: var(--critical); } .sev.high { background: var(--high); } .sev.medium { background: var(--medium); }
.sev.low { background: var(--low); } .sev.info { background: var(--info); }
.flash { outline: 3px solid var(--accent); outline-offset: 2px; }
.exploration { border-left: 4px solid var(--skip); }
.exploration.passed { border-left-color: var(--pass); }
.exploration.failed { border-left-color: var(--fail); }
.exploration > summary { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; }
.exploration > summary .name { font-weight: 600; word-break: break-word; }
.exploration > summary .stats, .violation > summary .stats { margin-left: auto; color: var(--muted); font-size: 12.5px; white-space: nowrap; }
.exploration h3 { font-size: 14px; margin: 14px 0 4px; }
.xmeta { font-family: var(--mono); font-size: 12.5px; margin: 4px 0 8px; }
table.grid { border-collapse: collapse; font-size: 12.5px; margin: 4px 0 8px; }
table.grid th, table.grid td { padding: 2px 10px 2px 0; text-align: left; border-bottom: 1px solid var(--line); word-break: break-word; }
table.grid th { color: var(--muted); font-weight: 600; }
table.grid td.num { text-align: right; font-variant-numeric: tabular-nums; }
.violation { margin: 6px 0; padding: 6px 8px; border: 1px solid var(--line); border-left: 4px solid var(--fail); border-radius: 6px; }
.violation.flaky { border-left-color: var(--medium); }
.violation > summary { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 10px; }
.violation .inv { font-family: var(--mono); font-weight: 700; word-break: break-word; }
.violation .msg { flex-basis: 100%; white-space: pre-wrap; word-break: break-word; margin: 2px 0; }
.violation .facts { font-size: 12.5px; margin: 2px 0; }
.violation .title { font-weight: 600; font-size: 12.5px; margin-top: 6px; }
.violation .part { margin: 6px 0; }
.violation .part > .title { font-weight: 600; font-size: 12.5px; }
.violation table { border-collapse: collapse; font-family: var(--mono); font-size: 12px; margin: 4px 0; }
.violation td { padding: 1px 8px 1px 0; vertical-align: top; word-break: break-all; }
.sequence { margin: 4px 0; padding-left: 24px; }
.sequence .n { font-weight: 600; }
.sequence .mono { word-break: break-all; }
[hidden] { display: none !important; }
@media (max-width: 640px) {
  main { padding: 8px; }
  .cards { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .card .value { font-size: 18px; }
  .tree ol { margin-left: 6px; padding-left: 6px; }
  .row .http { max-width: 100%; flex-basis: 100%; order: 5; }
  .err, .io { margin-left: 8px; }
  .tl-row { grid-template-columns: minmax(70px, 35%) 1fr 48px; }
  .controls select { max-width: 46%; }
  .journey > summary .stats, .exploration > summary .stats, .violation > summary .stats { margin-left: 0; white-space: normal; }
  table.grid { display: block; overflow-x: auto; }
}
@media print {
  body { background: #fff; color: #000; font-size: 11px; }
  main { max-width: none; padding: 0; }
  .controls, .no-print, .io > summary, .issue .btn { display: none !important; }
  .tl-row .label { color: inherit; text-decoration: none; }
  .panel { border-color: #999; break-inside: auto; }
  .journey[open] > .body { content-visibility: visible; }
  .node, .issue, .tl-row, .card { break-inside: avoid; }
  pre { max-height: none; overflow: visible; }
  .node.failed > .row { background: none; }
  a { color: inherit; }
}
`
