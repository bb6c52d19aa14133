/* The class report's only script besides plotly.js: draws the charts and sorts the student table. */
(function () {
  "use strict";

  // Each chart is a <div data-figure=ID> followed by <script type="application/json" id=ID>.
  function drawCharts() {
    var config = { displaylogo: false, responsive: true, showLink: false, modeBarButtonsToRemove: ["sendDataToCloud"] };
    document.querySelectorAll("div.chart[data-figure]").forEach(function (div) {
      var source = document.getElementById(div.getAttribute("data-figure"));
      if (!source || typeof Plotly === "undefined") return;
      var figure = JSON.parse(source.textContent);
      Plotly.newPlot(div, figure.data, figure.layout, config);
    });
  }

  // The sort key of a cell: its data-sort attribute, else its text.
  function key(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    var value = cell.getAttribute("data-sort");
    return value === null ? cell.textContent.trim() : value;
  }

  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });

  function compare(a, b, numeric) {
    if (numeric) {
      var x = parseFloat(a), y = parseFloat(b);
      if (!isNaN(x) && !isNaN(y) && x !== y) return x - y;
      if (isNaN(x) !== isNaN(y)) return isNaN(x) ? 1 : -1;
    }
    // Numeric-aware for text too: "student10" after "student9".
    return collator.compare(a, b);
  }

  function sortTable(table, columnKey, descending) {
    var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
    var index = headers.findIndex(function (th) { return th.getAttribute("data-key") === columnKey; });
    if (index < 0) return false;
    var numeric = headers[index].getAttribute("data-type") === "number";
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    // Array.prototype.sort is stable, so equal keys keep their previous (roster) order.
    rows.sort(function (r1, r2) {
      var order = compare(key(r1, index), key(r2, index), numeric);
      return descending ? -order : order;
    });
    var fragment = document.createDocumentFragment();
    rows.forEach(function (row) { fragment.appendChild(row); });
    body.appendChild(fragment);
    headers.forEach(function (th, i) {
      if (i === index) th.setAttribute("aria-sort", descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    });
    return true;
  }

  // "#sort=total-desc" (KEY-asc|desc; KEY may itself contain "-"): sort on load, and kept in the
  // address when a header is clicked so that a reload or a shared link keeps the order.
  function sortFromFragment(table) {
    var match = /(?:^#|&)sort=([^&]+)/.exec(window.location.hash);
    if (!match) return;
    var value = decodeURIComponent(match[1]);
    var dash = value.lastIndexOf("-");
    var direction = dash >= 0 ? value.slice(dash + 1) : "";
    if (direction === "asc" || direction === "desc") sortTable(table, value.slice(0, dash), direction === "desc");
    else sortTable(table, value, false);
  }

  function setUpTable() {
    var table = document.getElementById("student-table");
    if (!table) return;
    table.tHead.addEventListener("click", function (event) {
      var th = event.target.closest("th[data-key]");
      if (!th) return;
      // Numbers start with the highest, text from A.
      var descending = th.getAttribute("aria-sort")
        ? th.getAttribute("aria-sort") === "ascending"
        : th.getAttribute("data-type") === "number";
      var columnKey = th.getAttribute("data-key");
      sortTable(table, columnKey, descending);
      if (window.history && history.replaceState) {
        history.replaceState(null, "", "#sort=" + encodeURIComponent(columnKey) + (descending ? "-desc" : "-asc"));
      }
    });
    sortFromFragment(table);
    window.addEventListener("hashchange", function () { sortFromFragment(table); });
  }

  // Printing shows folded lists of students open.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details").forEach(function (d) { d.open = true; });
  });

  function start() {
    setUpTable();
    drawCharts();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
