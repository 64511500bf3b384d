// Chat widget: opens a conversation for this browser session and shows the bot's turns.
(function () {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const transcript = $("transcript");
  const quick = $("quick-replies");
  const LABELS = {
    en: { you: "You", bot: "Assistant", associate: "Support", queued: "A member of the support team will reply here.", closed: "Conversation closed - write again any time.", placeholder: "Type your question…", send: "Send", article: "Article", joined: "A member of the support team has joined.", wait: "Expected wait: about {n} min.", typing: "The assistant is typing", associateTyping: "Support is typing", attach: "Attach an image", badType: "Only images can be sent: PNG, JPEG, GIF or WebP.", tooBig: "This image is too large (max {n} MB).", image: "Image" },
    fr: { you: "Vous", bot: "Assistant", associate: "Support", queued: "Un membre de l'équipe support va vous répondre ici.", closed: "Conversation terminée - écrivez-nous quand vous voulez.", placeholder: "Écrivez votre question…", send: "Envoyer", article: "Article", joined: "Un membre de l'équipe support a rejoint la conversation.", wait: "Attente estimée : environ {n} min.", typing: "L'assistant écrit", associateTyping: "Le support écrit", attach: "Joindre une image", badType: "Seules les images sont acceptées : PNG, JPEG, GIF ou WebP.", tooBig: "Cette image est trop lourde (max {n} Mo).", image: "Image" },
    ar: { you: "أنت", bot: "المساعد", associate: "الدعم", queued: "سيرد عليك أحد أعضاء فريق الدعم هنا.", closed: "انتهت المحادثة - راسلنا متى شئت.", placeholder: "اكتب سؤالك…", send: "إرسال", article: "مقال", joined: "انضم أحد أعضاء فريق الدعم إلى المحادثة.", wait: "مدة الانتظار المتوقعة: حوالي {n} دقيقة.", typing: "المساعد يكتب", associateTyping: "فريق الدعم يكتب", attach: "إرفاق صورة", badType: "يمكن إرسال الصور فقط: PNG أو JPEG أو GIF أو WebP.", tooBig: "هذه الصورة كبيرة جدًا (الحد الأقصى {n} ميغابايت).", image: "صورة" },
  };
  let conversationId = null;
  let state = "bot";
  let language = "en";
  let events = null;
  const seen = new Set();

  function labels() { return LABELS[language] || LABELS.en; }

  function applyLanguage(lang) {
    language = LABELS[lang] ? lang : language;
    document.documentElement.lang = language;
    document.documentElement.dir = language === "ar" ? "rtl" : "ltr";
    $("text").placeholder = labels().placeholder;
    $("send").textContent = labels().send;
    $("attach").setAttribute("aria-label", labels().attach);
  }

  function add(sender, text, extra) {
    if (extra && extra.id !== undefined) {
      if (seen.has(extra.id)) return null;
      seen.add(extra.id);
    }
    const li = document.createElement("li");
    li.className = "msg " + sender;
    li.dir = "auto";
    if (sender !== "system") {
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = sender === "creator" ? labels().you : sender === "bot" ? labels().bot : labels().associate;
      li.appendChild(who);
    }
    const body = document.createElement("span");
    body.className = "text";
    body.textContent = text; // never innerHTML: creator and bot text is shown as text
    li.appendChild(body);
    ((extra && extra.attachments) || []).forEach((a) => {
      const url = "/widget/api/conversations/" + conversationId + "/attachments/" + encodeURIComponent(a.id);
      const link = document.createElement("a");
      link.className = "image"; link.href = url; link.target = "_blank"; link.rel = "noopener";
      const img = document.createElement("img");
      img.src = url; img.alt = labels().image + ": " + a.name;
      link.appendChild(img);
      li.appendChild(link);
    });
    if (extra && extra.article_id) {
      const a = document.createElement("span");
      a.className = "article";
      a.textContent = labels().article + ": " + extra.article_id;
      li.appendChild(a);
    }
    const typing = document.getElementById("typing");
    transcript.insertBefore(li, typing);
    transcript.scrollTop = transcript.scrollHeight;
    return li;
  }

  // "…" while the assistant is answering, or while the associate writes
  let typingTimer = null;
  function showTyping(on, who) {
    let t = document.getElementById("typing");
    clearTimeout(typingTimer);
    if (!on) { if (t) t.remove(); return; }
    if (!t) {
      t = document.createElement("li");
      t.id = "typing";
      t.textContent = "…";
      transcript.appendChild(t);
      transcript.scrollTop = transcript.scrollHeight;
    }
    t.className = "msg typing " + (who === "associate" ? "associate" : "bot");
    t.setAttribute("aria-label", who === "associate" ? labels().associateTyping : labels().typing);
    t.title = t.getAttribute("aria-label");
    if (who === "associate") typingTimer = setTimeout(() => showTyping(false), 6000);
  }

  function showButtons(buttons) {
    quick.replaceChildren();
    (buttons || []).forEach((b) => {
      const btn = document.createElement("button");
      btn.type = "button";
      btn.textContent = b.title;
      btn.addEventListener("click", () => send(b.payload, b.title));
      quick.appendChild(btn);
    });
  }

  async function api(path, body) {
    const res = await fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body), credentials: "same-origin" });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(data.error || res.statusText);
    return data;
  }

  async function start() {
    const locale = $("locale").value;
    const country = $("country").value || undefined;
    transcript.replaceChildren();
    showButtons([]);
    const conv = await api("/widget/api/conversations", { channel: "live_chat", creator: { locale: locale, country: country } });
    conversationId = conv.id;
    seen.clear();
    applyLanguage(conv.language);
    listen();
    $("status-line").textContent = "";
    await send("/greet", null, true);
  }

  // live replies from a person (and catch-up after a reconnect: EventSource resends Last-Event-ID)
  function listen() {
    if (events) events.close();
    events = new EventSource("/widget/api/conversations/" + conversationId + "/events");
    events.addEventListener("message", (e) => {
      const m = JSON.parse(e.data).message;
      if (m.sender === "creator") { seen.add(m.id); return; }
      if (m.sender === "associate") showTyping(false);
      add(m.sender, m.text, m);
      if (m.buttons) showButtons(m.buttons);
    });
    events.addEventListener("state", (e) => {
      const st = JSON.parse(e.data).state;
      if (st === "assigned" && state !== "assigned") add("system", labels().joined);
      state = st;
    });
    events.addEventListener("typing", () => showTyping(true, "associate"));
  }

  async function send(text, shown, silent) {
    if (!conversationId) await start();
    const forConversation = conversationId;
    if (!silent) add("creator", shown || text);
    showButtons([]);
    $("send").disabled = true;
    showTyping(true);
    try {
      const clientId = (self.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random();
      const turn = await api("/widget/api/conversations/" + forConversation + "/messages", { text: text, client_message_id: clientId });
      if (forConversation !== conversationId) return; // the creator started a new chat meanwhile
      applyLanguage(turn.language);
      state = turn.state;
      let buttons = [];
      seen.add(turn.message_id);
      turn.replies.forEach((r) => { add("bot", r.text, r); if (r.buttons) buttons = r.buttons; });
      showButtons(buttons);
      if (turn.state === "queued") add("system", labels().queued + (turn.expected_wait_minutes ? " " + labels().wait.replace("{n}", turn.expected_wait_minutes) : ""));
      if (turn.state === "assigned" && !turn.replies.length) showTyping(false);
      if (turn.state === "closed") add("system", labels().closed);
    } catch (err) {
      add("system", String(err.message || err));
    } finally {
      $("send").disabled = false;
      showTyping(false);
    }
  }

  // an image (a screenshot of a notice or a payout), with what is in the text box as its caption
  async function sendImage(file) {
    const limit = Number($("file").dataset.maxBytes) || 5 * 1024 * 1024;
    if (!/^image\/(png|jpeg|gif|webp)$/.test(file.type)) { add("system", labels().badType); return; }
    if (file.size > limit) { add("system", labels().tooBig.replace("{n}", Math.floor(limit / 1048576) || 1)); return; }
    if (!conversationId) await start();
    const forConversation = conversationId;
    const caption = $("text").value.trim();
    $("text").value = "";
    const form = new FormData();
    form.append("file", file, file.name);
    form.append("text", caption);
    form.append("client_message_id", (self.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random());
    $("send").disabled = true;
    showTyping(true);
    try {
      const res = await fetch("/widget/api/conversations/" + forConversation + "/attachments", { method: "POST", body: form, credentials: "same-origin" });
      const turn = await res.json().catch(() => ({}));
      if (!res.ok) throw new Error(turn.error || res.statusText);
      if (forConversation !== conversationId) return;
      seen.add(turn.message_id);
      add("creator", caption, { attachments: turn.attachments });
      state = turn.state;
      let buttons = [];
      turn.replies.forEach((r) => { add("bot", r.text, r); if (r.buttons) buttons = r.buttons; });
      showButtons(buttons);
    } catch (err) {
      add("system", String(err.message || err));
    } finally {
      $("send").disabled = false;
      showTyping(false);
    }
  }

  $("attach").addEventListener("click", () => $("file").click());
  $("file").addEventListener("change", () => {
    const f = $("file").files[0];
    $("file").value = "";
    if (f) sendImage(f);
  });

  // while a person has the chat, they see that the creator is typing
  let lastTyping = 0;
  $("text").addEventListener("input", () => {
    if (state !== "assigned" || !conversationId || Date.now() - lastTyping < 3000) return;
    lastTyping = Date.now();
    fetch("/widget/api/conversations/" + conversationId + "/typing", { method: "POST", credentials: "same-origin" }).catch(() => {});
  });

  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    const text = $("text").value.trim();
    if (!text) return;
    $("text").value = "";
    send(text);
  });
  $("text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("composer").requestSubmit(); }
  });
  $("start-form").addEventListener("submit", (e) => { e.preventDefault(); start(); });
  start();
})();
