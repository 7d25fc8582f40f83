/* The seat map without this script is a plain radio group: Left and Right move seat by seat, and every
   seat can be chosen. This adds Up and Down (the same seat number in the row in front or behind, or the
   nearest free one) and zoom buttons for large halls. */
(function () {
  "use strict";
  var frame = document.querySelector("[data-seat-map]");
  if (!frame) return;
  var table = frame.querySelector("table.seat-map");
  if (!table) return;

  function freeSeatNear(row, column) {
    var cells = row.cells;
    for (var distance = 0; distance < cells.length; distance++) {
      var candidates = [cells[column - distance], cells[column + distance]];
      for (var i = 0; i < candidates.length; i++) {
        var input = candidates[i] && candidates[i].querySelector("input:not([disabled])");
        if (input) return input;
      }
    }
    return null;
  }

  table.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowUp" && event.key !== "ArrowDown") return;
    var cell = event.target.closest("td");
    if (!cell) return;
    var rows = table.tBodies[0].rows;
    var index = Array.prototype.indexOf.call(rows, cell.parentElement);
    var step = event.key === "ArrowUp" ? -1 : 1;
    for (var r = index + step; r >= 0 && r < rows.length; r += step) {
      var target = freeSeatNear(rows[r], cell.cellIndex);
      if (target) {
        event.preventDefault();
        target.focus();
        target.checked = true;
        return;
      }
    }
    event.preventDefault();
  });

  var levels = ["zoom-small", "", "zoom-large"];
  var level = 1;
  var controls = document.createElement("p");
  controls.className = "zoom-controls";
  [["Zoom out", -1], ["Zoom in", 1]].forEach(function (pair) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "small quiet";
    button.textContent = pair[0];
    button.addEventListener("click", function () {
      level = Math.min(Math.max(level + pair[1], 0), levels.length - 1);
      frame.classList.remove("zoom-small", "zoom-large");
      if (levels[level]) frame.classList.add(levels[level]);
    });
    controls.appendChild(button);
  });
  frame.parentNode.insertBefore(controls, frame);
})();
