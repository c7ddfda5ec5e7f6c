// The tagmem web page: each device's DPA space drawn on a canvas, one row
// per host, from the Redfish service (docs/redfish.md, "Web page").  The
// initial state comes from each Chassis' Oem/Tagmem/DPAMap; the SSE stream
// of the EventService keeps it current.  Extents live in plain arrays and
// maps, never one DOM node each, and drawing happens at most once per
// animation frame, whatever the event rate.
'use strict';

const ROW_HEIGHT = 24;
const AXIS_HEIGHT = 16;  // region labels above the host rows
const CANVAS_WIDTH = 1200;

// window.tagmem: the page's model, for people and for the tests.
const state = {
  devices: new Map(),   // id -> Device
  events: 0,            // events received on the stream
  lastEventId: null,
  token: null,          // the session's X-Auth-Token, when the service wants a login
  user: null,
  ready: false,         // initial state loaded
  frames: 0,            // pictures drawn
  drawMs: 0,            // how long the last one took (bench/bench_web_page.py reads it)
  lastEventAt: 0,       // when the last event arrived, ms since the epoch (the same)
};
window.tagmem = state;

// One device: its regions and, per host, its extents by DPA.
class Device {
  constructor(map) {
    this.id = map.Device;
    this.hosts = map.Hosts;
    this.regions = map.Regions;
    this.extents = [];  // per host: Map dpa -> {dpa, len, accepted, tag}
    for (let h = 0; h < this.hosts; h++) this.extents.push(new Map());
    for (const [host, dpa, len, accepted, tag] of map.Extents) {
      this.extents[host].set(dpa, { dpa, len, accepted: accepted === 1, tag: tag < 0 ? null : map.Tags[tag] });
    }
    this.canvas = null;
    this.caption = null;
  }

  // Remove [dpa, dpa+len) from host's extents of the given kind, splitting where needed.
  cut(host, dpa, len, accepted) {
    const extents = this.extents[host];
    if (!extents) return;
    const exact = extents.get(dpa);
    if (exact && exact.len === len && exact.accepted === accepted) {
      extents.delete(dpa);
      return;
    }
    const end = dpa + len;
    for (const e of [...extents.values()]) {
      const eEnd = e.dpa + e.len;
      if (e.accepted !== accepted || eEnd <= dpa || e.dpa >= end) continue;
      extents.delete(e.dpa);
      if (e.dpa < dpa) extents.set(e.dpa, { ...e, len: dpa - e.dpa });
      if (eEnd > end) extents.set(end, { ...e, dpa: end, len: eEnd - end });
    }
  }

  put(host, x, accepted) {
    if (!this.extents[host]) return;
    this.extents[host].set(x.DPA, { dpa: x.DPA, len: x.Length, accepted, tag: x.Tag });
  }

  // An event record's Oem.Tagmem details, applied.
  apply(kind, details) {
    const host = details.Host;
    for (const x of details.Extents) {
      switch (kind) {
        case 'CapacityOffered': this.put(host, x, false); break;
        case 'CapacityAccepted': this.cut(host, x.DPA, x.Length, false); this.put(host, x, true); break;
        case 'CapacityRejected':
        case 'CapacityWithdrawn': this.cut(host, x.DPA, x.Length, false); break;
        case 'CapacityReleased': this.cut(host, x.DPA, x.Length, true); break;
        default: break;
      }
    }
  }

  // The x position of a DPA: regions side by side, each in proportion to its length.
  layout() {
    const total = this.regions.reduce((sum, r) => sum + r.Length, 0) || 1;
    let x = 0;
    return this.regions.map((r) => {
      const w = (r.Length / total) * CANVAS_WIDTH;
      const seg = { base: r.BaseDPA, len: r.Length, x, w, index: r.Index };
      x += w;
      return seg;
    });
  }
}

// A stable colour per tag (untagged capacity is grey).
const colours = new Map();
function tagColour(tag) {
  if (!tag) return '#9ca3af';
  let c = colours.get(tag);
  if (!c) {
    let h = 0;
    for (let i = 0; i < tag.length; i++) h = (h * 31 + tag.charCodeAt(i)) >>> 0;
    c = `hsl(${h % 360}, 70%, 55%)`;
    colours.set(tag, c);
  }
  return c;
}

