// The trajectory explorer's page: filters over the inlined trajectories,
// counts that follow them, a list and one trajectory in detail. The view
// lives in the URL's hash, so reports link straight to a filtered list.
"use strict";
(() => {
  const started = performance.now();
  const D = JSON.parse(document.getElementById("data").textContent);
  const T = D.trajs;
  const VERDICT = ["✓", "✗", "⏱", "💥"];
  const VERDICT_NAME = ["passed", "failed", "timeout", "crashed"];
  const KINDS = ["c→c", "i→c", "c→i", "i→i"];
  const FLAGS = ["undefined", "stub", "unchanged"];
  const PAGE = 100;
  const el = (tag, attrs = {}, ...kids) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") e.className = v; else if (k.startsWith("on")) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
    }
    for (const k of kids) e.append(k);
    return e;
  };
  const correct = (turn) => turn.o.length > 0 && turn.o.every((v) => v === 0);
  const passed = (turn) => turn.o.filter((v) => v === 0).length;
  const maxTurns = T.reduce((m, t) => Math.max(m, t.u.length), 1);
  for (const t of T) t.ok = t.u.map(correct);

  // transition of trajectory t from turn p to p+1 ("" when it has no turn p+1).
  const transition = (t, p) => (t.u.length > p ? (t.ok[p - 1] ? "c" : "i") + "→" + (t.ok[p] ? "c" : "i") : "");
  // flags of the pair p → p+1: undefined and stub at turn p, unchanged at p+1.
  const pairFlags = (t, p) => {
    const a = (t.u[p - 1].fl || []).filter((f) => f !== "unchanged");
    const b = t.u.length > p ? (t.u[p].fl || []).filter((f) => f === "unchanged") : [];
    return a.concat(b);
  };
  let haystacks = null; // lower-cased text per trajectory, built on the first search
  const haystack = (i) => {
    if (!haystacks) haystacks = T.map((t) => [D.tasks[t.t].id, D.tasks[t.t].text, ...t.u.map((u) => u.c)].join("\n").toLowerCase());
    return haystacks[i];
  };

  const fields = [
    { key: "method", label: "method", values: () => uniq(T.map((t) => t.m)) },
    { key: "kind", label: "rows", values: () => uniq(T.map((t) => t.k)), names: { eval: "evaluation", rollout: "RL rollouts" } },
    { key: "set", label: "data set", values: () => uniq(T.map((t) => t.d)) },
    { key: "family", label: "family", values: () => uniq(T.map((t) => t.f || "")).filter((f) => f) },
    { key: "pair", label: "turns", values: () => Array.from({ length: Math.max(maxTurns - 1, 1) }, (_, i) => String(i + 1)),
      names: Object.fromEntries(Array.from({ length: maxTurns }, (_, i) => [String(i + 1), `t${i + 1}→t${i + 2}`])), all: false },
    { key: "transition", label: "transition", values: () => KINDS },
    { key: "flag", label: "flag", values: () => [...FLAGS, "none"], names: { none: "no flag" } },
  ];
  function uniq(xs) { return [...new Set(xs)].sort(); }

  const state = { method: "", kind: "", set: "", family: "", pair: "1", transition: "", flag: "", q: "" };
  function readHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    for (const k of Object.keys(state)) state[k] = h.get(k) ?? (k === "pair" ? "1" : "");
  }
  function writeHash() {
    const h = new URLSearchParams();
    for (const [k, v] of Object.entries(state)) if (v && !(k === "pair" && v === "1")) h.set(k, v);
    try { history.replaceState(null, "", "#" + h.toString()); } catch { /* a notebook's srcdoc frame may refuse */ }
  }

  // matches reports whether trajectory i passes every filter but those named in skip.
  function matches(i, ...skip) {
    const t = T[i], p = Number(state.pair);
    if (state.method && !skip.includes("method") && t.m !== state.method) return false;
    if (state.kind && t.k !== state.kind) return false;
    if (state.set && t.d !== state.set) return false;
    if (state.family && t.f !== state.family) return false;
    if (state.transition && !skip.includes("transition") && transition(t, p) !== state.transition) return false;
    if (state.flag) {
      const f = pairFlags(t, p);
      if (state.flag === "none" ? f.length > 0 : !f.includes(state.flag)) return false;
    }
    if (state.q && !haystack(i).includes(state.q.toLowerCase())) return false;
    return true;
  }

  const controls = {};
  function buildFilters() {
    const box = document.getElementById("filters");
    for (const f of fields) {
      const sel = el("select", { id: "f-" + f.key, onchange: () => { state[f.key] = sel.value; shown = PAGE; update(); } });
      if (f.all !== false) sel.append(el("option", { value: "" }, "all"));
      for (const v of f.values()) sel.append(el("option", { value: v }, (f.names && f.names[v]) || v));
      controls[f.key] = sel;
      box.append(el("label", {}, f.label + " ", sel));
    }
    let timer;
    const q = el("input", { id: "f-q", type: "search", placeholder: "search code, task, id", oninput: () => {
      clearTimeout(timer);
      timer = setTimeout(() => { state.q = q.value; shown = PAGE; update(); }, 150);
    } });
    controls.q = q;
    box.append(el("label", {}, q));
  }

  let shown = PAGE, selected = -1, hits = [];
  function update() {
    writeHash();
    for (const [k, c] of Object.entries(controls)) c.value = state[k];
    hits = [];
    for (let i = 0; i < T.length; i++) if (matches(i)) hits.push(i);
    document.getElementById("count").textContent = String(hits.length);
    document.getElementById("of").textContent = `of ${T.length} trajectories`;
    renderCounts();
    renderList();
    if (selected >= 0 && !hits.includes(selected)) selected = -1;
    renderDetail();
  }

  // renderCounts: the four transitions per method under the other filters;
  // a click filters on that cell.
  function renderCounts() {
    const p = Number(state.pair), methods = uniq(T.map((t) => t.m));
    const n = Object.fromEntries(methods.map((m) => [m, Object.fromEntries(KINDS.map((k) => [k, 0]))]));
    for (let i = 0; i < T.length; i++) {
      if (!matches(i, "method", "transition")) continue;
      const k = transition(T[i], p);
      if (k) n[T[i].m][k]++;
    }
    const tbl = document.getElementById("counts");
    tbl.replaceChildren(el("tr", {}, el("th", {}, `t${p}→t${p + 1}`), ...KINDS.map((k) => el("th", {}, k))));
    for (const m of methods) {
      tbl.append(el("tr", { class: state.method && state.method !== m ? "dim" : "" }, el("td", {}, m), ...KINDS.map((k) => el("td", {},
        el("a", { href: "#", class: state.method === m && state.transition === k ? "on" : "", "data-count": `${m} ${k}`,
          onclick: (ev) => { ev.preventDefault(); state.method = m; state.transition = k; shown = PAGE; update(); } }, String(n[m][k]))))));
    }
  }

  // renderDiagnostics: the evaluations' flags (metrics.Diagnose, computed
  // in Go as the report's); a share filters to its trajectories.
  function renderDiagnostics() {
    const d = D.diagnostics, tbl = document.getElementById("diagnostics");
    if (!d || !d.rows || !d.rows.length) return;
    const flagOf = { undefined: "undefined", stub: "stub", "t2 = t1": "unchanged" };
    tbl.append(el("caption", {}, "Diagnostics of the evaluations (%)"), el("tr", {}, ...d.header.map((h) => el("th", {}, h))));
    for (const row of d.rows) {
      tbl.append(el("tr", {}, ...row.map((c, j) => {
        const flag = flagOf[d.header[j]];
        if (!flag) return el("td", {}, c);
        return el("td", {}, el("a", { href: "#", "data-diag": `${row[0]} ${flag}`, onclick: (ev) => {
          ev.preventDefault();
          Object.assign(state, { method: row[0], kind: "eval", transition: "", flag, pair: "1" });
          shown = PAGE; update();
        } }, c));
      })));
    }
  }

  function verdicts(t) {
    return t.u.map((u, k) => el("span", { class: "v " + (t.ok[k] ? "ok" : "bad"), title: `turn ${k + 1}: ${passed(u)}/${u.o.length} tests` },
      `${passed(u)}/${u.o.length}`));
  }

  function renderList() {
    const list = document.getElementById("list");
    const rows = hits.slice(0, shown).map((i) => {
      const t = T[i], task = D.tasks[t.t];
      const flags = t.u.flatMap((u, k) => (u.fl || []).map((f) => `${f}@t${k + 1}`));
      return el("tr", { class: i === selected ? "sel" : "", onclick: () => { selected = i; renderList(); renderDetail(); } },
        el("td", {}, t.m), el("td", {}, t.k === "rollout" ? `step ${t.st}` : "eval"), el("td", {}, task.id + (t.s ? ` #${t.s}` : "")),
        el("td", {}, t.f || ""), el("td", { class: "verdicts" }, ...verdicts(t)), el("td", {}, flags.join(" ")), el("td", {}, t.R.toFixed(2)));
    });
    const head = el("tr", {}, ...["method", "rows", "problem", "family", "tests passed per turn", "flags", "R"].map((h) => el("th", {}, h)));
    const more = hits.length > shown ? el("button", { id: "more", onclick: () => { shown += PAGE; renderList(); } },
      `show ${Math.min(PAGE, hits.length - shown)} more of ${hits.length - shown}`) : "";
    list.replaceChildren(el("table", {}, head, ...rows), more);
  }

  function renderDetail() {
    const box = document.getElementById("detail");
    if (selected < 0) {
      box.replaceChildren(el("p", { class: "hint" }, hits.length ? "Click a trajectory to read it." : "No trajectory matches these filters."));
      return;
    }
    const t = T[selected], task = D.tasks[t.t];
    const parts = [el("h2", {}, `${task.id} — ${t.m}` + (t.k === "rollout" ? `, step ${t.st}, sample ${t.s}` : "")),
      el("p", {}, task.text),
      el("p", { class: "meta" }, `R = ${t.R.toFixed(3)}` + (t.A !== undefined ? `, advantage ${t.A.toFixed(3)}` : "") + (t.f ? `, family ${t.f}` : ""))];
    parts.push(testTable(t, task));
    t.u.forEach((u, k) => {
      const head = `Turn ${k + 1}: ${passed(u)}/${u.o.length} tests, r = ${u.r.toFixed(3)}` +
        (k > 0 ? `, ${transition(t, k)}` : "") + ((u.fl || []).length ? ` — ${u.fl.join(", ")}` : "");
      const turn = el("div", { class: "turn" }, el("h3", { class: t.ok[k] ? "ok" : "bad" }, head), promptView(t, task, k));
      if (k > 0 && u.df) turn.append(diffView(u.df));
      else if (k > 0) turn.append(el("p", { class: "meta" }, "The same program as turn " + k + "."), el("pre", {}, u.c));
      else turn.append(el("pre", {}, u.c));
      parts.push(turn);
    });
    box.replaceChildren(...parts);
  }

  function testTable(t, task) {
    const n = Math.max(...t.u.map((u) => u.o.length), 0);
    const tests = task.tests && task.tests.length === n ? task.tests : Array.from({ length: n }, (_, i) => `test ${i + 1}`);
    const tbl = el("table", { class: "tests" }, el("tr", {}, el("th", {}, "unit test"), ...t.u.map((_, k) => el("th", {}, `t${k + 1}`))));
    tests.forEach((text, i) => tbl.append(el("tr", {}, el("td", {}, el("code", {}, text)),
      ...t.u.map((u) => el("td", { class: u.o[i] === 0 ? "ok" : "bad", title: VERDICT_NAME[u.o[i]] ?? "" }, VERDICT[u.o[i]] ?? "")))));
    if (task.tests && task.tests.length === 1 && n > 1) tbl.append(el("tr", {}, el("td", { colspan: String(t.u.length + 1) }, el("pre", {}, task.tests[0]))));
    return tbl;
  }

  // promptView is turn k's prompt, folded: turn 1's in full, a later
  // turn's as what it adds to the previous prompt and answer.
  function promptView(t, task, k) {
    const u = t.u[k];
    const text = k === 0 ? task.prompt : u.pw ? u.pr : u.pr === undefined ? "" : `⟨turn ${k}'s prompt⟩⟨turn ${k}'s code⟩\n[DONE]` + u.pr;
    return text ? el("details", {}, el("summary", {}, "prompt"), el("pre", { class: "prompt" }, text)) : "";
  }

  function diffView(df) {
    const pre = el("pre", { class: "diff" });
    for (const line of df.replace(/\n$/, "").split("\n")) {
      const cls = line[0] === "+" ? "add" : line[0] === "-" ? "del" : "";
      pre.append(el("span", { class: cls }, line || " "));
    }
    return pre;
  }

  buildFilters();
  renderDiagnostics();
  readHash();
  window.addEventListener("hashchange", () => { readHash(); update(); });
  update();
  window.explorer = { ready: true, loadMs: performance.now() - started, count: () => hits.length };
})();
