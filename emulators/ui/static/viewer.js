/* fanbridge emulator viewer, part 2: the page. Needs platforms.js (loaded first).
 *
 * Reads only the emulator's control API (GET /_emu/world, GET /_emu/<platform>/channels/{id}/
 * messages, POST /_emu/<platform>/messages) and listens to GET /_emu/ui/events (Server-Sent
 * Events): an event re-fetches the channel it concerns, so the page is right whatever the event
 * carries. Message text only ever reaches the page through textContent, never as HTML.
 */
"use strict";

(function () {
  const { str, list, getJSON, postJSON, isBroadcast, pingLabel, platforms } =
    window.fanbridgeViewer;
  const REFRESH_MS = 120; // events within this window cost one re-fetch
  const NEAR_BOTTOM_PX = 48;
  const MAX_SHOWN = 300; // the latest messages of a channel; older ones are counted, not drawn
  // Event kinds that may change guilds, channels or people: the world is re-read.
  const STRUCTURE_KINDS = /\.(channel|thread|guild|member|user|role|workspace|world|reset)/;
  // Event kinds that never change what a channel shows.
  const QUIET_KINDS = new Set(["slack.socket", "slack.delivery", "slack.event", "ui.closing"]);

  function byId(id) {
    return document.getElementById(id);
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /* Calls fn once, `ms` after the first of a burst of requests (a steady stream still runs it). */
  function coalesce(fn, ms) {
    let timer = null;
    return function () {
      if (timer === null) {
        timer = setTimeout(() => {
          timer = null;
          fn();
        }, ms);
      }
    };
  }

  function hashIndex(text, size) {
    let h = 0;
    for (const ch of str(text)) h = (h * 31 + ch.codePointAt(0)) >>> 0;
    return h % size;
  }

  function clock(date) {
    if (!date || isNaN(date.getTime())) return null;
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function snippet(pieces) {
    const text = pieces.map((p) => p.text).join("").replace(/\s+/g, " ").trim();
    return text.length > 80 ? text.slice(0, 79) + "…" : text;
  }

  function fillSelect(select, items, label) {
    select.replaceChildren(...items.map((item) => {
      const option = el("option", null, label(item));
      option.value = str(item.id);
      return option;
    }));
  }

  // ---- rendering one message ------------------------------------------------------------------

  function renderPieces(parent, pieces) {
    for (const piece of pieces) {
      if (piece.cls) parent.append(el("span", piece.cls, piece.text));
      else parent.append(document.createTextNode(piece.text));
    }
  }

  function renderMeta(view) {
    const meta = el("div", "meta");
    meta.append(el("span", "author", view.author));
    if (view.badge) meta.append(el("span", "badge", view.badge));
    const at = clock(view.time);
    if (at) {
      const time = el("time", "time", at);
      time.dateTime = view.time.toISOString();
      meta.append(time);
    }
    if (view.edited) meta.append(el("span", "edited", "(edited)"));
    if (view.pinned) meta.append(el("span", "pinned", "📌 pinned"));
    return meta;
  }

  function renderPings(view, ctx) {
    const row = el("div", "pings");
    row.append(el("span", "visually-hidden", "Notifies: "));
    for (const ping of view.pinged) {
      const label = "🔔 " + pingLabel(ping, ctx.names, ctx.adapter.name);
      row.append(el("span", isBroadcast(ping) ? "ping all" : "ping", label));
    }
    return row;
  }

  function renderReactions(view) {
    const row = el("ul", "reactions");
    row.setAttribute("aria-label", "Reactions");
    for (const r of view.reactions) {
      const item = el("li", r.me ? "reaction me" : "reaction");
      item.append(el("span", "emoji", r.label), el("span", "count", r.count));
      if (r.title) item.title = r.title;
      row.append(item);
    }
    return row;
  }

  function renderBody(view, ctx) {
    const body = el("div", "body");
    body.append(renderMeta(view));
    if (view.replyTo) body.append(el("div", "reply-to", "↪ " + view.replyTo));
    const text = el("div", "text");
    renderPieces(text, view.pieces);
    body.append(text);
    for (const extra of view.extras) body.append(el("div", "extra " + extra.kind, extra.text));
    if (view.pinged.length) body.append(renderPings(view, ctx));
    if (view.reactions.length) body.append(renderReactions(view));
    return body;
  }

  function renderMessage(view, ctx) {
    const item = el("li", "message");
    item.dataset.key = view.key;
    if (view.pinged.some(isBroadcast)) item.classList.add("pinged-all");
    if (ctx.me && view.pinged.includes(ctx.me)) item.classList.add("pinged-me");
    if (ctx.fresh.has(view.key)) item.classList.add("fresh");
    const initial = (view.author || "?").slice(0, 1).toUpperCase();
    const avatar = el("span", `avatar av${hashIndex(view.authorId || view.author, 8)}`, initial);
    avatar.setAttribute("aria-hidden", "true");
    item.append(avatar, renderBody(view, ctx));
    if (view.thread) item.append(renderThread(view.thread, ctx));
    return item;
  }

  function renderThread(thread, ctx) {
    const box = el("div", "thread");
    box.append(el("div", "thread-title", thread.title));
    const replies = el("ol", "replies");
    for (const view of thread.views) replies.append(renderMessage(view, ctx));
    box.append(replies);
    return box;
  }

  /* Raw messages -> views (threads included) and every key shown, in order. */
  function buildViews(messages, ctx, keys) {
    return messages.map((m) => {
      const view = ctx.adapter.view(m, ctx);
      ctx.byKey.set(view.key, { author: view.author, snippet: snippet(view.pieces) });
      keys.push(view.key);
      if (view.thread) view.thread.views = buildViews(view.thread.items, ctx, keys);
      return view;
    });
  }

  // ---- one pane: pickers, message list, composer ----------------------------------------------

  const PARTS = [
    "pane", "space", "channel", "messages", "notice", "composer", "user", "text", "error",
  ];

  class Pane {
    constructor(adapter, app) {
      this.adapter = adapter;
      this.app = app;
      this.name = adapter.name;
      this.dom = {};
      for (const part of PARTS) this.dom[part] = byId(`${this.name}-${part}`);
      this.space = null;
      this.channel = null;
      this.keys = null; // keys shown last time (null: nothing shown yet)
      this.signature = null; // what was drawn last: an unchanged channel is not redrawn
      this.related = new Set(); // other channel ids whose events concern this one (threads)
      this.busy = false;
      this.again = false;
      this.refresh = coalesce(() => this.load(), REFRESH_MS);
      this.bind();
    }

    bind() {
      this.dom.space.addEventListener("change", () => this.pickSpace(this.dom.space.value, null));
      this.dom.channel.addEventListener("change", () => this.pickChannel(this.dom.channel.value));
      this.dom.user.addEventListener("change", () => this.load());
      this.dom.composer.addEventListener("submit", (e) => {
        e.preventDefault();
        this.send();
      });
      this.dom.text.addEventListener("keydown", (e) => {
        if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
          e.preventDefault();
          this.send();
        }
      });
    }

    spaces() {
      return this.adapter.spaces(this.app.world);
    }

    currentSpace() {
      return this.spaces().find((s) => str(s.id) === this.space);
    }

    showWorld(wanted) {
      const spaces = this.spaces();
      this.setAvailable(spaces.length > 0);
      if (!spaces.length) return;
      const home = spaces.find((s) => list(s.channels).some((c) => str(c.id) === wanted));
      const space = home || this.currentSpace() || spaces[0];
      fillSelect(this.dom.space, spaces, (s) => s.name || s.id);
      this.pickSpace(str(space.id), wanted || this.channel);
    }

    setAvailable(available) {
      this.dom.pane.classList.toggle("absent", !available);
      this.notice(available ? "" : `${this.adapter.title} is not running in this emulator.`);
      for (const control of this.dom.composer.elements) control.disabled = !available;
      this.dom.space.disabled = this.dom.channel.disabled = !available;
      if (available) return;
      for (const part of ["space", "channel", "user", "messages"]) this.dom[part].replaceChildren();
      this.space = this.channel = this.signature = this.keys = null;
    }

    pickSpace(spaceId, wantedChannel) {
      this.space = spaceId;
      this.dom.space.value = spaceId;
      const space = this.currentSpace() || {};
      const users = list(space.users);
      const previousUser = this.dom.user.value;
      fillSelect(this.dom.user, users, (u) => this.adapter.userLabel(u));
      if (users.some((u) => str(u.id) === previousUser)) this.dom.user.value = previousUser;
      const channels = this.adapter.channels(space);
      fillSelect(this.dom.channel, channels, (c) => "#" + str(c.name || c.id));
      const keep = channels.find((c) => str(c.id) === wantedChannel) || channels[0];
      this.pickChannel(keep ? str(keep.id) : null);
    }

    pickChannel(channelId) {
      if (channelId !== this.channel) {
        this.keys = this.signature = null;
        this.related.clear();
        this.dom.messages.replaceChildren();
      }
      this.channel = channelId;
      if (channelId) this.dom.channel.value = channelId;
      this.dom.text.placeholder = channelId ? `Message ${this.channelName()}` : "No channel";
      this.app.saveLocation();
      this.load();
    }

    channelName() {
      const option = this.dom.channel.selectedOptions[0];
      return option ? option.textContent : "";
    }

    /* One fetch at a time; a request made meanwhile runs once more after it. */
    async load() {
      if (this.busy) {
        this.again = true;
        return;
      }
      this.busy = true;
      try {
        do {
          this.again = false;
          await this.loadOnce();
        } while (this.again);
      } finally {
        this.busy = false;
      }
    }

    async loadOnce() {
      const channel = this.channel;
      if (!channel) return;
      try {
        const raw = list(await getJSON(this.adapter.messagesUrl(channel)));
        const messages = await this.adapter.expand(raw.slice(-MAX_SHOWN));
        if (channel !== this.channel) return; // pickChannel has asked for another load
        const me = this.dom.user.value;
        const signature = JSON.stringify([raw.length, messages, me, this.app.world]);
        if (signature !== this.signature) this.render(messages, raw.length - messages.length);
        this.signature = signature;
        this.notice("");
      } catch (err) {
        if (channel === this.channel) this.notice(`Could not load the channel (${err.message}).`);
      }
    }

    render(messages, hidden) {
      const ctx = {
        adapter: this.adapter,
        names: this.adapter.names(this.app.world, this.currentSpace()),
        me: this.dom.user.value,
        byKey: new Map(),
        fresh: new Set(),
      };
      const keys = [];
      const views = buildViews(messages, ctx, keys);
      if (this.keys) ctx.fresh = new Set(keys.filter((k) => !this.keys.has(k)));
      this.related = new Set(messages.flatMap((m) => this.adapter.related(m)));
      this.draw(views, ctx, hidden);
      if (ctx.fresh.size) {
        this.app.announce(`${ctx.fresh.size} new in ${this.adapter.title} ${this.channelName()}`);
      }
      this.keys = new Set(keys);
    }

    draw(views, ctx, hidden) {
      const box = this.dom.messages;
      const gap = box.scrollHeight - box.scrollTop - box.clientHeight;
      const stick = this.keys === null || gap < NEAR_BOTTOM_PX;
      const top = box.scrollTop;
      const items = views.map((view) => renderMessage(view, ctx));
      if (hidden > 0) items.unshift(el("li", "empty", `${hidden} earlier messages not shown.`));
      if (!views.length) items.push(el("li", "empty", "No messages yet."));
      box.replaceChildren(...items);
      box.scrollTop = stick ? box.scrollHeight : top;
    }

    concerns(channelId) {
      if (!this.channel) return false;
      if (!channelId || channelId === this.channel || this.related.has(channelId)) return true;
      // an id the world does not list may be a new thread of this channel
      return !this.spaces().some((s) => list(s.channels).some((c) => str(c.id) === channelId));
    }

    async send() {
      const text = this.dom.text.value;
      const user = this.dom.user.value;
      if (!text.trim() || !this.channel || !user) return;
      this.error("");
      this.dom.text.disabled = true;
      try {
        await postJSON(this.adapter.postUrl, this.adapter.postBody(this.channel, user, text));
        this.dom.text.value = "";
        this.load();
      } catch (err) {
        this.error(`Not sent: ${err.message}`);
      } finally {
        this.dom.text.disabled = false;
        this.dom.text.focus();
      }
    }

    notice(text) {
      this.dom.notice.textContent = text;
      this.dom.notice.hidden = !text;
    }

    error(text) {
      this.dom.error.textContent = text;
      this.dom.error.hidden = !text;
    }
  }

  // ---- the page: world, live events, location -------------------------------------------------

  function channelOf(event) {
    const message = event.message || {};
    const inner = event.event || {};
    const candidates = [
      event.channel_id, event.channel, message.channel_id, message.channel, inner.channel,
    ];
    for (const value of candidates) {
      if (value && typeof value === "object" && value.id) return str(value.id);
      if (typeof value === "string" || typeof value === "number") return str(value);
    }
    return null;
  }

  class App {
    constructor() {
      this.world = {};
      this.panes = {};
      for (const adapter of platforms) this.panes[adapter.name] = new Pane(adapter, this);
      this.reloadWorld = coalesce(() => this.loadWorld(null), REFRESH_MS);
      this.live = byId("live");
      this.wasDown = false;
    }

    async start() {
      await this.loadWorld(this.readLocation());
      this.listen();
      document.addEventListener("visibilitychange", () => {
        if (document.visibilityState === "visible") this.loadWorld(null);
      });
    }

    async loadWorld(wanted) {
      try {
        this.world = (await getJSON("/_emu/world")) || {};
      } catch (err) {
        this.setLive("down", `emulator unreachable (${err.message})`);
        return;
      }
      for (const pane of Object.values(this.panes)) {
        pane.showWorld((wanted && wanted[pane.name]) || pane.channel);
      }
    }

    listen() {
      const source = new EventSource("/_emu/ui/events");
      source.onopen = () => {
        this.setLive("live", "live");
        if (this.wasDown) this.loadWorld(null); // events may have been missed meanwhile
        this.wasDown = false;
      };
      source.onerror = () => {
        this.wasDown = true;
        this.setLive("down", "reconnecting…");
      };
      source.onmessage = (message) => {
        try {
          this.dispatch(JSON.parse(message.data));
        } catch (err) {
          console.warn("viewer: bad event", err);
        }
      };
    }

    dispatch(event) {
      const kind = str(event.kind);
      if (QUIET_KINDS.has(kind)) return;
      const pane = this.panes[str(event.platform) || kind.split(".")[0]];
      if (!pane) return;
      if (STRUCTURE_KINDS.test(kind) || !pane.spaces().length) this.reloadWorld();
      if (pane.concerns(channelOf(event))) pane.refresh();
    }

    setLive(state, text) {
      this.live.dataset.state = state;
      this.live.textContent = text;
    }

    announce(text) {
      byId("announce").textContent = text;
    }

    readLocation() {
      const params = new URLSearchParams(location.hash.slice(1));
      return { discord: params.get("discord"), slack: params.get("slack") };
    }

    saveLocation() {
      const params = new URLSearchParams();
      for (const pane of Object.values(this.panes)) {
        if (pane.channel) params.set(pane.name, pane.channel);
      }
      history.replaceState(null, "", "#" + params.toString());
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    new App().start();
  });
})();