let pendingPattern = null;
function pendingFill(ctx) {
  if (!pendingPattern) {
    const p = document.createElement('canvas');
    p.width = 6; p.height = 6;
    const pc = p.getContext('2d');
    pc.fillStyle = '#6b5714'; pc.fillRect(0, 0, 6, 6);
    pc.strokeStyle = '#c9a227'; pc.lineWidth = 2;
    pc.beginPath(); pc.moveTo(0, 6); pc.lineTo(6, 0); pc.stroke();
    pendingPattern = ctx.createPattern(p, 'repeat');
  }
  return pendingPattern;
}

function drawDevice(dev) {
  const ctx = dev.canvas.getContext('2d');
  const segs = dev.layout();
  const height = AXIS_HEIGHT + dev.hosts * ROW_HEIGHT;
  ctx.fillStyle = '#12151a';
  ctx.fillRect(0, 0, CANVAS_WIDTH, AXIS_HEIGHT);
  ctx.fillStyle = '#20242c';
  ctx.fillRect(0, AXIS_HEIGHT, CANVAS_WIDTH, height - AXIS_HEIGHT);
  let pending = 0, accepted = 0;
  for (let h = 0; h < dev.hosts; h++) {
    const y = AXIS_HEIGHT + h * ROW_HEIGHT + 2;
    for (const e of dev.extents[h].values()) {
      const seg = segs.find((s) => e.dpa >= s.base && e.dpa < s.base + s.len);
      if (!seg) continue;
      const x = seg.x + ((e.dpa - seg.base) / seg.len) * seg.w;
      const w = Math.max(1, (e.len / seg.len) * seg.w);
      ctx.fillStyle = e.accepted ? tagColour(e.tag) : pendingFill(ctx);
      ctx.fillRect(x, y, w, ROW_HEIGHT - 4);
      if (e.accepted) accepted++; else pending++;
    }
  }
  ctx.strokeStyle = '#5b6472';
  ctx.fillStyle = '#8a93a3';
  ctx.font = '11px sans-serif';
  for (const s of segs) {
    ctx.beginPath(); ctx.moveTo(s.x + 0.5, 0); ctx.lineTo(s.x + 0.5, height); ctx.stroke();
    const gib = (s.len / 1073741824).toFixed(s.len % 1073741824 ? 1 : 0);
    ctx.fillText(`region ${s.index} (${gib} GiB at DPA 0x${s.base.toString(16)})`, s.x + 4, 12);
  }
  for (let h = 0; h < dev.hosts; h++) ctx.fillText(`host ${h}`, 4, AXIS_HEIGHT + h * ROW_HEIGHT + 15);
  dev.caption.textContent = `${dev.id}: ${dev.hosts} host(s), ${segs.length} region(s); ` +
    `${pending + accepted} extent(s), ${pending} pending, ${accepted} accepted`;
  return { pending, accepted };
}

function drawTags() {
  const totals = new Map();
  for (const dev of state.devices.values()) {
    dev.extents.forEach((extents, host) => {
      for (const e of extents.values()) {
        if (!e.tag) continue;
        const t = totals.get(e.tag) || { bytes: 0, hosts: new Set() };
        t.bytes += e.len; t.hosts.add(`${dev.id}/${host}`);
        totals.set(e.tag, t);
      }
    });
  }
  const body = document.querySelector('#tags tbody');
  const rows = [...totals.entries()].sort((a, b) => b[1].bytes - a[1].bytes).slice(0, 50);
  body.replaceChildren(...rows.map(([tag, t]) => {
    const tr = document.createElement('tr');
    const sw = document.createElement('td');
    const swatch = document.createElement('span');
    swatch.className = 'swatch';
    swatch.style.background = tagColour(tag);
    sw.append(swatch);
    const name = document.createElement('td'); name.className = 'tag'; name.textContent = tag;
    const mib = document.createElement('td'); mib.textContent = (t.bytes / 1048576).toFixed(0);
    const hosts = document.createElement('td'); hosts.textContent = [...t.hosts].join(' ');
    tr.append(sw, name, mib, hosts);
    return tr;
  }));
}

let frameRequested = false;
function redraw() {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(() => {
    frameRequested = false;
    const start = performance.now();
    let pending = 0, accepted = 0;
    for (const dev of state.devices.values()) {
      const n = drawDevice(dev);
      pending += n.pending; accepted += n.accepted;
    }
    drawTags();
    const summary = document.getElementById('summary');
    summary.dataset.extents = pending + accepted;
    summary.dataset.pending = pending;
    summary.dataset.accepted = accepted;
    summary.dataset.events = state.events;
    summary.textContent = `${state.devices.size} device(s), ${pending + accepted} extent(s): ` +
      `${pending} pending, ${accepted} accepted; ${state.events} event(s)`;
    state.frames++;
    state.drawMs = performance.now() - start;
  });
}

