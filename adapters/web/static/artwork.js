// fanbridge: artwork that cannot load (a dead link, a blocked host) shows the placeholder disc
// instead of a broken image. No inline handlers (the page's CSP allows only 'self' scripts):
// failures are caught on the document, and images that failed before this ran are found.
(function () {
  "use strict";

  var DISC = "/static/disc.svg";

  function fallBack(img) {
    if (!img || img.getAttribute("data-placeholder") === "disc") return;
    img.setAttribute("data-placeholder", "disc");
    img.setAttribute("src", DISC);
  }

  document.addEventListener(
    "error",
    function (event) {
      var target = event.target;
      if (target && target.tagName === "IMG" && target.classList.contains("artwork")) {
        fallBack(target);
      }
    },
    true
  );

  function sweep() {
    var images = document.querySelectorAll("img.artwork");
    for (var i = 0; i < images.length; i++) {
      var img = images[i];
      if (img.complete && img.naturalWidth === 0) fallBack(img);
    }
  }

  sweep();
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", sweep);
  }
  window.addEventListener("load", sweep);
})();
