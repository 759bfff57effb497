/**
 * The page's script. It reads the JSON data block and builds the DOM with createElement and textContent
 * only: nothing from the data is ever parsed as HTML. Journeys, step details and issue groups are built the
 * first time they are opened, so a run of 10 000 steps opens fast.
 *
 * Kept as plain ES2017 in a raw string (no template literals inside), so it runs in any current browser
 * from file:// without a build step.
 */
export const PAGE_SCRIPT = String.raw`
(function () {
  'use strict';
  var AUTO_OPEN = 25;
  var ICON = { passed: '\u2713', failed: '\u2717', skipped: '\u2013' };
  var SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'];
  var D, HD;
  var journeys = [];
  var stepEls = {};
  var stepIo = {};
  var issueRecs = [];
  var F = { q: '', failed: false, tag: '', journey: '' };
  var ui = {};

  // ---- small DOM helpers -------------------------------------------------------------------------
  function append(parent, kids) {
    if (!Array.isArray(kids)) kids = [kids];
    for (var i = 0; i < kids.length; i++) {
      var k = kids[i];
      if (k === null || k === undefined || k === false) continue;
      if (Array.isArray(k)) append(parent, k);
      else if (k instanceof Node) parent.appendChild(k);
      else parent.appendChild(document.createTextNode(String(k)));
    }
    return parent;
  }
  function el(tag, cls, kids) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (kids !== undefined) append(e, kids);
    return e;
  }
  function lc(s) { return String(s === null || s === undefined ? '' : s).toLowerCase(); }
  function plural(n, word) { return n + ' ' + word + (n === 1 ? '' : 's'); }
  function fmtMs(ms) {
    if (typeof ms !== 'number' || !isFinite(ms)) return '';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
    var m = Math.floor(ms / 60000);
    return m + ' min ' + Math.round((ms % 60000) / 1000) + ' s';
  }
  function fmtDate(iso) {
    var d = new Date(iso);
    return isNaN(d.getTime()) ? String(iso || '') : d.toLocaleString();
  }
  function icon(status) {
    var i = el('span', 'icon ' + status, ICON[status] || '?');
    i.title = status;
    return i;
  }
  function badge(status, big) { return el('span', 'badge ' + status + (big ? ' big' : ''), status); }
  function flag(text) { return el('span', 'flag', text); }
  function button(text, cls, onClick) {
    var b = el('button', cls || 'btn', text);
    b.type = 'button';
    b.addEventListener('click', onClick);
    return b;
  }
  // Content built on first open. ensure() builds it now, for code that opens a details element and needs
  // its content before the next task (printing, jumping to a step).
  function onFirstOpen(details, build) {
    var built = false;
    details.ensure = function () { if (!built) { built = true; append(details, build()); } };
    details.addEventListener('toggle', function () { if (details.open) details.ensure(); });
  }
  function pct(x) { return (Math.min(1, Math.max(0, x)) * 100).toFixed(3) + '%'; }

  // ---- bodies, headers, request and response -----------------------------------------------------
  function fullUrl(rq) { return (typeof rq.o === 'number' ? D.og[rq.o] : '') + rq.u; }
  function pretty(text) {
    try { return JSON.stringify(JSON.parse(text), null, 2); } catch (e) { return text; }
  }
  function bodyView(b) {
    if (!b) return el('div', 'empty', '(no body)');
    if ('j' in b) return el('pre', 'body', JSON.stringify(b.j, null, 2));
    if (b.cut) {
      return [
        el('div', 'note', 'Body truncated: showing the first ' + b.t.length.toLocaleString() + ' of ' + b.cut.toLocaleString() + ' characters.'),
        el('pre', 'body', b.t)
      ];
    }
    return el('pre', 'body', pretty(b.t));
  }
  function headersTable(ids) {
    if (!ids || !ids.length) return null;
    var t = el('table');
    for (var i = 0; i < ids.length; i++) {
      var line = HD[ids[i]];
      if (line) t.appendChild(el('tr', null, [el('td', null, line[0]), el('td', null, line[1])]));
    }
    return t;
  }
  function part(title, kids) { return el('div', 'part', [el('div', 'title', title), kids]); }
  function requestPart(title, rq) { return part(title, [el('div', 'mono', rq.m + ' ' + fullUrl(rq)), headersTable(rq.h), bodyView(rq.b)]); }
  function responsePart(title, rs) { return part(title + ' \u00b7 ' + rs.s, [headersTable(rs.h), bodyView(rs.b)]); }
  function stepDetails(s) {
    var box = el('div', 'io-body');
    if (s.rq) box.appendChild(requestPart('Request', s.rq));
    if (s.rs) box.appendChild(responsePart('Response', s.rs));
    else if (s.rq) box.appendChild(el('div', 'empty', 'No response arrived.'));
    if (s.ex) {
      for (var i = 0; i < s.ex.length; i++) {
        var x = s.ex[i];
        var head = 'Earlier request \u00b7 attempt ' + x.a + ' \u00b7 ' + fmtMs(x.ms) + (x.c ? ' \u00b7 from cache' : '');
        box.appendChild(part(head, [
          el('div', 'mono', x.rq.m + ' ' + fullUrl(x.rq) + (x.rs ? ' \u2192 ' + x.rs.s : '')),
          x.e ? el('div', 'err', x.e) : null,
          x.rs ? bodyView(x.rs.b) : null
        ]));
      }
    }
    if (s.lg) box.appendChild(part('Log', el('pre', null, s.lg.map(function (l) { return l[0].toUpperCase() + ' ' + l[1]; }).join('\n'))));
    if (s.e && s.e.st) box.appendChild(part('Stack', el('pre', null, s.e.st)));
    return box;
  }

  // ---- the journey tree ---------------------------------------------------------------------------
  function renderNodes(nodes, ol) {
    var recs = [];
    for (var i = 0; i < nodes.length; i++) {
      var n = nodes[i];
      var rec = n.k === 's' ? renderStep(n) : n.k === 'c' ? renderCheckpoint(n) : n.k === 'b' ? renderBranch(n) : null;
      if (!rec) continue;
      ol.appendChild(rec.li);
      recs.push(rec);
    }
    return recs;
  }
  function renderStep(s) {
    var li = el('li', 'node step ' + s.s);
    li.id = 'step-' + s.id;
    var row = el('div', 'row', [icon(s.s), el('span', 'n', s.n)]);
    if (s.xf) row.appendChild(flag('expects failure'));
    if (s.a) row.appendChild(flag(s.a + ' attempts'));
    if (s.to) row.appendChild(flag('timed out'));
    if (s.rq) {
      // The row shows the path; the full URL is in the tooltip and in the details.
      var http = el('span', 'http', s.rq.m + ' ' + s.rq.u);
      http.title = s.rq.m + ' ' + fullUrl(s.rq);
      row.appendChild(http);
    }
    if (s.rs) row.appendChild(el('span', 'code' + (s.rs.s >= 400 ? ' bad' : ''), String(s.rs.s)));
    row.appendChild(el('span', 'ms', fmtMs(s.ms)));
    li.appendChild(row);
    if (s.e) li.appendChild(el('div', 'err', s.e.m));
    if (s.rq || s.rs || s.ex || s.lg || (s.e && s.e.st)) {
      var io = el('details', 'io', el('summary', null, s.rq ? 'Request and response' : 'Details'));
      onFirstOpen(io, function () { return stepDetails(s); });
      li.appendChild(io);
      stepIo[s.id] = io;
    }
    stepEls[s.id] = li;
    return { node: s, li: li };
  }
  function renderCheckpoint(c) {
    var li = el('li', 'node checkpoint ' + c.s);
    var backends = c.be.map(function (b) { return b[0] + ' (' + b[1] + ', ' + fmtMs(b[2]) + ')'; }).join(', ');
    li.appendChild(el('div', 'row', [
      icon(c.s), el('span', 'kind', 'checkpoint'), el('span', 'n', c.n),
      backends ? el('span', 'muted', backends) : null, el('span', 'ms', fmtMs(c.ms))
    ]));
    if (c.e) li.appendChild(el('div', 'err', c.e.m));
    return { node: c, li: li };
  }
  function renderBranch(b) {
    var li = el('li', 'node branch ' + b.s);
    var passed = b.p.filter(function (p) { return p.s === 'passed'; }).length;
    li.appendChild(el('div', 'row', [
      icon(b.s), el('span', 'kind', 'branch'), el('span', 'n', 'from ' + b.cp),
      el('span', 'muted', passed + ' of ' + plural(b.p.length, 'path') + ' passed'),
      typeof b.fr === 'number' ? flag('final rollback ' + fmtMs(b.fr)) : null,
      el('span', 'ms', fmtMs(b.ms))
    ]));
    if (b.e) li.appendChild(el('div', 'err', b.e.m));
    var ol = el('ol');
    var kids = [];
    for (var i = 0; i < b.p.length; i++) {
      var p = b.p[i];
      var pli = el('li', 'node path ' + p.s);
      pli.appendChild(el('div', 'row', [
        icon(p.s), el('span', 'kind', 'path'), el('span', 'n', p.n), p.d ? el('span', 'muted', p.d) : null,
        typeof p.rb === 'number' ? flag('rollback ' + fmtMs(p.rb)) : null, el('span', 'ms', fmtMs(p.ms))
      ]));
      if (p.e) pli.appendChild(el('div', 'err', p.e.m));
      var pol = el('ol');
      var precs = renderNodes(p.x, pol);
      if (!p.x.length) pol.appendChild(el('li', 'empty', 'no steps'));
      pli.appendChild(pol);
      ol.appendChild(pli);
      kids.push({ node: p, li: pli, kids: precs });
    }
    li.appendChild(ol);
    return { node: b, li: li, kids: kids };
  }

  // ---- timelines ----------------------------------------------------------------------------------
  function flatSteps(nodes, path, out) {
    for (var i = 0; i < nodes.length; i++) {
      var n = nodes[i];
      if (n.k === 's') out.push({ s: n, path: path });
      else if (n.k === 'b') for (var k = 0; k < n.p.length; k++) flatSteps(n.p[k].x, path === 'main' ? n.p[k].n : path + ' \u203a ' + n.p[k].n, out);
    }
    return out;
  }
  function bars(items, total) {
    var box = el('div', 'tl');
    for (var i = 0; i < items.length; i++) {
      var it = items[i];
      var left = total > 0 ? it.start / total : 0;
      var width = total > 0 ? Math.min(it.ms / total, 1 - left) : 0;
      var bar = el('div', 'bar ' + it.status);
      bar.style.left = pct(left);
      bar.style.width = pct(width);
      bar.title = it.label + ' \u00b7 ' + fmtMs(it.ms);
      var label = it.onClick ? button(it.label, 'btn link label', it.onClick) : el('span', 'label', it.label);
      label.title = it.label;
      box.appendChild(el('div', 'tl-row', [label, el('div', 'track', bar), el('span', 't', fmtMs(it.ms))]));
    }
    return box;
  }
  function journeyTimeline(j) {
    var steps = flatSteps(j.x, 'main', []);
    if (!steps.length) return null;
    var cursor = 0;
    var total = j.ms || 0;
    var slowest = steps[0];
    var items = steps.map(function (x) {
      var start = typeof x.s.t0 === 'number' ? x.s.t0 : cursor;
      cursor = start + x.s.ms;
      total = Math.max(total, cursor);
      if (x.s.ms > slowest.s.ms) slowest = x;
      return { label: (x.path === 'main' ? '' : x.path + ' \u203a ') + x.s.n, start: start, ms: x.s.ms, status: x.s.s,
        onClick: (function (id) { return function () { revealStep(id); }; })(x.s.id) };
    });
    var det = el('details', 'timeline', el('summary', null,
      'Timeline \u00b7 ' + plural(steps.length, 'step') + ' \u00b7 slowest: ' + slowest.s.n + ' (' + fmtMs(slowest.s.ms) + ')'));
    onFirstOpen(det, function () { return bars(items, total); });
    det.open = steps.length <= 20;
    return det;
  }
  function runTimeline() {
    var det = el('details', 'panel no-print', el('summary', null, 'Run timeline \u00b7 ' + plural(D.journeys.length, 'journey')));
    onFirstOpen(det, function () {
      var cursor = 0;
      var total = D.run.durationMs || 0;
      var items = D.journeys.map(function (j, i) {
        var start = typeof j.t0 === 'number' ? j.t0 : cursor;
        cursor = start + j.ms;
        total = Math.max(total, cursor);
        return { label: j.n, start: start, ms: j.ms, status: j.s, onClick: function () { revealJourney(i); } };
      });
      return el('div', 'body', bars(items, total));
    });
    det.open = D.journeys.length > 1 && D.journeys.length <= 20;
    return det;
  }

  // ---- journeys -----------------------------------------------------------------------------------
  function countsText(c) {
    var t = c.steps.passed + '/' + c.steps.total + ' steps';
    if (c.paths.total) t += ' \u00b7 ' + c.paths.passed + '/' + c.paths.total + ' paths';
    return t;
  }
  function journeyShell(j, i) {
    var det = el('details', 'panel journey ' + j.s);
    det.id = 'journey-' + i;
    var tags = j.tags.map(function (t) { return el('span', 'tag', t); });
    det.appendChild(el('summary', null, [
      icon(j.s), el('span', 'name', j.n), tags, j.ir ? flag('interrupted') : null,
      el('span', 'stats', countsText(j.c) + ' \u00b7 ' + fmtMs(j.ms))
    ]));
    var st = { j: j, i: i, det: det, built: false, recs: [], visible: true };
    det.addEventListener('toggle', function () { if (det.open) buildJourney(st); });
    return st;
  }
  function buildJourney(st) {
    if (st.built) return;
    st.built = true;
    var j = st.j;
    var body = el('div', 'body');
    var meta = [];
    if (j.d) meta.push(j.d);
    if (j.f) meta.push('file: ' + j.f);
    if (j.u) meta.push('base URL: ' + j.u);
    if (meta.length) body.appendChild(el('div', 'jmeta', meta.join(' \u00b7 ')));
    append(body, journeyTimeline(j));
    var ol = el('ol', 'tree');
    st.recs = renderNodes(j.x, ol);
    body.appendChild(ol);
    if (!j.x.length) body.appendChild(el('div', 'empty', 'This journey has no steps.'));
    st.empty = el('div', 'empty', 'Nothing in this journey matches the filters (see its issues).');
    st.empty.hidden = true;
    body.appendChild(st.empty);
    st.det.appendChild(body);
    applyTree(st);
  }

  // ---- filters and search -------------------------------------------------------------------------
  function bodyText(b) {
    if (!b) return '';
    var t = 'j' in b ? JSON.stringify(b.j) : b.t;
    return t.length > 4000 ? t.slice(0, 4000) : t;
  }
  function stepHay(s) {
    if (s._h === undefined) {
      s._h = lc([s.n, s.e && s.e.m, s.rq && s.rq.m + ' ' + fullUrl(s.rq), s.rs && s.rs.s, bodyText(s.rq && s.rq.b), bodyText(s.rs && s.rs.b)].join('\n'));
    }
    return s._h;
  }
  function has(text, q) { return lc(text).indexOf(q) >= 0; }
  function nodeMatches(n, q) {
    if (n.k === 's') return stepHay(n).indexOf(q) >= 0;
    if (n.k === 'c') return has(n.n, q);
    if (n.k === 'p') return has(n.n, q) || n.x.some(function (x) { return nodeMatches(x, q); });
    if (n.k === 'b') return has(n.cp, q) || n.p.some(function (p) { return nodeMatches(p, q); });
    return false;
  }
  function journeyOwnMatch(j, q) { return has(j.n, q) || has(j.tags.join(' '), q) || has(j.d, q) || has(j.f, q); }
  function journeyVisible(st) {
    var j = st.j;
    if (F.journey !== '' && String(st.i) !== F.journey) return false;
    if (F.tag && j.tags.indexOf(F.tag) < 0) return false;
    if (F.failed && j.s !== 'failed') return false;
    if (F.q && !journeyOwnMatch(j, F.q) && !j.x.some(function (x) { return nodeMatches(x, F.q); })) return false;
    return true;
  }
  function recVisible(r, q, failed) {
    var n = r.node;
    if (failed && n.s !== 'failed') return false;
    if (n.k === 's' || n.k === 'c') return !q || nodeMatches(n, q);
    var own = n.k === 'p' ? n.n : n.cp;
    var q2 = q && has(own, q) ? '' : q;
    var any = applyRecs(r.kids, q2, failed);
    if (!q2 && !failed) return true;
    return any || (failed && !q2);
  }
  function applyRecs(recs, q, failed) {
    var any = false;
    for (var i = 0; i < recs.length; i++) {
      var v = recVisible(recs[i], q, failed);
      recs[i].li.hidden = !v;
      if (v) any = true;
    }
    return any;
  }
  function applyTree(st) {
    var q = F.q && !journeyOwnMatch(st.j, F.q) ? F.q : '';
    var any = applyRecs(st.recs, q, F.failed);
    if (st.empty) st.empty.hidden = any || !st.recs.length || !(q || F.failed);
  }
  function issueVisible(x) {
    if (x.ji !== undefined) {
      var st = journeys[x.ji];
      if (st && !st.visible) return false;
    } else if (F.journey !== '' || F.tag) {
      return false;
    }
    if (F.q && !has([x.j, x.p, x.st, x.e, x.sg, x.k].join(' '), F.q)) {
      return x.ji !== undefined && !!journeys[x.ji] && journeyOwnMatch(journeys[x.ji].j, F.q);
    }
    return true;
  }
  function applyFilters(autoOpen) {
    var shown = 0;
    var opened = 0;
    for (var i = 0; i < journeys.length; i++) {
      var st = journeys[i];
      st.visible = journeyVisible(st);
      st.det.hidden = !st.visible;
      if (!st.visible) continue;
      shown++;
      if (autoOpen && (F.failed || F.q) && opened < AUTO_OPEN) {
        opened++;
        if (!st.det.open) { st.det.open = true; buildJourney(st); }
      }
      if (st.built) applyTree(st);
    }
    for (var k = 0; k < issueRecs.length; k++) issueRecs[k].el.hidden = !issueVisible(issueRecs[k].issue);
    ui.count.textContent = 'Showing ' + shown + ' of ' + plural(journeys.length, 'journey');
    ui.none.hidden = shown > 0;
  }
  function resetFilters() {
    F.q = ''; F.failed = false; F.tag = ''; F.journey = '';
    ui.search.value = ''; ui.failed.checked = false;
    if (ui.tag) ui.tag.value = '';
    ui.journey.value = '';
    applyFilters(false);
  }
  function hiddenInside(node) {
    for (var n = node; n && n !== document.body; n = n.parentElement) if (n.hidden) return true;
    return false;
  }
  function flash(node) {
    node.scrollIntoView({ block: 'center' });
    node.classList.add('flash');
    setTimeout(function () { node.classList.remove('flash'); }, 1600);
  }
  function revealJourney(i) {
    var st = journeys[i];
    if (!st) return;
    if (st.det.hidden) resetFilters();
    st.det.open = true;
    buildJourney(st);
    flash(st.det);
  }
  function journeyOfStep(id) {
    for (var i = 0; i < journeys.length && !stepEls[id]; i++) buildJourney(journeys[i]);
    var det = stepEls[id] && stepEls[id].closest('details.journey');
    return det ? journeys[Number(det.id.slice('journey-'.length))] : null;
  }
  function revealStep(id, ji) {
    var st = ji !== undefined ? journeys[ji] : null;
    if (st) { st.det.open = true; buildJourney(st); } else st = journeyOfStep(id);
    var li = stepEls[id];
    if (!st || !li) return;
    if (hiddenInside(li)) resetFilters();
    st.det.open = true;
    var io = stepIo[id];
    if (io) { io.open = true; io.ensure(); }
    flash(li);
  }

  // ---- issues -------------------------------------------------------------------------------------
  function issueEl(x) {
    var where = [x.j || '(run)', x.p && x.p !== 'main' ? x.p.split(' > ').join(' \u203a ') : null, x.st || null].filter(Boolean).join(' \u203a ');
    var d = el('div', 'issue', [
      el('div', null, [el('span', 'sev ' + x.sv, x.sv), ' ', el('span', 'where', where), ' ', el('span', 'muted', x.k + (x.src ? ' \u00b7 ' + x.src : ''))]),
      el('div', 'msg', x.e),
      x.sg ? el('div', 'suggestion', ['Suggestion: ', x.sg]) : null
    ]);
    if (x.ref !== undefined) {
      d.appendChild(button('Show step', 'btn link', function () { revealStep(x.ref, x.ji); }));
    } else if (x.rq || x.rs) {
      var io = el('details', 'io', el('summary', null, 'Request and response'));
      onFirstOpen(io, function () { return [x.rq ? requestPart('Request', x.rq) : null, x.rs ? responsePart('Response', x.rs) : null]; });
      d.appendChild(io);
    }
    return d;
  }
  function renderIssues() {
    var sec = el('section', 'issues');
    sec.id = 'issues';
    sec.appendChild(el('h2', null, 'Issues (' + D.issues.length + ')'));
    if (!D.issues.length) { sec.appendChild(el('div', 'empty', 'No issues.')); return sec; }
    SEVERITIES.forEach(function (sev) {
      var list = D.issues.filter(function (x) { return x.sv === sev; });
      if (!list.length) return;
      var det = el('details', 'panel sev-group', el('summary', null, [el('span', 'sev ' + sev, sev), ' ', plural(list.length, 'issue')]));
      onFirstOpen(det, function () {
        var body = el('div', 'body');
        list.forEach(function (x) {
          var node = issueEl(x);
          node.hidden = !issueVisible(x);
          issueRecs.push({ issue: x, el: node });
          body.appendChild(node);
        });
        return body;
      });
      det.open = sev !== 'low' && sev !== 'info' && list.length <= 100;
      sec.appendChild(det);
    });
    return sec;
  }

  // ---- header, cards, controls --------------------------------------------------------------------
  function renderHeader() {
    var r = D.run;
    var backends = r.backends.map(function (b) { return b.name + ' (' + b.mechanism + ')'; }).join(', ');
    return el('header', 'header', [
      el('h1', null, D.title), badge(r.status, true), r.interrupted ? el('span', 'badge failed big', 'interrupted') : null,
      el('span', 'meta', [fmtDate(r.startedAt), ' \u00b7 ', fmtMs(r.durationMs), ' \u00b7 ', r.tool, backends ? ' \u00b7 state: ' + backends : ''])
    ]);
  }
  function card(label, value, detail, mood) {
    return el('div', 'card' + (mood ? ' ' + mood : ''), [el('div', 'label', label), el('div', 'value', String(value)), detail ? el('div', 'detail', detail) : null]);
  }
  function renderCards() {
    var s = D.run.summary;
    var sev = SEVERITIES.filter(function (k) { return s.issues[k]; }).map(function (k) { return s.issues[k] + ' ' + k; }).join(' \u00b7 ');
    return el('section', 'cards', [
      card('Journeys', s.journeys.total, s.journeys.passed + ' passed \u00b7 ' + s.journeys.failed + ' failed', s.journeys.failed ? 'bad' : 'good'),
      card('Paths', s.paths.total, s.paths.passed + ' passed \u00b7 ' + s.paths.failed + ' failed', s.paths.failed ? 'bad' : null),
      card('Steps passed', s.steps.passed, 'of ' + s.steps.total + (s.steps.skipped ? ' \u00b7 ' + s.steps.skipped + ' skipped' : ''), 'good'),
      card('Steps failed', s.steps.failed, null, s.steps.failed ? 'bad' : null),
      card('Duration', fmtMs(D.run.durationMs), fmtDate(D.run.startedAt)),
      card('Issues', s.issues.total, sev || 'none', s.issues.critical || s.issues.high ? 'bad' : null)
    ]);
  }
  function select(label, options) {
    var sel = el('select');
    sel.setAttribute('aria-label', label);
    options.forEach(function (o) {
      var opt = el('option', null, o[1]);
      opt.value = o[0];
      sel.appendChild(opt);
    });
    return sel;
  }
  function renderControls() {
    ui.search = el('input');
    ui.search.type = 'search';
    ui.search.placeholder = 'Search steps, URLs, errors, bodies (press /)';
    ui.search.setAttribute('aria-label', 'Search');
    ui.failed = el('input');
    ui.failed.type = 'checkbox';
    ui.failed.id = 'failed-only';
    var failedLabel = el('label', null, [ui.failed, 'Failed only']);
    var tags = [];
    D.journeys.forEach(function (j) { j.tags.forEach(function (t) { if (tags.indexOf(t) < 0) tags.push(t); }); });
    tags.sort();
    ui.tag = tags.length ? select('Tag', [['', 'All tags']].concat(tags.map(function (t) { return [t, t]; }))) : null;
    ui.journey = select('Journey', [['', 'All journeys']].concat(D.journeys.map(function (j, i) { return [String(i), j.n]; })));
    ui.count = el('span', 'count');
    var timer = null;
    ui.search.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(function () { F.q = lc(ui.search.value.trim()); applyFilters(true); }, 150);
    });
    ui.failed.addEventListener('change', function () { F.failed = ui.failed.checked; applyFilters(true); });
    if (ui.tag) ui.tag.addEventListener('change', function () { F.tag = ui.tag.value; applyFilters(false); });
    ui.journey.addEventListener('change', function () { F.journey = ui.journey.value; applyFilters(F.journey !== ''); if (F.journey !== '') revealJourney(Number(F.journey)); });
    return el('div', 'controls', [
      ui.search, failedLabel, ui.tag, ui.journey,
      button('Expand all', 'btn', function () { journeys.forEach(function (st) { if (st.visible) { st.det.open = true; buildJourney(st); } }); }),
      button('Collapse all', 'btn', function () { journeys.forEach(function (st) { st.det.open = false; }); }),
      ui.count
    ]);
  }

  function main() {
    D = JSON.parse(document.getElementById('venomqa-data').textContent);
    HD = D.hd;
    var app = document.getElementById('app');
    app.appendChild(renderHeader());
    app.appendChild(renderCards());
    app.appendChild(renderIssues());
    app.appendChild(el('h2', null, 'Journeys'));
    app.appendChild(renderControls());
    if (D.journeys.length > 1) app.appendChild(runTimeline());
    var list = el('div', 'journeys');
    var openAll = D.journeys.length <= 10;
    var openedFailed = 0;
    D.journeys.forEach(function (j, i) {
      var st = journeyShell(j, i);
      journeys.push(st);
      list.appendChild(st.det);
      if (openAll || (j.s === 'failed' && openedFailed++ < AUTO_OPEN)) { st.det.open = true; buildJourney(st); }
    });
    ui.none = el('div', 'empty', 'No journey matches the filters.');
    app.appendChild(list);
    app.appendChild(ui.none);
    app.appendChild(el('p', 'muted', 'Generated ' + fmtDate(D.generatedAt) + ' by ' + D.run.tool + '. Secrets in headers and bodies are redacted.'));
    applyFilters(false);
    document.addEventListener('keydown', function (e) {
      var t = e.target;
      if (e.key === '/' && !(t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA'))) { e.preventDefault(); ui.search.focus(); }
    });
    // Printing shows what is visible, with failed steps' requests and responses opened.
    window.addEventListener('beforeprint', function () {
      journeys.forEach(function (st) {
        if (!st.visible) return;
        st.det.open = true;
        buildJourney(st);
      });
      Object.keys(stepIo).forEach(function (id) {
        var li = stepEls[id];
        if (li && li.classList.contains('failed') && !hiddenInside(li)) { stepIo[id].open = true; stepIo[id].ensure(); }
      });
    });
    document.documentElement.setAttribute('data-ready', '1');
    if (window.performance && performance.mark) performance.mark('venomqa-ready');
  }

  try {
    main();
  } catch (err) {
    var box = document.getElementById('app');
    box.appendChild(el('pre', 'err', 'This report could not be displayed: ' + (err && err.message ? err.message : String(err))));
    document.documentElement.setAttribute('data-ready', 'error');
  }
})();
`
