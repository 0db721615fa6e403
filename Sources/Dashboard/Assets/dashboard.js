"use strict";
// Augur's dashboard: the first render comes from GET /v1/overview and /v1/events, then the
// API's event stream (GET /v1/stream) keeps it live; every call carries the session's token.
(() => {
  const svgNS = "http://www.w3.org/2000/svg";
  const $ = (id) => document.getElementById(id);
  const state = {
    token: sessionStorage.getItem("augur.token") || "",
    search: "", limit: 50, overview: null, events: [], dns: [],
    refreshing: false, again: false, timer: null, updates: 0, lastRefresh: 0,
  };
  // What tests and benchmarks read: when the page loaded, how many renders, how long the last took.
  window.augurDashboard = {
    loadedAt: Date.now(), firstRenderAt: null, renderMs: null,
    get updates() { return state.updates; }, get overview() { return state.overview; },
  };

  // A token in the fragment (#token=…) is taken into the session and removed from the address.
  if (location.hash.startsWith("#token=")) {
    state.token = decodeURIComponent(location.hash.slice(7));
    sessionStorage.setItem("augur.token", state.token);
    history.replaceState(null, "", location.pathname + location.search);
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null) continue;
      if (key === "class") node.className = value; else node.setAttribute(key, value);
    }
    for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
    return node;
  }

  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(svgNS, tag);
    for (const [key, value] of Object.entries(attrs || {})) node.setAttribute(key, value);
    for (const child of children.flat()) if (child) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }

  // A card or chart whose data did not change since the last render is kept as it is: on a
  // big fleet most of them, so a refresh rebuilds only what moved.
  const built = new Map();
  function reuse(kind, key, data, build) {
    const signature = JSON.stringify(data);
    const id = kind + "\u0000" + key;
    const last = built.get(id);
    if (last && last.signature === signature) { last.seen = true; return last.node; }
    const node = build(data);
    built.set(id, { signature, node, seen: true });
    return node;
  }
  function forgetUnseen() {
    for (const [id, entry] of built) { if (!entry.seen) built.delete(id); else entry.seen = false; }
  }

  const fixed = (value, digits = 1) => (value === null || value === undefined || !isFinite(value)) ? "–" : Number(value).toFixed(digits);
  const time = (text) => new Date(text).toLocaleTimeString([], { hour12: false });
  const bytes = (value) => value >= 1 << 30 ? fixed(value / (1 << 30)) + " GiB" : fixed(value / (1 << 20), 0) + " MiB";
  const truthLabel = { "real-container": "real container", "real-xen-guest": "real Xen guest", "real-microvm": "real microVM", "emulated": "emulated" };

  class Unauthorized extends Error {}

  async function api(path) {
    const headers = state.token ? { Authorization: "Bearer " + state.token } : {};
    const response = await fetch(path, { headers, cache: "no-store" });
    if (response.status === 401) throw new Unauthorized(await response.text());
    if (!response.ok) throw new Error(path + ": " + response.status + " " + await response.text());
    return response.json();
  }

  function showLogin(message) {
    $("login").hidden = false;
    $("main").hidden = true;
    $("login-error").textContent = message || "";
    $("status").textContent = "sign in to read the fleet";
  }

  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = $("token").value.trim();
    sessionStorage.setItem("augur.token", state.token);
    start();
  });

  $("search").addEventListener("input", () => { state.search = $("search").value; scheduleRefresh(150, true); });
  $("limit").addEventListener("change", () => { state.limit = Number($("limit").value); scheduleRefresh(0, true); });

  function overviewPath() {
    const query = new URLSearchParams({ limit: state.limit, charts: 6, points: 40, instances: 6, plans: 5, actions: 12 });
    if (state.search.trim()) query.set("search", state.search.trim());
    return "/v1/overview?" + query;
  }

  // At most one overview call in flight; news arriving meanwhile asks for one more after it.
  async function refresh() {
    if (state.refreshing) { state.again = true; return; }
    state.refreshing = true;
    state.lastRefresh = performance.now();
    try {
      state.overview = await api(overviewPath());
      if (state.overview.dns) state.dns = state.overview.dns.recent.slice();
      render();
    } catch (error) {
      if (error instanceof Unauthorized) showLogin("the token was not accepted"); else $("status").textContent = "cannot read the API: " + error.message;
    } finally {
      state.refreshing = false;
      if (state.again) { state.again = false; scheduleRefresh(0, true); }
    }
  }

  // News refreshes at most once a second (a busy fleet sends news all the time); what the
  // operator asks for (a search, a page size) at once.
  function scheduleRefresh(delay, asked = false) {
    clearTimeout(state.timer);
    const wait = asked ? delay : Math.max(delay, 1000 - (performance.now() - state.lastRefresh));
    state.timer = setTimeout(refresh, wait);
  }

  function render() {
    const began = performance.now();
    const overview = state.overview;
    state.updates += 1;
    document.body.dataset.updates = String(state.updates);
    const training = overview.intervalsClosed < overview.trainingIntervals ? ` (training ${overview.intervalsClosed}/${overview.trainingIntervals})` : "";
    $("status").textContent = `${overview.intervalsClosed} intervals of ${fixed(overview.intervalSeconds, 0)} s${training} · ${overview.contentsTotal} contents · ${overview.edges.length} nodes · updated ${time(overview.generatedAt)}`;
    renderContents(overview);
    renderRegions(overview);
    renderEdges(overview);
    renderDNS();
    renderUnknownNames(overview);
    renderPlans(overview);
    forgetUnseen();
    document.body.dataset.ready = "1";
    window.augurDashboard.renderMs = performance.now() - began;
    if (window.augurDashboard.firstRenderAt === null) window.augurDashboard.firstRenderAt = performance.now();
  }

  function renderContents(overview) {
    $("contents-count").textContent = overview.contentsMatched === overview.contentsTotal
      ? `${overview.contents.length} of ${overview.contentsTotal}, busiest first`
      : `${overview.contents.length} of ${overview.contentsMatched} matching (${overview.contentsTotal} in all)`;
    const rows = overview.contents.map((row) => {
      const band = row.forecast !== null && row.forecast !== undefined && row.standardError !== null && row.standardError !== undefined
        ? `${fixed(Math.max(0, row.forecast - 1.96 * row.standardError))} – ${fixed(row.forecast + 1.96 * row.standardError)}` : "–";
      return el("tr", { "data-content": row.name },
        el("td", { class: "name" }, row.name), el("td", {}, row.policy), el("td", {}, row.modelInUse || row.model),
        el("td", { class: "n lookups" }, row.lookups), el("td", { class: "n so-far" }, row.soFar),
        el("td", { class: "n forecast" }, fixed(row.forecast)), el("td", { class: "n band" }, band),
        el("td", { class: "n ready" }, row.ready.instances), el("td", { class: "n capacity" }, row.ready.lookups),
        el("td", { class: "n on-the-way" }, row.onTheWay));
    });
    $("contents").tBodies[0].replaceChildren(...rows);
    $("charts").replaceChildren(...overview.contents.filter((row) => row.series).map((row) => reuse("chart", row.name, row, contentChart)));
  }

  // Per region: each listed content's demand there, its forecast and what answers near it.
  // A forecast above the capacity is marked: the region's edges are full or not yet deployed.
  function renderRegions(overview) {
    const regions = overview.regions || [];
    $("regions-section").hidden = regions.length === 0;
    const rows = regions.flatMap((region) => (region.contents.length ? region.contents : [null]).map((row) => row
      ? el("tr", { "data-region": region.name, "data-content": row.content, class: row.forecast > row.capacity ? "short" : null },
        el("td", { class: "name" }, region.name), el("td", {}, region.edges.join(", ")), el("td", {}, row.content),
        el("td", { class: "n lookups" }, row.lookups), el("td", { class: "n share" }, fixed(row.share * 100, 0) + " %"),
        el("td", { class: "n forecast" }, fixed(row.forecast)), el("td", { class: "n instances" }, row.instances), el("td", { class: "n capacity" }, row.capacity))
      : el("tr", { "data-region": region.name }, el("td", { class: "name" }, region.name), el("td", {}, region.edges.join(", ")),
        el("td", { class: "muted", colspan: 6 }, "no demand from its clients yet"))));
    $("regions").tBodies[0].replaceChildren(...rows);
  }

  // Lookups per closed interval against the forecast made for it (dashed, with its 95 %
  // band) and the capacity ready when it began; the last slot is the open interval.
  function contentChart(row) {
    const width = 340, height = 150, left = 34, right = 8, top = 8, bottom = 20;
    const points = row.series;
    const slots = points.length + 1;
    const x = (index) => left + (slots <= 1 ? 0 : index * (width - left - right) / (slots - 1));
    const upper = (p) => p.forecast === null || p.forecast === undefined ? 0 : p.forecast + 1.96 * (p.standardError || 0);
    const open = { forecast: row.forecast, standardError: row.standardError, ready: row.ready, lookups: null };
    const all = points.concat([open]);
    const top_ = Math.max(1, ...all.map((p) => Math.max(p.lookups || 0, upper(p), p.ready ? p.ready.lookups : 0)), row.soFar);
    const y = (value) => top + (height - top - bottom) * (1 - value / top_);
    const path = (list) => list.length ? "M" + list.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join("L") : "";
    const withForecast = all.map((p, i) => [i, p]).filter(([, p]) => p.forecast !== null && p.forecast !== undefined);
    const band = withForecast.length
      ? path(withForecast.map(([i, p]) => [i, upper(p)])) + "L" + [...withForecast].reverse().map(([i, p]) => `${x(i).toFixed(1)},${y(Math.max(0, p.forecast - 1.96 * (p.standardError || 0))).toFixed(1)}`).join("L") + "Z"
      : "";
    const ready = [];
    all.forEach((p, i) => { ready.push([i, p.ready.lookups]); ready.push([i + 1 > slots - 1 ? i : i + 1, p.ready.lookups]); });
    const seen = points.map((p, i) => [i, p.lookups || 0]);
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${row.name}: lookups, forecast and ready capacity` },
      svg("line", { class: "axis", x1: left, y1: y(0), x2: width - right, y2: y(0) }),
      svg("line", { class: "axis", x1: left, y1: top, x2: left, y2: y(0) }),
      svg("text", { x: left - 4, y: top + 8, "text-anchor": "end" }, fixed(top_, 0)),
      svg("text", { x: left - 4, y: y(0), "text-anchor": "end" }, "0"),
      points.length ? svg("text", { x: left, y: height - 4 }, time(points[0].start)) : null,
      svg("text", { x: width - right, y: height - 4, "text-anchor": "end" }, "open"),
      band ? svg("path", { class: "band", d: band }) : null,
      svg("path", { class: "ready", d: path(ready) }),
      svg("path", { class: "forecast", d: path(withForecast.map(([i, p]) => [i, p.forecast])) }),
      svg("path", { class: "lookups", d: path(seen) }),
      ...seen.map(([i, v]) => svg("circle", { class: "lookups-dot", cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 2 })),
      svg("circle", { class: "lookups-dot so-far", cx: x(slots - 1).toFixed(1), cy: y(row.soFar).toFixed(1), r: 3, fill: "none", stroke: "currentColor" }));
    return el("figure", { class: "chart", "data-chart": row.name },
      el("h3", {}, row.name, " ", el("small", { class: "muted" }, `forecast ${fixed(row.forecast)} · ready ${row.ready.instances}`)),
      chart,
      el("div", { class: "key" }, el("span", {}, el("i", { class: "k-lookups" }), "lookups"), el("span", {}, el("i", { class: "k-forecast" }), "forecast"),
        el("span", {}, el("i", { class: "k-band" }), "95 %"), el("span", {}, el("i", { class: "k-ready" }), "ready capacity")));
  }

  function meter(label, fraction, text) {
    return el("div", {}, el("span", { class: "muted" }, label, " ", text),
      el("div", { class: "meter" }, el("span", { style: `width:${Math.min(100, Math.max(0, fraction * 100)).toFixed(1)}%` })));
  }

  function renderEdges(overview) {
    const edges = overview.edges.slice().sort((a, b) => (a.role === "core") - (b.role === "core") || b.live - a.live || a.name.localeCompare(b.name));
    $("edges-count").textContent = `${edges.filter((e) => e.reachable).length} of ${edges.length} reachable`;
    $("edges").replaceChildren(...edges.map((edge) => reuse("edge", edge.name, edge, edgeCard)));
  }

  function edgeCard(edge) {
    const usage = edge.cpuPercent === null || edge.cpuPercent === undefined ? el("p", { class: "muted" }, edge.role === "core" ? "core: static instances" : "no node state yet")
      : el("div", {}, meter("CPU", edge.cpuPercent / 100, fixed(edge.cpuPercent) + " %"),
        meter("memory", edge.memoryTotalBytes ? edge.memoryUsedBytes / edge.memoryTotalBytes : 0, `${bytes(edge.memoryUsedBytes)} of ${bytes(edge.memoryTotalBytes)}`));
    const groups = edge.groups.map((g) => el("li", { "data-phase": g.phase, "data-flavor": g.flavor, "data-truth": g.truth },
      `${g.count} × ${g.phase} · ${g.flavor} `, el("span", { class: "truth " + g.truth }, truthLabel[g.truth] || g.truth)));
    const listed = edge.instances.map((i) => el("li", { "data-instance": i.id, "data-phase": i.phase },
      el("code", {}, i.id), ` ${i.content} · ${i.flavor} · ${i.phase}${i.removing ? " (leaving)" : ""}${i.answered ? " · in DNS" : ""} `,
      el("span", { class: "truth " + i.truth }, truthLabel[i.truth] || i.truth), i.failure ? el("span", { class: "error" }, " " + i.failure) : null));
    const more = edge.live - edge.instances.length;
    return el("article", { class: "edge" + (edge.reachable ? "" : " unreachable"), "data-edge": edge.name, "data-live": edge.live },
      el("h3", {}, el("span", {}, edge.name, " ", el("small", { class: "muted" }, edge.role)),
        el("span", { class: "badge" + (edge.reachable ? "" : " down") }, edge.reachable ? "reachable" : "unreachable")),
      el("p", { class: "count" }, el("b", { class: "live-count" }, edge.live), ` live of ${edge.instanceLimit}`,
        edge.emulatedRuntimes.length ? el("span", { class: "muted" }, ` · emulated runtimes: ${edge.emulatedRuntimes.join(", ")}`) : null),
      usage,
      groups.length ? el("ul", { class: "groups" }, groups) : null,
      listed.length ? el("ul", { class: "instances" }, listed, more > 0 ? el("li", { class: "muted" }, `+${more} more`) : null) : null);
  }

  const dnsColors = { NOERROR: "#1f6feb", NXDOMAIN: "#b54708", REFUSED: "#b42318", FORMERR: "#6941c6", NOTIMP: "#c11574", SERVFAIL: "#000", BADVERS: "#667085", LIMITED: "#067647", OTHER: "#98a2b3" };

  function renderDNS() {
    const samples = state.dns.slice(-60);
    const codes = Object.keys(dnsColors).filter((code) => code === "NOERROR" || samples.some((s) => (s.perSecond[code] || 0) > 0));
    const width = 560, height = 150, left = 40, right = 8, top = 8, bottom = 18;
    const top_ = Math.max(1, ...samples.flatMap((s) => codes.map((c) => s.perSecond[c] || 0)));
    const x = (i) => left + (samples.length <= 1 ? 0 : i * (width - left - right) / (samples.length - 1));
    const y = (v) => top + (height - top - bottom) * (1 - v / top_);
    const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "DNS responses per second by code" },
      svg("line", { class: "axis", x1: left, y1: y(0), x2: width - right, y2: y(0) }),
      svg("text", { x: left - 4, y: top + 8, "text-anchor": "end" }, fixed(top_, 0)),
      svg("text", { x: left - 4, y: y(0), "text-anchor": "end" }, "0"),
      svg("text", { x: width - right, y: height - 4, "text-anchor": "end" }, "now"),
      svg("text", { x: left, y: height - 4 }, `${samples.length} s ago`),
      ...codes.map((code) => svg("path", { fill: "none", stroke: dnsColors[code], "stroke-width": 1.5, "data-code": code,
        d: samples.length ? "M" + samples.map((s, i) => `${x(i).toFixed(1)},${y(s.perSecond[code] || 0).toFixed(1)}`).join("L") : "" })));
    $("dns-chart").replaceChildren(el("div", { class: "key" }, codes.map((c) => el("span", {}, el("i", { style: `background:${dnsColors[c]}` }), c))), chart);
    const latest = samples[samples.length - 1];
    const totals = state.overview && state.overview.dns ? state.overview.dns.totals : {};
    const label = { NXDOMAIN: "NXDOMAIN (unknown names)", LIMITED: "rate-limited" };
    $("dns-table").tBodies[0].replaceChildren(
      el("tr", { "data-code": "all" }, el("td", {}, el("b", {}, "lookups")), el("td", { class: "n" }, el("b", {}, fixed(latest ? Object.entries(latest.perSecond).filter(([c]) => c !== "LIMITED").reduce((a, [, v]) => a + v, 0) : 0))),
        el("td", { class: "n" }, Object.entries(totals).filter(([c]) => c !== "LIMITED").reduce((a, [, v]) => a + v, 0))),
      ...Object.keys(dnsColors).map((code) => el("tr", { "data-code": code }, el("td", {}, label[code] || code),
        el("td", { class: "n" }, fixed(latest ? latest.perSecond[code] || 0 : 0)), el("td", { class: "n" }, totals[code] || 0))));
  }

  // Names in the zone that no content has: a client's typo, or a content the catalog lacks.
  function renderUnknownNames(overview) {
    const names = overview.dns ? overview.dns.unknownNames : [];
    $("unknown-names").tBodies[0].replaceChildren(...(names.length
      ? names.map((entry) => el("tr", { "data-unknown": entry.name }, el("td", {}, el("code", {}, entry.name)), el("td", { class: "n" }, entry.count)))
      : [el("tr", {}, el("td", { class: "muted", colspan: 2 }, "none asked"))]));
  }

  function renderPlans(overview) {
    $("plans").replaceChildren(...(overview.plans.length ? overview.plans.map((plan) => reuse("plan", plan.interval, plan, planCard)) : [el("p", { class: "muted" }, "no interval has closed yet")]));
  }

  function planCard(plan) {
    return el("div", { class: "plan", "data-interval": plan.interval },
      el("h3", {}, `interval ${plan.interval} · ${time(plan.start)}–${time(plan.end)} · ${plan.lookups} lookups${plan.training ? " · training" : ""} · ${plan.actionsTotal} action${plan.actionsTotal === 1 ? "" : "s"}`),
      plan.unmet.length ? el("p", { class: "error" }, plan.unmet.map((u) => `${u.content}: ${u.missingInstances} missing (${u.reason})`).join("; ")) : null,
      plan.actions.length ? el("table", { class: "grid small" },
        el("thead", {}, el("tr", {}, ["action", "content", "flavor", "edge", "instance", "reason", "outcome"].map((h) => el("th", {}, h)))),
        el("tbody", {}, plan.actions.map((a) => el("tr", { "data-action": a.id },
          el("td", {}, a.kind), el("td", {}, a.content), el("td", {}, a.flavor || "–"), el("td", {}, a.edge || "–"), el("td", {}, a.instance || "–"),
          el("td", { class: "reason" }, a.reason), el("td", { class: "outcome outcome-" + a.outcome, title: a.detail || "" }, a.outcome + (a.detail ? ": " + a.detail : "")))))) : null,
      plan.actionsTotal > plan.actions.length ? el("p", { class: "muted" }, `+${plan.actionsTotal - plan.actions.length} more actions`) : null);
  }

  function renderEvents() {
    $("events").replaceChildren(...state.events.slice(0, 200).map((e) => el("li", {},
      el("time", {}, time(e.at)), el("span", { class: "kind" }, e.kind), el("code", {}, e.subject), " ", e.message)));
  }

  function addEvent(event) {
    const key = (e) => `${e.at}|${e.kind}|${e.subject}|${e.message}`;
    if (state.events.some((e) => key(e) === key(event))) return;
    state.events.unshift(event);
    state.events.length = Math.min(state.events.length, 200);
    renderEvents();
  }

  // The event stream through fetch (EventSource cannot send the token); news of the fleet
  // asks for a fresh overview, DNS samples and events are drawn as they come.
  async function follow() {
    for (let backoff = 1000; ; backoff = Math.min(backoff * 2, 15000)) {
      try {
        const headers = state.token ? { Authorization: "Bearer " + state.token } : {};
        const response = await fetch("/v1/stream", { headers, cache: "no-store" });
        if (response.status === 401) { showLogin("the token was not accepted"); return; }
        if (!response.ok || !response.body) throw new Error("stream: " + response.status);
        $("live").textContent = "live"; $("live").className = "live on";
        backoff = 1000;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf("\n\n")) >= 0) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let name = "message", data = "";
            for (const line of frame.split("\n")) {
              if (line.startsWith("event: ")) name = line.slice(7);
              else if (line.startsWith("data: ")) data += line.slice(6);
            }
            if (data) handle(name, JSON.parse(data));
          }
        }
      } catch (error) {
        console.warn("event stream", error);
      }
      $("live").textContent = "reconnecting"; $("live").className = "live off";
      await new Promise((resolve) => setTimeout(resolve, backoff));
    }
  }

  function handle(name, data) {
    if (name === "dns") {
      state.dns.push(data);
      if (state.dns.length > 300) state.dns.splice(0, state.dns.length - 300);
      if (state.overview) renderDNS();
    } else if (name === "event") {
      addEvent(data);
      scheduleRefresh(300);
    } else {
      scheduleRefresh(name === "interval" ? 0 : 300);
    }
  }

  async function start() {
    try {
      const [overview, events] = await Promise.all([api(overviewPath()), api("/v1/events?limit=50")]);
      $("login").hidden = true;
      $("main").hidden = false;
      state.overview = overview;
      state.dns = overview.dns ? overview.dns.recent.slice() : [];
      state.events = events.slice().reverse();
      render();
      renderEvents();
      follow();
    } catch (error) {
      if (error instanceof Unauthorized) showLogin(state.token ? "the token was not accepted" : "");
      else $("status").textContent = "cannot read the API: " + error.message;
    }
  }

  start();
})();
