'use strict';
// The station calculator page: asks /api/station for an answer and draws it. Inline in the
// page (no external assets), so it works offline and under the page's strict CSP.
const $ = id => document.getElementById(id);
const form = $('inputs'), button = $('calculate');
const NS = 'http://www.w3.org/2000/svg';
let last = null, controller = null, ticker = null;

function el(tag, attrs, text) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}
const num = (v, digits = 0) => (typeof v === 'number' ? v.toFixed(digits) : '–');
const minutes = t => { const [h, m] = String(t).split(':').map(Number); return h * 60 + m; };

// Only what differs from the starting station is sent (and what was given at start): the
// form shows rounded means, and sending them back would replace the scenario's own spread.
function query() {
  const q = new URLSearchParams();
  for (const c of form.elements) {
    if (!c.name || c.disabled) continue;
    const value = c.value.trim();
    const initial = c.tagName === 'SELECT'
      ? ([...c.options].find(o => o.defaultSelected) || c.options[0]).value : c.defaultValue;
    if (value !== '' && (c.dataset.send === 'always' || value !== initial.trim())) {
      q.set(c.name, value);
    }
  }
  return q;
}

function setBusy(on) {
  button.disabled = on;
  button.textContent = on ? 'Calculating…' : 'Calculate';
  $('answer').setAttribute('aria-busy', String(on));
  $('busy').hidden = !on;
  clearInterval(ticker);
  if (on) {
    const started = Date.now(), days = form.elements.namedItem('replications').value;
    const tick = () => {
      const s = Math.floor((Date.now() - started) / 1000);
      $('busy-text').textContent = `Simulating ${days} days of this station… ${s} s`;
    };
    tick();
    ticker = setInterval(tick, 500);
  }
}

// 'shown'; 'stale' (inputs changed since) or 'busy' (a new answer is coming): greyed;
// 'hidden' (an error: no answer for these inputs).
function setResults(state) {
  const grey = state === 'stale' || state === 'busy';
  for (const part of [...document.querySelectorAll('.result'), $('verdict')]) {
    part.hidden = state === 'hidden' && part.id !== 'verdict';
    part.classList.toggle('stale', grey);
  }
  $('stale-note').hidden = state !== 'stale';
}

function clearErrors() {
  for (const p of form.querySelectorAll('.error')) { p.textContent = ''; p.hidden = true; }
  for (const c of form.querySelectorAll('[aria-invalid]')) c.removeAttribute('aria-invalid');
  $('problems').replaceChildren();
  $('problems').hidden = true;
}

function showErrors(errors, heading) {
  const list = [];
  let first = null;
  for (const e of errors) {
    const control = e.field ? form.elements.namedItem(e.field) : null;
    const item = document.createElement('li');
    item.textContent = e.message;
    list.push(item);
    if (!control || !control.id) continue;
    const p = $('error-' + e.field);
    p.textContent = e.message;
    p.hidden = false;
    control.setAttribute('aria-invalid', 'true');
    const more = control.closest('details');
    if (more) more.open = true;
    first = first || control;
  }
  const verdict = $('verdict');
  verdict.textContent = heading || (errors.length === 1 ? 'No answer: one input needs fixing'
    : `No answer: ${errors.length} inputs need fixing`);
  verdict.className = 'problem';
  $('problems').replaceChildren(...list);
  $('problems').hidden = false;
  setResults('hidden');
  if (first) first.focus({preventScroll: true});
}

function tile(label, value, note) {
  const d = document.createElement('div');
  const dt = document.createElement('dt'), dd = document.createElement('dd');
  dt.textContent = label; dd.textContent = value; d.append(dt, dd);
  if (note) { const s = document.createElement('span'); s.className = 'muted';
              s.textContent = note; d.append(s); }
  return d;
}
function row(label, value) {
  const tr = document.createElement('tr');
  const a = document.createElement('td'), b = document.createElement('td');
  a.textContent = label; b.textContent = value; b.className = 'v';
  tr.append(a, b); return tr;
}
function para(text) { const p = document.createElement('p'); p.textContent = text; return p; }