// Every request of the page.  With a session (users= on the daemon) it
// carries the session's X-Auth-Token (DSP0266 §13.3.4).  Credentials are
// never left to the browser ('omit'): a 401's Basic challenge would make it
// prompt on its own and send a password, checked at some 65 ms, with every
// later request.  A 401 means the service wants a login: the form shows.
class LoginNeeded extends Error {}

async function request(uri, options = {}) {
  const headers = { Accept: 'application/json', ...(options.headers || {}) };
  if (state.token) headers['X-Auth-Token'] = state.token;
  const reply = await fetch(uri, { ...options, headers, credentials: 'omit' });
  if (reply.status === 401) {
    state.token = null;
    showLogin();
    throw new LoginNeeded(`${uri}: 401, log in`);
  }
  return reply;
}

async function getJson(uri) {
  const reply = await request(uri);
  if (!reply.ok) throw new Error(`${uri}: ${reply.status}`);
  return reply.json();
}

function showDevice(dev) {
  const section = document.createElement('div');
  section.className = 'device';
  const title = document.createElement('h3'); title.textContent = dev.id;
  dev.caption = document.createElement('p');
  dev.canvas = document.createElement('canvas');
  dev.canvas.width = CANVAS_WIDTH;
  dev.canvas.height = AXIS_HEIGHT + Math.max(1, dev.hosts) * ROW_HEIGHT;
  dev.canvas.id = `map-${dev.id}`;
  section.append(title, dev.caption, dev.canvas);
  document.getElementById('devices').append(section);
  const option = document.createElement('option');
  option.value = option.textContent = dev.id;
  document.querySelector('#add-form select[name=device]').append(option);
}

async function loadDevices() {
  const chassis = await getJson('/redfish/v1/Chassis');
  for (const member of chassis.Members) {
    const map = await getJson(`${member['@odata.id']}/Oem/Tagmem/DPAMap`);
    const dev = new Device(map);
    const old = state.devices.get(dev.id);
    if (old) { dev.canvas = old.canvas; dev.caption = old.caption; } else showDevice(dev);
    state.devices.set(dev.id, dev);
  }
  await loadChunks();
  state.ready = true;
  redraw();
}

async function loadChunks() {
  const select = document.querySelector('#release-form select[name=chunk]');
  const options = [];
  for (const dev of state.devices.values()) {
    for (const r of dev.regions) {
      const uri = `/redfish/v1/Chassis/${dev.id}/MemoryDomains/${r.Index}/MemoryChunks`;
      const chunks = await getJson(uri);
      for (const m of chunks.Members) {
        const o = document.createElement('option');
        o.value = m['@odata.id'];
        o.textContent = `${dev.id}/${r.Index}/${m['@odata.id'].split('/').pop()}`;
        options.push(o);
      }
    }
  }
  select.replaceChildren(...options);
}

let chunksTimer = null;
function onEvent(message) {
  state.lastEventAt = performance.timeOrigin + performance.now();
  const event = JSON.parse(message.data);
  state.lastEventId = message.lastEventId;
  for (const record of event.Events || []) {
    const details = record.Oem && record.Oem.Tagmem;
    const dev = details && state.devices.get(details.Device);
    if (!dev) continue;
    dev.apply(record.MessageId.split('.').pop(), details);
    state.events++;
  }
  redraw();
  // The chunk list of the release form follows, at most twice a second.
  if (!chunksTimer) chunksTimer = setTimeout(() => { chunksTimer = null; loadChunks(); }, 500);
}

// The SSE stream (DSP0266 §13.5.2), read with fetch rather than
// EventSource, which cannot send an X-Auth-Token.  Reopened a second after
// it ends; each (re)opening reads the maps again, since what happened while
// it was down is there.
async function readStream() {
  const label = document.getElementById('stream');
  const reply = await request('/redfish/v1/EventService/SSE',
                              { headers: { Accept: 'text/event-stream' } });
  if (!reply.ok) throw new Error(`event stream: ${reply.status}`);
  label.textContent = 'live'; label.className = 'stream live';
  loadDevices().catch(showError);
  const reader = reply.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    // An event ends with an empty line; its "id:" and "data:" lines before it.
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const message = { data: '', lastEventId: state.lastEventId };
      for (const line of block.split('\n')) {
        if (line.startsWith('data: ')) message.data += line.slice(6);
        else if (line.startsWith('id: ')) message.lastEventId = line.slice(4);
      }
      if (message.data) onEvent(message);
    }
  }
}

