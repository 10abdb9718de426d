// fanbridge listening parties: the room (/g/<slug>/party/<id>) and the item page's moments.
// Hand-written, no build step, no dependencies.
// A playhead runs locally from a position the server gave (and the server's time it was at), so
// every open room shows the same position; the room's event stream (Server-Sent Events) moves
// it on every change. Timed comments ("moments") pop up as floating notes when the playhead
// reaches them while it plays. The embedded player (YouTube, Spotify, Deezer, SoundCloud, Tidal)
// is opened at the position where the platform allows it and follows pauses and seeks where
// its frame listens (YouTube).
(function () {
  "use strict";

  var NOTE_MS = 8000; // a floating note stays this long
  var JUMP_MS = 2000; // a move larger than this is a seek: the notes in between do not pop up

  function clockText(ms) {
    var total = Math.max(0, Math.floor((ms || 0) / 1000));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    var ss = (s < 10 ? "0" : "") + s;
    if (h) return h + ":" + (m < 10 ? "0" : "") + m + ":" + ss;
    return m + ":" + ss;
  }

  function platformName(platform) {
    if (platform === "discord") return "Discord";
    if (platform === "slack") return "Slack";
    if (platform === "web") return "the room";
    return platform ? platform.charAt(0).toUpperCase() + platform.slice(1) : "";
  }

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  // -- the playhead ------------------------------------------------------------------------
  function Playhead() {
    this.base = 0; // position at `anchor`
    this.anchor = performance.now();
    this.playing = false;
    this.length = 0;
  }
  Playhead.prototype.now = function () {
    var pos = this.base + (this.playing ? performance.now() - this.anchor : 0);
    return this.length ? Math.min(pos, this.length) : pos;
  };
  Playhead.prototype.set = function (position, playing, length) {
    this.base = position;
    this.anchor = performance.now();
    this.playing = playing;
    if (length !== undefined) this.length = length;
  };

  // -- floating notes ----------------------------------------------------------------------
  function Notes(box) {
    this.box = box;
    this.moments = [];
    this.last = null; // the playhead when notes were last looked at
    this.fired = {}; // the notes shown since the last seek
  }
  Notes.prototype.load = function (moments) {
    this.moments = (moments || []).slice().sort(function (a, b) {
      return a.position_ms - b.position_ms;
    });
  };
  Notes.prototype.seek = function () {
    this.last = null;
    this.fired = {};
  };
  Notes.prototype.advance = function (position, playing) {
    var from = this.last;
    this.last = position;
    if (!playing || from === null || position < from || position - from > JUMP_MS) return;
    for (var i = 0; i < this.moments.length; i++) {
      var m = this.moments[i];
      var id = m.position_ms + "|" + m.at + "|" + m.author;
      if (m.position_ms > from && m.position_ms <= position && !this.fired[id]) {
        this.fired[id] = true;
        this.show(m);
      }
    }
  };
  Notes.prototype.show = function (moment) {
    if (!this.box) return;
    var note = el("div", "note");
    note.setAttribute("data-position-ms", String(moment.position_ms));
    note.appendChild(el("span", "note-time", clockText(moment.position_ms)));
    note.appendChild(document.createTextNode(" "));
    note.appendChild(el("strong", "note-author", moment.author || "someone"));
    note.appendChild(el("span", "note-platform", " (" + platformName(moment.platform) + ")"));
    if (moment.by_artist) note.appendChild(el("span", "badge", "artist"));
    note.appendChild(el("span", "note-text", moment.text));
    this.box.appendChild(note);
    setTimeout(function () { note.remove(); }, NOTE_MS);
  };

  // -- the embedded player -----------------------------------------------------------------
  function withStart(entry, ms) {
    var url = entry.embed;
    var seconds = Math.floor(ms / 1000);
    if (entry.embed_platform && entry.embed_platform.indexOf("youtube") === 0) {
      return url + (url.indexOf("?") >= 0 ? "&" : "?") + "start=" + seconds;
    }
    if (entry.embed_platform === "soundcloud") return url + "#t=" + seconds + "s";
    return url;
  }

  function Player(box, fallback, timeoutMs) {
    this.box = box;
    this.fallback = fallback;
    this.timeoutMs = timeoutMs || 8000;
    this.frame = null;
    this.entry = null;
    this.key = null;
    this.timer = null;
  }
  Player.prototype.clear = function () {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.frame) this.frame.remove();
    this.frame = null;
  };
  Player.prototype.open = function (key, entry, ms) {
    if (key === this.key && this.frame) return;
    this.clear();
    this.key = key;
    this.entry = entry;
    if (this.fallback) this.fallback.hidden = true;
    if (!entry || !this.box) return;
    if (!entry.embed) return this.showFallback("This song cannot play in the page.");
    var self = this;
    var frame = document.createElement("iframe");
    frame.src = withStart(entry, ms);
    frame.title = entry.title + " — " + entry.embed_name + " player";
    frame.allow = "autoplay; encrypted-media; clipboard-write";
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    frame.addEventListener("load", function () {
      if (frame.contentWindow && entry.embed_platform.indexOf("youtube") === 0) {
        frame.contentWindow.postMessage(JSON.stringify({ event: "listening", id: "fb" }), "*");
      }
    });
    this.box.appendChild(frame);
    this.frame = frame;
    this.timer = setTimeout(function () {
      self.showFallback("The " + entry.embed_name + " player did not load.");
    }, this.timeoutMs);
  };
  Player.prototype.alive = function (event) {
    if (this.frame && event.source === this.frame.contentWindow && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  };
  Player.prototype.showFallback = function (reason) {
    this.clear();
    if (!this.fallback || !this.entry) return;
    this.fallback.querySelector("span").textContent = reason;
    var link = this.fallback.querySelector("a");
    link.textContent = "Open on " + this.entry.platform_name;
    link.href = this.entry.open_url;
    this.fallback.hidden = false;
  };
  Player.prototype.command = function (func, args) {
    if (!this.frame || !this.entry || this.entry.embed_platform.indexOf("youtube") !== 0) return;
    var message = JSON.stringify({ event: "command", func: func, args: args || [] });
    this.frame.contentWindow.postMessage(message, "*");
  };
  Player.prototype.follow = function (playing, ms) {
    this.command("seekTo", [Math.floor(ms / 1000), true]);
    this.command(playing ? "playVideo" : "pauseVideo");
  };

  // -- the room ----------------------------------------------------------------------------
  var STATES = { scheduled: "Starting soon", playing: "Playing", paused: "Paused", ended: "Ended" };

  function personalKey(slug) {
    var store = null;
    try {
      store = window.localStorage;
    } catch (e) {
      store = null;
    }
    var fromUrl = new URLSearchParams(window.location.search).get("key");
    if (fromUrl) {
      if (store) store.setItem("fanbridge-key:" + slug, fromUrl);
      return fromUrl;
    }
    return store ? store.getItem("fanbridge-key:" + slug) : null;
  }

  function pastedKey(slug) {
    var field = document.getElementById("personal-link");
    var pasted = field ? field.value.trim() : "";
    if (!pasted) return null;
    var found = null;
    try {
      found = new URL(pasted, window.location.href).searchParams.get("key");
    } catch (e) {
      found = null;
    }
    if (found) {
      try {
        window.localStorage.setItem("fanbridge-key:" + slug, found);
      } catch (e) {
        // private browsing: the key lasts as long as the page
      }
    }
    return found;
  }

  function room(section) {
    var data = document.getElementById("party-data");
    var state = JSON.parse((data && data.textContent) || "{}");
    var playhead = new Playhead();
    var notes = new Notes(document.getElementById("notes"));
    var player = new Player(
      document.getElementById("party-frame"),
      document.getElementById("party-fallback"),
      parseInt(section.getAttribute("data-embed-timeout") || "8000", 10)
    );
    var position = document.getElementById("position");
    var bar = document.getElementById("progress-bar");
    var key = personalKey(section.getAttribute("data-slug") || "");
    var shown = null; // the track shown: "<index>:<item id>"

    function showTrack(s) {
      var t = s.track;
      var title = document.getElementById("track-title");
      title.textContent = t ? t.title : "Nothing playing";
      title.setAttribute("data-item-id", t ? String(t.id) : "");
      document.getElementById("track-artists").textContent = t ? t.artists.join(", ") : "";
      document.getElementById("track-queued").textContent = t ? "Queued by " + t.queued_by : "";
      var art = document.getElementById("track-artwork");
      art.src = t && t.artwork_url ? t.artwork_url : "/static/disc.svg";
      art.alt = t ? "Artwork of " + t.title : "";
      document.getElementById("length").textContent = clockText(t ? t.length_ms : 0);
    }

    function showQueue(s) {
      var list = document.getElementById("party-queue");
      list.textContent = "";
      s.queue.forEach(function (q) {
        var li = el("li", q.index === s.index ? "current" : "", q.title);
        li.setAttribute("data-index", String(q.index));
        if (q.index === s.index) li.setAttribute("aria-current", "true");
        if (q.artists.length) li.appendChild(el("span", "muted", " — " + q.artists.join(", ")));
        list.appendChild(li);
      });
    }

    function showChat(s) {
      var list = document.getElementById("chat");
      list.textContent = "";
      (s.chat || []).forEach(function (line) {
        var li = el("li");
        li.appendChild(el("strong", "", line.author || "someone"));
        li.appendChild(el("span", "muted", " (" + line.platform_name + ")"));
        if (line.by_artist) li.appendChild(el("span", "badge", "artist"));
        li.appendChild(document.createTextNode(": " + line.text));
        list.appendChild(li);
      });
    }

    function apply(s) {
      state = s;
      var label = document.getElementById("party-state");
      label.textContent = STATES[s.state] || s.state;
      if (s.state === "scheduled" && s.starts_at) {
        label.textContent = "Starts " + new Date(s.starts_at).toLocaleString();
      }
      label.setAttribute("data-state", s.state);
      section.setAttribute("data-state", s.state);
      var t = s.track;
      var trackKey = t ? s.index + ":" + t.id : null;
      var playing = s.state === "playing";
      var before = playhead.now();
      playhead.set(s.position_ms, playing, t ? t.length_ms : 0);
      if (trackKey !== shown) {
        shown = trackKey;
        notes.seek();
        showTrack(s);
        player.open(trackKey, t ? t.player : null, s.position_ms);
      } else if (Math.abs(before - s.position_ms) > JUMP_MS) {
        notes.seek();
        player.follow(playing, s.position_ms);
      } else {
        player.command(playing ? "playVideo" : "pauseVideo");
      }
      notes.load(s.moments);
      showQueue(s);
      showChat(s);
      tick();
    }

    function tick() {
      var t = state.track;
      var ms = t ? playhead.now() : 0;
      position.textContent = clockText(ms);
      position.setAttribute("data-position-ms", String(Math.round(ms)));
      bar.style.width = t && t.length_ms ? Math.min(100, (100 * ms) / t.length_ms) + "%" : "0%";
      notes.advance(ms, playhead.playing);
    }

    function listen() {
      if (!window.EventSource) return;
      var source = new EventSource(section.getAttribute("data-events-url"));
      source.addEventListener("state", function (event) {
        apply(JSON.parse(event.data));
      });
    }

    function send(event) {
      event.preventDefault();
      var status = document.getElementById("comment-status");
      var box = document.getElementById("comment-text");
      var text = box.value.trim();
      if (!text) return;
      if (!key) key = pastedKey(section.getAttribute("data-slug") || "");
      if (!key) {
        document.getElementById("personal-link-field").hidden = false;
        status.textContent =
          "To write here you need your personal link: send /fangroup web in one of the " +
          "group's channels and paste the link it gives you above.";
        return;
      }
      status.textContent = "Sending…";
      fetch(section.getAttribute("data-comments-url"), {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ text: text, key: key }),
      })
        .then(function (response) {
          return response.json().then(function (body) {
            if (response.ok) {
              box.value = "";
              status.textContent = "Sent to the group's channels.";
            } else {
              status.textContent = (body.error && body.error.message) || "Not sent.";
            }
          });
        })
        .catch(function () {
          status.textContent = "Not sent: the bridge did not answer.";
        });
    }

    document.getElementById("personal-link-field").hidden = Boolean(key);
    document.getElementById("comment-form").addEventListener("submit", send);
    window.addEventListener("message", function (event) { player.alive(event); });
    apply(state);
    setInterval(tick, 200);
    listen();
  }

  // -- the item page: the song's moments played with its player --------------------------
  function itemMoments(section) {
    var data = document.getElementById("moments-data");
    var moments = JSON.parse((data && data.textContent) || "[]");
    var entry = JSON.parse(section.getAttribute("data-player") || "null");
    var length = parseInt(section.getAttribute("data-length-ms") || "0", 10);
    var playhead = new Playhead();
    var notes = new Notes(document.getElementById("notes"));
    var player = new Player(
      document.getElementById("item-frame"),
      document.getElementById("item-fallback"),
      parseInt(section.getAttribute("data-embed-timeout") || "8000", 10)
    );
    var position = document.getElementById("position");
    var toggle = document.getElementById("item-play");
    var bar = document.getElementById("progress-bar");
    var opened = 0;
    playhead.set(0, false, length);
    notes.load(moments);

    function tick() {
      var ms = playhead.now();
      if (length && ms >= length && playhead.playing) {
        playhead.set(length, false);
        toggle.textContent = "Play";
      }
      position.textContent = clockText(ms);
      position.setAttribute("data-position-ms", String(Math.round(ms)));
      if (bar) bar.style.width = length ? Math.min(100, (100 * ms) / length) + "%" : "0%";
      notes.advance(ms, playhead.playing);
    }

    function play(ms) {
      notes.seek();
      playhead.set(ms, true);
      section.setAttribute("data-state", "playing");
      toggle.textContent = "Pause";
      opened += 1; // a new frame at the position (the platforms open at a start time)
      if (!player.frame) player.open("item:" + opened, entry, ms);
      else player.follow(true, ms);
      notes.advance(ms, true);
      tick();
    }

    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      if (playhead.playing) {
        playhead.set(playhead.now(), false);
        section.setAttribute("data-state", "paused");
        toggle.textContent = "Play";
        player.command("pauseVideo");
      } else {
        play(playhead.now());
      }
    });
    document.querySelectorAll("button.moment-seek").forEach(function (button) {
      button.addEventListener("click", function () {
        // start a moment a little before it, so its note pops up as it plays
        var at = parseInt(button.getAttribute("data-position-ms") || "0", 10);
        play(Math.max(0, at - 1000));
      });
    });
    window.addEventListener("message", function (event) { player.alive(event); });
    setInterval(tick, 200);
    tick();
  }

  var roomSection = document.getElementById("party-room");
  if (roomSection) room(roomSection);
  var itemSection = document.getElementById("item-player");
  if (itemSection) itemMoments(itemSection);
})();