function show(r) {
  const s = r.standard, i = r.inputs, w = r.wait_min, line = r.longest_line;
  const lost = r.lost_votes_per_day, f = r.fewest_units;
  const verdict = $('verdict');
  // The calculator's own sentence when it has one; older answers only say holds or not.
  verdict.textContent = s.verdict || (s.holds ? 'The station meets the standard'
                                               : 'The station does not meet the standard');
  verdict.className = s.holds ? 'good' : 'bad';
  $('failed').replaceChildren(...(s.failed || []).map(x => {
    const li = document.createElement('li'); li.textContent = x.text; return li; }));
  // Units per pool of the station's flow (the default flow's: terminal, desk, booth).
  const units = pools => Object.entries(pools).map(([p, n]) => `${p} ${n}`).join(', ');
  const fewest = f.reachable ? units(f.pools)
    : `not reached (${f.unreachable.join(', ')} fall short) with ${units(f.pools)}`;
  $('hardware').textContent = `With ${units(i.pools)}.`;
  const busy = r.identification_utilisation;
  // Refused voters are not lost votes (docs/outputs.md, outcomes by stage and cause).
  const total = lost.total ?? (lost.left_line + lost.not_served_at_close);
  $('key-figures').replaceChildren(
    tile('95 % of voters wait at most', `${num(w.p95)} min`,
         r.wait_measures === 'time in every line' ? 'in every line' : 'to reach a terminal'),
    tile('Lost votes a day', num(total, total > 0 && total < 10 ? 1 : 0),
         typeof lost.share === 'number' ? `${num(100 * lost.share, 1)} % of those who came` : ''),
    tile('Last voter out', r.last_voter_left, `polls close ${i.closing}`),
    tile('Longest line', `${num(line.people)} people`, `at ${line.at}, average day`),
    tile('Fewest units meeting the standard', fewest));
  $('rule').textContent = `Standard: ${s.rule}; met on ${num(100 * s.days_meeting)} % of `
    + `${r.days_simulated} simulated days.`;
  const said = new Set((s.failed || []).map(x => x.text));  // a note may repeat a failure
  $('notes').replaceChildren(...(r.notes || []).filter(n => !said.has(n))
                                              .map(n => para('Note: ' + n)));
  $('figures').replaceChildren(
    row('Voters a day (came / voted)', `${num(r.arrived_per_day)} / ${num(r.voted_per_day)}`),
    row(`${r.wait_measures === 'time in every line' ? 'Time in every line' : 'Wait to reach a '
         + 'terminal'}, minutes (median / 95 % / longest)`,
        `${num(w.p50, 1)} / ${num(w.p95, 1)} / ${num(w.max, 1)}`),
    row('Voters waiting over 30 minutes', `${num(100 * w.share_over_30, 2)} %`),
    row('Longest line, people (average day / worst day)',
        `${num(line.people)} at ${line.at} / ${line.worst_day_people}`),
    row('Lost votes a day: left the line / sent home at closing; refused at identification',
        `${lost.left_line} / ${lost.not_served_at_close}; ${lost.refused_not_identified}`),
    ...Object.entries(lost.by_stage_and_cause || {}).filter(([, n]) => n > 0)
      .map(([name, n]) => row(`  ${name}`, `${n}`)),
    row(`${busy.pool} busy, identifying voters (share of opening hours)`,
        `${num(100 * busy.share)} %`),
    row('Last voter out (median day)', r.last_voter_left),
    // Only a station that may open late says so (--opens-late-min, a scenario's late_opening).
    ...(r.late_opening ? [row('Opened late: share of days / mean delay, minutes / people at '
        + 'the door a day, lost there', `${num(100 * r.late_opening.days_late_share)} % / `
        + `${num(r.late_opening.delay_mean_min, 1)} / `
        + `${num(r.late_opening.arrived_before_opening_per_day, 1)}, `
        + `${num(r.late_opening.left_before_opening_per_day, 1)}`)] : []),
    row('Fewest units meeting the standard', fewest),
    row('Simulated days / seed', `${r.days_simulated} / ${r.seed}`));
  last = r;
  setResults('shown');
  plot(r);
}