function openStream() {
  readStream().catch(showError).finally(() => {
    if (loginShown()) return;  // opened again after the login
    const label = document.getElementById('stream');
    label.textContent = 'reconnecting'; label.className = 'stream';
    setTimeout(openStream, 1000);
  });
}

// The login form: shown when the service answers 401; a session replaces it.
function loginShown() {
  return !document.getElementById('login-form').hidden;
}

function showLogin() {
  const label = document.getElementById('stream');
  label.textContent = 'log in'; label.className = 'stream';
  document.getElementById('login-form').hidden = false;
}

async function logIn(user, password) {
  const reply = await fetch('/redfish/v1/SessionService/Sessions', {
    method: 'POST', credentials: 'omit',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify({ UserName: user, Password: password }),
  });
  if (reply.status !== 201) {
    await report('log in', reply);
    return;
  }
  state.token = reply.headers.get('X-Auth-Token');
  state.user = user;
  document.getElementById('login-form').hidden = true;
  document.getElementById('form-status').textContent = `logged in as ${user}`;
  openStream();
}

function showError(err) {
  if (err instanceof LoginNeeded) return;  // the login form says it
  document.getElementById('form-status').textContent = String(err.message || err);
}

// The write API's answer: a Task, a resource, or a Redfish error body.
// A Task (202) is followed until it ends, so that the line under the forms
// says whether the host accepted (or let go), not only that the request
// was taken.
async function report(what, reply) {
  const status = document.getElementById('form-status');
  let body = null;
  try { body = await reply.json(); } catch (e) { /* no body */ }
  if (body && body.error) {
    status.textContent = `${what}: ${reply.status} ${body.error.message}`;
    const info = body.error['@Message.ExtendedInfo'];
    if (info && info.length && info[0].Message) status.textContent += ` ${info[0].Message}`;
    return;
  }
  if (reply.status !== 202 || !body || !body['@odata.id']) {
    status.textContent = `${what}: ${reply.status}`;
    return;
  }
  const task = body['@odata.id'];
  while (body.TaskState === 'Running' || body.TaskState === 'New') {
    status.textContent = `${what}: ${task} ${body.TaskState}`;
    await new Promise((resolve) => setTimeout(resolve, 200));
    body = await getJson(task);
  }
  const messages = (body.Messages || []).map((m) => m.Message).join(' ');
  status.textContent = `${what}: ${body.TaskState} ${messages}`.trim();
  status.dataset.taskState = body.TaskState;
}

function setUpForms() {
  document.getElementById('login-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    logIn(f.get('user'), f.get('password')).catch(showError);
    ev.target.reset();
  });
  document.getElementById('add-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const dev = f.get('device');
    const uri = `/redfish/v1/Chassis/${dev}/MemoryDomains/${f.get('region')}/MemoryChunks`;
    const host = `/redfish/v1/Fabrics/CXL/Endpoints/${dev}-host-${Number(f.get('host'))}`;
    const body = { MemoryChunkSizeMiB: Number(f.get('size')), Links: { Endpoints: [{ '@odata.id': host }] } };
    if (f.get('tag')) body.Oem = { Tagmem: { Tag: f.get('tag').toLowerCase() } };
    const status = document.getElementById('form-status');
    delete status.dataset.taskState;
    request(uri, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then((reply) => report(`add ${f.get('size')} MiB to ${dev} host ${f.get('host')}`, reply))
      .catch(showError);
  });
  document.getElementById('release-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const chunk = f.get('chunk');
    if (!chunk) return;
    // One host: its Connection; every host: the chunk itself.
    const host = f.get('host');
    const [, dev] = chunk.match(/Chassis\/([^/]+)\//) || [];
    const tag = chunk.split('/').pop();
    const uri = host === '' ? chunk : `/redfish/v1/Fabrics/CXL/Connections/${dev}-host-${host}-${tag}`;
    const status = document.getElementById('form-status');
    delete status.dataset.taskState;
    request(uri, { method: 'DELETE' })
      .then((reply) => report(`release ${tag} from ${host === '' ? 'every host' : `host ${host}`}`, reply))
      .catch(showError);
  });
}

setUpForms();
openStream();
