// Associate console: inbox and conversation view. All creator text goes through textContent.
const Console = (function () {
  "use strict";
  const csrf = () => document.querySelector('meta[name="csrf-token"]').content;
  const $ = (id) => document.getElementById(id);

  async function call(method, url, body) {
    const res = await fetch(url, {
      method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf() },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error || res.statusText);
    return data;
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function minutes(seconds) {
    const m = Math.floor(seconds / 60);
    return m < 60 ? m + " min" : Math.floor(m / 60) + " h " + (m % 60) + " min";
  }

  function typing(e) {
    const t = e.target;
    return t && (t.tagName === "TEXTAREA" || t.tagName === "INPUT" || t.tagName === "SELECT");
  }

  // ---------------------------------------------------------------- every page
  let inboxEvents = null;
  function inboxStream() {
    if (!inboxEvents) {
      inboxEvents = new EventSource("/console/api/events");
      // live updates on (body[data-live]) or reconnecting; the browser tests wait for it too
      inboxEvents.addEventListener("open", () => { document.body.dataset.live = "1"; });
      inboxEvents.addEventListener("error", () => { document.body.dataset.live = "0"; });
    }
    return inboxEvents;
  }

  // a short two-tone chime (no audio file to fetch); browsers may keep it silent until the page was clicked
  function chime() {
    try {
      const ctx = new (window.AudioContext || window.webkitAudioContext)();
      [880, 660].forEach((f, i) => {
        const o = ctx.createOscillator(); const g = ctx.createGain();
        o.frequency.value = f; o.connect(g); g.connect(ctx.destination);
        g.gain.setValueAtTime(0.2, ctx.currentTime + i * 0.25);
        g.gain.exponentialRampToValueAtTime(0.001, ctx.currentTime + i * 0.25 + 0.22);
        o.start(ctx.currentTime + i * 0.25); o.stop(ctx.currentTime + i * 0.25 + 0.24);
      });
    } catch (err) { /* no audio: the banner and the title still alert */ }
  }

  const baseTitle = document.title;
  let flashing = null;
  function safetyAlert(conversationId) {
    window.__safetyAlerts = (window.__safetyAlerts || 0) + 1; // read by the browser tests
    const box = $("safety-alert");
    box.replaceChildren(el("strong", "", "Safety escalation waiting. "));
    const a = el("a", "", "Open it now"); a.href = "/console/c/" + conversationId; box.appendChild(a);
    const close = el("button", "", "Dismiss"); close.type = "button";
    close.addEventListener("click", () => { box.hidden = true; clearInterval(flashing); flashing = null; document.title = baseTitle; });
    box.appendChild(close);
    box.hidden = false;
    chime();
    if (!flashing) flashing = setInterval(() => { document.title = document.title === baseTitle ? "⚠ SAFETY - " + baseTitle : baseTitle; }, 1000);
    if (window.Notification && Notification.permission === "granted") {
      new Notification("Safety escalation", { body: "A creator needs a safety specialist now.", tag: "safety-" + conversationId });
    }
  }

  function shell() {
    const status = $("my-status");
    const checkIn = (value) => call("POST", "/console/api/presence", value ? { status: value } : {}).catch(() => {});
    if (status) {
      status.value = document.body.dataset.status === "away" ? "away" : "available";
      status.addEventListener("change", () => checkIn(status.value));
    }
    checkIn(document.body.dataset.status === "away" ? null : "available");
    setInterval(() => checkIn(null), 45000); // keeps me "on shift" while the console is open
    if (document.body.dataset.specialist === "1") {
      if (window.Notification && Notification.permission === "default") {
        document.addEventListener("click", () => Notification.requestPermission(), { once: true });
      }
      inboxStream().addEventListener("state", (e) => {
        const ev = JSON.parse(e.data);
        if (ev.queue === "safety" && ev.state === "queued" && ev.escalation) safetyAlert(ev.conversation_id);
      });
    }
  }

  // conversations of mine with creator messages I have not opened yet (kept across pages of this tab)
  const unread = {
    all() { try { return new Set(JSON.parse(sessionStorage.getItem("unread") || "[]")); } catch (e) { return new Set(); } },
    save(set) { sessionStorage.setItem("unread", JSON.stringify([...set])); },
    add(id) { const s = this.all(); s.add(id); this.save(s); },
    clear(id) { const s = this.all(); s.delete(id); this.save(s); },
  };
  const me = () => document.body.dataset.username;

  // ---------------------------------------------------------------- inbox
  function row(c, actionLabel) {
    const tr = el("tr", (c.queue === "safety" ? "safety " : "") + (c.overdue ? "overdue " : "") + (actionLabel === "Open" && unread.all().has(c.id) ? "unread" : ""));
    tr.dataset.id = c.id;
    tr.appendChild(el("td", "", c.queue + (c.category ? " · " + c.category : "")));
    tr.appendChild(el("td", "", c.channel));
    const lang = el("td", c.language_fallback ? "fallback" : "", c.language + (c.language_fallback ? " ⚑" : ""));
    if (c.language_fallback) {
      lang.title = c.language_fallback === "sla_overdue"
        ? "Past its SLA: any associate of the queue may take it, whatever their languages"
        : "No associate who speaks " + c.language + " is on shift: any associate of the queue may take it";
    }
    tr.appendChild(lang);
    tr.appendChild(el("td", "", c.reason || ""));
    const s = el("td", "summary", c.summary || ""); s.dir = "auto"; tr.appendChild(s);
    tr.appendChild(el("td", "", minutes(c.waiting_seconds)));
    tr.appendChild(el("td", "", c.sla_due ? new Date(c.sla_due).toLocaleTimeString() : ""));
    const td = el("td");
    const b = el("button", "", actionLabel);
    b.type = "button";
    b.addEventListener("click", async () => {
      try {
        if (actionLabel === "Take") await call("POST", "/console/api/conversations/" + c.id + "/claim");
        location.href = "/console/c/" + c.id;
      } catch (err) { alert(err.message); refreshInbox(); }
    });
    td.appendChild(b); tr.appendChild(td);
    return tr;
  }

  async function refreshInbox() {
    const data = await call("GET", "/console/api/inbox");
    $("mine").replaceChildren(...data.mine.map((c) => row(c, "Open")));
    $("queued").replaceChildren(...data.queued.map((c) => row(c, "Take")));
    $("hidden-safety").textContent = data.hidden_safety ? data.hidden_safety + " safety conversation(s) waiting for a specialist" : "";
    const w = $("watching");
    w.replaceChildren(...data.watching.map((c) => {
      const d = el("div", "banner", "Moved to the safety queue - waiting for a safety specialist (you keep read access): ");
      const a = el("a", "", "open"); a.href = "/console/c/" + c.id; a.style.color = "#fff"; d.appendChild(a);
      return d;
    }));
  }

  async function takeNext() {
    try {
      const r = await call("POST", "/console/api/next");
      location.href = r.url;
    } catch (err) { alert(err.message); }
  }

  function inbox() {
    refreshInbox();
    $("next").addEventListener("click", takeNext);
    let pending = null; // a burst of events costs one refresh
    const soon = () => { if (!pending) pending = setTimeout(() => { pending = null; refreshInbox(); }, 300); };
    inboxStream().addEventListener("state", soon);
    inboxStream().addEventListener("activity", (e) => {
      const ev = JSON.parse(e.data);
      if (ev.assigned_to === me()) { unread.add(ev.conversation_id); soon(); }
    });
    setInterval(refreshInbox, 30000); // waiting times tick; events do the rest
    document.addEventListener("keydown", (e) => { if (!typing(e) && e.key === "n") { e.preventDefault(); takeNext(); } });
  }

  // ---------------------------------------------------------- conversation
  let conv = null;
  let currentId = null;
  const shown = new Set();

  function attachments(li, m) {
    (m.attachments || []).forEach((a) => {
      const url = "/console/api/conversations/" + currentId + "/attachments/" + encodeURIComponent(a.id);
      const link = el("a", "attachment"); link.href = url; link.target = "_blank"; link.rel = "noopener";
      const img = el("img"); img.src = url; img.alt = a.name; img.loading = "lazy";
      link.appendChild(img);
      link.appendChild(el("span", "who", a.name + " · " + Math.ceil(a.size / 1024) + " KB"));
      li.appendChild(link);
    });
  }

  let typingTimer = null;
  function creatorTyping() {
    const t = $("typing-line");
    t.hidden = false;
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => { t.hidden = true; }, 6000);
  }

  function addMessage(m) {
    if (m.id !== undefined && shown.has(m.id)) return;
    if (m.id !== undefined) shown.add(m.id);
    const li = el("li", "msg " + m.sender);
    li.dir = "auto";
    const label = m.sender === "creator" ? "Creator" : m.sender === "bot" ? "Bot" : m.sender === "note" ? "Internal note · " + (m.associate || "") : (m.associate || "Associate");
    li.appendChild(el("span", "who", label + " · " + new Date(m.created_at).toLocaleTimeString()));
    if (m.sender === "creator" && /^\/[a-z_]+\d*$/.test(m.text)) {
      // a quick-reply button, not typed text (e.g. /greet when the chat opened, /rate5)
      li.className = "msg note";
      li.appendChild(el("span", "text", "[button] " + m.text.slice(1)));
    } else if (m.text) {
      li.appendChild(el("span", "text", m.text));
    }
    attachments(li, m);
    if (m.sender === "creator") { $("typing-line").hidden = true; }
    if (m.article_id) li.appendChild(el("span", "who", "article: " + m.article_id));
    $("transcript").appendChild(li);
    $("transcript").scrollTop = $("transcript").scrollHeight;
  }

  function dl(pairs) {
    const d = el("dl");
    pairs.forEach(([k, v]) => {
      if (v === undefined || v === null || v === "") return;
      d.appendChild(el("dt", "", k));
      const dd = el("dd", "", v); dd.dir = "auto"; d.appendChild(dd);
    });
    return d;
  }

  function renderContext(data) {
    const c = $("context");
    const h = data.handoff || {};
    const parts = [el("h2", "", "Context")];
    parts.push(dl([
      ["Summary", data.context.summary],
      ["Reason", data.context.reason],
      ["Queue", data.queue + " (priority " + data.priority + ")"],
      ["Safety", h.safety ? h.safety.category + " - “" + (h.safety.evidence || "") + "”" : ""],
      ["Language", data.language + (h.language_fallback ? " - language fallback: taken by " + h.language_fallback.associate + ", who doesn't list " + h.language_fallback.language + " (" + h.language_fallback.why.replace(/_/g, " ") + ")" : "")],
      ["Channel", data.channel],
      ["Creator", data.creator.id + (data.creator.handle ? " · @" + data.creator.handle.replace(/^@/, "") : "")],
      ["Country", data.creator.country],
      ["SLA due", data.row.sla_due ? new Date(data.row.sla_due).toLocaleString() : ""],
    ]));
    const details = Object.entries(data.context.details || {});
    if (details.length) { parts.push(el("h3", "", "Details gathered")); parts.push(dl(details)); }
    parts.push(el("h3", "", "Articles the bot showed"));
    const ul = el("ul");
    (data.context.articles_shown || []).forEach((a) => {
      const verdict = a.helpful === true ? "helped" : a.helpful === false ? "did not help" : "no feedback";
      ul.appendChild(el("li", "", a.article_id + " - " + verdict));
    });
    if (!ul.children.length) ul.appendChild(el("li", "", "none"));
    parts.push(ul);
    parts.push(el("h3", "", "Earlier conversations"));
    const hist = el("ul");
    data.history.forEach((x) => hist.appendChild(el("li", "", new Date(x.created_at).toLocaleDateString() + " · " + x.channel + " · " + (x.resolution || x.state) + (x.reason ? " (" + x.reason + ")" : ""))));
    if (!hist.children.length) hist.appendChild(el("li", "", "none"));
    parts.push(hist);
    c.replaceChildren(...parts);
  }

  let suggested = false;
  async function loadSuggestions(id) {
    if (suggested) return;
    suggested = true;
    const sugg = $("suggestions");
    try {
      const data = await call("GET", "/console/api/conversations/" + id + "/suggestions");
      sugg.replaceChildren(el("option", "", "Suggested articles…"), ...data.suggestions.map((s) => { const o = el("option", "", s.title + " [" + s.locale + "]"); o.value = s.title + "\n\n" + s.passage; return o; }));
    } catch (err) {
      sugg.replaceChildren(el("option", "", "No suggestions"));
    }
    sugg.firstChild.value = "";
  }

  async function load(id) {
    const data = await call("GET", "/console/api/conversations/" + id);
    conv = data;
    $("state").textContent = data.state + (data.assigned_to ? " · " + data.assigned_to : "");
    data.messages.forEach(addMessage);
    renderContext(data);
    $("claim").hidden = !(data.state === "queued" && !data.read_only);
    const banner = $("banner");
    banner.hidden = !data.read_only;
    banner.textContent = data.read_only ? "Safety concern - moved to the safety queue. A safety specialist will take it; you have read access only." : "";
    const editable = data.mine;
    ["reply", "send", "transfer", "handback", "resolve"].forEach((k) => { $(k).disabled = !editable; });
    const macros = $("macros");
    macros.replaceChildren(el("option", "", "Saved replies…"), ...data.macros.map((m) => { const o = el("option", "", m.title); o.value = m.text; return o; }));
    macros.firstChild.value = "";
    loadSuggestions(id);
  }

  let railIds = [];
  async function refreshRail() {
    const data = await call("GET", "/console/api/inbox");
    const marks = unread.all();
    railIds = data.mine.map((c) => c.id);
    $("rail").replaceChildren(...data.mine.map((c) => {
      const li = el("li");
      const a = el("a", (c.id === currentId ? "current " : "") + (marks.has(c.id) ? "unread" : ""));
      a.href = "/console/c/" + c.id;
      a.appendChild(el("span", "title", c.channel + " · " + c.language + " · " + c.queue));
      const line = el("span", "line", c.summary || ""); line.dir = "auto"; a.appendChild(line);
      li.appendChild(a);
      return li;
    }));
    if (!data.mine.length) $("rail").appendChild(el("li", "muted", "none"));
  }

  function step(delta) {
    const i = railIds.indexOf(currentId);
    const next = railIds[(i + delta + railIds.length) % railIds.length];
    if (next && next !== currentId) location.href = "/console/c/" + next;
  }

  function conversation(id) {
    currentId = id;
    unread.clear(id);
    refreshRail().catch(() => {});
    inboxStream().addEventListener("state", (e) => {
      // only what changes my list: one of mine changed, or something was transferred (maybe to me)
      const ev = JSON.parse(e.data);
      if (railIds.includes(ev.conversation_id) || ev.state === "transferred") refreshRail().catch(() => {});
    });
    inboxStream().addEventListener("activity", (e) => {
      const ev = JSON.parse(e.data);
      if (ev.assigned_to === me() && ev.conversation_id !== currentId) { unread.add(ev.conversation_id); refreshRail().catch(() => {}); }
    });
    load(id).catch((err) => alert(err.message));
    const es = new EventSource("/console/api/conversations/" + id + "/events");
    es.addEventListener("message", (e) => addMessage(JSON.parse(e.data).message));
    es.addEventListener("typing", (e) => { if (JSON.parse(e.data).sender === "creator") creatorTyping(); });
    let lastTyping = 0;
    $("reply").addEventListener("input", () => {
      // the creator sees "typing…" while I write a reply (not for internal notes)
      if (!conv || !conv.mine || $("as-note").checked || Date.now() - lastTyping < 2500) return;
      lastTyping = Date.now();
      call("POST", "/console/api/conversations/" + id + "/typing").catch(() => {});
    });
    es.addEventListener("state", () => load(id));
    const insert = (sel) => sel.addEventListener("change", () => { if (sel.value) { $("reply").value += ($("reply").value ? "\n" : "") + sel.value; sel.value = ""; $("reply").focus(); } });
    insert($("macros")); insert($("suggestions"));
    $("claim").addEventListener("click", async () => {
      try { await call("POST", "/console/api/conversations/" + id + "/claim"); await load(id); } catch (err) { alert(err.message); }
    });
    $("composer").addEventListener("submit", async (e) => {
      e.preventDefault();
      const text = $("reply").value.trim();
      if (!text) return;
      const kind = $("as-note").checked ? "note" : "reply";
      try { await call("POST", "/console/api/conversations/" + id + "/" + kind, { text }); $("reply").value = ""; $("as-note").checked = false; }
      catch (err) { alert(err.message); }
    });
    $("reply").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); $("composer").requestSubmit(); } });
    $("transfer").addEventListener("click", async () => {
      const note = prompt("Note for the next associate (optional):") || "";
      try { await call("POST", "/console/api/conversations/" + id + "/transfer", { queue: $("transfer-queue").value, associate: $("transfer-associate").value, note }); location.href = "/console/"; }
      catch (err) { alert(err.message); }
    });
    $("handback").addEventListener("click", async () => {
      try { await call("POST", "/console/api/conversations/" + id + "/handback"); location.href = "/console/"; } catch (err) { alert(err.message); }
    });
    $("resolve").addEventListener("click", async () => {
      try { await call("POST", "/console/api/conversations/" + id + "/resolve", { code: $("code").value }); location.href = "/console/"; } catch (err) { alert(err.message); }
    });
    document.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { location.href = "/console/"; return; }
      if (typing(e)) return;
      const keys = { j: () => step(1), k: () => step(-1), r: () => $("reply").focus(), o: () => { $("as-note").checked = true; $("reply").focus(); }, e: () => $("resolve").click(), t: () => $("transfer").click(), b: () => $("handback").click() };
      if (keys[e.key]) { e.preventDefault(); keys[e.key](); }
    });
  }

  return { shell, inbox, conversation };
})();