// The average day's line, drawn at the plot box's own width (so text stays legible on a
// phone), to the last voter out, with polls' closing as a dashed vertical line.
function plot(r) {
  const svg = $('plot'), curve = r.line_curve || [];
  const W = Math.max(260, Math.round(svg.parentElement.clientWidth)), H = W < 560 ? 210 : 260;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('height', H);
  svg.replaceChildren();
  if (curve.length === 0) return;
  const L = 40, R = 12, T = 22, B = 26;
  const open = minutes(r.inputs.opening), rel = t => (minutes(t) - open + 1440) % 1440;
  const step = curve.length > 1 ? (rel(curve[1].time) || 5) : 5;
  const close = rel(r.inputs.closing);
  const end = Math.max(step * (curve.length - 1), close, step);
  const top = Math.max(1, ...curve.map(p => p.people));
  const x = m => L + (W - L - R) * m / end, y = v => H - B - (H - B - T) * v / top;
  svg.append(el('line', {x1: L, y1: H - B, x2: W - R, y2: H - B, stroke: '#888'}));
  for (const share of [0, 0.5, 1]) {
    const v = top * share;
    svg.append(el('line', {x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#eee'}));
    svg.append(el('text', {x: L - 6, y: y(v) + 4, 'text-anchor': 'end'},
                  v.toFixed(top < 4 ? 1 : 0)));
  }
  const every = (W - L - R) / (end / 60) < 48 ? 120 : 60;  // keep hour labels apart
  for (let m = (60 - open % 60) % 60; m <= end; m += every) {
    const edge = x(m) > W - R - 18 ? 'end' : 'middle';  // the last label is not cut off
    svg.append(el('text', {x: edge === 'end' ? W - 2 : x(m), y: H - 8, 'text-anchor': edge},
                  `${String(Math.floor((open + m) / 60) % 24).padStart(2, '0')}:00`));
  }
  const pts = curve.map((p, k) => `${x(k * step).toFixed(1)},${y(p.people).toFixed(1)}`);
  svg.append(el('polygon', {points: `${x(0)},${y(0)} ${pts.join(' ')} `
                             + `${x(step * (curve.length - 1))},${y(0)}`,
                            fill: '#1f5f99', 'fill-opacity': 0.12}));
  svg.append(el('polyline', {points: pts.join(' '), fill: 'none', stroke: '#1f5f99',
                             'stroke-width': 2, id: 'line-curve'}));
  const right = x(close) > W - 110;
  svg.append(el('line', {x1: x(close), x2: x(close), y1: T - 6, y2: H - B, stroke: '#b3261e',
                         'stroke-dasharray': '5 4', 'stroke-width': 1.5, id: 'closing-marker'}));
  svg.append(el('text', {x: x(close) + (right ? -4 : 4), y: T - 8, class: 'close-label',
                         'text-anchor': right ? 'end' : 'start'},
                `polls close ${r.inputs.closing}`));
}

async function calculate(event) {
  if (event) event.preventDefault();
  if (controller) controller.abort();  // the newest inputs win
  const mine = controller = new AbortController();
  clearErrors();
  if (last && document.body.dataset.state !== 'error') setResults('busy');
  document.body.dataset.state = 'busy';
  setBusy(true);
  let state = 'error';
  try {
    const reply = await fetch('api/station?' + query(), {signal: mine.signal});
    const body = await reply.json();
    if (reply.ok) { show(body); state = 'done'; }
    else showErrors(body.errors || [{field: null, message: body.error}],
                    reply.status >= 500 ? 'No answer: the calculator failed' : null);
  } catch (error) {
    if (mine.signal.aborted) return;
    showErrors([{field: null, message: 'The calculator did not answer (is `pollday station '
                 + '--web` still running?): ' + error.message}], 'No answer from the calculator');
  }
  if (controller !== mine) return;
  controller = null;
  setBusy(false);
  document.body.dataset.state = state;
}

form.addEventListener('submit', calculate);
form.addEventListener('input', () => {  // an answer for other inputs is marked, not trusted
  if (document.body.dataset.state === 'done') setResults('stale');
});
new ResizeObserver(() => { if (last) plot(last); }).observe($('plot-box'));
if (window.matchMedia('(min-width: 880px)').matches) $('more').open = true;
calculate();
