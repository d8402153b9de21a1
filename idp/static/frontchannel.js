// Front-Channel Logout 1.0: once every portal's logout frame has loaded, continue to the
// page the signed-out page links to. A portal that never answers cannot hold the person
// here: after WAIT_MS the page continues anyway (the link is there without JavaScript).
(function () {
  "use strict";
  var WAIT_MS = 5000;
  var link = document.getElementById("continue-after-logout");
  if (!link) {
    return;
  }
  var frames = document.querySelectorAll("iframe.frontchannel-logout");
  var pending = frames.length;
  var gone = false;
  function go() {
    if (!gone) {
      gone = true;
      window.location.assign(link.href);
    }
  }
  Array.prototype.forEach.call(frames, function (frame) {
    frame.addEventListener("load", function () {
      pending -= 1;
      if (pending <= 0) {
        go();
      }
    });
  });
  window.setTimeout(go, pending === 0 ? 0 : WAIT_MS);
})();
