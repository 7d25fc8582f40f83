/* The ticket page's Print button: shown only where a script can open the browser's Print for you.
   Without it the page says how to print. */
(function () {
  "use strict";
  var button = document.querySelector("[data-print]");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    window.print();
  });
})();
