/* The checkout page says until when the ticket is held; this adds the minutes and seconds left, ticking
   down. Without it the page still says the time. Within the hour only: a longer hold needs no clock. */
(function () {
  "use strict";
  var hold = document.querySelector("[data-hold-until]");
  var out = hold && hold.querySelector("[data-countdown]");
  var until = hold ? Date.parse(hold.getAttribute("data-hold-until")) : NaN;
  if (!out || isNaN(until)) return;

  function tick() {
    var left = Math.max(0, Math.round((until - Date.now()) / 1000));
    if (left === 0) {
      out.textContent = "The time is up.";
      return;
    }
    var minutes = Math.floor(left / 60);
    var seconds = left % 60;
    out.textContent = minutes < 60 ? minutes + ":" + (seconds < 10 ? "0" : "") + seconds + " left." : "";
    window.setTimeout(tick, 1000);
  }
  tick();
})();
