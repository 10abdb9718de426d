// fanbridge "Play all": plays the tab in order, in the page, with the platforms' embed players.
// Hand-written, no build step, no dependencies. The queue comes from the page itself
// (<script type="application/json" id="queue-data">). An embed that does not show signs of
// life (a postMessage from its frame) within the timeout, or fails, is replaced by a visible
// "Open on <platform>" link; next/previous (buttons, or the n / p keys) move along the queue.
(function () {
  "use strict";

  var data = document.getElementById("queue-data");
  var player = document.getElementById("player");
  var start = document.getElementById("play-all");
  if (!data || !player || !start) return;

  var queue = JSON.parse(data.textContent || "[]");
  if (!queue.length) return;

  var timeoutMs = parseInt(player.getAttribute("data-embed-timeout") || "8000", 10);
  var nowPlaying = document.getElementById("now-playing");
  var frameBox = document.getElementById("player-frame");
  var fallback = document.getElementById("player-fallback");
  var fallbackText = document.getElementById("player-fallback-text");
  var fallbackLink = document.getElementById("player-fallback-link");
  var openLink = document.getElementById("player-open");
  var prevButton = document.getElementById("player-prev");
  var nextButton = document.getElementById("player-next");
  var stopButton = document.getElementById("player-stop");

  var index = -1;
  var frame = null;
  var timer = null;

  start.hidden = false;

  function label(entry) {
    return entry.artists ? entry.title + " — " + entry.artists : entry.title;
  }

  function markRow(entry, on) {
    var row = entry && entry.row ? document.getElementById(entry.row) : null;
    if (!row) return;
    row.classList.toggle("playing", on);
    if (on) row.setAttribute("aria-current", "true");
    else row.removeAttribute("aria-current");
  }

  function clearFrame() {
    if (timer) clearTimeout(timer);
    timer = null;
    if (frame) frame.remove();
    frame = null;
  }

  function showFallback(entry, reason) {
    clearFrame();
    player.setAttribute("data-state", "fallback");
    fallbackText.textContent = reason + " ";
    fallbackLink.textContent = "Open on " + entry.platform_name;
    fallbackLink.href = entry.open_url;
    fallback.hidden = false;
  }

  function embed(entry) {
    frame = document.createElement("iframe");
    frame.src = entry.embed;
    frame.title = label(entry) + " — " + entry.embed_name + " player";
    frame.allow = "autoplay; encrypted-media; clipboard-write";
    frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
    frame.addEventListener("error", function () {
      showFallback(entry, "The " + entry.embed_name + " player could not load.");
    });
    frame.addEventListener("load", function () {
      // ask YouTube's player to report its state (it then posts messages to us)
      if (frame && entry.embed_platform.indexOf("youtube") === 0) {
        frame.contentWindow.postMessage(JSON.stringify({ event: "listening", id: "fb" }), "*");
      }
    });
    frameBox.appendChild(frame);
    timer = setTimeout(function () {
      showFallback(entry, "The " + entry.embed_name + " player did not load.");
    }, timeoutMs);
  }

  function play(i) {
    if (i < 0 || i >= queue.length) return;
    markRow(queue[index], false);
    clearFrame();
    index = i;
    var entry = queue[i];
    player.hidden = false;
    fallback.hidden = true;
    player.setAttribute("data-index", String(i));
    nowPlaying.textContent =
      "Now playing " + (i + 1) + " of " + queue.length + ": " + label(entry);
    openLink.href = entry.open_url;
    openLink.textContent = "Open on " + entry.platform_name;
    var focused = document.activeElement;
    prevButton.disabled = i === 0;
    nextButton.disabled = i === queue.length - 1;
    if (focused === nextButton && nextButton.disabled) prevButton.focus();
    if (focused === prevButton && prevButton.disabled) nextButton.focus();
    markRow(entry, true);
    if (entry.embed) {
      player.setAttribute("data-state", "loading");
      embed(entry);
    } else {
      showFallback(entry, "This one cannot play in the page.");
    }
  }

  function alive(event) {
    if (!frame || event.source !== frame.contentWindow) return;
    if (timer) clearTimeout(timer);
    timer = null;
    player.setAttribute("data-state", "playing");
    var info = null;
    try {
      info = typeof event.data === "string" ? JSON.parse(event.data) : event.data;
    } catch (e) {
      info = null;
    }
    // YouTube: playerState 0 means the video ended
    if (info && info.info && info.info.playerState === 0) play(index + 1);
  }

  function stop() {
    markRow(queue[index], false);
    clearFrame();
    player.hidden = true;
    player.setAttribute("data-state", "stopped");
    nowPlaying.textContent = "Stopped.";
    start.focus();
  }

  function typing(target) {
    var tag = target && target.tagName ? target.tagName.toLowerCase() : "";
    return tag === "input" || tag === "select" || tag === "textarea" || target.isContentEditable;
  }

  function onKey(event) {
    if (player.hidden || event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) {
      return;
    }
    if (event.key === "n" || event.key === "N") {
      event.preventDefault();
      play(index + 1);
    } else if (event.key === "p" || event.key === "P") {
      event.preventDefault();
      play(index - 1);
    } else if (event.key === "Escape") {
      stop();
    }
  }

  start.addEventListener("click", function () {
    play(0);
    nextButton.focus();
  });
  prevButton.addEventListener("click", function () { play(index - 1); });
  nextButton.addEventListener("click", function () { play(index + 1); });
  stopButton.addEventListener("click", stop);
  window.addEventListener("message", alive);
  document.addEventListener("keydown", onKey);
})();
